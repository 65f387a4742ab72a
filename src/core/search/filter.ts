// The search filter of `ls --where`: a small subset of MLflow's search syntax, parsed by hand into
// comparisons joined by `and`, then matched against a version's fields. Errors name the 1-based position.
import compareSemver from 'semver/functions/compare.js';
import validSemver from 'semver/functions/valid.js';
import { MregError } from '../../errors.js';
import type { Json, Scalar } from '../manifest/types.js';

/** What a version offers to a filter or a sort. */
export interface Searchable {
  version: string;
  created_at: string;
  stages: readonly string[];
  metrics: Record<string, Json>;
  params: Record<string, Json>;
  tags: Record<string, Scalar>;
}

export const COMPARATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A key: a section with a name in it (metrics.auc), or one of the version's own fields. */
export type SearchKey = { section: 'metrics' | 'params' | 'tags'; name: string } | { field: 'version' | 'created_at' | 'stage' };

export interface Comparison {
  key: SearchKey;
  op: Comparator;
  value: string | number;
  /** 1-based position of the comparison's key in the expression */
  position: number;
}

export type Filter = Comparison[];

/** The longest expression accepted: it comes from a command line or a URL, never needs to be long. */
export const MAX_FILTER_LENGTH = 4096;

const SECTIONS = ['metrics', 'params', 'tags'] as const;
const FIELDS = ['version', 'created_at', 'stage'] as const;
const KEYS_HELP = "metrics.<name>, params.<name>, tags.<name>, stage, version or created_at";

function fail(option: string, position: number, message: string): never {
  throw new MregError('USAGE', `${option}: at position ${position}: ${message}`, { data: { option, position } });
}

type Token =
  | { type: 'word'; text: string; position: number }
  | { type: 'string'; text: string; position: number }
  | { type: 'number'; value: number; text: string; position: number }
  | { type: 'op'; text: Comparator; position: number }
  | { type: 'dot'; position: number }
  | { type: 'end'; position: number };

const WORD = /[A-Za-z0-9_\-/:]/;

function tokenize(text: string, option: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const position = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      // A quoted string, or a backquoted name (metrics.`val loss`); a quote doubles itself, as in SQL.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(option, position, `${c === '`' ? 'backquoted name' : 'string'} is not closed (add a closing ${c})`);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ type: c === '`' ? 'word' : 'string', text: value, position });
      i = j + 1;
    } else if (c === '.') {
      tokens.push({ type: 'dot', position });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = (['!=', '<=', '>=', '=='].includes(two) ? two : c) as string;
      if (op === '!') fail(option, position, "'!' must be followed by '=' (!=)");
      tokens.push({ type: 'op', text: (op === '==' ? '=' : op) as Comparator, position });
      i += op.length;
    } else if (/[0-9+-]/.test(c) && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(?![A-Za-z_])/.test(text.slice(i)) && tokens[tokens.length - 1]?.type === 'op') {
      const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      tokens.push({ type: 'number', value: Number(m[0]), text: m[0], position });
      i += m[0].length;
    } else if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text[j]!)) j++;
      tokens.push({ type: 'word', text: text.slice(i, j), position });
      i = j;
    } else {
      fail(option, position, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ type: 'end', position: text.length + 1 });
  return tokens;
}

function describe(t: Token): string {
  switch (t.type) {
    case 'end':
      return 'the end of the expression';
    case 'dot':
      return "'.'";
    case 'number':
      return t.text;
    case 'string':
      return JSON.stringify(t.text);
    default:
      return `'${t.text}'`;
  }
}

/** Parses `metrics.auc >= 0.9 and tags.owner = 'risk'`. `option` names the option in errors ('where'). */
export function parseFilter(text: string, option = 'where'): Filter {
  if (text.length > MAX_FILTER_LENGTH) fail(option, MAX_FILTER_LENGTH + 1, `the expression is longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(text, option);
  let at = 0;
  const next = () => tokens[at++]!;
  const peek = () => tokens[at]!;
  const filter: Filter = [];
  if (peek().type === 'end') fail(option, 1, `the expression is empty (expected a comparison like metrics.auc >= 0.9)`);
  for (;;) {
    const first = next();
    if (first.type !== 'word') fail(option, first.position, `expected a key (${KEYS_HELP}), found ${describe(first)}`);
    let key: SearchKey;
    if ((SECTIONS as readonly string[]).includes(first.text)) {
      const dot = next();
      if (dot.type !== 'dot') fail(option, dot.position, `expected '.' and a name after ${first.text}, found ${describe(dot)}`);
      // A name may itself hold dots (metrics.val.loss): every word and dot until the comparator.
      let name = '';
      let part = next();
      if (part.type !== 'word') fail(option, part.position, `expected a name after ${first.text}., found ${describe(part)}`);
      name = part.text;
      while (peek().type === 'dot') {
        next();
        part = next();
        if (part.type !== 'word') fail(option, part.position, `expected a name after '.', found ${describe(part)}`);
        name += `.${part.text}`;
      }
      key = { section: first.text as (typeof SECTIONS)[number], name };
    } else if ((FIELDS as readonly string[]).includes(first.text)) {
      key = { field: first.text as (typeof FIELDS)[number] };
    } else {
      fail(option, first.position, `unknown key '${first.text}' (expected ${KEYS_HELP})`);
    }
    const op = next();
    if (op.type !== 'op') fail(option, op.position, `expected a comparison (${COMPARATORS.join(' ')}), found ${describe(op)}`);
    const value = next();
    if (value.type !== 'string' && value.type !== 'number') {
      fail(option, value.position, `expected a number or a quoted string, found ${describe(value)}${value.type === 'word' ? ` (quote strings: '${value.text}')` : ''}`);
    }
    const comparison: Comparison = { key, op: op.text, value: value.type === 'number' ? value.value : value.text, position: first.position };
    checkTypes(comparison, value.position, option);
    filter.push(comparison);
    const joint = next();
    if (joint.type === 'end') return filter;
    if (joint.type !== 'word' || joint.text.toLowerCase() !== 'and') {
      fail(option, joint.position, `expected 'and' or the end of the expression, found ${describe(joint)}${joint.type === 'word' && joint.text.toLowerCase() === 'or' ? " ('or' is not supported)" : ''}`);
    }
  }
}

/** The types each key compares as, refused at parse time so a typo never silently matches nothing. */
function checkTypes(c: Comparison, valuePosition: number, option: string): void {
  const k = c.key;
  if ('section' in k) {
    if (k.section === 'metrics' && typeof c.value !== 'number') fail(option, valuePosition, `metrics.${k.name} is compared with a number, found a string`);
    return;
  }
  if (typeof c.value !== 'string') fail(option, valuePosition, `${k.field} is compared with a quoted string, found a number`);
  if (k.field === 'stage' && c.op !== '=' && c.op !== '!=') fail(option, c.position, `stage can only be compared with = or !=`);
  if (k.field === 'version' && validSemver(c.value) === null) fail(option, valuePosition, `version ${JSON.stringify(c.value)} is not a valid semver`);
  if (k.field === 'created_at' && Number.isNaN(Date.parse(c.value))) fail(option, valuePosition, `created_at ${JSON.stringify(c.value)} is not an ISO 8601 time`);
}

function holds(op: Comparator, order: number): boolean {
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

/** A value of a searchable row, or undefined when the row lacks the key. */
export function valueOf(row: Searchable, key: SearchKey): Json | undefined {
  if ('section' in key) {
    const section = row[key.section] as Record<string, Json>;
    return Object.hasOwn(section, key.name) ? section[key.name] : undefined;
  }
  if (key.field === 'stage') return [...row.stages];
  return row[key.field];
}

function compareValues(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function matchesOne(row: Searchable, c: Comparison): boolean {
  const k = c.key;
  if (!('section' in k)) {
    const v = c.value as string;
    if (k.field === 'stage') return c.op === '=' ? row.stages.includes(v) : !row.stages.includes(v);
    if (k.field === 'version') return holds(c.op, compareSemver(row.version, v));
    return holds(c.op, compareValues(Date.parse(row.created_at), Date.parse(v)));
  }
  // MLflow's rule: a row without the key matches no comparison on it, not even '!='.
  const have = valueOf(row, k);
  if (have === undefined || have === null) return false;
  if (typeof c.value === 'number') {
    const n = typeof have === 'number' ? have : typeof have === 'string' && have.trim() !== '' ? Number(have) : NaN;
    return Number.isFinite(n) && holds(c.op, compareValues(n, c.value));
  }
  if (typeof have === 'object') return false; // a nested param never equals a string
  return holds(c.op, compareValues(String(have), c.value));
}

export function matches(row: Searchable, filter: Filter): boolean {
  return filter.every((c) => matchesOne(row, c));
}
