// The interface side of a version: reading it from the model files about to be stored (headers only, before
// any byte is stored), comparing one version's interfaces with another's, and refusing a declared change type
// lower than the comparison requires.
import { mapLimit } from '../concurrency.js';
import { isAbsolute, relative } from 'node:path';
import inc from 'semver/functions/inc.js';
import { MregError } from '../../errors.js';
import type { InputFile } from '../inputs.js';
import { compareInterfaces, finding, requiredBump, type Finding } from '../formats/compare.js';
import { readInterface } from '../formats/read.js';
import { formatNamed } from '../formats/registry.js';
import { checkShardIndex, isShardIndex } from '../formats/shard-index.js';
import type { ModelInterface } from '../formats/types.js';
import type { Artifact, DeclaredSignature } from '../manifest/types.js';
import type { ChangeType } from '../change-type.js';
import { compareTypes } from './bump.js';

/** What a version says about its interface: read from its model files, declared, and its artifact hashes. */
export interface VersionInterface {
  schema?: Record<string, ModelInterface> | undefined;
  signature?: DeclaredSignature | undefined;
  artifacts: readonly Artifact[] | readonly { path: string; sha256?: string }[];
}

/**
 * The manifest must stay readable (documents are capped at 4 MiB): an interface bigger than this is refused
 * before anything is stored. Real models need a few hundred KiB at most (a few thousand tensors).
 */
export const MAX_SCHEMA_BYTES = 2 * 1024 * 1024;

/**
 * Reads the interface of every model file among `files` from its header, keyed by its path in the version.
 * Files of formats mreg does not read are left out; a shard index (model.safetensors.index.json) is
 * checked against the shards it names. A damaged or hostile header fails with INVALID_HEADER,
 * naming the file as the user gave it.
 */
/** How many headers are read at once: as many as register stores files at once, so memory stays within its bound. */
const HEADER_POOL = 4;

export async function readSchema(files: readonly InputFile[], cwd: string): Promise<Record<string, ModelInterface>> {
  const schema: Record<string, ModelInterface> = {};
  // Headers are read a few at a time (a version of ten thousand small files waits on opens, not CPU), in file order.
  const interfaces = await mapLimit(files, HEADER_POOL, async (file) => {
    try {
      return await readInterface(file.source);
    } catch (err) {
      if (err instanceof MregError && err.code === 'INVALID_HEADER') {
        // The readers name the file by its base name; two files in one version may share it.
        const detail = err.message.replace(/^[^:]*: /, '');
        throw new MregError('INVALID_HEADER', `${shown(file.source, cwd)}: ${detail}`, { data: { path: file.source, artifact: file.path }, cause: err });
      }
      throw err;
    }
  });
  for (const [i, file] of files.entries()) {
    const iface = interfaces[i];
    if (iface) Object.defineProperty(schema, file.path, { value: iface, enumerable: true, writable: true, configurable: true });
  }
  // A Hugging Face sharded checkpoint is one model: its index must agree with the shards' headers.
  for (const file of files) if (isShardIndex(file.path)) await checkShardIndex(file.source, file.path, shown(file.source, cwd), schema);
  const size = Buffer.byteLength(JSON.stringify(schema));
  if (size > MAX_SCHEMA_BYTES) {
    throw new MregError('INVALID_INPUT', `the interfaces read from these model files take ${size} bytes, more than a manifest can hold (${MAX_SCHEMA_BYTES}); split the version or ask for a higher limit`);
  }
  return schema;
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** One thing a caller loads: an ONNX file, all safetensors (or GGUF) shards together, or the declared signature. */
interface Unit {
  key: string;
  label: string;
  iface: ModelInterface;
  /** the artifacts it is made of, for telling whether its bytes changed */
  paths: string[];
}

function units(side: VersionInterface): Map<string, Unit> {
  const out = new Map<string, Unit>();
  const schema = side.schema ?? {};
  for (const path of Object.keys(schema).sort()) {
    const iface = schema[path]!;
    if (formatNamed(iface.format)?.compare !== 'shards') {
      out.set(`file:${path}`, { key: `file:${path}`, label: path, iface, paths: [path] });
      continue;
    }
    // Weight-only formats are often sharded (model-00001-of-00003.safetensors): FORMATS says which formats a
    // caller loads as one model, so that moving a tensor from one shard to another changes nothing for them.
    const key = iface.format;
    const unit = out.get(key);
    if (!unit) {
      out.set(key, { key, label: path, iface: { ...iface, weights: [...(iface.weights ?? [])] }, paths: [path] });
      continue;
    }
    unit.paths.push(path);
    unit.label = `${unit.paths.length} ${key} files`;
    const names = new Set(unit.iface.weights!.map((w) => w.name));
    for (const w of iface.weights ?? []) if (!names.has(w.name)) unit.iface.weights!.push(w);
    if (iface.metadata) unit.iface.metadata = { ...iface.metadata, ...unit.iface.metadata };
  }
  if (side.signature) {
    const iface: ModelInterface = { format: 'signature', inputs: side.signature.inputs, outputs: side.signature.outputs };
    out.set('signature', { key: 'signature', label: 'the declared signature', iface, paths: side.artifacts.map((a) => a.path) });
  }
  return out;
}

function hashesOf(side: VersionInterface, paths: readonly string[]): string {
  const byPath = new Map(side.artifacts.map((a) => [a.path, a.sha256]));
  return paths.map((p) => byPath.get(p) ?? '').sort().join(',');
}

function inFile(findings: Finding[], file: string): Finding[] {
  return findings.map((f) => ({ ...f, file, message: `${file}: ${f.message}` }));
}

/**
 * Findings that take the interfaces of `prev` to those of `next`, per src/core/formats/compare.ts. Versions
 * with one model each compare those two (so a renamed file is not a removed model); with several, model files
 * pair up by path (and shards by format), and a model file gone or new is a finding of its own. A previous
 * version without any known interface (registered before mreg read interfaces, or with no model file mreg
 * can read) gives nothing to compare.
 */
export function versionFindings(prev: VersionInterface | undefined, next: VersionInterface): Finding[] {
  if (!prev) return [];
  const before = units(prev);
  const after = units(next);
  if (before.size === 0) return [];
  const changed = (a: Unit, b: Unit): boolean => hashesOf(prev, a.paths) !== hashesOf(next, b.paths);
  if (before.size === 1 && after.size <= 1) {
    const a = [...before.values()][0]!;
    const b = [...after.values()][0];
    // A signature declared before and not now is a forgotten --meta more often than a new format.
    if (a.key === 'signature' && b === undefined) return [];
    return compareInterfaces(a.iface, b?.iface, { weightsChanged: b !== undefined && changed(a, b) });
  }
  const findings: Finding[] = [];
  for (const a of before.values()) {
    const b = after.get(a.key);
    if (b) findings.push(...inFile(compareInterfaces(a.iface, b.iface, { weightsChanged: changed(a, b) }), a.label));
    // A signature declared on one side only says nothing about a change of the model.
    else if (a.key !== 'signature') findings.push(finding('model-removed', a.label, `model file '${a.label}' was removed`));
  }
  for (const b of after.values()) {
    if (!before.has(b.key) && b.key !== 'signature') findings.push(finding('model-added', b.label, `model file '${b.label}' was added (${b.iface.format})`));
  }
  return findings;
}

/** The findings that a declared change of `declared` does not cover. */
export function uncovered(findings: readonly Finding[], declared: ChangeType): Finding[] {
  return findings.filter((f) => compareTypes(f.bump, declared) > 0);
}

/** Who declared the type that fell short, so the hint says how to declare more in the same way. */
export type DeclaredBy = 'changes' | 'change' | 'version';

/**
 * Throws BUMP_TOO_LOW when the findings require more than the declared type, naming each finding it misses:
 * "fraud: declared minor, but output 'hn' was removed: major", one finding per line when there are several.
 * `how` says where the type came from when it was not declared as such ("version 1.2.1 after 1.2.0",
 * "continuing 1.3.0-rc.0"); `by` picks the hint: a change file, the change option, or an explicit version.
 */
export function checkDeclared(model: string, declared: ChangeType, findings: readonly Finding[], data: Record<string, unknown> = {}, how?: string, by: DeclaredBy = 'changes'): void {
  const missed = uncovered(findings, declared);
  if (missed.length === 0) return;
  const required = requiredBump(findings)!;
  const said = how ? `${declared} (${how})` : declared;
  const listed = missed.map((f) => `${f.message}: ${f.bump}`);
  const message = listed.length === 1 ? `${model}: declared ${said}, but ${listed[0]}` : `${model}: declared ${said}, but:\n${listed.map((l) => `  ${l}`).join('\n')}`;
  const previous = typeof data.previous === 'string' ? data.previous : undefined;
  const fix =
    by === 'change'
      ? `pass change ${required}`
      : by === 'version' && previous !== undefined
        ? `register it as version ${inc(previous, required)} (a ${required} step from ${previous})`
        : `declare the change as ${required} (mreg change add ${model} --change ${required} -m "...")`;
  throw new MregError('BUMP_TOO_LOW', message, {
    hint: `${fix}, or undo the interface change`,
    data: { model, declared, required, findings, ...data, ...(by === 'change' ? { option: 'change' } : {}) },
  });
}
