// Registering a version: check the options (errors name them in these words), gather the metadata (a file
// or object, assignments, references), read the model files' interfaces and check the declared change
// against them (headers only, before any byte is stored), store the files as blobs (no lock held: that is
// the slow part), then, under the model's lock, allocate the version and write the manifest create-only.
// The manifest lists the pending changes it consumes, so its link is the one step that both creates the
// version and consumes them; the change files are deleted after it, as tidying up.
import { lstat, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';
import { MAX_DOCUMENT_BYTES, readDocumentFile } from '../core/documents.js';
import { MregError, toMregError } from '../errors.js';
import { expandInputs, type InputFile } from '../core/inputs.js';
import { CARD_PATH, MAX_CARD_BYTES } from '../core/report/card-path.js';
import type { Finding } from '../core/formats/compare.js';
import { checkName } from '../core/names.js';
import { sealManifest, shortHash, versionDigest } from '../core/manifest/hash.js';
import { CHANGE_TYPES, isChangeType, type ChangeType } from '../core/change-type.js';
import { KINDS, type Artifact, type Kind, type Lineage, type Manifest, type Metadata, type Scalar, type ScanVerdict, type UnsafeAllowed } from '../core/manifest/types.js';
import { mergeMetadata, parseAssignments } from '../core/manifest/metadata.js';
import { validateMetadata } from '../core/manifest/validate.js';
import { withFlagReferences } from '../core/manifest/lineage.js';
import { checkKind, kindConflict, prepareLineage } from '../core/lineage/declare.js';
import { scanFile } from '../core/scan/scan.js';
import { manifestToYaml } from '../core/manifest/yaml.js';
import { gitState, resolveActor } from '../core/provenance.js';
import { appendEvents } from '../core/lifecycle/history.js';
import { completeRegisterEvents, completeRegisterEventsIfMissing } from '../core/lifecycle/register-events.js';
import { fsyncDir, writeCreateOnly } from '../store/atomic.js';
import { hashSource, ingestFile, reuseBlob, SMALL_FILE, statSource, type BlobRef, type SourceStat } from '../store/blobs.js';
import { openStatCache, type StatCache } from '../store/stat-cache.js';
import { availableParallelism } from 'node:os';
import { blobPath, manifestPath } from '../store/layout.js';
import { withLock } from '../store/lock.js';
import { openStore, type Store } from '../core/store.js';
import { checkPreTag, checkVersionLength, highestType, impliedType, nextVersion, preReleaseLevel } from '../core/versioning/bump.js';
import { ConsumedIndex, pendingFor, readChanges, removeConsumed, type PendingChange } from '../core/versioning/changes.js';
import { checkDeclared, readSchema, versionFindings, type VersionInterface } from '../core/versioning/findings.js';
import { decideNext, noDeclarationMessage } from '../core/versioning/plan.js';
import { bumpBase, checkLine, checkVersionInLine } from '../core/versioning/lines.js';
import { listVersions, readManifest } from '../core/manifest/versions.js';
import { mapLimit } from '../core/concurrency.js';
import type { Where } from './where.js';

export { CHANGE_TYPES, type ChangeType } from '../core/change-type.js';
export type { Artifact, Kind, Lineage } from '../core/manifest/types.js';
export type { PendingChange } from '../core/versioning/changes.js';
export type { Finding } from '../core/formats/compare.js';

export interface RegisterProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  bytes: number;
  total: number;
}

/** Values given as `key=value` assignments (numbers and booleans keep their type), or as an object. */
export type Assignments = readonly string[] | Record<string, Scalar>;

export interface RegisterOptions extends Where {
  /** the name the version is registered under */
  model: string;
  /** files, directories or globs, relative to cwd */
  inputs: string[];
  /** the version to register (any valid semver not yet registered); without it, the version is bumped */
  version?: string | undefined;
  /** the change this version declares: major, minor or patch (the highest of it and the pending change files wins) */
  change?: ChangeType | undefined;
  /** pre-release tag: the next version is a pre-release (1.3.0-rc.0) */
  pre?: string | undefined;
  /**
   * a maintenance line ("1", "1.4"): the version is bumped from the line's highest version, compared with it,
   * consumes the changes declared for the line, and must stay in it; with `version`, the version must be in it
   */
  line?: string | undefined;
  /** what this version is (wins over the metadata's message) */
  message?: string | undefined;
  /** hyperparameters, metrics and tags (win over the metadata's, key by key) */
  params?: Assignments | undefined;
  metrics?: Assignments | undefined;
  tags?: Assignments | undefined;
  /** metadata: a YAML or JSON file (a path relative to cwd) or the document itself, validated either way */
  meta?: string | Record<string, unknown> | undefined;
  /** what the name holds: model (the default), dataset, features or pipeline */
  kind?: Kind | undefined;
  /** references added to the metadata's lineage: name@version (a range or stage is resolved now) or a URI */
  parents?: readonly string[] | undefined;
  data?: readonly string[] | undefined;
  features?: readonly string[] | undefined;
  pipeline?: readonly string[] | undefined;
  /** who registers (default: MREG_ACTOR, git user.email, $USER from env) */
  actor?: string | undefined;
  /** register artifacts mreg scan finds unsafe anyway (recorded in the manifest) */
  allowUnsafe?: boolean | undefined;
  /** a hand-written model card (Markdown, a path relative to cwd), stored as the artifact MODEL_CARD.md */
  card?: string | undefined;
  /** hash every file, ignoring the stat cache (which skips files whose stat is unchanged) */
  rehash?: boolean | undefined;
  now?: () => Date;
  onProgress?: (progress: RegisterProgress) => void;
  /** Fault injection for tests: runs after the files are stored and before the version is written. */
  beforeCommit?: () => Promise<void>;
  /** Fault injection for tests: runs after the manifest is linked, just before its register event is appended (a throw is a failed append). */
  afterCommit?: () => Promise<void>;
}

/** The older name of the options. */
export type RegisterRequest = RegisterOptions;

export interface RegisterResult {
  model: string;
  version: string;
  hash: string;
  unchanged: boolean;
  artifacts: Artifact[];
  bytes_stored: number;
  /** bytes of the input files read and hashed (0 when the stat cache vouched for every file) */
  bytes_hashed: number;
  /** the pending changes this version consumed */
  changes: PendingChange[];
  /** how the files' interfaces differ from the previous version's */
  findings: Finding[];
  kind: Kind;
  /** the references as stored: exact versions */
  lineage?: Lineage;
  /** what went wrong after the version was committed (HISTORY_INCOMPLETE: its register event is not written yet) */
  after_commit?: { code: string; message: string }[];
  /** the maintenance line the version was registered in, when one was given */
  line?: string;
  /** files the scan stored with a warning (review their imports); recorded in the manifest's `scan` */
  warnings: ScanWarning[];
}

/** A file whose scan status is `warning`: loading it needs or imports something a person should review. */
export interface ScanWarning {
  path: string;
  /** every global its pickles import, as module.name */
  globals: string[];
  /** what the scan noticed, its warnings joined by '; ' */
  message: string;
}

export function checkVersion(text: string): string {
  const version = valid(text);
  checkVersionLength(text, 'version');
  if (!version) throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(text)}: expected a semantic version like 1.2.3`);
  if (text.includes('+')) throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(text)}: build metadata (+...) does not order versions; leave it out`);
  return version;
}

export function bumpVersion(current: string | undefined, change: ChangeType): string {
  return nextVersion(current, change);
}

/** The highest of `versions` (sorted lowest first) below `version`: what an explicit version follows. */
function versionBelow(versions: readonly string[], version: string): string | undefined {
  return versions.filter((v) => compare(v, version) < 0).pop();
}

async function artifactsOf(store: Store, model: string, version: string | undefined): Promise<Map<string, BlobRef>> {
  if (!version) return new Map();
  const manifest = await readManifest(store.layout, model, version);
  return new Map(manifest.artifacts.map((a) => [a.path, a]));
}

/** How a version is declared, for the error when none is. */
const DECLARE = 'a version (X.Y.Z) or a change (major|minor|patch)';

/** What the domain needs once the options are checked: the metadata merged and the environment settled. */
interface Prepared {
  model: string;
  inputs: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  version: string | undefined;
  change: ChangeType | undefined;
  pre: string | undefined;
  line: string | undefined;
  allowUnsafe: boolean;
  card: string | undefined;
  rehash: boolean;
  meta: Metadata;
  kind: Kind;
  actor: string | undefined;
  now: (() => Date) | undefined;
  onProgress: ((progress: RegisterProgress) => void) | undefined;
  beforeCommit: (() => Promise<void>) | undefined;
  afterCommit: (() => Promise<void>) | undefined;
}

function assignments(value: Assignments | undefined, name: string): Record<string, Scalar> {
  if (value === undefined) return {};
  if (Array.isArray(value)) return parseAssignments(value as string[], name);
  if (typeof value !== 'object' || value === null) throw new MregError('USAGE', `${name}: expected key=value assignments or an object`);
  return { ...(value as Record<string, Scalar>) };
}

async function metadataOf(opts: RegisterOptions): Promise<Metadata> {
  let base: Metadata = { params: {}, metrics: {}, tags: {} };
  if (typeof opts.meta === 'string') base = validateMetadata(await readDocumentFile(resolve(opts.cwd, opts.meta), opts.meta), opts.meta);
  else if (opts.meta !== undefined) {
    if (typeof opts.meta !== 'object' || opts.meta === null || Array.isArray(opts.meta)) throw new MregError('USAGE', 'meta: expected a file path or a metadata object');
    base = validateMetadata(opts.meta, 'meta');
  }
  const meta = mergeMetadata(base, {
    params: assignments(opts.params, 'params'),
    metrics: assignments(opts.metrics, 'metrics'),
    tags: assignments(opts.tags, 'tags'),
    ...(opts.message === undefined ? {} : { message: opts.message }),
  });
  const references = { parents: opts.parents, data: opts.data, features: opts.features, pipeline: opts.pipeline };
  const lineage = withFlagReferences(meta.lineage, Object.fromEntries(Object.entries(references).map(([k, v]) => [k, v === undefined ? undefined : [...v]])));
  if (lineage) meta.lineage = lineage;
  return meta;
}

/** Checks the options (in the options' own words), opens the store and registers the version. Writes nothing on a refusal. */
export async function register(opts: RegisterOptions): Promise<RegisterResult> {
  const model = checkName(opts.model);
  if (!Array.isArray(opts.inputs) || opts.inputs.length === 0) throw new MregError('USAGE', 'inputs: give at least one file, directory or glob');
  if (opts.version !== undefined && opts.change !== undefined) throw new MregError('USAGE', 'version and change: give one or the other, not both');
  if (opts.version !== undefined && opts.pre !== undefined) throw new MregError('USAGE', 'version and pre: give one or the other, not both (a version may itself be a pre-release: 1.3.0-rc.0)');
  if (opts.change !== undefined && !isChangeType(opts.change)) throw new MregError('USAGE', `change ${JSON.stringify(opts.change)}: expected major, minor or patch`);
  if (opts.kind !== undefined && !KINDS.includes(opts.kind)) throw new MregError('USAGE', `kind ${JSON.stringify(opts.kind)}: expected one of: ${KINDS.join(', ')}`);
  if (opts.pre !== undefined) checkPreTag(opts.pre);
  const version = opts.version === undefined ? undefined : checkVersion(opts.version);
  const line = opts.line === undefined ? undefined : checkLine(opts.line);
  if (version !== undefined) checkVersionInLine(line, version);
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const meta = await metadataOf(opts);
  return registerVersion(store, {
    model,
    inputs: opts.inputs,
    cwd: opts.cwd,
    env: opts.env ?? {},
    version,
    change: opts.change,
    pre: opts.pre,
    line,
    allowUnsafe: Boolean(opts.allowUnsafe),
    card: opts.card,
    rehash: Boolean(opts.rehash),
    meta,
    kind: checkKind(opts.kind),
    actor: opts.actor,
    now: opts.now,
    onProgress: opts.onProgress,
    beforeCommit: opts.beforeCommit,
    afterCommit: opts.afterCommit,
  });
}

/** A hand-written model card joins the artifacts as MODEL_CARD.md: hashed, stored and verified like any file. */
async function cardInput(card: string, cwd: string, files: readonly InputFile[]): Promise<InputFile> {
  const source = resolve(cwd, card);
  const info = await stat(source).catch(() => undefined);
  if (!info?.isFile()) throw new MregError('INVALID_INPUT', `card ${JSON.stringify(card)}: not a file`, { data: { option: 'card' } });
  if (info.size > MAX_CARD_BYTES) throw new MregError('INVALID_INPUT', `card ${JSON.stringify(card)}: larger than ${MAX_CARD_BYTES} bytes (a card is prose)`, { data: { option: 'card' } });
  if (files.some((f) => f.path === CARD_PATH)) throw new MregError('INVALID_INPUT', `card: the inputs already hold a ${CARD_PATH}; give the card one way`, { data: { option: 'card' } });
  return { source, path: CARD_PATH, input: card };
}

async function registerVersion(store: Store, req: Prepared): Promise<RegisterResult> {
  const { model, kind } = req;
  const explicit = req.version;
  // The name's kind and every reference are checked first; the references, resolved to exact versions, are
  // what is hashed and stored.
  req = { ...req, meta: await prepareLineage(store, model, kind, req.meta) };
  const files = await expandInputs(req.inputs, req.cwd);
  if (req.card !== undefined) files.push(await cardInput(req.card, req.cwd, files));
  const { layout } = store;

  // Interfaces come from the headers, which is cheap: a hostile header or an understated change fails here,
  // before a single byte is stored. The stat lets us notice a file rewritten between this read and storing it.
  const seen = await Promise.all(files.map((f) => stat(f.source)));
  const schema = await readSchema(files, req.cwd);
  const { unsafe, warnings } = await scanArtifacts(files, req.allowUnsafe);
  const verdicts: Record<string, ScanVerdict> = {};
  for (const w of warnings) Object.defineProperty(verdicts, w.path, { value: 'warning', enumerable: true, writable: true, configurable: true });
  for (const u of unsafe) Object.defineProperty(verdicts, u.path, { value: 'unsafe', enumerable: true, writable: true, configurable: true });
  const signature = req.meta.signature;
  const candidate = (artifacts: VersionInterface['artifacts']): VersionInterface => ({ schema, signature, artifacts });

  const versions = await listVersions(layout, model);
  // With a line, everything a bump compares with is the line's highest version, not the model's.
  const latest = explicit === undefined ? bumpBase(model, versions, req.line) : versions[versions.length - 1];
  const explicitExists = explicit !== undefined && versions.includes(explicit);
  // An explicit version is the manual way: it neither needs nor consumes change files.
  const pending = explicit === undefined ? await pendingFor(layout, model, await readChanges(layout), undefined, req.line) : [];
  const declared = highestType([req.change, ...pending.map((p) => p.type)]);
  const undeclared = explicit === undefined && declared === undefined && (latest === undefined || preReleaseLevel(latest) === undefined);

  if (!explicitExists && !undeclared) {
    const previousVersion = explicit === undefined ? latest : versionBelow(versions, explicit);
    const previous = previousVersion === undefined ? undefined : await readManifest(layout, model, previousVersion);
    // Without the hashes yet, every file counts as changed: that adds at most a patch finding, which any
    // declaration covers, so this early check refuses exactly what the final one would.
    const early = candidate(files.map((f) => ({ path: f.path })));
    if (explicit !== undefined) checkExplicit(model, previousVersion, explicit, versionFindings(previous, early));
    else decideNext({ model, current: latest, previous, candidate: early, declared, option: req.change, line: req.line, registered: versions, pre: req.pre, flag: DECLARE });
  }

  if (undeclared) {
    // Nothing declared: only a re-run with nothing new can succeed, so hash without storing anything.
    const sources = new SourceReader(layout, await openStatCache(layout, { disabled: req.rehash }));
    const artifacts = await mapBySize(files, seen, async (file) => ({ path: file.path, ...(await sources.hash(file.source)) }));
    await sources.cache.save();
    const digest = versionDigest(artifacts, req.meta, kind);
    if (latest !== undefined && (await readManifest(layout, model, latest)).digest === digest) {
      await completeRegisterEventsIfMissing(layout, model);
      return { model, version: latest, hash: shortHash(digest), unchanged: true, artifacts, bytes_stored: 0, bytes_hashed: sources.hashed, changes: [], findings: [], kind, ...lineageOf(req.meta), warnings };
    }
    throw new MregError('USAGE', noDeclarationMessage(model, DECLARE));
  }

  // Compare against the version being re-declared, else the latest: unchanged bytes are then read, not copied.
  const candidates = await artifactsOf(store, model, explicitExists ? explicit : latest);

  // Provenance runs git in child processes: started with the first file that must be hashed, it
  // overlaps the hashing instead of following it; an unchanged re-run never waits for git at all.
  let provenance: Promise<[Awaited<ReturnType<typeof gitState>>, string]> | undefined;
  const startProvenance = () => {
    if (provenance) return provenance;
    provenance = Promise.all([gitState(req.cwd, req.env), resolveActor(req.cwd, req.env, req.actor)]);
    provenance.catch(() => undefined);
    return provenance;
  };
  const sources = new SourceReader(layout, await openStatCache(layout, { disabled: req.rehash }), startProvenance);
  let stored = 0;
  // Files are hashed and stored a few at a time: shards of one checkpoint overlap their copies and
  // hashes, while the memory stays bounded (a pool of POOL, each with a few fixed-size buffers).
  const artifacts = await mapBySize(files, seen, async (file, index): Promise<Artifact> => {
    const onProgress = req.onProgress
      ? (bytes: number) => req.onProgress!({ file: file.path, fileIndex: index, fileCount: files.length, bytes, total: seen[index]!.size })
      : undefined;
    // A version that exists may only be confirmed, never replaced: hash without storing anything.
    const blob = explicitExists ? { ...(await sources.hash(file.source, onProgress)), written: false } : await sources.store(file.source, candidates.get(file.path), onProgress);
    if (blob.written) stored += blob.size;
    const now = await stat(file.source);
    if (now.size !== seen[index]!.size || now.mtimeMs !== seen[index]!.mtimeMs) {
      throw new MregError('CHANGED_WHILE_READING', `${file.source}: the file changed while it was being stored; try again once it is complete`);
    }
    return { path: file.path, sha256: blob.sha256, size: blob.size };
  });
  await sources.cache.save();
  const digest = versionDigest(artifacts, req.meta, kind);
  const result = (version: string, unchanged: boolean, changes: PendingChange[] = [], findings: Finding[] = []): RegisterResult => ({
    model,
    version,
    hash: shortHash(digest),
    unchanged,
    artifacts,
    bytes_stored: stored,
    bytes_hashed: sources.hashed,
    changes,
    findings,
    kind,
    ...lineageOf(req.meta),
    ...(req.line === undefined ? {} : { line: req.line }),
    warnings,
  });

  if (explicitExists) {
    const existing = await readManifest(layout, model, explicit);
    if (existing.digest === digest) return result(explicit, true);
    throw new MregError('VERSION_EXISTS', `${model}@${explicit} is already registered with other content (hash ${existing.hash}, these files and metadata give ${shortHash(digest)})`, {
      hint: 'versions are immutable: register the change as a new version',
      data: { existing: existing.hash, candidate: shortHash(digest) },
    });
  }

  // Identical files and metadata to the latest version: nothing to write (checked again under the lock).
  if (latest !== undefined && (await readManifest(layout, model, latest)).digest === digest) {
    await completeRegisterEventsIfMissing(layout, model);
    return result(latest, true);
  }

  const [git, actor] = await startProvenance();
  await req.beforeCommit?.();
  const now = (req.now ?? (() => new Date()))();

  return withLock(layout, `model-${model}`, async () => {
    // Everything is decided again under the lock: another register may have added a version or consumed
    // the pending changes since the early check.
    await completeRegisterEvents(layout, model);
    const current = await listVersions(layout, model);
    const top = explicit === undefined ? bumpBase(model, current, req.line) : current[current.length - 1];
    const topManifest = top === undefined ? undefined : await readManifest(layout, model, top);
    if (topManifest && topManifest.kind !== kind) throw kindConflict(model, topManifest.kind, kind);
    // Identical files and metadata are `unchanged` whatever is pending: a re-run consumes nothing.
    if (topManifest && topManifest.digest === digest) return result(top!, true);

    const changes = explicit === undefined ? await readChanges(layout) : [];
    const index = new ConsumedIndex(layout);
    let version: string;
    let findings: Finding[];
    let consumed: PendingChange[] = [];
    if (explicit !== undefined) {
      const previousVersion = versionBelow(current, explicit);
      const previous = previousVersion === undefined ? undefined : previousVersion === top ? topManifest : await readManifest(layout, model, previousVersion);
      findings = versionFindings(previous, candidate(artifacts));
      checkExplicit(model, previousVersion, explicit, findings);
      version = explicit;
    } else {
      consumed = await pendingFor(layout, model, changes, index, req.line);
      const decision = decideNext({
        model,
        current: top,
        previous: topManifest,
        candidate: candidate(artifacts),
        declared: highestType([req.change, ...consumed.map((p) => p.type)]),
        option: req.change,
        line: req.line,
        registered: current,
        pre: req.pre,
        flag: DECLARE,
      });
      version = decision.next;
      findings = decision.findings;
    }
    if (current.includes(version)) throw new MregError('VERSION_EXISTS', `${model}@${version} is already registered`);
    const manifest: Manifest = sealManifest({
      format: 1,
      name: model,
      kind,
      version,
      hash: shortHash(digest),
      digest,
      created_at: now.toISOString(),
      actor,
      ...(git ? { git } : {}),
      artifacts,
      ...(consumed.length > 0 ? { changes: consumed.map(({ id, type, summary }) => ({ id, type, summary })) } : {}),
      ...req.meta,
      ...(Object.keys(schema).length > 0 ? { schema } : {}),
      ...(unsafe.length > 0 ? { unsafe_allowed: unsafe } : {}),
      ...(Object.keys(verdicts).length > 0 ? { scan: verdicts } : {}),
    });
    const yaml = manifestToYaml(manifest);
    // Never write a manifest that mreg would refuse to read back.
    if (Buffer.byteLength(yaml) > MAX_DOCUMENT_BYTES) {
      throw new MregError('INVALID_INPUT', `the manifest of ${model}@${version} would take ${Buffer.byteLength(yaml)} bytes, more than the ${MAX_DOCUMENT_BYTES} mreg reads back: record less metadata`);
    }
    // The blobs' directory entries are made durable before anything refers to them.
    for (const dir of sources.syncDirs) await fsyncDir(dir);
    // The commit point: from this link on, the version exists and has consumed its changes.
    if (!(await writeCreateOnly(layout, manifestPath(layout, model, version), yaml))) {
      throw new MregError('VERSION_EXISTS', `${model}@${version} is already registered`);
    }
    // Past the commit point a failure must not say the version is missing when it exists: the event is
    // completed by the next command that takes this model's lock, and verify reports it until then.
    const afterCommit: NonNullable<RegisterResult['after_commit']> = [];
    try {
      await req.afterCommit?.();
      await appendEvents(layout, model, [{ event: 'register', model, version, actor, hash: manifest.hash }], now);
    } catch (err) {
      const why = toMregError(err).message;
      afterCommit.push({
        code: 'HISTORY_INCOMPLETE',
        message: `${model}@${version} is registered, but its register event could not be written to history/${model}.jsonl (${why}); the next register or promote of ${model} writes it (mreg verify reports it until then)`,
      });
    }
    await restoreCollected(store, files, artifacts);
    // Tidying up: a file left behind by a crash here is still consumed (its id is in the manifest).
    index.add(model, consumed.map((c) => c.id));
    await removeConsumed(changes.filter((c) => Object.hasOwn(c.models, model)), index).catch(() => undefined);
    return { ...result(version, false, consumed, findings), ...(afterCommit.length > 0 ? { after_commit: afterCommit } : {}) };
  });
}

function lineageOf(meta: Metadata): { lineage?: Lineage } {
  return meta.lineage ? { lineage: meta.lineage } : {};
}

/** An explicit version declares the step from the version below it: 1.2.0 → 1.2.1 is a patch. */
function checkExplicit(model: string, previous: string | undefined, version: string, findings: Finding[]): void {
  const implied = impliedType(previous, version);
  if (implied !== undefined) checkDeclared(model, implied, findings, { previous, version }, `version ${version} after ${previous}`, 'version');
}

/**
 * Pickle-based artifacts run code when loaded: refuse any that imports something unsafe (nothing is
 * stored yet), unless the user allows it, in which case the list goes into the manifest. Files with a
 * warning are stored, and the warnings returned, for the result and the manifest.
 */
async function scanArtifacts(files: InputFile[], allow: boolean): Promise<{ unsafe: UnsafeAllowed[]; warnings: ScanWarning[] }> {
  const found: UnsafeAllowed[] = [];
  const warnings: ScanWarning[] = [];
  const scans = await mapLimit(files, POOL, (file) => scanFile(file.source, file.path));
  for (const [i, scan] of scans.entries()) {
    const file = files[i]!;
    if (scan.status === 'unsafe') found.push({ path: file.path, globals: scan.globals });
    if (scan.status === 'warning') {
      const message = scan.findings.filter((f) => f.severity === 'warning').map((f) => f.message).join('; ');
      warnings.push({ path: file.path, globals: scan.globals, message });
    }
  }
  if (found.length > 0 && !allow) {
    const what = found.map((f) => `${f.path}${f.globals.length ? ` (imports ${f.globals.join(', ')})` : ' (malformed or unscannable)'}`).join('; ');
    throw new MregError('UNSAFE_ARTIFACT', `refusing to register artifacts that would run code when loaded: ${what}; nothing was stored`, {
      hint: 'see mreg scan for details; allowUnsafe registers them anyway and records that in the manifest',
      data: { unsafe: found as unknown as Record<string, unknown>[] } as Record<string, unknown>,
    });
  }
  return { unsafe: found, warnings };
}

/**
 * A gc running alongside may have deleted a blob this version reuses between the moment it was
 * found and the moment the manifest was written (blobs it reuses are freshened, so only within
 * that instant). Whatever was collected is stored again from the input files.
 */
async function restoreCollected(store: Store, files: InputFile[], artifacts: Artifact[]): Promise<void> {
  for (const [i, a] of artifacts.entries()) {
    const st = await lstat(blobPath(store.layout, a.sha256)).catch(() => undefined);
    if (st?.isFile() && st.size === a.size) continue;
    const again = await ingestFile(store.layout, files[i]!.source);
    if (again.sha256 !== a.sha256) throw new MregError('CHANGED_WHILE_READING', `${files[i]!.source}: the file changed while it was being registered`);
  }
}

/** How many files one register hashes and stores at once: 2 to 4, as the machine's cores allow. */
const POOL = Math.min(4, Math.max(2, availableParallelism()));
/** Small files are mostly waiting (a stat, an fsync): more of them at once, each with a buffer sized to it. */
const SMALL_POOL = 16;

/** `fn` over every file, small files (by their stat) in a wider pool than large ones; results in input order. */
async function mapBySize<T>(files: InputFile[], seen: { size: number }[], fn: (file: InputFile, index: number) => Promise<T>): Promise<T[]> {
  const indexes = files.map((_, i) => i);
  const small = indexes.filter((i) => seen[i]!.size <= SMALL_FILE);
  const large = indexes.filter((i) => seen[i]!.size > SMALL_FILE);
  const out: T[] = new Array<T>(files.length);
  await mapLimit(large, POOL, async (i) => (out[i] = await fn(files[i]!, i)));
  await mapLimit(small, SMALL_POOL, async (i) => (out[i] = await fn(files[i]!, i)));
  return out;
}


/**
 * Reads register's input files, skipping the hash of a file the stat cache vouches for (its stat
 * unchanged since it was hashed, and its blob present with the right size), and recording what it
 * hashes. Counts the bytes it hashed.
 */
class SourceReader {
  hashed = 0;
  /** objects/ directories blobs were renamed into: fsynced once each (durable) before the manifest refers to them */
  readonly syncDirs = new Set<string>();
  constructor(
    private readonly layout: Store['layout'],
    readonly cache: StatCache,
    /** called when a file must be read after all (the cache could not vouch for it) */
    private readonly onMiss: () => void = () => undefined,
  ) {}

  private async known(source: string): Promise<BlobRef | undefined> {
    const st = await statSource(source);
    const sha256 = this.cache.lookup(st);
    const ref = sha256 === undefined ? undefined : { sha256, size: Number(st.size) };
    if (ref && (await reuseBlob(this.layout, ref))) return ref;
    this.onMiss();
    return undefined;
  }

  private record(stat: SourceStat, sha256: string): void {
    this.hashed += Number(stat.size);
    this.cache.record(stat, sha256);
  }

  async hash(source: string, onProgress?: (bytes: number) => void): Promise<BlobRef> {
    const known = await this.known(source);
    if (known) return known;
    const { stat: st, ...ref } = await hashSource(source, onProgress);
    this.record(st, ref.sha256);
    return ref;
  }

  async store(source: string, candidate: BlobRef | undefined, onProgress: ((bytes: number) => void) | undefined) {
    const known = await this.known(source);
    if (known) return { ...known, written: false };
    let st: SourceStat | undefined;
    const blob = await ingestFile(this.layout, source, { ...(candidate ? { candidate } : {}), ...(onProgress ? { onProgress } : {}), onSourceStat: (s) => (st = s), syncDirs: this.syncDirs }).catch((err: NodeJS.ErrnoException) => {
      // A full disk's error names no path (write(2) has none): say which file and which store.
      if (err.code === 'ENOSPC' || err.code === 'EDQUOT') {
        throw new MregError('IO', `${source}: no space left to store it in ${this.layout.root} (${err.code}); nothing was registered`, { cause: err });
      }
      throw err;
    });
    if (st) this.record(st, blob.sha256);
    return blob;
  }
}
