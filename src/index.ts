// The public API: what programmatic users and plugins import from 'mreg'. The CLI is a thin layer
// over exactly these functions; none of them prints or exits.
export { MregError, type ErrorCode } from './core/errors.js';
export { openStore, initStore, locateStoreRoot, type Store, type LocateOptions, type InitResult } from './core/store/store.js';
export { register, bumpVersion, checkVersion, CHANGE_TYPES, type ChangeType, type RegisterRequest, type RegisterResult } from './core/register.js';
export { listModels, listVersions, latestVersion, readManifest } from './core/versions.js';
export { resolveRef, splitRef, type ResolvedRef } from './core/lifecycle/refs.js';
export { exportVersion, type ExportOptions, type ExportResult } from './core/export.js';
export { verifyStore, type VerifyReport, type Finding } from './core/verify.js';
export { checkName, nameProblem } from './core/names.js';
export { versionDigest, manifestChecksum, canonicalJson, shortHash } from './core/manifest/hash.js';
export { validateManifest, validateMetadata } from './core/manifest/validate.js';
export { mergeMetadata, parseAssignments, typedValue } from './core/manifest/metadata.js';
export type { Manifest, Metadata, Artifact, GitState, Json, JsonMap, Scalar, ConsumedChange, DeclaredSignature } from './core/manifest/types.js';
export { nextVersion, impliedType, preReleaseLevel } from './core/versioning/bump.js';
export { addChange, readChanges, pendingChanges, type Change, type PendingChange } from './core/versioning/changes.js';
export { planBump, type BumpPlan, type BumpRequest } from './core/versioning/plan.js';
export { versionFindings } from './core/versioning/findings.js';
export { buildChangelog, changelogMarkdown, type ChangelogEntry } from './core/versioning/changelog.js';
export { readInterface } from './core/interface/read.js';
export { compareInterfaces, requiredBump, migrationGuide, RULES, type Finding as InterfaceFinding } from './core/interface/compare.js';
export type { ModelInterface, Tensor, InputTensor } from './core/interface/types.js';
export type { DeployAdapter, AdapterExport, AdapterContext, Release, HealthReport } from './core/deploy/adapter.js';
export { deploy, rollback, status, type DeployResult, type RollbackResult, type StatusResult } from './core/deploy/runner.js';
export { bucket, pick, routeFor, type Split, type Routing } from './core/routing/route.js';
export { promote, demote } from './core/lifecycle/promote.js';
