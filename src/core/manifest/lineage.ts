// The `lineage:` section of a version: exact references to what it was made from. Parses the forms
// people write (flags, --meta files: ranges and stages allowed, resolved at register time) and
// validates the exact form stored in manifests (untrusted, like the rest of the manifest).
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';
import { MregError } from '../../errors.js';
import { nameProblem } from '../names.js';
import { splitReference } from './reference.js';
import { RELATIONS, type ExternalRef, type Kind, type Lineage, type LineageRef, type Relation } from './types.js';
import type { Checker } from './checker.js';

/** More references than any real version has; a bound on what a hostile manifest can make us walk. */
export const MAX_REFS = 1000;
export const MAX_URI_LENGTH = 2048;
const HEX64 = /^[0-9a-f]{64}$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:./i;
// RFC 3986 characters only: no spaces, quotes, angle brackets or backslashes, so a URI can never
// break out of a YAML flow map, a dot string or a mermaid label, whatever the writers do.
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const PINNED = /#sha256=([0-9a-fA-F]*)$/;

/** The flag each relation is given with, and how it reads in one line of output. */
export const RELATION_LABELS: Record<Relation, string> = { parents: 'parent', data: 'data', features: 'features', pipeline: 'pipeline' };
/** How a kind reads in a sentence: "transactions holds data sets", "is a feature set". */
export const KIND_NOUNS: Record<Kind, { one: string; many: string }> = {
  model: { one: 'model', many: 'models' },
  dataset: { one: 'data set', many: 'data sets' },
  features: { one: 'feature set', many: 'feature sets' },
  pipeline: { one: 'pipeline', many: 'pipelines' },
};
/** The kind a registered reference must hold; a parent may be of any kind (a dataset cleaned from another). */
export const RELATION_KINDS: Record<Relation, Kind | undefined> = { parents: undefined, data: 'dataset', features: 'features', pipeline: 'pipeline' };

export function isExternal(ref: LineageRef): ref is ExternalRef {
  return 'uri' in ref;
}

/** A node's id in the graph and in output: name@version, or the URI (with #sha256=... when pinned). */
export function refId(ref: LineageRef): string {
  if (!isExternal(ref)) return `${ref.name}@${ref.version}`;
  return ref.sha256 === undefined ? ref.uri : `${ref.uri}#sha256=${ref.sha256}`;
}

/** Returns why `uri` is not a URI mreg keeps, or undefined. */
export function uriProblem(uri: string): string | undefined {
  if (uri.length > MAX_URI_LENGTH) return `is longer than ${MAX_URI_LENGTH} characters`;
  if (!SCHEME.test(uri)) return 'needs a scheme (s3://..., https://..., file:///...)';
  if (!URI_CHARS.test(uri)) return 'has characters a URI cannot hold unescaped (spaces, quotes, <>, \\, ...): percent-encode them';
  if (PINNED.test(uri)) return 'ends with #sha256=: give the hash separately';
  return undefined;
}

/** Does this text name something outside mreg (a URI) rather than name@version? Names never hold a ':'. */
export function looksLikeUri(text: string): boolean {
  return text.includes(':');
}

/**
 * A reference as written on the command line or in a --meta file: `name@<version|range|stage|latest>`
 * (a bare name means latest), or `<uri>[#sha256=<hex>]`. Registered references are resolved later.
 */
export function parseReference(text: string): LineageRef {
  if (looksLikeUri(text)) {
    let uri = text;
    let sha256: string | undefined;
    const pin = PINNED.exec(text);
    if (pin) {
      sha256 = pin[1]!.toLowerCase();
      if (!HEX64.test(sha256)) throw new MregError('INVALID_INPUT', `${JSON.stringify(text)}: #sha256= takes 64 hex digits`);
      uri = text.slice(0, pin.index);
    }
    return externalRef(uri, sha256, JSON.stringify(text));
  }
  const { name, selector: version } = splitReference(text, 'name');
  if (version.trim() === '' || version.length > 256) throw new MregError('INVALID_VERSION', `${JSON.stringify(text)}: after @ comes a version, a range, a stage or latest`);
  return { name, version };
}

function externalRef(uri: string, sha256: string | undefined, shown: string): ExternalRef {
  const problem = uriProblem(uri);
  if (problem) throw new MregError('INVALID_INPUT', `${shown}: not a URI mreg can keep: it ${problem}`);
  // The scheme is case-insensitive (RFC 3986); the rest is compared exactly as written.
  const colon = uri.indexOf(':');
  const normal = uri.slice(0, colon).toLowerCase() + uri.slice(colon);
  return sha256 === undefined ? { uri: normal } : { uri: normal, sha256 };
}

/** The `lineage:` section of a --meta file: strings as on the command line, or mappings. */
export function declaredLineage(c: Checker, value: unknown): Lineage {
  return section(c, value, (item, where) => {
    if (typeof item === 'string') {
      try {
        return parseReference(item);
      } catch (err) {
        if (err instanceof MregError) c.fail(where, err.message);
        throw err;
      }
    }
    const m = c.map(item, where);
    if (m.uri !== undefined) {
      c.keys(m, where, ['uri', 'sha256']);
      const sha256 = m.sha256 === undefined ? undefined : c.string(m.sha256, `${where}.sha256`, 64).toLowerCase();
      if (sha256 !== undefined && !HEX64.test(sha256)) c.fail(`${where}.sha256`, 'expected 64 hex digits');
      const uri = c.string(m.uri, `${where}.uri`, MAX_URI_LENGTH);
      const problem = uriProblem(uri);
      if (problem) c.fail(`${where}.uri`, `not a URI mreg can keep: it ${problem}`);
      return externalRef(uri, sha256, uri);
    }
    c.keys(m, where, ['name', 'version']);
    const name = c.string(m.name, `${where}.name`, 200);
    if (nameProblem(name)) c.fail(`${where}.name`, `invalid name: it ${nameProblem(name)}`);
    const version = m.version === undefined ? 'latest' : c.string(m.version, `${where}.version`, 256);
    return { name, version };
  });
}

/** The `lineage:` section of a stored manifest: exact versions and valid URIs only. */
export function storedLineage(c: Checker, value: unknown): Lineage {
  const lineage = section(c, value, (item, where) => {
    const m = c.map(item, where);
    if (m.uri !== undefined) {
      c.keys(m, where, ['uri', 'sha256']);
      const uri = c.string(m.uri, `${where}.uri`, MAX_URI_LENGTH);
      const problem = uriProblem(uri);
      if (problem) c.fail(`${where}.uri`, `it ${problem}`);
      if (m.sha256 === undefined) return { uri };
      const sha256 = c.string(m.sha256, `${where}.sha256`, 64);
      if (!HEX64.test(sha256)) c.fail(`${where}.sha256`, 'expected 64 lowercase hex digits');
      return { uri, sha256 };
    }
    c.keys(m, where, ['name', 'version']);
    const name = c.string(m.name, `${where}.name`, 200);
    if (nameProblem(name)) c.fail(`${where}.name`, `invalid name: it ${nameProblem(name)}`);
    const version = c.string(m.version, `${where}.version`, 256);
    if (valid(version) !== version) c.fail(`${where}.version`, 'expected an exact version (1.2.3)');
    return { name, version };
  });
  for (const relation of RELATIONS) {
    const seen = new Set<string>();
    for (const [i, ref] of (lineage[relation] ?? []).entries()) {
      const id = refId(ref);
      if (seen.has(id)) c.fail(`lineage.${relation}[${i}]`, `${id} appears twice`);
      seen.add(id);
    }
  }
  return lineage;
}

function section(c: Checker, value: unknown, item: (raw: unknown, where: string) => LineageRef): Lineage {
  const map = c.map(value, 'lineage');
  c.keys(map, 'lineage', RELATIONS);
  const out: Lineage = {};
  for (const relation of RELATIONS) {
    const list = map[relation];
    if (list === undefined) continue;
    const where = `lineage.${relation}`;
    if (!Array.isArray(list) || list.length === 0) c.fail(where, 'expected a non-empty list');
    if (list.length > MAX_REFS) c.fail(where, `more than ${MAX_REFS} references`);
    out[relation] = list.map((raw, i) => item(raw, `${where}[${i}]`));
  }
  return out;
}

function order(a: LineageRef, b: LineageRef): number {
  if (isExternal(a) !== isExternal(b)) return isExternal(a) ? 1 : -1;
  if (!isExternal(a) && !isExternal(b)) return a.name < b.name ? -1 : a.name > b.name ? 1 : compare(a.version, b.version);
  const [x, y] = [refId(a), refId(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The form a version stores and hashes: each list sorted (registered versions by name and semver, then
 * URIs) without duplicates, empty lists left out. The order references were given in does not make
 * another version. Undefined when nothing is left.
 */
export function normalizeLineage(lineage: Lineage): Lineage | undefined {
  const out: Lineage = {};
  for (const relation of RELATIONS) {
    const list = lineage[relation];
    if (!list || list.length === 0) continue;
    const unique = new Map(list.map((ref) => [refId(ref), ref]));
    out[relation] = [...unique.values()].sort(order);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

export interface LineageEntry {
  relation: Relation;
  ref: LineageRef;
  id: string;
}

/** A version's direct references, relation by relation. */
export function lineageEntries(lineage: Lineage | undefined): LineageEntry[] {
  const out: LineageEntry[] = [];
  for (const relation of RELATIONS) for (const ref of lineage?.[relation] ?? []) out.push({ relation, ref, id: refId(ref) });
  return out;
}

/** References given one by one (the parents, data, features and pipeline options), added to those of a meta document. */
export function withFlagReferences(lineage: Lineage | undefined, flags: { [R in Relation]?: string[] }): Lineage | undefined {
  const out: Lineage = { ...lineage };
  for (const relation of RELATIONS) {
    for (const text of flags[relation] ?? []) {
      let ref: LineageRef;
      try {
        ref = parseReference(text);
      } catch (err) {
        if (err instanceof MregError) throw new MregError(err.code, `${relation} ${err.message}`, { data: { option: relation } });
        throw err;
      }
      out[relation] = [...(out[relation] ?? []), ref];
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
