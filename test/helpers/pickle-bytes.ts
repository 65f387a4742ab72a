// Hand-assembled pickle streams for the disassembler's unit tests: opcode bytes and latin1 text pieces,
// plus the little-endian fields the binary opcodes take. Nothing here runs Python.
import { expect } from 'vitest';
import { PICKLE_LIMITS, bytesSource, disassemblePickle, type DisassembleOptions, type PickleDisassembly, type PickleOp } from '../../src/core/scan/pickle.js';

export type Part = string | number[] | Uint8Array;

/** Concatenates opcode bytes (number arrays, Uint8Arrays) and latin1 text. */
export function p(...parts: Part[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from(x)))));
}

export const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
export const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
export const u64 = (n: number): number[] => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];

/** SHORT_BINUNICODE of an ASCII string. */
export const sbu = (s: string): Uint8Array => p([0x8c, s.length], s);
/** BINUNICODE of a latin1/ASCII string (any length). */
export const bu = (s: string): Uint8Array => p([0x58], u32(s.length), s);
/** BININT of a signed 32-bit value. */
export const binint = (n: number): Uint8Array => p([0x4a], u32(n >>> 0));

export function dis(bytes: Uint8Array, options: DisassembleOptions = {}): PickleDisassembly {
  return disassemblePickle(bytesSource(bytes), options);
}

/** Every opcode the disassembler reports through onOp, in order. */
export function ops(bytes: Uint8Array, options: DisassembleOptions = {}): { d: PickleDisassembly; ops: PickleOp[] } {
  const seen: PickleOp[] = [];
  const d = disassemblePickle(bytesSource(bytes), { ...options, onOp: (op) => seen.push(op) });
  return { d, ops: seen };
}

export const names = (d: PickleDisassembly): string[] => d.globals.map((g) => `${g.module}.${g.name}`);

/**
 * Runs `fn` with some of PICKLE_LIMITS lowered, then restores them. The limits are read at each check,
 * so a boundary of 4,000,000 memo entries can be tested with 3; the call is synchronous, so no other
 * test (the worker's files share modules) ever sees the lowered value.
 */
export function withLimits<T>(limits: Partial<typeof PICKLE_LIMITS>, fn: () => T): T {
  const saved = { ...PICKLE_LIMITS };
  Object.assign(PICKLE_LIMITS, limits);
  try {
    return fn();
  } finally {
    Object.assign(PICKLE_LIMITS, saved);
  }
}

// joblib's NumpyArrayWrapper as it pickles with protocol 2: after the wrapper's BUILD, the array's raw
// bytes follow inline, sized from the wrapper's state.
export const WRAPPER = 'cjoblib.numpy_pickle\nNumpyArrayWrapper\n';
/** NEWOBJ with no arguments: how the wrapper is pickled. */
export const NEW_WRAPPER = p(WRAPPER, ')', [0x81]);
export const tupleOf = (...items: Part[]): Uint8Array => p('(', ...items, 't');
export const entry = (key: string, value: Part): Uint8Array => p(sbu(key), value);
/** The wrapper's state: a dict filled by SETITEMS. */
export const state = (...entries: Part[]): Uint8Array => p('}(', ...entries, 'u');
/** n raw array bytes: 'A' is no opcode, so a wrong count is always noticed. */
export const raw = (n: number): string => 'A'.repeat(n);

/** The joblib reading runs through `bytes` to its STOP. */
export function followed(bytes: Uint8Array): void {
  const d = dis(bytes, { joblib: true });
  expect([d.malformed, d.incomplete, d.end]).toStrictEqual([null, null, bytes.length]);
}

/** The joblib reading stops at `head.length` (just past the wrapper's BUILD) for `why`. */
export function stops(head: Uint8Array, why: string, tail: Part = raw(20)): void {
  const bytes = p(head, tail, '.');
  const d = dis(bytes, { joblib: true });
  expect(d.incomplete).toStrictEqual({
    severity: 'unsafe',
    offset: head.length,
    message: `joblib array data at offset ${head.length} cannot be sized (${why}); the remaining ${bytes.length - head.length} bytes were not scanned`,
  });
  expect([d.malformed, d.end]).toStrictEqual([null, null]);
}
