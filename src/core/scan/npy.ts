// The header of an .npy document, a Python literal: parsing the subset numpy writes, and telling whether its
// dtype holds Python objects (which numpy stores as a pickle after the header).

import { MregError } from '../../errors.js';

export type PyLiteral = string | number | boolean | null | PyLiteral[] | { tuple: PyLiteral[] } | Map<string, PyLiteral>;

/** Parses the subset of Python literals numpy writes (ast.literal_eval in numpy itself). */
export function parsePyLiteral(text: string): PyLiteral {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const fail = (why: string): never => {
    throw new MregError('INVALID_INPUT', `${why} at character ${i}`);
  };
  const value = (depth: number): PyLiteral => {
    if (depth > 32) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '"' || c === "'") {
      let out = '';
      for (i++; ; i++) {
        const d = text[i];
        if (d === undefined) return fail('unterminated string');
        if (d === c) {
          i++;
          return out;
        }
        if (d === '\\') {
          const e = text[++i];
          if (e === undefined) return fail('unterminated string');
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else out += d;
      }
    }
    if (c === '(' || c === '[' || c === '{') {
      const close = c === '(' ? ')' : c === '[' ? ']' : '}';
      i++;
      const items: PyLiteral[] = [];
      const map = new Map<string, PyLiteral>();
      let sawComma = false;
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const item = value(depth + 1);
        if (c === '{') {
          ws();
          if (text[i] !== ':') fail('expected ":"');
          i++;
          if (typeof item !== 'string') fail('dict key is not a string');
          if (map.has(item as string)) fail(`duplicate key ${JSON.stringify(item)}`);
          map.set(item as string, value(depth + 1));
        } else items.push(item);
        ws();
        if (text[i] === ',') {
          i++;
          sawComma = true;
        } else if (text[i] !== close) fail(`expected "," or "${close}"`);
      }
      if (c === '{') return map;
      if (c === '[') return items;
      return items.length === 1 && !sawComma ? (items[0] as PyLiteral) : { tuple: items };
    }
    // Python 2 era headers write longs as 3L; numpy still reads them.
    const word = /^(-?\d+L?|True|False|None)(?![\w.])/.exec(text.slice(i, i + 32));
    if (!word) return fail('unexpected character');
    const w = word[1] as string;
    i += w.length;
    return w === 'True' ? true : w === 'False' ? false : w === 'None' ? null : Number(w.replace('L', ''));
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

export type DtypeKind = 'object' | 'plain' | 'unknown';

/** Whether numpy.dtype(descr) holds Python objects, which numpy stores as a pickle. */
export function dtypeKind(descr: PyLiteral, depth = 0): DtypeKind {
  if (depth > 16) return 'unknown';
  if (typeof descr === 'string') {
    const s = descr.replace(/^[<>|=]/, '');
    if (/^(O\d*|object_?)$/.test(s)) return 'object';
    if (
      /^(b1|\?|[iufc]\d+|[SUVa]\d*|[mM]8(\[\w+\])?|[bBhHiIlLqQpPnNefdgFDG])$/.test(s) ||
      /^((u?int|float|complex)(\d+)?|bool_?|bytes_?|str_?|void|half|single|double|longdouble)$/.test(s) ||
      /^(u?byte|u?short|u?intc|u?intp|u?longlong|(datetime|timedelta)64(\[\w+\])?)$/.test(s)
    ) {
      return 'plain';
    }
    return 'unknown';
  }
  const combine = (kinds: DtypeKind[]): DtypeKind => (kinds.includes('object') ? 'object' : kinds.includes('unknown') ? 'unknown' : 'plain');
  if (Array.isArray(descr)) {
    // A structured dtype: [(name, dtype) or (name, dtype, shape), ...]
    return combine(
      descr.map((field) => {
        const t = field !== null && typeof field === 'object' && 'tuple' in field ? field.tuple : null;
        return t !== null && (t.length === 2 || t.length === 3) ? dtypeKind(t[1] as PyLiteral, depth + 1) : 'unknown';
      }),
    );
  }
  if (descr !== null && typeof descr === 'object' && 'tuple' in descr && descr.tuple.length === 2) {
    return dtypeKind(descr.tuple[0] as PyLiteral, depth + 1); // (base dtype, shape)
  }
  return 'unknown';
}

