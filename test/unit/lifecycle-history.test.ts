// The history log (src/core/lifecycle/history.ts) and the stage state replayed from it (state.ts):
// every line carries its own checksum, an edited, torn or malformed line is reported and never
// trusted, an event counts once whichever way it came, and appends after a torn line start afresh.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendEvents, appendRawEvents, MAX_HISTORY_BYTES, newEventId, parseHistory, readHistory, readTrackedHistory, serializeEvent, type HistoryEvent } from '../../src/core/lifecycle/history.js';
import { replay, stageConflicts, stagesOf, versionInStage } from '../../src/core/lifecycle/state.js';
import { historyPath, layoutOf, pulledHistoryPath, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';

function layout(): Layout {
  return layoutOf(join(tempDir('mreg-history-'), '.modelreg'));
}

const T = '2026-03-02T14:00:00.000Z';
const ev = (id: string, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({ id, time: T, event: 'register', model: 'fraud', version: '1.0.0', actor: 'tester', ...extra });
const line = (e: HistoryEvent) => serializeEvent(e);

describe('parseHistory', () => {
  it('keeps sound events in order, each id once, skipping blank lines', () => {
    const text = [line(ev('a')), '', '   ', line(ev('b', { stage: 'production', left: ['staging'] })), line(ev('a'))].join('\n') + '\n';
    const kept = [ev('a'), ev('b', { stage: 'production', left: ['staging'] })];
    // sizes: each kept event's line in bytes (the bound on what a pull may add counts them)
    expect(parseHistory(text)).toStrictEqual({ events: kept, warnings: [], sizes: kept.map((e) => Buffer.byteLength(line(e))) });
  });

  it('a serialized event is canonical JSON with its checksum, without undefined members', () => {
    const text = serializeEvent({ ...ev('a'), reason: undefined });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toStrictEqual(['actor', 'event', 'id', 'model', 'sum', 'time', 'version']);
    expect(parsed.sum).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reports an edited line, a torn last line, a line that is not JSON, and an invalid event, by line number', () => {
    const edited = line(ev('a')).replace('"actor":"tester"', '"actor":"mallory"');
    const noSum = JSON.stringify(ev('c'));
    const text = [edited, 'garbage', noSum, line(ev('ok')), '{"id": "torn'].join('\n');
    expect(parseHistory(text)).toStrictEqual({
      events: [ev('ok')],
      sizes: [Buffer.byteLength(line(ev('ok')))],
      warnings: [
        { line: 1, message: 'checksum does not match (the line was edited); skipped' },
        { line: 2, message: 'not a JSON event; skipped' },
        { line: 3, message: 'checksum does not match (the line was edited); skipped' },
        { line: 5, message: 'torn last line (an interrupted append); skipped' },
      ],
    });
    expect(parseHistory('null\n').warnings).toStrictEqual([{ line: 1, message: 'checksum does not match (the line was edited); skipped' }]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an id that is not a string', { id: 7 }],
    ['a time that is not a string', { time: 7 }],
    ['a time that is not a date', { time: 'yesterday' }],
    ['an event that is not a string', { event: null }],
    ['a model that is not a string', { model: 1 }],
    ['a version that is not a string', { version: 1 }],
    ['an actor that is not a string', { actor: false }],
    ['a stage that is not a string', { stage: 3 }],
    ['left that is not a list', { left: 'staging' }],
    ['left with a non-string', { left: ['staging', 3] }],
    ['displaced that is not a list', { displaced: {} }],
    ['displaced without a version', { displaced: [{ left: [] }] }],
    ['displaced without a left list', { displaced: [{ version: '1.0.0', left: 'x' }] }],
    ['displaced with a non-string to', { displaced: [{ version: '1.0.0', left: [], to: 4 }] }],
    ['displaced holding null', { displaced: [null] }],
  ])('refuses an event with %s, checksum and all', (_what, change) => {
    const bad = { ...ev('a'), ...change } as unknown as HistoryEvent;
    expect(parseHistory(`${serializeEvent(bad)}\n`)).toStrictEqual({ events: [], warnings: [{ line: 1, message: 'not a valid event; skipped' }], sizes: [] });
  });

  it('accepts the optional members in their right shapes', () => {
    const full = ev('a', { stage: 's', left: [], displaced: [{ version: '0.9.0', left: ['s'], to: 'archived' }, { version: '0.8.0', left: [] }] });
    expect(parseHistory(`${serializeEvent(full)}\n`).events).toStrictEqual([full]);
    expect(parseHistory(`${serializeEvent({ ...ev('b'), 0: 1 } as unknown as HistoryEvent)}\n`).events).toHaveLength(1);
    expect(parseHistory(`${JSON.stringify(['x'])}\n`).warnings[0]!.message).toMatch(/checksum/);
  });
});

describe('appending and reading', () => {
  it('appends durable lines, creating the file, with ids and the given time', async () => {
    const l = layout();
    expect(await readHistory(l, 'fraud')).toStrictEqual({ events: [], warnings: [] });
    const now = new Date('2026-01-02T03:04:05.678Z');
    const written = await appendEvents(l, 'fraud', [{ event: 'register', model: 'fraud', version: '1.0.0', actor: 'a' }, { event: 'promote', model: 'fraud', version: '1.0.0', actor: 'a', stage: 's', time: T }], now);
    expect(written.map((e) => e.time)).toStrictEqual(['2026-01-02T03:04:05.678Z', T]);
    expect(written[0]!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(written[0]!.id).not.toBe(written[1]!.id);
    expect(newEventId()).toMatch(/^[0-9a-f]{16}$/);
    expect((await readHistory(l, 'fraud')).events).toStrictEqual(written);
    expect(statSync(historyPath(l, 'fraud')).mode & 0o777).toBe(0o644 & ~process.umask());
    const defaulted = await appendEvents(l, 'fraud', [{ event: 'check', model: 'fraud', version: '1.0.0', actor: 'a' }]);
    expect(Math.abs(Date.parse(defaulted[0]!.time) - Date.now())).toBeLessThan(60 * 60_000);
    await appendRawEvents(l, 'fraud', []);
    expect((await readHistory(l, 'fraud')).events).toHaveLength(3);
  });

  it('after a torn last line, the next append starts on a fresh line', async () => {
    const l = layout();
    await appendRawEvents(l, 'fraud', [ev('a')]);
    writeFileSync(historyPath(l, 'fraud'), readFileSync(historyPath(l, 'fraud'), 'utf8') + '{"id": "to');
    await appendRawEvents(l, 'fraud', [ev('b')]);
    const text = readFileSync(historyPath(l, 'fraud'), 'utf8');
    expect(text.split('\n')).toStrictEqual([line(ev('a')), '{"id": "to', line(ev('b')), '']);
    expect(await readHistory(l, 'fraud')).toStrictEqual({ events: [ev('a'), ev('b')], warnings: [{ line: 2, message: 'not a JSON event; skipped' }], sizes: [ev('a'), ev('b')].map((e) => Buffer.byteLength(line(e))) });
  });

  it('reads the tracked history, then the pulled events it lacks, labelling pulled warnings', async () => {
    const l = layout();
    await appendRawEvents(l, 'fraud', [ev('a'), ev('b')]);
    expect(existsSync(pulledHistoryPath(l, 'fraud'))).toBe(false);
    await appendRawEvents(l, 'fraud', [ev('b'), ev('c')], 'pulled');
    expect((await readHistory(l, 'fraud')).events.map((e) => e.id)).toStrictEqual(['a', 'b', 'c']);
    expect((await readTrackedHistory(l, 'fraud')).events.map((e) => e.id)).toStrictEqual(['a', 'b']);
    writeFileSync(pulledHistoryPath(l, 'fraud'), 'junk\n', { flag: 'a' });
    expect((await readHistory(l, 'fraud')).warnings).toStrictEqual([{ line: 3, message: 'not a JSON event; skipped', file: 'pulled/history/fraud.jsonl' }]);
    // Only warnings in the pulled file still come through.
    writeFileSync(pulledHistoryPath(l, 'fraud'), 'junk\n');
    expect(await readHistory(l, 'fraud')).toStrictEqual({ events: [ev('a'), ev('b')], warnings: [{ line: 1, message: 'not a JSON event; skipped', file: 'pulled/history/fraud.jsonl' }] });
  });

  it('refuses a history file larger than the limit, and a history path it cannot read', async () => {
    const l = layout();
    await appendRawEvents(l, 'fraud', [ev('a')]);
    const { truncateSync, mkdirSync } = await import('node:fs');
    truncateSync(historyPath(l, 'fraud'), MAX_HISTORY_BYTES + 1);
    await expect(readHistory(l, 'fraud')).rejects.toMatchObject({ code: 'CORRUPT_MANIFEST', message: `history/fraud.jsonl: larger than ${MAX_HISTORY_BYTES} bytes` });
    rmSync(historyPath(l, 'fraud'));
    mkdirSync(historyPath(l, 'fraud'));
    await expect(readHistory(l, 'fraud')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(appendRawEvents(l, 'fraud', [ev('a')])).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('stage state', () => {
  const promote = (id: string, version: string, stage: string, more: Partial<HistoryEvent> = {}) => ev(id, { event: 'promote', version, stage, ...more });

  it('replays promotions, displacements, demotions and checks; at a time, only what happened by then', () => {
    const events = [
      promote('1', '1.0.0', 'staging'),
      promote('2', '1.0.0', 'production', { left: ['staging'], time: '2026-03-02T15:00:00.000Z' }),
      promote('3', '2.0.0', 'production', { displaced: [{ version: '1.0.0', left: ['production'], to: 'archived' }], time: '2026-03-02T16:00:00.000Z' }),
      ev('4', { event: 'check', version: '2.0.0', check: 'smoke', passed: false }),
      ev('5', { event: 'check', version: '2.0.0', check: 'smoke', passed: true, time: '2026-03-02T17:00:00.000Z' }),
      ev('6', { event: 'check', version: '2.0.0', check: 'lint' }),
      ev('7', { event: 'promote', version: '3.0.0' }),
      promote('8', '3.0.0', 'canary'),
      ev('9', { event: 'demote', version: '3.0.0', stage: 'canary' }),
      ev('10', { event: 'demote', version: '3.0.0' }),
      ev('11', { event: 'sign', version: '3.0.0', stage: 'canary' }),
    ];
    const state = replay(events);
    // production emptied when 1.0.0 left it, so it is listed after archived.
    expect([...state.stages]).toStrictEqual([
      ['archived', ['1.0.0']],
      ['production', ['2.0.0']],
    ]);
    expect(stagesOf(state, '1.0.0')).toStrictEqual(['archived']);
    expect(state.checks.get('2.0.0')!.get('smoke')).toMatchObject({ passed: true, time: '2026-03-02T17:00:00.000Z' });
    expect(state.checks.get('2.0.0')!.has('lint')).toBe(false);
    expect(state.entered.get('archived\u00001.0.0')!.id).toBe('3');
    const earlier = replay(events, new Date('2026-03-02T15:00:00.000Z'));
    expect([...earlier.stages]).toStrictEqual([['production', ['1.0.0']]]);
    expect(earlier.checks.get('2.0.0')!.get('smoke')!.passed).toBe(false);
  });

  it('a version entering twice is listed once; stagesOf is sorted; versionInStage is the highest', () => {
    const state = replay([promote('1', '1.10.0', 'staging'), promote('2', '1.9.0', 'staging'), promote('3', '1.10.0', 'staging'), promote('4', '1.10.0', 'beta')]);
    expect(state.stages.get('staging')).toStrictEqual(['1.10.0', '1.9.0']);
    expect(stagesOf(state, '1.10.0')).toStrictEqual(['beta', 'staging']);
    expect(versionInStage(state, 'staging')).toBe('1.10.0');
    expect(versionInStage(state, 'nowhere')).toBeUndefined();
    expect(state.entered.get('staging\u00001.10.0')!.id).toBe('3');
  });

  it('names an exclusive stage holding two versions, with how each got there and one command that settles it', () => {
    const state = replay([promote('e1', '1.10.0', 'production', { actor: 'alice' }), promote('e2', '1.9.0', 'production', { actor: 'bob' }), promote('e3', '1.0.0', 'staging'), promote('e4', '1.1.0', 'staging')]);
    const conflicts = stageConflicts('fraud', state, (s) => s === 'production');
    expect(conflicts).toStrictEqual([
      {
        stage: 'production',
        versions: ['1.9.0', '1.10.0'],
        command: 'mreg promote fraud@1.10.0 production',
        message: `fraud: exclusive stage production holds 2 versions: 1.9.0 (promoted at ${T} by bob, event e2) and 1.10.0 (promoted at ${T} by alice, event e1); promote the right one again to settle it (mreg promote fraud@1.10.0 production, or another of them)`,
      },
    ]);
    expect(stageConflicts('fraud', replay([promote('e1', '1.0.0', 'production')]), () => true)).toStrictEqual([]);
    state.entered.clear();
    expect(stageConflicts('fraud', state, (s) => s === 'production')[0]!.message).toContain('1.9.0 (promoted by an unknown event) and 1.10.0 (promoted by an unknown event)');
  });
});
