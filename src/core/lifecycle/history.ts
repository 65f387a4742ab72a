// The per-model history: append-only JSON lines in .modelreg/history/<model>.jsonl, one event per
// line, each carrying a checksum of its own content. A torn or edited line is reported and skipped,
// never trusted; appends after a torn line start on a fresh line. Events a pull brought live in the
// pulled area (kept out of git) and are read after the tracked file, each id once.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MregError } from '../../errors.js';
import { canonicalJson } from '../manifest/hash.js';
import type { Json } from '../manifest/types.js';
import { fsyncDir } from '../../store/atomic.js';
import { historyPath, pulledHistoryPath, type Layout } from '../../store/layout.js';

export const MAX_HISTORY_BYTES = 256 * 1024 * 1024;

/** One event. Later kinds add fields; readers ignore what they do not know. */
export interface HistoryEvent {
  id: string;
  time: string;
  event: string;
  model: string;
  version: string;
  actor: string;
  stage?: string;
  reason?: string;
  forced?: boolean;
  /** rules a forced event overrode */
  overridden?: string[];
  /** stages the version left by this event */
  left?: string[];
  /** versions an exclusive stage displaced, and where they went */
  displaced?: { version: string; left: string[]; to?: string }[];
  check?: string;
  passed?: boolean;
  exit_code?: number | null;
  duration_ms?: number;
  /**
   * Set on an event a pull merged that this store's own rules refused (why): it stays in the
   * history, visible, and changes no stage, target or routing (lifecycle/merge-policy.ts).
   */
  rejected?: string;
  [key: string]: Json | undefined;
}

/** Whether the event counts: one the local rules refused when a pull merged it does not. */
export function counts(event: HistoryEvent): boolean {
  return typeof event.rejected !== 'string';
}

export interface HistoryWarning {
  line: number;
  message: string;
  /** the file the line is in, when it is not the tracked history (the pulled area's) */
  file?: string;
}

export interface History {
  events: HistoryEvent[];
  warnings: HistoryWarning[];
}

/** Parsed text: with the length of each good event's line (what merging it adds to a history). */
export interface ParsedHistory extends History {
  sizes: number[];
}

export type NewEvent = Omit<HistoryEvent, 'id' | 'time'> & { time?: string };

function checksum(event: Record<string, unknown>): string {
  return sha16(canonicalJson(event as Json));
}

function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Whether a line's checksum holds. A line mreg wrote is canonical JSON, so its text without the sum
 * member is what was hashed: checking that spares re-serializing each of a long history's events.
 * Any other line (reformatted, or a `sum` key elsewhere) is checked the slow way, on its parsed form.
 */
function sumHolds(line: string, sum: string, rest: Record<string, unknown>): boolean {
  const member = `"sum":${JSON.stringify(sum)}`;
  const at = line.indexOf(member);
  const end = at + member.length;
  const text = at < 1 ? undefined : line[at - 1] === ',' ? line.slice(0, at - 1) + line.slice(end) : line[end] === ',' ? line.slice(0, at) + line.slice(end + 1) : undefined;
  return (text !== undefined && sha16(text) === sum) || checksum(rest) === sum;
}

export function serializeEvent(event: HistoryEvent): string {
  const clean = JSON.parse(JSON.stringify(event)) as Record<string, Json>; // drops undefined members
  return canonicalJson({ ...clean, sum: checksum(clean) });
}

function isEvent(value: unknown): value is HistoryEvent {
  const e = value as Record<string, unknown>;
  return (
    e !== null &&
    typeof e === 'object' &&
    !Array.isArray(e) &&
    typeof e.id === 'string' &&
    typeof e.time === 'string' &&
    !Number.isNaN(Date.parse(e.time)) &&
    typeof e.event === 'string' &&
    typeof e.model === 'string' &&
    typeof e.version === 'string' &&
    typeof e.actor === 'string' &&
    (e.stage === undefined || typeof e.stage === 'string') &&
    (e.left === undefined || (Array.isArray(e.left) && e.left.every((s) => typeof s === 'string'))) &&
    (e.displaced === undefined ||
      (Array.isArray(e.displaced) &&
        e.displaced.every(
          (d: unknown) =>
            typeof (d as Record<string, unknown>)?.version === 'string' &&
            Array.isArray((d as Record<string, unknown>).left) &&
            ((d as Record<string, unknown>).to === undefined || typeof (d as Record<string, unknown>).to === 'string'),
        )))
  );
}

/** Parses history text: good events in file order, a warning for each line that is not one. */
export function parseHistory(text: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const sizes: number[] = [];
  const warnings: HistoryWarning[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const number = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      warnings.push({ line: number, message: index === lines.length - 1 ? 'torn last line (an interrupted append); skipped' : 'not a JSON event; skipped' });
      continue;
    }
    const { sum, ...rest } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof sum !== 'string' || !sumHolds(line, sum, rest)) {
      warnings.push({ line: number, message: 'checksum does not match (the line was edited); skipped' });
      continue;
    }
    if (!isEvent(rest)) {
      warnings.push({ line: number, message: 'not a valid event; skipped' });
      continue;
    }
    if (seen.has(rest.id)) continue; // the same event twice (merged from two places): keep one
    seen.add(rest.id);
    events.push(rest);
    sizes.push(Buffer.byteLength(line));
  }
  return { events, warnings, sizes };
}

async function readHistoryFile(path: string, label: string): Promise<History> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > MAX_HISTORY_BYTES) throw new MregError('CORRUPT_MANIFEST', `${label}: larger than ${MAX_HISTORY_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], warnings: [] };
    throw err;
  }
  return parseHistory(text);
}

/** The tracked history only (what git carries), without what pulls brought. */
export async function readTrackedHistory(layout: Layout, model: string): Promise<History> {
  return readHistoryFile(historyPath(layout, model), `history/${model}.jsonl`);
}

/**
 * A model's history: the tracked file's events in file order, then the pulled events it lacks (by
 * id). The same event arriving by git and by pull counts once, whichever came first.
 */
export async function readHistory(layout: Layout, model: string): Promise<History> {
  const tracked = await readTrackedHistory(layout, model);
  const label = `pulled/history/${model}.jsonl`;
  const pulled = await readHistoryFile(pulledHistoryPath(layout, model), label);
  if (pulled.events.length === 0 && pulled.warnings.length === 0) return tracked;
  const known = new Set(tracked.events.map((e) => e.id));
  return {
    events: [...tracked.events, ...pulled.events.filter((e) => !known.has(e.id))],
    warnings: [...tracked.warnings, ...pulled.warnings.map((w) => ({ ...w, file: label }))],
  };
}

export function newEventId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Appends events durably. The caller holds the model's lock, so the file order is the order in
 * which events took effect.
 */
export async function appendEvents(layout: Layout, model: string, events: NewEvent[], now: Date = new Date()): Promise<HistoryEvent[]> {
  const full: HistoryEvent[] = events.map((e) => ({ ...e, id: newEventId(), time: e.time ?? now.toISOString() }) as HistoryEvent);
  await appendRawEvents(layout, model, full);
  return full;
}

/**
 * Appends events that already have their identity (id, time), such as events pulled from a remote,
 * exactly as they are. The caller holds the model's lock and has left out ids already present.
 */
export async function appendRawEvents(layout: Layout, model: string, full: HistoryEvent[], where: 'tracked' | 'pulled' = 'tracked'): Promise<void> {
  if (full.length === 0) return;
  const path = where === 'tracked' ? historyPath(layout, model) : pulledHistoryPath(layout, model);
  let created = false;
  let handle;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_APPEND);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    handle = await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o644);
    created = true;
  }
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n'; // a torn last line stays alone on its line
    }
    const text = prefix + full.map((e) => `${serializeEvent(e)}\n`).join('');
    // Never past what readHistory accepts: a history the store's own readers refuse would stop every command.
    const after = size + Buffer.byteLength(text);
    if (after > MAX_HISTORY_BYTES) {
      const label = where === 'tracked' ? `history/${model}.jsonl` : `pulled/history/${model}.jsonl`;
      throw new MregError('REFUSED', `${label}: appending ${full.length} event${full.length === 1 ? '' : 's'} would make it ${after} bytes, over the ${MAX_HISTORY_BYTES}-byte limit of a history file; nothing was written`);
    }
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await fsyncDir(dirname(path));
}
