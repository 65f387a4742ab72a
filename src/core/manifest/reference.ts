// The one reader of `name@selector` text, shared by version references (lifecycle/refs.ts: name@1.2.3, @stage,
// @^1.2, @latest) and lineage references (lineage.ts): split at the first '@', a bare name meaning latest.
import { checkName } from '../names.js';

/** Splits `name@selector`; the name is checked (`what` names it in the error), the selector is left to the caller. */
export function splitReference(text: string, what?: string): { name: string; selector: string } {
  const at = text.indexOf('@');
  const name = checkName(at === -1 ? text : text.slice(0, at), what);
  return { name, selector: at === -1 ? 'latest' : text.slice(at + 1) };
}
