// Sort keys of `ls --sort`: `-metrics.auc` (minus for descending), `version`, `created_at`, ...; rows
// lacking a key sort after the rows that have it, whatever the direction.
import compareSemver from 'semver/functions/compare.js';
import { MregError } from '../../errors.js';
import type { Json } from '../manifest/types.js';
import { valueOf, type Searchable, type SearchKey } from './filter.js';

export interface SortKey {
  key: SearchKey;
  descending: boolean;
  /** as given, for messages */
  text: string;
}

const SECTION_KEY = /^(metrics|params|tags)\.(.+)$/;

export function parseSortKey(text: string, option = 'sort'): SortKey {
  const descending = text.startsWith('-');
  const body = descending ? text.slice(1) : text.startsWith('+') ? text.slice(1) : text;
  const m = SECTION_KEY.exec(body);
  let key: SearchKey;
  if (m) key = { section: m[1] as 'metrics' | 'params' | 'tags', name: m[2]!.replace(/^`(.*)`$/, '$1') };
  else if (body === 'version' || body === 'created_at' || body === 'stage') key = { field: body };
  else {
    throw new MregError('USAGE', `${option} ${JSON.stringify(text.slice(0, 200))}: expected metrics.<name>, params.<name>, tags.<name>, version, created_at or stage, with '-' in front for descending`, {
      data: { option },
    });
  }
  return { key, descending, text };
}

function rank(a: Json | undefined): number {
  return a === undefined || a === null ? 2 : typeof a === 'number' ? 0 : 1;
}

function compareJson(a: Json | undefined, b: Json | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const sb = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareBy(a: Searchable, b: Searchable, sort: SortKey): number {
  const k = sort.key;
  if (!('section' in k)) {
    const sign = sort.descending ? -1 : 1;
    if (k.field === 'version') return sign * compareSemver(a.version, b.version);
    if (k.field === 'created_at') return sign * (Date.parse(a.created_at) - Date.parse(b.created_at));
  }
  // Versions without a stage count as missing; otherwise by the stage names they hold.
  const stagesText = (r: Searchable) => (r.stages.length ? [...r.stages].sort().join(',') : undefined);
  const va = 'section' in k ? valueOf(a, k) : stagesText(a);
  const vb = 'section' in k ? valueOf(b, k) : stagesText(b);
  const missing = rank(va) === 2 || rank(vb) === 2;
  const order = compareJson(va, vb);
  return missing ? order : sort.descending ? -order : order;
}

/** A stable sort by the keys in turn; `descending` never moves missing values to the front. */
export function sortRows<T extends Searchable>(rows: readonly T[], keys: readonly SortKey[]): T[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((x, y) => {
      for (const key of keys) {
        const order = compareBy(x.row, y.row, key);
        if (order !== 0) return order;
      }
      return x.i - y.i;
    })
    .map((x) => x.row);
}
