// Naming rules for models (and later stages, targets, remotes): a name becomes a path component
// inside .modelreg/, so anything that could escape it or clash on another file system is refused.
import { MregError } from '../errors.js';

export const MAX_NAME_LENGTH = 100;
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
// Windows device names are reserved with any extension (con.txt is still CON).
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/;

/** Returns why `name` is not a valid name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('/') || name.includes('\\')) return 'contains a slash';
  if (name.includes('..')) return "contains '..'";
  if (!NAME_PATTERN.test(name)) {
    return /^[._-]/.test(name)
      ? 'must start with a lowercase letter or digit'
      : 'may hold only lowercase letters, digits, ".", "_" and "-"';
  }
  if (name.endsWith('.')) return 'ends with a dot';
  if (RESERVED.test(name)) return 'is a reserved device name on Windows';
  return undefined;
}

export function checkName(name: string, what = 'model name'): string {
  const problem = nameProblem(name);
  if (problem) {
    const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
    throw new MregError('INVALID_NAME', `invalid ${what} ${JSON.stringify(shown)}: it ${problem}`);
  }
  return name;
}
