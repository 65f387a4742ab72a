// Maintenance lines: a line is a major version ("1") or a major.minor ("1.4"); its versions are those whose
// release numbers start with it (pre-releases included: 1.4.1-rc.0 is in 1.4). A version bumped in a line is
// bumped from the line's highest version, not the model's, and must stay in the line. Pure functions.
import parse from 'semver/functions/parse.js';
import { MregError } from '../../errors.js';

const LINE = /^(0|[1-9]\d{0,8})(?:\.(0|[1-9]\d{0,8}))?$/;

/** Checks a line given by the user ("1", "1.4"); refuses anything else with USAGE naming the option. */
export function checkLine(text: string): string {
  if (typeof text !== 'string' || !LINE.test(text)) {
    throw new MregError('USAGE', `line ${JSON.stringify(String(text).slice(0, 40))}: expected a major version (1) or a major.minor (1.4)`, { data: { option: 'line' } });
  }
  return text;
}

export function isLine(text: string): boolean {
  return LINE.test(text);
}

/** Whether `version` belongs to `line`. */
export function inLine(version: string, line: string): boolean {
  const v = parse(version);
  if (!v) return false;
  const [major, minor] = line.split('.').map(Number);
  return v.major === major && (minor === undefined || v.minor === minor);
}

/** The highest of `versions` (sorted lowest first) in `line`, or undefined when the line has none. */
export function lineTop(versions: readonly string[], line: string): string | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (inLine(versions[i]!, line)) return versions[i];
  return undefined;
}

/**
 * The version a bump starts from: the line's highest version with a line (refused when the line has none: a line
 * starts with an explicit version or an ordinary bump), else the model's highest.
 */
export function bumpBase(model: string, versions: readonly string[], line: string | undefined): string | undefined {
  if (line === undefined) return versions[versions.length - 1];
  const top = lineTop(versions, line);
  if (top === undefined) {
    const first = line.includes('.') ? `${line}.0` : `${line}.0.0`;
    throw new MregError('USAGE', `line ${line}: ${model} has no version in it yet; start the line with version ${first}, or bump without a line`, { data: { option: 'line', line } });
  }
  return top;
}

/** Refuses a next version that leaves the line it was bumped in (a major change in line 1, a minor in 1.4). */
export function checkStaysInLine(model: string, line: string | undefined, current: string | undefined, next: string, registered: readonly string[] = []): void {
  if (line === undefined || inLine(next, line)) return;
  const taken = registered.includes(next) ? `, which is already registered` : '';
  const allowed = line.includes('.') ? 'patch changes' : 'minor and patch changes';
  throw new MregError('USAGE', `line ${line} takes ${allowed} only: ${model} ${current} bumped gives ${next}${taken}, outside the line; declare a smaller change, or register without a line to start a new one`, {
    data: { option: 'line', line, current, next },
  });
}

/** Refuses an explicit version outside the line it is said to be in. */
export function checkVersionInLine(line: string | undefined, version: string): void {
  if (line !== undefined && !inLine(version, line)) {
    throw new MregError('USAGE', `line ${line}: version ${version} is not in it (a version of line ${line} is ${line.includes('.') ? `${line}.x` : `${line}.x.y`})`, { data: { option: 'line', line } });
  }
}
