// Deciding a model's next version: the declared type (pending change files and a flag), the version it gives,
// and the check of that declaration against what the candidate files' interfaces require. `decideNext` is the
// pure decision register makes under its lock; `planBump` gathers its inputs for `mreg bump` and
// `mreg change status`, which write nothing.
import { MregError } from '../../errors.js';
import { expandInputs } from '../inputs.js';
import { requiredBump, type Finding } from '../formats/compare.js';
import type { DeclaredSignature } from '../manifest/types.js';
import { checkName } from '../names.js';
import { hashFile } from '../../store/blobs.js';
import type { Layout } from '../../store/layout.js';
import { listVersions, readManifest } from '../manifest/versions.js';
import type { ChangeType } from '../change-type.js';
import { compareTypes, highestType, nextVersion, preReleaseLevel } from './bump.js';
import { bumpBase, checkLine, checkStaysInLine } from './lines.js';
import { ConsumedIndex, pendingFor, readChanges, type Change, type PendingChange } from './changes.js';
import { checkDeclared, readSchema, versionFindings, type VersionInterface } from './findings.js';

export interface DecideInput {
  model: string;
  /** the highest registered version, if any */
  current?: string | undefined;
  /** its manifest (or anything with its interfaces and artifacts), when there is a candidate to compare */
  previous?: VersionInterface | undefined;
  candidate?: VersionInterface | undefined;
  /** the highest type among the pending changes and the flag */
  declared?: ChangeType | undefined;
  /** the type given as an option (not by change files), for the hint when it falls short */
  option?: ChangeType | undefined;
  /** the maintenance line bumped in: `current` is its highest version, and the next version must stay in it */
  line?: string | undefined;
  /** every registered version, to say so when the next version outside the line is one of them */
  registered?: readonly string[] | undefined;
  pre?: string | undefined;
  /** how the command takes a type on its command line, for the error when none is declared */
  flag: string;
}

export interface Decision {
  next: string;
  type: ChangeType;
  required: ChangeType | undefined;
  findings: Finding[];
}

export function noDeclarationMessage(model: string, flag: string): string {
  return `no version declared: pass ${flag}, or declare the change in a change file (mreg change add ${model} --change major|minor|patch -m "what changed")`;
}

/**
 * The next version and the findings behind it. With nothing declared, a pre-release sequence may still go on
 * (1.3.0-rc.0 → 1.3.0-rc.1 with --pre rc) or be released (→ 1.3.0): that step declares the sequence's own level.
 * Throws USAGE when nothing is declared otherwise, and BUMP_TOO_LOW when the findings require more.
 */
export function decideNext(input: DecideInput): Decision {
  const findings = input.candidate ? versionFindings(input.previous, input.candidate) : [];
  const required = requiredBump(findings);
  const type = input.declared ?? (input.current === undefined ? undefined : preReleaseLevel(input.current));
  if (type === undefined) {
    const needs = required ? `; these files require at least ${required} (${findings.filter((f) => f.bump === required).map((f) => f.message).join('; ')})` : '';
    throw new MregError('USAGE', `${noDeclarationMessage(input.model, input.flag)}${needs}`, { data: { option: 'change' } });
  }
  const next = nextVersion(input.current, type, input.pre);
  checkStaysInLine(input.model, input.line, input.current, next, input.registered);
  const how = input.declared === undefined ? `continuing ${input.current}` : undefined;
  const by = input.option !== undefined && compareTypes(input.option, type) >= 0 ? 'change' : 'changes';
  checkDeclared(input.model, type, findings, { current: input.current ?? null, next, ...(input.line === undefined ? {} : { line: input.line }) }, how, by);
  return { next, type, required, findings };
}

export interface BumpRequest {
  model: string;
  /** the declared change */
  type?: ChangeType | undefined;
  pre?: string | undefined;
  /** the maintenance line to bump in ("1", "1.4") */
  line?: string | undefined;
  /** candidate files to check against the latest version */
  inputs?: string[] | undefined;
  cwd: string;
  signature?: DeclaredSignature | undefined;
}

export interface BumpPlan {
  model: string;
  /** the maintenance line bumped in, when one was given */
  line?: string;
  /** the highest version (in the line, with one) */
  current: string | null;
  next: string;
  type: ChangeType;
  required: ChangeType | null;
  findings: Finding[];
  /** the pending changes the type comes from */
  changes: PendingChange[];
}

/** What the candidate files would bring: their interfaces (headers only) and their hashes. Reads, never writes. */
export async function readCandidate(inputs: string[], cwd: string, signature: DeclaredSignature | undefined): Promise<VersionInterface> {
  const files = await expandInputs(inputs, cwd);
  const schema = await readSchema(files, cwd);
  const artifacts = [];
  for (const file of files) artifacts.push({ path: file.path, ...(await hashFile(file.source)) });
  return { schema, signature, artifacts };
}

/** The next version of a model, computed and checked without writing anything. */
export async function planBump(layout: Layout, req: BumpRequest, shared: { changes?: Change[]; index?: ConsumedIndex } = {}): Promise<BumpPlan> {
  const model = checkName(req.model);
  const line = req.line === undefined ? undefined : checkLine(req.line);
  const candidate = req.inputs && req.inputs.length > 0 ? await readCandidate(req.inputs, req.cwd, req.signature) : undefined;
  const versions = await listVersions(layout, model);
  const current = bumpBase(model, versions, line);
  const changes = shared.changes ?? (await readChanges(layout));
  const pending = await pendingFor(layout, model, changes, shared.index ?? new ConsumedIndex(layout), line);
  const previous = current !== undefined && candidate ? await readManifest(layout, model, current) : undefined;
  const decision = decideNext({
    model,
    current,
    previous,
    candidate,
    declared: highestType([req.type, ...pending.map((p) => p.type)]),
    option: req.type,
    line,
    registered: versions,
    pre: req.pre,
    flag: 'change major|minor|patch',
  });
  return {
    model,
    ...(line === undefined ? {} : { line }),
    current: current ?? null,
    next: decision.next,
    type: decision.type,
    required: decision.required ?? null,
    findings: decision.findings,
    changes: pending,
  };
}
