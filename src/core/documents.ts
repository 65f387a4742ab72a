// Reading untrusted YAML and JSON documents (manifests, config, --meta files) with bounded size,
// no aliases, no duplicate keys, and errors that name the file and the line.
import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { MregError, type ErrorCode } from '../errors.js';

export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Most nesting of brackets or braces a document may have; a deeper one would exhaust the parser's stack. */
export const MAX_DOCUMENT_DEPTH = 100;

/**
 * Refuses flow nesting ([[[...) past MAX_DOCUMENT_DEPTH before a parser recurses into it, and turns a stack
 * overflow in any case (deep block nesting) into a clear error naming the document.
 */
function tooDeep(text: string, label: string, code: ErrorCode): void {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || (c === "'" && /[\s[{,:]/.test(text[i - 1] ?? ' '))) {
      quote = c;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_DOCUMENT_DEPTH) throw new MregError(code, `${label}: nested more than ${MAX_DOCUMENT_DEPTH} levels deep`);
    } else if (c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    }
  }
}

function deepNesting(err: unknown, label: string, code: ErrorCode): MregError | undefined {
  return err instanceof RangeError ? new MregError(code, `${label}: nested too deeply to read`) : undefined;
}

export function parseYamlText(text: string, label: string, code: ErrorCode = 'INVALID_INPUT'): unknown {
  tooDeep(text, label, code);
  try {
    return parseYamlChecked(text, label, code);
  } catch (err) {
    throw deepNesting(err, label, code) ?? err;
  }
}

function parseYamlChecked(text: string, label: string, code: ErrorCode): unknown {
  // maxAliasCount 0: mreg never writes aliases, and refusing them rules out alias bombs outright.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  const problem = doc.errors[0] ?? doc.warnings[0]; // an unknown tag is a warning to the parser, an error to us
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const detail = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new MregError(code, `${label}${line ? `:${line}` : ''}: ${detail}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 0 });
  } catch (err) {
    const message = (err as Error).message;
    throw new MregError(code, `${label}: ${/alias/i.test(message) ? 'YAML aliases are not allowed' : message.split('\n')[0]}`);
  }
}

/** `missingCode` is the error code for a file that does not exist (a missing manifest is NOT_FOUND). */
export async function readDocumentFile(path: string, label: string, code: ErrorCode = 'INVALID_INPUT', missingCode: ErrorCode = code): Promise<unknown> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new MregError(code, `${label}: not a regular file`);
    if (st.size > MAX_DOCUMENT_BYTES) throw new MregError(code, `${label}: larger than ${MAX_DOCUMENT_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof MregError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new MregError(e.code === 'ENOENT' ? missingCode : code, `${label}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (/\.json$/i.test(path)) {
    tooDeep(text, label, code);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw deepNesting(err, label, code) ?? new MregError(code, `${label}: invalid JSON: ${(err as Error).message}`);
    }
  }
  return parseYamlText(text, label, code);
}
