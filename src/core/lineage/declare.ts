// What a new version declares about its place in the graph, checked before a byte is stored: the
// kind its name holds, and its references, each resolved to an exact registered version or kept as
// an external URI. A reference to a version that does not exist is refused: the graph stays whole.
import valid from 'semver/functions/valid.js';
import { MregError } from '../../errors.js';
import { resolveRef } from '../lifecycle/refs.js';
import { isExternal, KIND_NOUNS, normalizeLineage, RELATION_KINDS } from '../manifest/lineage.js';
import { KINDS, RELATIONS, type Kind, type Lineage, type LineageRef, type Metadata, type Relation } from '../manifest/types.js';
import type { Store } from '../store.js';
import { listVersions, readManifest } from '../manifest/versions.js';

export function checkKind(kind: string | undefined): Kind {
  if (kind === undefined) return 'model';
  if (!KINDS.includes(kind as Kind)) throw new MregError('USAGE', `kind ${JSON.stringify(kind)}: expected one of: ${KINDS.join(', ')}`, { data: { option: 'kind' } });
  return kind as Kind;
}

export function kindConflict(name: string, holds: Kind, wanted: Kind): MregError {
  return new MregError('INVALID_INPUT', `${name} holds ${KIND_NOUNS[holds].many}: it cannot also hold ${KIND_NOUNS[wanted].many}`, {
    hint: `a name holds one kind: register the ${KIND_NOUNS[wanted].one} under another name${holds === 'model' ? '' : `, or add --kind ${holds} to register a new version of ${name}`}`,
    data: { name, kind: holds, wanted },
  });
}

/**
 * Checks that `model` holds `kind` (or nothing yet) and returns `meta` with its lineage resolved: exact
 * versions, sorted, without duplicates; no lineage at all when none was declared.
 */
export async function prepareLineage(store: Store, model: string, kind: Kind, meta: Metadata): Promise<Metadata> {
  const versions = await listVersions(store.layout, model);
  if (versions.length > 0) {
    const held = (await readManifest(store.layout, model, versions[versions.length - 1]!)).kind;
    if (held !== kind) throw kindConflict(model, held, kind);
  }
  const { lineage: declared, ...rest } = meta;
  if (declared === undefined) return rest;
  const resolved: Lineage = {};
  for (const relation of RELATIONS) {
    const refs = declared[relation];
    if (!refs) continue;
    // One after the other, so that of several bad references the first is the one reported.
    const out: LineageRef[] = [];
    for (const ref of refs) out.push(await resolveReference(store, relation, ref));
    resolved[relation] = out;
  }
  const lineage = normalizeLineage(resolved);
  return lineage === undefined ? rest : { ...rest, lineage };
}

async function resolveReference(store: Store, relation: Relation, ref: LineageRef): Promise<LineageRef> {
  if (isExternal(ref)) return ref;
  const { layout } = store;
  const shown = `${relation} ${ref.name}@${ref.version}`;
  const option = { option: relation };
  const versions = await listVersions(layout, ref.name);
  const wanted = RELATION_KINDS[relation] ?? 'model';
  if (versions.length === 0) {
    throw new MregError('INVALID_INPUT', `${shown}: ${ref.name} is not registered: register it first, or give its URI instead`, {
      hint: `mreg register ${ref.name} <path>...${wanted === 'model' ? '' : ` --kind ${wanted}`}, or ${relation} s3://bucket/path#sha256=<hex> for something mreg does not hold`,
      data: option,
    });
  }
  let version: string;
  if (valid(ref.version) === ref.version) {
    if (!versions.includes(ref.version)) {
      const shownVersions = versions.length > 8 ? `..., ${versions.slice(-8).join(', ')}` : versions.join(', ');
      throw new MregError('INVALID_INPUT', `${shown}: ${ref.name} has no version ${ref.version} (it has ${shownVersions})`, {
        hint: `a reference names a version that exists; register ${ref.name}@${ref.version} first, or name one of these`,
        data: option,
      });
    }
    version = ref.version;
  } else {
    try {
      version = (await resolveRef(store, `${ref.name}@${ref.version}`)).version;
    } catch (err) {
      if (!(err instanceof MregError)) throw err;
      // Nothing to point at is bad input here, not a failed lookup.
      throw new MregError(err.code === 'NOT_FOUND' ? 'INVALID_INPUT' : err.code, `${relation}: ${err.message}`, { data: option });
    }
  }
  const expected = RELATION_KINDS[relation];
  if (expected !== undefined) {
    const held = (await readManifest(layout, ref.name, version)).kind;
    if (held !== expected) {
      throw new MregError('INVALID_INPUT', `${shown}: ${ref.name} holds ${KIND_NOUNS[held].many}, not ${KIND_NOUNS[expected].many}`, {
        hint: `${relation} takes a ${KIND_NOUNS[expected].one}${held === 'model' ? '; a model this one was derived from is one of the parents' : ''}`,
        data: option,
      });
    }
  }
  return { name: ref.name, version };
}
