// Compares the interfaces of two versions of a model and reports each difference as a finding with the semver
// bump it requires; also turns breaking findings into a migration guide. Pure functions over plain data.

import type { ChangeType } from '../change-type.js';
import { UNKNOWN_DIM, UNKNOWN_RANK, type Dim, type InputTensor, type ModelInterface, type Tensor } from './types.js';

/** Every rule and the bump it requires. Rule ids are stable: scripts and change files refer to them. */
export const RULES = {
  'format-changed': 'major',
  'architecture-changed': 'major',
  'input-removed': 'major',
  'input-renamed': 'major',
  'input-added-required': 'major',
  'input-added-optional': 'minor',
  'input-became-required': 'major',
  'input-became-optional': 'minor',
  'input-dtype-changed': 'major',
  'input-rank-changed': 'major',
  'input-dim-changed': 'major',
  'input-dim-now-fixed': 'major',
  'input-dim-now-variable': 'minor',
  'input-dim-renamed': 'patch',
  'output-removed': 'major',
  'output-renamed': 'major',
  'output-added': 'minor',
  'output-dtype-changed': 'major',
  'output-rank-changed': 'major',
  'output-dim-changed': 'major',
  // Callers may have sized buffers for a fixed output, so losing a fixed size breaks them.
  'output-dim-now-variable': 'major',
  'output-dim-now-fixed': 'minor',
  'output-dim-renamed': 'patch',
  'weights-changed': 'patch',
  // GGUF `<arch>.context_length`: prompts that fitted may no longer fit; a longer context only accepts more.
  'context-length-decreased': 'major',
  'context-length-increased': 'minor',
  // Between versions with several model files (src/core/versioning/findings.ts pairs them up).
  'model-removed': 'major',
  'model-added': 'minor',
} as const satisfies Record<string, ChangeType>;

export type RuleId = keyof typeof RULES;

export interface Finding {
  rule: RuleId;
  bump: ChangeType;
  /** The tensor (or metadata key) the finding is about. */
  subject: string;
  /** The model file the finding is about, when a version holds several. */
  file?: string;
  message: string;
  before?: unknown;
  after?: unknown;
}

export interface CompareOptions {
  /** The weight bytes differ (from the blob hashes); reported only when nothing else changed. */
  weightsChanged?: boolean;
}

/** How many per-tensor architecture findings to list before summing up the rest in one finding. */
export const MAX_ARCHITECTURE_FINDINGS = 20;

const ARCHITECTURE_KEY = 'general.architecture';
const ORDER: Record<ChangeType, number> = { patch: 0, minor: 1, major: 2 };

/**
 * Findings that take `prev` to `next`. With no previous interface there is nothing to compare (a version
 * registered before interfaces were read); a previous interface with no next one means the new file is in a
 * format mreg cannot read, which is reported as a format change.
 */
export function compareInterfaces(
  prev: ModelInterface | undefined,
  next: ModelInterface | undefined,
  opts: CompareOptions = {},
): Finding[] {
  const findings: Finding[] = [];
  if (prev && !next) {
    findings.push(finding('format-changed', 'format', `the model format changed from ${prev.format} to one mreg cannot read`, prev.format, undefined));
  } else if (prev && next && prev.format !== next.format) {
    findings.push(finding('format-changed', 'format', `the model format changed from ${prev.format} to ${next.format}`, prev.format, next.format));
  } else if (prev && next) {
    compareArchitecture(prev, next, findings);
    compareContextLength(prev, next, findings);
    compareSide('input', prev.inputs, next.inputs, findings);
    compareSide('output', prev.outputs, next.outputs, findings);
  }
  if (opts.weightsChanged && findings.length === 0) {
    findings.push(finding('weights-changed', 'weights', 'the weights changed; the interface is the same'));
  }
  return findings;
}

/** The largest bump the findings require, or undefined when there are none. */
export function requiredBump(findings: readonly Finding[]): ChangeType | undefined {
  let bump: ChangeType | undefined;
  for (const f of findings) if (bump === undefined || ORDER[f.bump] > ORDER[bump]) bump = f.bump;
  return bump;
}

/** What a caller has to change to move to the new major version: one sentence per thing, no duplicates. */
export function migrationGuide(findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  let file: string | undefined;
  const add = (line: string): void => {
    const full = file === undefined ? line : `${file}: ${line}`;
    if (!lines.includes(full)) lines.push(full);
  };
  for (const f of findings) {
    if (f.bump !== 'major') continue;
    file = f.rule === 'model-removed' ? undefined : f.file;
    const s = f.subject;
    switch (f.rule) {
      case 'format-changed':
        add(f.after === undefined
          ? `Load the model with a runtime for its new format: it is no longer ${String(f.before)}.`
          : `Load the model as ${String(f.after)} instead of ${String(f.before)}.`);
        break;
      case 'architecture-changed':
        add('The weight layout changed: code that builds the model or loads these weights by name or shape must match the new architecture.');
        break;
      case 'input-removed':
        add(`Stop passing input '${s}': the model no longer accepts it.`);
        break;
      case 'input-renamed':
        add(`Pass input '${s}' under its new name '${String(f.after)}'.`);
        break;
      case 'input-added-required':
        add(`Pass the new required input '${s}' (${describe(f.after as Tensor)}).`);
        break;
      case 'input-became-required':
        add(`Always pass input '${s}': it no longer has a default.`);
        break;
      case 'input-dtype-changed':
        add(`Convert input '${s}' from ${String(f.before)} to ${String(f.after)}.`);
        break;
      case 'input-rank-changed':
      case 'input-dim-changed':
      case 'input-dim-now-fixed':
        add(`Reshape input '${s}' from ${formatShape(f.before as Dim[])} to ${formatShape(f.after as Dim[])}.`);
        break;
      case 'output-removed':
        add(`Stop reading output '${s}': the model no longer produces it.`);
        break;
      case 'output-renamed':
        add(`Read output '${s}' under its new name '${String(f.after)}'.`);
        break;
      case 'output-dtype-changed':
        add(`Expect output '${s}' as ${String(f.after)} instead of ${String(f.before)}.`);
        break;
      case 'output-rank-changed':
      case 'output-dim-changed':
      case 'output-dim-now-variable':
        add(`Expect output '${s}' with shape ${formatShape(f.after as Dim[])} instead of ${formatShape(f.before as Dim[])}.`);
        break;
      case 'model-removed':
        add(`Stop loading model file '${s}': the version no longer has it.`);
        break;
      case 'context-length-decreased':
        add(`Keep prompt and output within ${String(f.after)} tokens: the context length shrank from ${String(f.before)}.`);
        break;
      default:
        break;
    }
  }
  return lines;
}

/** "[batch, 3, 224, 224]"; a shape of unknown rank is "[...]". */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`;
}

function describe(t: Tensor): string {
  return `${t.dtype} ${formatShape(t.shape)}`;
}

export function finding(rule: RuleId, subject: string, message: string, before?: unknown, after?: unknown): Finding {
  return {
    rule,
    bump: RULES[rule],
    subject,
    message,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  };
}

type Side = 'input' | 'output';

function compareSide(side: Side, prev: readonly InputTensor[], next: readonly InputTensor[], out: Finding[]): void {
  const nextByName = new Map(next.map((t) => [t.name, t]));
  const prevNames = new Set(prev.map((t) => t.name));
  const removed = prev.filter((t) => !nextByName.has(t.name));
  const added = next.filter((t) => !prevNames.has(t.name));

  // A removed and an added tensor of the same dtype and shape is most likely one tensor renamed; one finding
  // says so better than two. Pairs are taken in file order when several look alike.
  const renamedTo = new Map<InputTensor, InputTensor>();
  const taken = new Set<InputTensor>();
  for (const old of removed) {
    const match = added.find((t) => !taken.has(t) && t.dtype === old.dtype && sameShape(t.shape, old.shape));
    if (match) {
      renamedTo.set(old, match);
      taken.add(match);
    }
  }

  for (const old of prev) {
    const cur = nextByName.get(old.name);
    const renamed = renamedTo.get(old);
    if (renamed) {
      out.push(finding(`${side}-renamed`, old.name, `${side} '${old.name}' was renamed to '${renamed.name}'`, old.name, renamed.name));
    } else if (!cur) {
      out.push(finding(`${side}-removed`, old.name, `${side} '${old.name}' was removed`, old, undefined));
    } else {
      compareTensor(side, old, cur, out);
    }
  }

  for (const t of added) {
    if (taken.has(t)) continue;
    if (side === 'output') {
      out.push(finding('output-added', t.name, `output '${t.name}' was added (${describe(t)})`, undefined, t));
    } else if (t.optional) {
      out.push(finding('input-added-optional', t.name, `optional input '${t.name}' was added (${describe(t)})`, undefined, t));
    } else {
      out.push(finding('input-added-required', t.name, `required input '${t.name}' was added (${describe(t)}); callers must now pass it`, undefined, t));
    }
  }
}

function compareTensor(side: Side, prev: InputTensor, next: InputTensor, out: Finding[]): void {
  const name = prev.name;
  if (side === 'input' && Boolean(prev.optional) !== Boolean(next.optional)) {
    out.push(next.optional
      ? finding('input-became-optional', name, `input '${name}' now has a default and may be left out`)
      : finding('input-became-required', name, `input '${name}' no longer has a default; callers must pass it`));
  }
  if (prev.dtype !== next.dtype) {
    out.push(finding(`${side}-dtype-changed`, name, `${side} '${name}' changed type from ${prev.dtype} to ${next.dtype}`, prev.dtype, next.dtype));
  }
  compareShape(side, name, prev.shape, next.shape, out);
}

function compareShape(side: Side, name: string, prev: Dim[], next: Dim[], out: Finding[]): void {
  const shapes = `${formatShape(prev)} to ${formatShape(next)}`;
  const prevUnknown = isUnknownRank(prev);
  const nextUnknown = isUnknownRank(next);
  if (prevUnknown || nextUnknown) {
    // Declaring a rank where there was none constrains an input and informs an output; dropping it does the reverse.
    if (prevUnknown && !nextUnknown) {
      out.push(finding(`${side}-dim-now-fixed`, name, `${side} '${name}' now has a known rank: shape changed from ${shapes}`, prev, next));
    } else if (!prevUnknown && nextUnknown) {
      out.push(finding(`${side}-dim-now-variable`, name, `${side} '${name}' no longer declares its rank: shape changed from ${shapes}`, prev, next));
    }
    return;
  }
  if (prev.length !== next.length) {
    out.push(finding(`${side}-rank-changed`, name, `${side} '${name}' changed rank from ${prev.length} to ${next.length} (${shapes})`, prev, next));
    return;
  }
  prev.forEach((a, i) => {
    const b = next[i]!;
    if (a === b) return;
    const where = `${side} '${name}' dimension ${i}`;
    if (typeof a === 'number' && typeof b === 'number') {
      out.push(finding(`${side}-dim-changed`, name, `${where} changed from ${a} to ${b} (${shapes})`, prev, next));
    } else if (typeof a === 'number') {
      out.push(finding(`${side}-dim-now-variable`, name, `${where} changed from fixed ${a} to ${dynamic(String(b))} (${shapes})`, prev, next));
    } else if (typeof b === 'number') {
      out.push(finding(`${side}-dim-now-fixed`, name, `${where} changed from ${dynamic(a)} to fixed ${b} (${shapes})`, prev, next));
    } else if (b === UNKNOWN_DIM) {
      out.push(finding(`${side}-dim-renamed`, name, `${where} lost its name '${a}' (now dynamic)`, prev, next));
    } else if (a === UNKNOWN_DIM) {
      out.push(finding(`${side}-dim-renamed`, name, `${where} got the name '${b}' (was dynamic, unnamed)`, prev, next));
    } else {
      out.push(finding(`${side}-dim-renamed`, name, `${where} was renamed from '${a}' to '${b}'`, prev, next));
    }
  });
}

/** A variable dimension in words: "dynamic 'batch'", or "dynamic" when it has no name. */
function dynamic(dim: string): string {
  return dim === UNKNOWN_DIM ? 'dynamic' : `dynamic '${dim}'`;
}

const CONTEXT_LENGTH = /\.context_length$/;

/** GGUF's `<arch>.context_length`, compared where both sides hold it as a whole number. */
function compareContextLength(prev: ModelInterface, next: ModelInterface, out: Finding[]): void {
  for (const key of Object.keys(prev.metadata ?? {}).sort()) {
    if (!CONTEXT_LENGTH.test(key) || next.metadata?.[key] === undefined) continue;
    const [before, after] = [Number(prev.metadata![key]), Number(next.metadata[key])];
    if (!Number.isInteger(before) || !Number.isInteger(after) || before === after) continue;
    out.push(after < before
      ? finding('context-length-decreased', key, `the context length (${key}) shrank from ${before} to ${after} tokens`, before, after)
      : finding('context-length-increased', key, `the context length (${key}) grew from ${before} to ${after} tokens`, before, after));
  }
}

function compareArchitecture(prev: ModelInterface, next: ModelInterface, out: Finding[]): void {
  const before = prev.metadata?.[ARCHITECTURE_KEY];
  const after = next.metadata?.[ARCHITECTURE_KEY];
  if (before !== undefined && after !== undefined && before !== after) {
    out.push(finding('architecture-changed', ARCHITECTURE_KEY, `the architecture changed from ${before} to ${after}`, before, after));
  }
  // Weights known on one side only means the other side could not list them: nothing to compare.
  if (!prev.weights || !next.weights) return;

  const differences: Finding[] = [];
  const nextByName = new Map(next.weights.map((t) => [t.name, t]));
  const prevNames = new Set(prev.weights.map((t) => t.name));
  for (const old of prev.weights) {
    const cur = nextByName.get(old.name);
    const subject = old.name;
    if (!cur) {
      differences.push(finding('architecture-changed', subject, `weight tensor '${subject}' was removed`, old, undefined));
    } else if (old.dtype !== cur.dtype || !sameShape(old.shape, cur.shape)) {
      differences.push(finding('architecture-changed', subject, `weight tensor '${subject}' changed from ${describe(old)} to ${describe(cur)}`, old, cur));
    }
  }
  for (const cur of next.weights) {
    if (!prevNames.has(cur.name)) {
      differences.push(finding('architecture-changed', cur.name, `weight tensor '${cur.name}' was added (${describe(cur)})`, undefined, cur));
    }
  }

  out.push(...differences.slice(0, MAX_ARCHITECTURE_FINDINGS));
  const rest = differences.length - MAX_ARCHITECTURE_FINDINGS;
  if (rest > 0) {
    out.push(finding('architecture-changed', 'weights', `${rest} more weight tensors differ (${differences.length} in all)`, undefined, { count: differences.length }));
  }
}

function isUnknownRank(shape: readonly Dim[]): boolean {
  return shape.length === 1 && shape[0] === UNKNOWN_RANK;
}

function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
