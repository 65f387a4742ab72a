// A model's changelog, built from its manifests alone: each version's consumed changes grouped by type, its
// interface findings against the version before it, and for breaking versions a migration guide. Pure
// functions: manifests in, data or Markdown out.
import compare from 'semver/functions/compare.js';
import parse from 'semver/functions/parse.js';
import { migrationGuide, type Finding } from '../formats/compare.js';
import type { Manifest } from '../manifest/types.js';
import { CHANGE_TYPES, type ChangeType } from '../change-type.js';
import { impliedType } from './bump.js';
import { versionFindings } from './findings.js';

export interface ChangelogChange {
  id: string;
  type: ChangeType;
  summary: string;
  /** the pre-release that consumed it, for a change listed under its release */
  version?: string;
}

export interface ChangelogEntry {
  version: string;
  hash: string;
  created_at: string;
  /** the version this entry is compared with: the one before it, or for a release the one before its pre-releases */
  previous: string | null;
  /** the type of the step from `previous` (null for a first version) */
  type: ChangeType | null;
  message?: string;
  changes: ChangelogChange[];
  findings: Finding[];
  /** what a caller must change, for a step with breaking findings */
  migration: string[];
}

function releaseOf(version: string): string {
  const v = parse(version)!;
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Changelog entries, newest first, from a model's manifests in any order. */
export function buildChangelog(manifests: readonly Manifest[]): ChangelogEntry[] {
  const sorted = [...manifests].sort((a, b) => compare(a.version, b.version));
  const entries: ChangelogEntry[] = [];
  sorted.forEach((m, i) => {
    let j = i - 1;
    const changes: ChangelogChange[] = [];
    // A release gathers what its pre-releases consumed, and is compared with what came before them, so the
    // release notes and migration guide of 2.0.0 cover everything since 1.x, not just since 2.0.0-rc.3.
    if (parse(m.version)!.prerelease.length === 0) {
      while (j >= 0 && releaseOf(sorted[j]!.version) === m.version) {
        for (const c of sorted[j]!.changes ?? []) changes.unshift({ ...c, version: sorted[j]!.version });
        j--;
      }
    }
    // With maintenance lines, the version below is not always the one a version followed: 1.0.1 registered
    // after 2.0.0 sorts between 1.0.0 and 2.0.0, but 2.0.0 was compared with 1.0.0. The previous version is the
    // highest one below that was registered before it (the version below, when times say nothing).
    let k = j;
    while (k >= 0 && sorted[k]!.created_at > m.created_at) k--;
    const previous = k >= 0 ? sorted[k] : j >= 0 ? sorted[j] : undefined;
    changes.push(...(m.changes ?? []).map((c) => ({ ...c })));
    const findings = versionFindings(previous, m);
    entries.push({
      version: m.version,
      hash: m.hash,
      created_at: m.created_at,
      previous: previous?.version ?? null,
      type: impliedType(previous?.version, m.version) ?? null,
      ...(m.message === undefined ? {} : { message: m.message }),
      changes,
      findings,
      migration: migrationGuide(findings),
    });
  });
  return entries.reverse();
}

const TITLES: Readonly<Record<ChangeType, string>> = { major: 'Major', minor: 'Minor', patch: 'Patch' };

function item(text: string): string {
  const [first, ...rest] = text.split('\n');
  return [`- ${first}`, ...rest.map((line) => (line === '' ? '' : `  ${line}`))].join('\n');
}

export function changelogMarkdown(model: string, entries: readonly ChangelogEntry[]): string {
  const out: string[] = [`# Changelog: ${model}`, ''];
  for (const e of entries) {
    out.push(`## ${e.version} (${e.created_at.slice(0, 10)}, hash ${e.hash})`, '');
    if (e.changes.length === 0) {
      // Registered with --change or --version: the message is all there is to say.
      out.push(`### ${e.type ? TITLES[e.type] : 'First version'}`, '', item(e.message ?? '(no message)'), '');
    } else {
      if (e.message) out.push(e.message, '');
      for (const type of CHANGE_TYPES) {
        const group = e.changes.filter((c) => c.type === type);
        if (group.length === 0) continue;
        out.push(`### ${TITLES[type]}`, '', ...group.map((c) => item(c.version ? `${c.summary} (${c.version})` : c.summary)), '');
      }
    }
    const visible = e.findings.filter((f) => f.rule !== 'weights-changed');
    if (visible.length > 0) out.push('### Interface changes', '', ...visible.map((f) => item(`${f.bump}: ${f.message}`)), '');
    if (e.migration.length > 0) {
      out.push('### Migration guide', '', `Moving from ${e.previous} to ${e.version}:`, '', ...e.migration.map(item), '');
    } else if (e.type === 'major') {
      out.push('### Migration guide', '', `mreg found no breaking change in the interface from ${e.previous} to ${e.version}; the changes above say what breaks.`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
