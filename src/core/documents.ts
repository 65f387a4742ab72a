// Reading untrusted YAML and JSON documents (manifests, config, --meta files) with bounded size,
// no aliases, no duplicate keys, and errors that name the file and the line.
import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { MregError, type ErrorCode } from '../errors.js';

export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export function parseYamlText(text: string, label: string, code: ErrorCode = 'INVALID_INPUT'): unknown {
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
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new MregError(code, `${label}: invalid JSON: ${(err as Error).message}`);
    }
  }
  return parseYamlText(text, label, code);
}
