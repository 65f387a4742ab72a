// How big a change is: the level a change is declared at (--change, change files, the `changes` a manifest
// records) and the level an interface finding requires. A leaf, so formats/, manifest/ and versioning/ share it.
export type ChangeType = 'major' | 'minor' | 'patch';
export const CHANGE_TYPES: readonly ChangeType[] = ['major', 'minor', 'patch'];

export function isChangeType(value: unknown): value is ChangeType {
  return value === 'major' || value === 'minor' || value === 'patch';
}
