// History lines and appends at their edges (src/core/lifecycle/history.ts): a line whose checksum is
// over its own text is accepted wherever its sum member stands, a reformatted line by its parsed
// content, and nothing else; an append never takes a history file past its size limit (exactly the
// limit is fine), says how many events it refused and which file, and an empty file gets no blank line.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRawEvents, MAX_HISTORY_BYTES, parseHistory, serializeEvent, type HistoryEvent } from '../../src/core/lifecycle/history.js';
import { historyPath, layoutOf, pulledHistoryPath, type Layout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { failure } from '../helpers/errors.js';

const sha16 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const T = '2026-03-02T14:00:00.000Z';
const ev = (id: string, more: Partial<HistoryEvent> = {}): HistoryEvent => ({ id, time: T, event: 'register', model: 'fraud', version: '1.0.0', actor: 'tester', ...more });
const WARN_EDITED = { line: 1, message: 'checksum does not match (the line was edited); skipped' };

/** The members of ev(id) in an order that is not canonical (JSON.stringify keeps insertion order). */
const members = (id: string) => `"version":"1.0.0","id":"${id}","time":"${T}","model":"fraud","event":"register","actor":"tester"`;

describe('a line\'s checksum', () => {
  it('is accepted when it is the hash of the line\'s own text without it, wherever the sum member stands', () => {
    const body = members('a');
    const sum = sha16(`{${body}}`);
    for (const line of [`{${body},"sum":"${sum}"}`, `{"sum":"${sum}",${body}}`]) {
      expect(parseHistory(`${line}\n`)).toStrictEqual({ events: [ev('a')], warnings: [], sizes: [Buffer.byteLength(line)] });
    }
    const [head, ...tail] = body.split(',');
    const middle = `{${head},"sum":"${sha16(`{${head},${tail.join(',')}}`)}",${tail.join(',')}}`;
    expect(parseHistory(`${middle}\n`).events).toStrictEqual([ev('a')]);
  });

  it('a text hash of other text is refused: the sum counts only over the line it is in', () => {
    const body = members('a');
    const other = sha16(`{${members('b')}}`);
    expect(parseHistory(`{${body},"sum":"${other}"}\n`).warnings).toStrictEqual([WARN_EDITED]);
    expect(parseHistory(`{"sum":"${other}",${body}}\n`).warnings).toStrictEqual([WARN_EDITED]);
    // The text hash with the member's comma left in, or the brace dropped, is not it either.
    expect(parseHistory(`{${body},"sum":"${sha16(`{${body},}`)}"}\n`).warnings).toStrictEqual([WARN_EDITED]);
    expect(parseHistory(`{"sum":"${sha16(`{,${body}}`)}",${body}}\n`).warnings).toStrictEqual([WARN_EDITED]);
    expect(parseHistory(`{"sum":"${sha16(`${body}}`)}",${body}}\n`).warnings).toStrictEqual([WARN_EDITED]);
    // A sum with no comma on either side has no text form: only the hash of its content ({}) counts.
    expect(parseHistory(`{"sum":"${sha16('{')}"}\n`).warnings).toStrictEqual([WARN_EDITED]);
    expect(parseHistory(`{"sum":"${sha16('{}')}"}\n`).warnings).toStrictEqual([{ line: 1, message: 'not a valid event; skipped' }]);
  });

  it('a reformatted line is judged by its content: spaces and member order do not matter', () => {
    const canonical = serializeEvent(ev('a'));
    const { sum } = JSON.parse(canonical) as { sum: string };
    const spaced = `{ "version": "1.0.0", "id": "a", "sum" : "${sum}", "time": "${T}", "model": "fraud", "event": "register", "actor": "tester" }`;
    expect(parseHistory(`${spaced}\n`).events).toStrictEqual([ev('a')]);
    const reordered = `{"sum":"${sum}",${members('a')}}`;
    expect(parseHistory(`${reordered}\n`).events).toStrictEqual([ev('a')]);
    expect(parseHistory(`${reordered.replace('"tester"', '"mallory"')}\n`).warnings).toStrictEqual([WARN_EDITED]);
  });
});

describe('appending', () => {
  function layout(): Layout {
    return layoutOf(join(tempDir('mreg-history-lines-'), '.modelreg'));
  }
  const lineOf = (e: HistoryEvent) => Buffer.byteLength(serializeEvent(e)) + 1;

  it('one line per event, appended after a complete last line; no events, no file', async () => {
    const l = layout();
    await appendRawEvents(l, 'fraud', []);
    expect(existsSync(historyPath(l, 'fraud'))).toBe(false);
    await appendRawEvents(l, 'fraud', [ev('a')]);
    await appendRawEvents(l, 'fraud', [ev('b'), ev('c')]);
    expect(readFileSync(historyPath(l, 'fraud'), 'utf8')).toBe([ev('a'), ev('b'), ev('c')].map((e) => `${serializeEvent(e)}\n`).join(''));
  });

  it('to an empty file: no blank line first', async () => {
    const l = layout();
    mkdirSync(dirname(historyPath(l, 'fraud')), { recursive: true });
    writeFileSync(historyPath(l, 'fraud'), '');
    await appendRawEvents(l, 'fraud', [ev('a')]);
    expect(readFileSync(historyPath(l, 'fraud'), 'utf8')).toBe(`${serializeEvent(ev('a'))}\n`);
  });

  it('up to exactly the size limit; one byte more is refused, naming the file, the count and the size, writing nothing', async () => {
    const l = layout();
    const path = historyPath(l, 'fraud');
    mkdirSync(dirname(path), { recursive: true });
    const one = lineOf(ev('a'));
    // A sparse file ending in a NUL byte: the append first starts a fresh line (one byte).
    writeFileSync(path, '');
    truncateSync(path, MAX_HISTORY_BYTES - one);
    const err = await failure(appendRawEvents(l, 'fraud', [ev('a')]));
    expect(err).toMatchObject({
      code: 'REFUSED',
      message: `history/fraud.jsonl: appending 1 event would make it ${MAX_HISTORY_BYTES + 1} bytes, over the ${MAX_HISTORY_BYTES}-byte limit of a history file; nothing was written`,
    });
    expect(statSync(path).size).toBe(MAX_HISTORY_BYTES - one);
    truncateSync(path, MAX_HISTORY_BYTES - one - 1);
    await appendRawEvents(l, 'fraud', [ev('a')]);
    expect(statSync(path).size).toBe(MAX_HISTORY_BYTES);

    const pulled = pulledHistoryPath(l, 'fraud');
    mkdirSync(dirname(pulled), { recursive: true });
    writeFileSync(pulled, '');
    truncateSync(pulled, MAX_HISTORY_BYTES - 10);
    const two = await failure(appendRawEvents(l, 'fraud', [ev('b'), ev('c')], 'pulled'));
    const after = MAX_HISTORY_BYTES - 10 + 1 + lineOf(ev('b')) + lineOf(ev('c'));
    expect(two.message).toBe(`pulled/history/fraud.jsonl: appending 2 events would make it ${after} bytes, over the ${MAX_HISTORY_BYTES}-byte limit of a history file; nothing was written`);
    expect(statSync(pulled).size).toBe(MAX_HISTORY_BYTES - 10);
  });
});
