// The version arithmetic of declared changes, as pure functions over version strings: the next version from
// the current one and a declared change type (with optional pre-release tag), and the change type a given
// version step amounts to. No I/O here, so every rule is a row in a table test.
import compare from 'semver/functions/compare.js';
import inc from 'semver/functions/inc.js';
import parse from 'semver/functions/parse.js';
import { MregError } from '../../errors.js';
import type { ChangeType } from '../change-type.js';

const RANK: Readonly<Record<ChangeType, number>> = { patch: 0, minor: 1, major: 2 };

/** -1, 0 or 1 as `a` is lower than, equal to or higher than `b`; undefined (nothing) is lowest. */
export function compareTypes(a: ChangeType | undefined, b: ChangeType | undefined): number {
  const ra = a === undefined ? -1 : RANK[a];
  const rb = b === undefined ? -1 : RANK[b];
  return Math.sign(ra - rb);
}

/** The highest of the types given, or undefined when there are none. */
export function highestType(types: Iterable<ChangeType | undefined>): ChangeType | undefined {
  let top: ChangeType | undefined;
  for (const t of types) if (compareTypes(t, top) > 0) top = t;
  return top;
}

const PRE_TAG = /^[a-z][a-z0-9-]{0,31}$/;

/** A pre-release tag such as rc, beta or alpha: one identifier, so the counter after it stays numeric. */
/**
 * Longest version mreg stores: a version names files (models/<model>/<version>.yaml and its signatures), and a
 * file name is at most 255 bytes on common file systems.
 */
export const MAX_VERSION_LENGTH = 128;

/** Refuses a version too long to name its files, before anything is written. */
export function checkVersionLength(version: string, option?: string): string {
  if (version.length > MAX_VERSION_LENGTH) {
    throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(`${version.slice(0, 40)}...`)}: longer than ${MAX_VERSION_LENGTH} characters (it names the version's files)`, {
      ...(option ? { data: { option } } : {}),
    });
  }
  return version;
}

export function checkPreTag(tag: string): string {
  if (!PRE_TAG.test(tag)) {
    throw new MregError('USAGE', `invalid pre-release tag ${JSON.stringify(tag.slice(0, 40))}: expected a lowercase word such as rc, beta or alpha (letters, digits, '-'; no dots)`);
  }
  return tag;
}

/**
 * The change type a pre-release is heading for, read off its release numbers: 1.3.0-rc.1 is on its way to a
 * minor release, 2.0.0-rc.0 to a major one, 1.2.4-rc.0 to a patch. Undefined for a release.
 */
export function preReleaseLevel(version: string): ChangeType | undefined {
  const v = parse(version);
  if (!v || v.prerelease.length === 0) return undefined;
  if (v.patch !== 0) return 'patch';
  if (v.minor !== 0) return 'minor';
  return 'major';
}

/**
 * The next version after `current` (undefined: nothing registered, counted from 0.0.0) for a change of `type`.
 *
 * - No `pre`: a release. After a pre-release, a change within the pre-release's level gives that release
 *   (1.3.0-rc.1 + minor or patch = 1.3.0); a bigger change bumps past it (1.3.0-rc.1 + major = 2.0.0).
 * - With `pre`: a pre-release. A change within the current pre-release's level continues its sequence
 *   (1.3.0-rc.0 → 1.3.0-rc.1, or 1.3.0-beta.2 → 1.3.0-rc.0 when the tag moves on); otherwise a new sequence
 *   starts at .0 (1.2.0 + minor = 1.3.0-rc.0, 1.3.0-rc.1 + major = 2.0.0-rc.0).
 *
 * The result is always higher than `current`: a tag that sorts before the current one is refused.
 */
export function nextVersion(current: string | undefined, type: ChangeType, pre?: string): string {
  const base = current ?? '0.0.0';
  if (!parse(base)) throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(base)}`);
  let next: string | null;
  if (pre === undefined) {
    // semver's inc already releases a pre-release when the change fits inside it, and bumps past it otherwise.
    next = inc(base, type);
  } else {
    checkPreTag(pre);
    const level = preReleaseLevel(base);
    const continues = level !== undefined && compareTypes(type, level) <= 0;
    next = continues ? inc(base, 'prerelease', pre) : inc(base, `pre${type}`, pre);
  }
  if (!next) throw new MregError('INVALID_VERSION', `cannot bump ${base} by ${type}`);
  if (compare(next, base) <= 0) {
    throw new MregError('INVALID_VERSION', `pre ${pre}: ${next} would sort before ${base}; use a tag that sorts after ${String(parse(base)!.prerelease[0])}`, { data: { option: 'pre' } });
  }
  return checkVersionLength(next, pre === undefined ? undefined : 'pre');
}

/**
 * The change type that the step from `previous` to `version` declares, for versions given explicitly
 * (--version): the highest type whose release bump from `previous` is not past `version`'s release numbers.
 * 1.2.0 → 1.2.1 is patch, → 1.5.0 minor, → 2.0.0-rc.0 major; 1.3.0-rc.0 → 1.3.0-rc.1 is minor (the level of
 * the sequence), and undefined for a first version or a `version` not above `previous`.
 */
export function impliedType(previous: string | undefined, version: string): ChangeType | undefined {
  const target = parse(version);
  if (!target) throw new MregError('INVALID_VERSION', `invalid version ${JSON.stringify(version)}`);
  if (previous === undefined || compare(version, previous) <= 0) return undefined;
  const release = `${target.major}.${target.minor}.${target.patch}`;
  for (const type of ['major', 'minor', 'patch'] as const) {
    if (compare(inc(previous, type)!, release) <= 0) return type;
  }
  // Only pre-releases of the same release are left (1.3.0-rc.0 → 1.3.0-rc.1 at patch level, say): the step
  // stays inside the sequence, which allows what the sequence's level allows.
  return preReleaseLevel(previous) ?? 'patch';
}
