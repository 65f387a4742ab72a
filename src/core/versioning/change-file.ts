// The pending change file format (Markdown with YAML front matter, after changesets) as pure functions:
// rendering one, and parsing an untrusted one with every error naming the file.
//
//   ---
//   fraud: minor
//   churn: patch
//   ---
//
//   Add the customer-age input.
//
// A change for a maintenance line names the model with its line: `vad@1: patch` (a model name never holds '@',
// and a key is always text, so a line 1.10 is never read as the number 1.1).
import { stringify } from 'yaml';
import { parseYamlText } from '../documents.js';
import { MregError } from '../../errors.js';
import { nameProblem } from '../names.js';
import { isChangeType, type ChangeType } from '../change-type.js';
import { isLine } from './lines.js';
import { MAX_SUMMARY_LENGTH } from '../manifest/types.js';

export const MAX_CHANGE_BYTES = 64 * 1024;
const MAX_MODELS = 1000;

export interface ChangeDeclaration {
  /** model name → the type of this change for that model */
  models: Record<string, ChangeType>;
  /** model → the maintenance line the change is for ("1", "1.4"); a model not listed is on no line */
  lines?: Record<string, string>;
  summary: string;
}

export function renderChangeFile(change: ChangeDeclaration): string {
  const front: Record<string, ChangeType> = {};
  for (const [model, type] of Object.entries(change.models)) {
    const line = change.lines && Object.hasOwn(change.lines, model) ? change.lines[model] : undefined;
    front[line === undefined ? model : `${model}@${line}`] = type;
  }
  // yaml quotes a key that would otherwise read back as a number or boolean (a model named "1.0").
  return `---\n${stringify(front, { lineWidth: 0 })}---\n\n${change.summary.trim()}\n`;
}

/** Why a (normalised) summary cannot be stored, or undefined. */
function summaryProblem(text: string): string | undefined {
  if (text === '') return 'the summary is empty';
  if (text.length > MAX_SUMMARY_LENGTH) return `the summary is longer than ${MAX_SUMMARY_LENGTH} characters`;
  // A NUL or an escape sequence in a summary would garble terminals and the changelog.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return 'the summary contains control characters';
  return undefined;
}

function normalise(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** Checks a summary given on the command line, with the same rules as one read from a file. */
export function checkSummary(summary: string): string {
  const text = normalise(summary);
  const problem = summaryProblem(text);
  if (problem) throw new MregError('USAGE', `-m: ${problem}${text === '' ? '; say what changed' : ''}`);
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the bytes of a change file; `label` names it in errors (changes/<id>.md). */
export function parseChangeFile(bytes: Uint8Array, label: string): ChangeDeclaration {
  const fail = (message: string): never => {
    throw new MregError('INVALID_INPUT', `${label}: ${message}`);
  };
  if (bytes.length > MAX_CHANGE_BYTES) fail(`larger than ${MAX_CHANGE_BYTES} bytes`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail('not UTF-8 text');
  }
  // Tolerate what editors and git on Windows do to a text file: a BOM and CRLF line ends.
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!text.startsWith('---\n')) fail("expected YAML front matter: a first line '---', then 'model: major|minor|patch' lines, then '---'");
  const end = text.indexOf('\n---\n', 3);
  const endAtEof = end === -1 && text.endsWith('\n---') ? text.length - 4 : -1;
  const close = end !== -1 ? end : endAtEof;
  if (close === -1) fail("the front matter has no closing '---' line");
  const front = text.slice(4, close + 1);
  const body = text.slice(close + 5);

  // The leading newline makes the parser's line numbers those of the file (the front matter starts on line 2).
  const raw = parseYamlText(`\n${front}`, label);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail("the front matter must map model names to a change type ('fraud: minor')");
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) fail('names no model');
  if (entries.length > MAX_MODELS) fail(`names more than ${MAX_MODELS} models`);
  const models: Record<string, ChangeType> = {};
  const lines: Record<string, string> = {};
  const define = (map: Record<string, unknown>, key: string, value: unknown) => Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, type] of entries) {
    const at = key.indexOf('@');
    const model = at === -1 ? key : key.slice(0, at);
    const problem = nameProblem(model);
    if (problem) fail(`invalid model name ${JSON.stringify(model.slice(0, 60))}: it ${problem}`);
    if (at !== -1 && !isLine(key.slice(at + 1))) fail(`${JSON.stringify(key.slice(0, 60))}: expected model@line with a line such as 1 or 1.4`);
    if (Object.hasOwn(models, model)) fail(`${model} is named twice`);
    if (!isChangeType(type)) fail(`${key}: expected major, minor or patch, not ${JSON.stringify(type)?.slice(0, 40) ?? String(type)}`);
    define(models, model, type);
    if (at !== -1) define(lines, model, key.slice(at + 1));
  }
  const summary = normalise(body);
  const problem = summaryProblem(summary);
  if (problem) fail(`${problem}${summary === '' ? ' (write it below the front matter)' : ''}`);
  return { models, ...(Object.keys(lines).length > 0 ? { lines } : {}), summary };
}
