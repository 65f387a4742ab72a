// The public API: the use cases in src/api/, one function per operation, each taking one options object
// (where: cwd, store, env, plus the operation's own options in domain words) and returning the plain data
// the CLI prints under --json. None of them prints, prompts or exits. docs/api.md has an example of each.
export { MregError, type ErrorCode } from './errors.js';
export type { Where } from './api/where.js';

export { init, type InitOptions, type InitResult } from './api/init.js';
export { register, CHANGE_TYPES, type ChangeType, type RegisterOptions, type RegisterResult, type RegisterProgress, type Artifact, type Kind, type Lineage, type Finding, type ScanWarning } from './api/register.js';
export { bump, type BumpOptions, type BumpPlan } from './api/bump.js';
export { changeAdd, changeEdit, changeList, changeRemove, changeStatus, type ChangeEditOptions, type ChangeRemoveOptions, type ChangeAddOptions, type ChangeAddResult, type ChangeListOptions, type PendingChangeEntry, type ChangeStatusOptions, type ChangeStatusResult, type ModelStatus } from './api/change.js';
export { changelog, changelogMarkdown, type ChangelogOptions, type ChangelogResult, type ChangelogEntry } from './api/changelog.js';
export { show, type ShowOptions, type ShowResult } from './api/show.js';
export { ls, type LsOptions, type LsResult, type ModelRow, type VersionRow } from './api/ls.js';
export { exportVersion, type ExportOptions, type ExportResult, type LinkType } from './api/export.js';
export { verify, type VerifyOptions, type VerifyReport } from './api/verify.js';
export { promote, type PromoteOptions, type StageChangeResult } from './api/promote.js';
export { demote, type DemoteOptions } from './api/demote.js';
export { check, type CheckOptions, type ChecksResult, type CheckRun } from './api/check.js';
export { history, type HistoryOptions, type HistoryResult, type HistoryEvent, type HistoryWarning } from './api/history.js';
export { diff, type DiffOptions, type VersionDiff, type MetricChange } from './api/diff.js';
export { lineage, toDot, toMermaid, type LineageOptions, type LineageResult, type LineageNode } from './api/lineage.js';
export { impact, type ImpactOptions, type ImpactResult, type AffectedVersion } from './api/impact.js';
export { gc, type GcOptions, type GcReport, type PrunedVersion } from './api/gc.js';
export { scan, type ScanOptions } from './api/scan.js';
export { deploy, type DeployOptions, type DeployResult, type StepReport } from './api/deploy.js';
export { rollback, type RollbackOptions, type RollbackResult } from './api/rollback.js';
export { status, type StatusOptions, type StatusResult } from './api/status.js';
export { routeSet, routeGet, routeShow, type RouteSetOptions, type RouteGetOptions, type RouteShowOptions, type RouteResult, type RouteGetResult, type Split } from './api/route.js';
export { exportK8s, type ExportK8sOptions, type K8sManifests } from './api/k8s.js';
export { remoteAdd, remoteList, remoteRemove, type RemoteAddOptions, type RemoteListOptions, type RemoteRemoveOptions, type RemoteInfo, type RemoteRemoved } from './api/remote.js';
export { push, type PushOptions, type PushResult } from './api/push.js';
export { pull, type PullOptions, type PullOutcome, type PullResult } from './api/pull.js';
export { clone, type CloneOptions, type CloneResult } from './api/clone.js';
export { rebaseVersion, type RebaseVersionOptions, type RebaseResult, type RebasedVersion } from './api/rebase-version.js';
export { keyGenerate, keyTrust, keyUntrust, type KeyGenerateOptions, type KeyTrustOptions, type KeyUntrustOptions, type KeyFiles, type TrustedKey } from './api/key.js';
export { sign, type SignOptions } from './api/sign.js';
export { card, type CardOptions, type CardResult } from './api/card.js';
export { report, type ReportOptions, type ReportResult } from './api/report.js';
export { serveUi, type UiOptions, type UiHandle } from './api/ui.js';
export { hookInstall, hookUninstall, type HookInstallOptions, type HookUninstallOptions, type HookResult } from './api/hook.js';
export type { TransferEvent, TransferListener } from './api/transfers.js';

// For deploy adapter plugins: the contract a plugin module implements.
export type { DeployAdapter, AdapterExport, AdapterContext, Release, HealthReport } from './core/deploy/adapter.js';
