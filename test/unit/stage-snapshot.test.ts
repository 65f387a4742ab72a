// The stage snapshot (src/core/lifecycle/snapshot.ts): whatever happened to the history file or the
// cache, currentState answers exactly what a full replay of the history answers.
import { appendFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendEvents, parseHistory, readHistory, serializeEvent, type HistoryEvent, type NewEvent } from '../../src/core/lifecycle/history.js';
import { prunedVersions } from '../../src/core/lifecycle/pruned.js';
import { currentState } from '../../src/core/lifecycle/snapshot.js';
import { replay, type StageState } from '../../src/core/lifecycle/state.js';
import { historyPath, layoutOf, pulledHistoryPath, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';

const M = 'm';
const base = { model: M, actor: 't' };
const promote = (version: string, stage: string, extra: Partial<NewEvent> = {}): NewEvent => ({ ...base, event: 'promote', version, stage, left: [], displaced: [], ...extra });

function layout(): Layout {
  const l = layoutOf(join(tempDir('mreg-snapshot-'), '.modelreg'));
  mkdirSync(l.history, { recursive: true });
  return l;
}

/** A history of a few versions through staging and production, its mtime an hour old (not racy). */
async function seeded(): Promise<Layout> {
  const l = layout();
  const events: NewEvent[] = [];
  for (let i = 0; i < 5; i++) {
    const v = `1.0.${i}`;
    events.push({ ...base, event: 'register', version: v }, { ...base, event: 'check', version: v, check: 'eval', passed: i % 2 === 0 }, promote(v, 'staging'));
    events.push(promote(v, 'production', { left: ['staging'], displaced: i > 0 ? [{ version: `1.0.${i - 1}`, left: ['production'], to: 'archived' }] : [] }));
  }
  events.push({ ...base, event: 'prune', version: '1.0.0' });
  await appendEvents(l, M, events);
  age(l);
  return l;
}

function age(l: Layout, path = historyPath(l, M)): void {
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(path, hourAgo, hourAgo);
}

const plain = (s: StageState) => ({
  stages: Object.fromEntries(s.stages),
  checks: Object.fromEntries([...s.checks].map(([v, r]) => [v, Object.fromEntries([...r].map(([c, x]) => [c, x.passed]))])),
  entered: Object.fromEntries([...s.stages].flatMap(([stage, vs]) => vs.map((v) => [`${stage}@${v}`, s.entered.get(`${stage}\0${v}`)?.id]))),
});

/** currentState (with checks) equals a full replay of readHistory. */
async function expectReplay(l: Layout): Promise<void> {
  const { events } = await readHistory(l, M);
  const got = await currentState(l, M, { withChecks: true });
  expect(plain(got.state)).toEqual(plain(replay(events)));
  expect([...got.pruned.keys()]).toEqual([...prunedVersions(events).keys()]);
}

const snapshotFile = (l: Layout) => join(l.cache, 'stages', `${M}.json`);

describe('stage snapshot', () => {
  it('writes a snapshot on the first read and answers from it while the history is unchanged', async () => {
    const l = await seeded();
    await expectReplay(l);
    const doc = JSON.parse(readFileSync(snapshotFile(l), 'utf8'));
    expect(Object.fromEntries(doc.stages)).toEqual({ production: ['1.0.4'], archived: ['1.0.0', '1.0.1', '1.0.2', '1.0.3'] });
    // Proof the stat-keyed snapshot is what answers: an edit to the snapshot alone shows through.
    doc.stages = [['production', ['9.9.9']]];
    writeFileSync(snapshotFile(l), JSON.stringify(doc));
    expect(Object.fromEntries((await currentState(l, M)).state.stages)).toEqual({ production: ['9.9.9'] });
    // Without checks asked for, none are given (they live in a file of their own).
    expect((await currentState(l, M)).state.checks.size).toBe(0);
  });

  it('replays only the appended lines, and equals a full replay after each append', async () => {
    const l = await seeded();
    await expectReplay(l);
    await appendEvents(l, M, [{ ...base, event: 'demote', version: '1.0.1', stage: 'archived' }]);
    await expectReplay(l);
    await appendEvents(l, M, [promote('1.0.2', 'staging'), { ...base, event: 'check', version: '1.0.2', check: 'eval', passed: true }, { ...base, event: 'prune', version: '1.0.3' }]);
    await expectReplay(l);
    expect(JSON.parse(readFileSync(snapshotFile(l), 'utf8')).size).toBe(statSync(historyPath(l, M)).size);
  });

  it('replays in full when a line was edited in place with the mtime put back (touch -r)', async () => {
    const l = await seeded();
    await expectReplay(l);
    const path = historyPath(l, M);
    const { mtime } = statSync(path);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    // Production's last promotion becomes a demote of the same length: the state changes, the size does not.
    const last = lines.findLastIndex((line) => line.includes('"stage":"production"') && line.includes('"version":"1.0.4"'));
    const event = JSON.parse(lines[last]!) as HistoryEvent & { sum?: string };
    delete event.sum;
    const edited = serializeEvent({ ...event, stage: 'staging' });
    lines[last] = edited.padEnd(lines[last]!.length, ' ');
    writeFileSync(path, lines.join('\n'));
    utimesSync(path, mtime, mtime);
    await expectReplay(l);
  });

  it('replays in full when an appended event repeats an earlier one (a line merged from two places)', async () => {
    const l = await seeded();
    await expectReplay(l);
    const path = historyPath(l, M);
    const first = readFileSync(path, 'utf8').split('\n').find((line) => line.includes('"stage":"staging"'))!;
    appendFileSync(path, `${first}\n`);
    await expectReplay(l);
  });

  it('rebuilds a damaged, foreign or missing snapshot', async () => {
    const l = await seeded();
    await expectReplay(l);
    for (const damage of ['{not json', JSON.stringify({ format: 99 }), JSON.stringify({ format: 1, stat: 3 }), '']) {
      writeFileSync(snapshotFile(l), damage);
      await expectReplay(l);
    }
    writeFileSync(join(l.cache, 'stages', `${M}.checks.json`), '[]');
    await expectReplay(l);
    // Valid JSON of the right format, with parts of the wrong shape: rebuilt, never a crash.
    const good = JSON.parse(readFileSync(snapshotFile(l), 'utf8'));
    const checksFile = join(l.cache, 'stages', `${M}.checks.json`);
    const goodChecks = JSON.parse(readFileSync(checksFile, 'utf8'));
    for (const [stages, checks] of [
      [[['production', 'not a list']], goodChecks.checks],
      [[7], goodChecks.checks],
      [good.stages, [['1.0.0', [['eval', 'yes', 'then']]]]],
      [good.stages, [['1.0.0', 5]]],
    ]) {
      writeFileSync(snapshotFile(l), JSON.stringify({ ...good, stages }));
      writeFileSync(checksFile, JSON.stringify({ ...goodChecks, checks }));
      await expectReplay(l);
    }
  });

  it('does not trust a snapshot recorded within the racy window of the history mtime', async () => {
    const l = await seeded();
    const path = historyPath(l, M);
    const now = new Date();
    utimesSync(path, now, now);
    await expectReplay(l); // written now: racily clean
    const doc = JSON.parse(readFileSync(snapshotFile(l), 'utf8'));
    doc.stages = [['production', ['9.9.9']]];
    doc.sha256 = '0'.repeat(64); // so the content check cannot vouch for it either
    writeFileSync(snapshotFile(l), JSON.stringify(doc));
    await expectReplay(l);
  });

  it('counts a last line without its newline, and merges a pulled history by id, as readHistory does', async () => {
    const l = await seeded();
    await expectReplay(l);
    const path = historyPath(l, M);
    appendFileSync(path, serializeEvent({ ...base, id: 'ffff000011112222', time: new Date().toISOString(), event: 'demote', version: '1.0.4', stage: 'production' }));
    await expectReplay(l);
    appendFileSync(path, '\n');
    const pulled = pulledHistoryPath(l, M);
    mkdirSync(join(pulled, '..'), { recursive: true });
    writeFileSync(pulled, `${serializeEvent({ ...base, id: 'eeee000011112222', time: new Date().toISOString(), event: 'promote', version: '1.0.3', stage: 'staging', left: [], displaced: [] })}\n`);
    await expectReplay(l);
  });

  it('is empty for a model without a history', async () => {
    const l = layout();
    const got = await currentState(l, M);
    expect(got.state.stages.size).toBe(0);
    expect(got.pruned.size).toBe(0);
  });
});

describe('history checksums', () => {
  const event = { id: '0123456789abcdef', time: '2026-01-01T00:00:00.000Z', event: 'promote', model: M, version: '1.0.0', actor: 't', stage: 'staging', left: [], displaced: [] };
  const line = serializeEvent(event as HistoryEvent);

  it('accepts the lines mreg writes, and the same event reformatted (checked on its parsed form)', () => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const reordered = JSON.stringify({ sum: parsed.sum, ...event }, null, 0).replace(/,/g, ', ');
    const { events, warnings } = parseHistory(`${line}\n${reordered.replace(event.id, 'fedcba9876543210')}\n${reordered}\n`);
    expect(warnings).toStrictEqual([{ line: 2, message: 'checksum does not match (the line was edited); skipped' }]);
    expect(events).toHaveLength(1); // the reformatted copy of line 1 is the same event, counted once
    expect(parseHistory(`${reordered}\n`).events).toStrictEqual([event]);
  });

  it('refuses an edited line, and a line whose sum was moved to stand for other content', () => {
    const edited = line.replace('"stage":"staging"', '"stage":"production"');
    const nested = line.replace('"actor":"t"', `"actor":"t","x":{"a":1,${line.match(/"sum":"[0-9a-f]{16}"/)![0]}}`);
    const { events, warnings } = parseHistory(`${edited}\n${nested}\n`);
    expect(events).toStrictEqual([]);
    expect(warnings.map((w) => w.line)).toStrictEqual([1, 2]);
  });
});
