// Pickle disassembler for protocols 0–5: walks one stream opcode by opcode without executing it and
// reports every global it would import, plus whatever keeps a static reading from being complete.

import { MregError } from '../../errors.js';

/** Random access to bytes that may live on disk. `read` is only called within [0, size). */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; the result stays valid after later reads. */
  read(offset: number, length: number): Uint8Array;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Every opcode of CPython's pickletools, with the protocol that introduced it. */
export const PICKLE_OPCODES: readonly { code: number; name: string; protocol: number }[] = [
  [0x28, 'MARK', 0], [0x2e, 'STOP', 0], [0x30, 'POP', 0], [0x31, 'POP_MARK', 1], [0x32, 'DUP', 0],
  [0x46, 'FLOAT', 0], [0x49, 'INT', 0], [0x4a, 'BININT', 1], [0x4b, 'BININT1', 1], [0x4c, 'LONG', 0],
  [0x4d, 'BININT2', 1], [0x4e, 'NONE', 0], [0x50, 'PERSID', 0], [0x51, 'BINPERSID', 1], [0x52, 'REDUCE', 0],
  [0x53, 'STRING', 0], [0x54, 'BINSTRING', 1], [0x55, 'SHORT_BINSTRING', 1], [0x56, 'UNICODE', 0],
  [0x58, 'BINUNICODE', 1], [0x61, 'APPEND', 0], [0x62, 'BUILD', 0], [0x63, 'GLOBAL', 0], [0x64, 'DICT', 0],
  [0x7d, 'EMPTY_DICT', 1], [0x65, 'APPENDS', 1], [0x67, 'GET', 0], [0x68, 'BINGET', 1], [0x69, 'INST', 0],
  [0x6a, 'LONG_BINGET', 1], [0x6c, 'LIST', 0], [0x5d, 'EMPTY_LIST', 1], [0x6f, 'OBJ', 1], [0x70, 'PUT', 0],
  [0x71, 'BINPUT', 1], [0x72, 'LONG_BINPUT', 1], [0x73, 'SETITEM', 0], [0x74, 'TUPLE', 0],
  [0x29, 'EMPTY_TUPLE', 1], [0x75, 'SETITEMS', 1], [0x47, 'BINFLOAT', 1], [0x80, 'PROTO', 2],
  [0x81, 'NEWOBJ', 2], [0x82, 'EXT1', 2], [0x83, 'EXT2', 2], [0x84, 'EXT4', 2], [0x85, 'TUPLE1', 2],
  [0x86, 'TUPLE2', 2], [0x87, 'TUPLE3', 2], [0x88, 'NEWTRUE', 2], [0x89, 'NEWFALSE', 2], [0x8a, 'LONG1', 2],
  [0x8b, 'LONG4', 2], [0x42, 'BINBYTES', 3], [0x43, 'SHORT_BINBYTES', 3], [0x8c, 'SHORT_BINUNICODE', 4],
  [0x8d, 'BINUNICODE8', 4], [0x8e, 'BINBYTES8', 4], [0x8f, 'EMPTY_SET', 4], [0x90, 'ADDITEMS', 4],
  [0x91, 'FROZENSET', 4], [0x92, 'NEWOBJ_EX', 4], [0x93, 'STACK_GLOBAL', 4], [0x94, 'MEMOIZE', 4],
  [0x95, 'FRAME', 4], [0x96, 'BYTEARRAY8', 5], [0x97, 'NEXT_BUFFER', 5], [0x98, 'READONLY_BUFFER', 5],
].map(([code, name, protocol]) => ({ code: code as number, name: name as string, protocol: protocol as number }));

const OPCODE_NAME = new Map(PICKLE_OPCODES.map((op) => [op.code, op.name]));

/** The highest protocol CPython (3.8–3.13) accepts in a PROTO opcode. */
export const HIGHEST_PROTOCOL = 5;

/**
 * Resource bounds. Each is far above what a real pickle needs; past one the stream is reported as
 * malformed rather than followed, so memory stays bounded whatever the input claims.
 */
export const PICKLE_LIMITS = {
  /** Longest string whose value is kept (module and class names are short). */
  maxKeptString: 4096,
  /** Deepest MARK nesting; Python's own pickler recursion stops near 1,000. */
  maxMarkDepth: 65_536,
  /** Most values on the stack at once. */
  maxStack: 4_000_000,
  /** Memo entries tracked; past this, memo reads are treated as unknown values. */
  maxMemo: 4_000_000,
  /** Items kept per tuple or dict (only small ones are ever inspected). */
  maxKeptItems: 64,
  /** Longest line of a text opcode's number (PUT, GET, INT, LONG) that is parsed; CPython has no limit. */
  maxNumberLine: 1024 * 1024,
};

export type PickleSeverity = 'unsafe' | 'warning' | 'info';

export interface PickleGlobal {
  module: string;
  name: string;
  /** Offset of the opcode that imports it. */
  offset: number;
  opcode: 'GLOBAL' | 'INST' | 'STACK_GLOBAL';
}

export interface PickleIssue {
  severity: PickleSeverity;
  offset: number;
  message: string;
}

/** Opcodes that call or instantiate something, counted so a report can say how active a stream is. */
export interface PickleCallCounts {
  REDUCE: number;
  BUILD: number;
  INST: number;
  OBJ: number;
  NEWOBJ: number;
  NEWOBJ_EX: number;
  PERSID: number;
  EXT: number;
}

export interface PickleDisassembly {
  start: number;
  /** Offset just past STOP, or null when the stream could not be followed to its STOP. */
  end: number | null;
  /** Highest PROTO seen (null for protocol 0/1 streams, which have none). */
  protocol: number | null;
  globals: PickleGlobal[];
  /** Findings along the way (unresolvable STACK_GLOBAL, EXT codes, ...). */
  issues: PickleIssue[];
  /**
   * Why the reading stopped before STOP because the stream breaks the pickle grammar (a loader fails
   * there too, but only after running everything before it): "malformed pickle at offset N: ...".
   */
  malformed: PickleIssue | null;
  /** Why the reading stopped although the stream was well-formed so far (joblib data it cannot size). */
  incomplete: PickleIssue | null;
  counts: PickleCallCounts;
  opcodeCount: number;
  /**
   * BUILDs of joblib's NumpyArrayWrapper (or a look-alike name): in a joblib file, raw array bytes
   * follow each one, so a caller should also read the stream with `joblib: true`.
   */
  joblibArrays: number;
}

export interface PickleOp {
  offset: number;
  code: number;
  name: string;
  arg: string | number | null;
}

export interface DisassembleOptions {
  /** Where the stream starts in the source (default 0). */
  offset?: number;
  /**
   * Read the stream as joblib.load does: after each BUILD of a NumpyArrayWrapper, raw array bytes
   * (or a nested pickle, for object arrays) follow inline and are skipped or scanned in turn.
   */
  joblib?: boolean;
  /** Called for every opcode, for a future `--disassemble` listing. */
  onOp?: (op: PickleOp) => void;
}

// ---------------------------------------------------------------------------------------------
// Symbolic values: just enough of the unpickler's state to resolve STACK_GLOBAL operands and to
// size joblib's inline arrays. Everything else collapses into OTHER.

type Value =
  | { readonly k: 'str'; readonly v: string | null }
  | { readonly k: 'int'; readonly v: number | null }
  | { readonly k: 'none' }
  | { readonly k: 'global'; readonly name: string | null }
  | { readonly k: 'tuple'; readonly items: readonly Value[] | null }
  | { readonly k: 'dict'; entries: [Value, Value][] | null }
  | {
      readonly k: 'obj';
      /** The class (or, for REDUCE, the callable) it came from, when that was a known global. */
      readonly cls: string | null;
      readonly args: Value | null;
      /** Made without running __init__ (NEWOBJ with no arguments, copyreg._reconstructor on object). */
      readonly fresh: boolean;
      /** The first BUILD's state, and how many BUILDs it has seen. */
      state: Value | null;
      builds: number;
    }
  | { readonly k: 'other' };

const OTHER: Value = { k: 'other' };
const NONE: Value = { k: 'none' };
const UNKNOWN_STR: Value = { k: 'str', v: null };
const UNKNOWN_INT: Value = { k: 'int', v: null };
const UNKNOWN_GLOBAL: Value = { k: 'global', name: null };

const JOBLIB_WRAPPER = 'joblib.numpy_pickle.NumpyArrayWrapper';
const COPYREG_RECONSTRUCTOR = new Set(['copyreg._reconstructor', 'copy_reg._reconstructor']);
const COPYREG_NEWOBJ = new Set(['copyreg.__newobj__', 'copyreg.__newobj_ex__', 'copy_reg.__newobj__']);

const CHUNK = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Thrown inside the machine only; disassemblePickle turns it into a finding. */
function malformed(offset: number, message: string): MregError {
  return new MregError('INVALID_INPUT', message, { data: { offset } });
}

/** Sequential reads over a ByteSource through a small window, with every length checked first. */
class Cursor {
  /** Next byte the unpickler reads (inside the buffered frame, when one is active). */
  pos: number;
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  /**
   * Python's pure unpickler (the one joblib subclasses) reads each FRAME into memory; direct file
   * reads then start after the frame (`resume`), while opcodes keep coming from the frame until
   * `end`. CPython's C unpickler treats frames as a mere length check, which is the default here.
   */
  private frame: { end: number; resume: number } | null = null;

  constructor(
    readonly src: ByteSource,
    pos: number,
    private readonly framing: boolean,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** Where a direct read of the file (joblib's array data) happens. */
  get filePos(): number {
    return this.frame ? this.frame.resume : this.pos;
  }

  set filePos(p: number) {
    if (this.frame) this.frame.resume = p;
    else this.pos = p;
  }

  private inChunk(at: number, n: number): boolean {
    return at >= this.chunkStart && at + n <= this.chunkStart + this.chunk.length;
  }

  private fill(at: number): void {
    this.chunk = this.src.read(at, Math.min(CHUNK, this.src.size - at));
    this.chunkStart = at;
  }

  /** Before a read of n bytes: leave an exhausted frame, refuse a read straddling its end. */
  private enter(n: number, at: number, what: string): void {
    if (this.frame === null || n === 0) return;
    if (this.pos === this.frame.end) {
      this.pos = this.frame.resume;
      this.frame = null;
    } else if (this.pos + n > this.frame.end) {
      throw malformed(at, `${what}: pickle exhausted before end of frame`);
    }
  }

  /** Fails (as truncated) unless n more bytes exist; never allocates for n itself. */
  need(n: number, at: number, what: string): void {
    if (!(n <= this.remaining)) {
      throw malformed(at, `${what} needs ${n} bytes but only ${this.remaining} remain`);
    }
  }

  u8(at: number, what: string): number {
    this.enter(1, at, what);
    this.need(1, at, what);
    if (!this.inChunk(this.pos, 1)) this.fill(this.pos);
    return this.chunk[this.pos++ - this.chunkStart] as number;
  }

  /** Only for small n (bounded by maxKeptString or a fixed-size field). */
  take(n: number, at: number, what: string): Uint8Array {
    this.enter(n, at, what);
    this.need(n, at, what);
    let out: Uint8Array;
    if (n <= CHUNK) {
      if (!this.inChunk(this.pos, n)) this.fill(this.pos);
      out = this.chunk.subarray(this.pos - this.chunkStart, this.pos - this.chunkStart + n);
    } else {
      out = this.src.read(this.pos, n);
    }
    this.pos += n;
    return out;
  }

  skip(n: number, at: number, what: string): void {
    this.enter(n, at, what);
    this.need(n, at, what);
    this.pos += n;
  }

  /** Little-endian unsigned integer of 1, 2, 4 or 8 bytes; 8-byte values past 2^53 become Infinity. */
  uint(bytes: 1 | 2 | 4 | 8, at: number, what: string): number {
    const b = this.take(bytes, at, what);
    let v = 0;
    for (let i = bytes - 1; i >= 0; i--) v = v * 256 + (b[i] as number);
    return Number.isSafeInteger(v) ? v : Infinity;
  }

  int4(at: number, what: string): number {
    const v = this.uint(4, at, what);
    return v >= 0x80000000 ? v - 0x100000000 : v;
  }

  /** Up to `n` bytes from `pos` (fewer at the end of the data or of the current frame), not consumed. */
  peek(n: number): Uint8Array {
    const limit = this.frame && this.pos < this.frame.end ? this.frame.end : this.src.size;
    return this.src.read(this.pos, Math.max(0, Math.min(n, limit - this.pos)));
  }

  /**
   * A newline-terminated line (newline consumed, not returned). Lines longer than `keep` bytes are
   * skipped and returned as null so a huge protocol-0 string never becomes a huge JS string.
   */
  line(keep: number, at: number, what: string): Uint8Array | null {
    this.enter(1, at, what);
    const limit = this.frame ? this.frame.end : this.src.size;
    let p = this.pos;
    for (;;) {
      if (p >= limit) {
        throw malformed(at, this.frame ? `${what}: pickle exhausted before end of frame` : `${what}: no newline before the end of the data`);
      }
      if (!this.inChunk(p, 1)) this.fill(p);
      const rel = this.chunk.indexOf(0x0a, p - this.chunkStart);
      if (rel >= 0 && this.chunkStart + rel < limit) {
        const nl = this.chunkStart + rel;
        const len = nl - this.pos;
        const out = len <= keep ? this.take(len, at, what) : null;
        this.pos = nl + 1;
        return out;
      }
      p = this.chunkStart + this.chunk.length;
    }
  }

  /** FRAME: its bytes must exist; with framing, it also starts a buffered frame. */
  beginFrame(n: number, at: number): void {
    if (this.framing && this.frame !== null) {
      if (this.pos !== this.frame.end) throw malformed(at, 'beginning of a new frame before end of current frame');
      this.pos = this.frame.resume;
      this.frame = null;
    }
    this.need(n, at, 'FRAME');
    if (this.framing) this.frame = { end: this.pos + n, resume: this.pos + n };
  }

  /** A direct file read of n bytes (skipped), past any buffered frame. */
  rawSkip(n: number, at: number, what: string): void {
    const p = this.filePos;
    if (!(n <= this.src.size - p)) throw malformed(at, `${what} needs ${n} bytes but only ${this.src.size - p} remain`);
    this.filePos = p + n;
  }

  rawU8(at: number, what: string): number {
    const p = this.filePos;
    if (p >= this.src.size) throw malformed(at, `${what}: no data left`);
    this.filePos = p + 1;
    return this.src.read(p, 1)[0] as number;
  }
}

function asciiOnly(b: Uint8Array): string | null {
  for (const c of b) if (c > 0x7f) return null;
  return String.fromCharCode(...b);
}

function decodeUtf8(b: Uint8Array): string | null {
  try {
    return utf8.decode(b);
  } catch {
    return null;
  }
}

/** Python's codecs.escape_decode, as the STRING opcode uses it; null where the result is unclear. */
function escapeDecode(b: Uint8Array): Uint8Array | null {
  const out: number[] = [];
  const simple: Record<number, number> = {
    0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11,
  };
  const hex = (c: number | undefined): number =>
    c === undefined ? -1 : c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : -1;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const e = b[++i];
    if (e === undefined) return null; // a trailing backslash is an error in Python
    const s = simple[e];
    if (s !== undefined) out.push(s);
    else if (e >= 0x30 && e <= 0x37) {
      let v = e - 0x30;
      for (let k = 0; k < 2 && (b[i + 1] ?? 0) >= 0x30 && (b[i + 1] ?? 0) <= 0x37; k++) v = v * 8 + ((b[++i] as number) - 0x30);
      out.push(v & 0xff);
    } else if (e === 0x78) {
      const h1 = hex(b[i + 1]);
      const h2 = hex(b[i + 2]);
      if (h1 < 0 || h2 < 0) return null;
      out.push(h1 * 16 + h2);
      i += 2;
    } else out.push(0x5c, e);
  }
  return Uint8Array.from(out);
}

/** Python's raw_unicode_escape decoding (UNICODE opcode); null on anything Python would reject. */
function rawUnicodeEscape(b: Uint8Array): string | null {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0x5c) {
      // Only an odd run of backslashes followed by u/U starts an escape.
      let run = 1;
      while (b[i + run] === 0x5c) run++;
      const next = b[i + run];
      if (run % 2 === 1 && (next === 0x75 || next === 0x55)) {
        out += '\\'.repeat(run - 1);
        const digits = next === 0x75 ? 4 : 8;
        const hexText = asciiOnly(b.subarray(i + run + 1, i + run + 1 + digits));
        if (hexText === null || hexText.length !== digits || !/^[0-9a-fA-F]+$/.test(hexText)) return null;
        const cp = parseInt(hexText, 16);
        if (cp > 0x10ffff) return null;
        out += String.fromCodePoint(cp);
        i += run + digits;
        continue;
      }
      out += '\\'.repeat(run);
      i += run - 1;
      continue;
    }
    out += String.fromCharCode(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The text opcodes' numbers, parsed as CPython parses them (checked against python3 3.11 by
// test/fixtures/pickles/text_args.py, whose results test/unit/scan-text-args.test.ts replays).
// - PUT and GET: `int(line, 10)` (pickle.py) and PyLong_FromString(s, NULL, 10) (_pickle.c): leading and
//   trailing ASCII whitespace, one sign, underscores between digits, leading zeros all accepted.
// - INT: _pickle.c tries C strtol(s, &end, 0) first (so "010" is octal 8 and " 01" is 1), then
//   PyLong_FromString(s, NULL, 0); pickle.py only int(line, 0) ("010" is an error there).
// - LONG: one trailing 'L' dropped, then base 0 in both.
// The C unpickler sees the line as a C string: it ends at the first NUL byte ("1\0junk" is 1), while
// pickle.py (the unpickler joblib subclasses) refuses a NUL. Python 3.11's 4300-digit limit on decimal
// strings is not applied: older Pythons accept longer ones, and accepting more only makes the scanner read on.

/** Every byte an integer text may hold for int(): whitespace, signs, underscores, base prefixes, digits, 'L'. */
const NUMBER_CHARS = new Set([...' \t\n\v\f\r+-_xXoObBL0123456789abcdefABCDEF'].map((c) => c.charCodeAt(0)));

/** Python's ASCII whitespace (Py_ISSPACE): space, \t \n \v \f \r. */
function isPySpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/**
 * CPython's PyLong_FromString on a line of bytes (without its newline): the value, or null where
 * Python raises ValueError. `cString`: stop at the first NUL, as _pickle.c's C string does.
 */
export function pyLongFromString(line: Uint8Array, base: 0 | 10, cString: boolean): bigint | null {
  let end = line.length;
  if (cString) {
    const nul = line.indexOf(0);
    if (nul >= 0) end = nul;
  }
  let i = 0;
  while (i < end && isPySpace(line[i] as number)) i++;
  let negative = false;
  if (line[i] === 0x2b || line[i] === 0x2d) negative = line[i++] === 0x2d;
  let radix: number = 10;
  let zerosOnly = false;
  let underscoreFirst = false;
  if (base === 0) {
    const p = line[i + 1] ?? 0;
    if (line[i] === 0x30 && i + 1 < end && 'xXoObB'.includes(String.fromCharCode(p))) {
      radix = p === 0x78 || p === 0x58 ? 16 : p === 0x6f || p === 0x4f ? 8 : 2;
      i += 2;
      underscoreFirst = true; // "0x_1" is valid
    } else if (line[i] === 0x30) {
      zerosOnly = true; // base 0 forbids "010" (leading zeros in a non-zero decimal number)
    }
  }
  let digits = '';
  let prevDigit = underscoreFirst;
  for (; i < end; i++) {
    const c = line[i] as number;
    if (c === 0x5f) {
      if (!prevDigit) return null;
      prevDigit = false;
      continue;
    }
    if (digitValue(c) >= radix) break;
    digits += String.fromCharCode(c);
    prevDigit = true;
  }
  if (digits === '' || !prevDigit) return null;
  while (i < end && isPySpace(line[i] as number)) i++;
  if (i !== end) return null;
  if (zerosOnly && /[^0]/.test(digits)) return null;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const v = BigInt(prefix + digits);
  return negative ? -v : v;
}

/** C strtol(s, &end, 0) on a NUL-terminated line: the value and whether it consumed the whole line without overflow. */
function cStrtol(line: Uint8Array): bigint | null {
  const nul = line.indexOf(0);
  const end = nul >= 0 ? nul : line.length;
  let i = 0;
  while (i < end && isPySpace(line[i] as number)) i++;
  let negative = false;
  if (line[i] === 0x2b || line[i] === 0x2d) negative = line[i++] === 0x2d;
  let radix = 10;
  if (line[i] === 0x30 && (line[i + 1] === 0x78 || line[i + 1] === 0x58) && i + 2 < end && digitValue(line[i + 2] as number) < 16) {
    radix = 16;
    i += 2;
  } else if (line[i] === 0x30) radix = 8;
  const start = i;
  while (i < end && digitValue(line[i] as number) < radix) i++;
  // With no digits, strtol leaves its end pointer at the very start: a line starting with NUL reads as 0.
  if (i === start) return line.length > 0 && line[0] === 0 ? 0n : null;
  // strtol must reach the NUL (or the newline, already cut off) for _pickle.c to keep its value.
  if (i !== end) return null;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
  const v = BigInt(prefix + String.fromCharCode(...line.subarray(start, end)));
  const signed = negative ? -v : v;
  // errno = ERANGE past a C long (64-bit on Linux and macOS): _pickle.c then falls back to PyLong_FromString.
  return signed > 0x7fffffffffffffffn || signed < -0x8000000000000000n ? null : signed;
}

/**
 * The INT opcode's value: a bigint, 'bool' for the protocol-0 booleans (CPython pushes True/False),
 * or null where the unpickler raises.
 */
export function pickleIntArg(line: Uint8Array, cUnpickler: boolean): bigint | 'bool' | null {
  if (cUnpickler) {
    // _pickle.c: len == 3 counts the newline, so any two-character line that strtol reads as 0 or 1.
    const x = cStrtol(line);
    if (x !== null) return line.length === 2 && (x === 0n || x === 1n) ? 'bool' : x;
    return pyLongFromString(line, 0, true);
  }
  if (line.length === 2 && line[0] === 0x30 && (line[1] === 0x30 || line[1] === 0x31)) return 'bool';
  return pyLongFromString(line, 0, false);
}

/** The LONG opcode's value (one trailing 'L' dropped, then base 0), or null where the unpickler raises. */
export function pickleLongArg(line: Uint8Array, cUnpickler: boolean): bigint | null {
  const body = line.length > 0 && line[line.length - 1] === 0x4c ? line.subarray(0, line.length - 1) : line;
  return pyLongFromString(body, 0, cUnpickler);
}

function emptyCounts(): PickleCallCounts {
  return { REDUCE: 0, BUILD: 0, INST: 0, OBJ: 0, NEWOBJ: 0, NEWOBJ_EX: 0, PERSID: 0, EXT: 0 };
}

/** What a nested run (joblib's object arrays) shares with its parent. */
interface Shared {
  globals: PickleGlobal[];
  issues: PickleIssue[];
  counts: PickleCallCounts;
  opcodeCount: number;
  joblibArrays: number;
  protocol: number | null;
  onOp: ((op: PickleOp) => void) | undefined;
}

/** One unpickler's worth of state, mirroring CPython's C unpickler (stack with mark fences, memo). */
class Machine {
  private readonly stack: Value[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number | string, Value>();
  private memoOverflow = false;
  private op = 0; // offset of the opcode being decoded
  /** Set when joblib array data could not be sized: the stream is well-formed but unfollowable. */
  incompleteAt: PickleIssue | null = null;

  constructor(
    private readonly cur: Cursor,
    private readonly shared: Shared,
    private readonly joblib: boolean,
  ) {}

  private fail(message: string): never {
    throw malformed(this.op, message);
  }

  /**
   * Stops at one of the scanner's own resource limits. CPython might read on, so this is not a verdict that
   * the stream is broken: an unsafe issue says the file cannot be vouched for (and a torch or unknown file
   * is never taken for "not a pickle" because of it).
   */
  private beyondLimit(message: string): never {
    this.shared.issues.push({ severity: 'unsafe', offset: this.op, message: `cannot be scanned past offset ${this.op}: ${message}` });
    throw malformed(this.op, message);
  }

  private get fence(): number {
    return this.marks.length > 0 ? (this.marks[this.marks.length - 1] as number) : 0;
  }

  private push(v: Value): void {
    if (this.stack.length >= PICKLE_LIMITS.maxStack) this.beyondLimit(`stack deeper than ${PICKLE_LIMITS.maxStack} values`);
    this.stack.push(v);
  }

  private pop(what: string): Value {
    if (this.stack.length <= this.fence) this.fail(`stack underflow in ${what}`);
    return this.stack.pop() as Value;
  }

  private top(what: string): Value {
    if (this.stack.length <= this.fence) this.fail(`stack underflow in ${what}`);
    return this.stack[this.stack.length - 1] as Value;
  }

  /** Pops the topmost MARK and everything above it (CPython's marker() + Pdata_poptuple). */
  private popMark(what: string): Value[] {
    if (this.marks.length === 0) this.fail(`${what} without a MARK`);
    const at = this.marks.pop() as number;
    return this.stack.splice(at);
  }

  /** The container that APPENDS/SETITEMS/ADDITEMS extend: just below the popped mark. */
  private belowMark(at: number, what: string): Value {
    if (at <= this.fence || at > this.stack.length) this.fail(`stack underflow in ${what}`);
    return this.stack[at - 1] as Value;
  }

  private memoPut(index: number | string): void {
    const v = this.top('memo store');
    if (this.memoOverflow) return;
    if (!this.memo.has(index) && this.memo.size >= PICKLE_LIMITS.maxMemo) {
      // Stop tracking rather than grow without bound; later memo reads become unknown values,
      // so nothing resolved afterwards can be wrong, only unresolved.
      this.memoOverflow = true;
      this.memo.clear();
      this.shared.issues.push({
        severity: 'info',
        offset: this.op,
        message: `memo holds more than ${PICKLE_LIMITS.maxMemo} entries; later memo references are not resolved`,
      });
      return;
    }
    this.memo.set(index, v);
  }

  private memoGet(index: number | string): Value {
    if (this.memoOverflow) return OTHER;
    const v = this.memo.get(index);
    if (v === undefined) this.fail(`memo has no entry ${index}`);
    return v;
  }

  /** A text opcode's number line; one past the scanner's limit stops the reading as unscannable. */
  private numberLine(what: string): Uint8Array {
    const head = this.cur.peek(PICKLE_LIMITS.maxNumberLine + 1);
    if (head.indexOf(0x0a) >= 0 || head.length <= PICKLE_LIMITS.maxNumberLine) {
      const line = this.cur.line(PICKLE_LIMITS.maxNumberLine, this.op, what);
      if (line === null) this.fail(`${what} argument is not an integer`); // unreachable: the newline is within reach
      return line;
    }
    // Longer than the scanner reads. _pickle.c stops at a NUL: what comes before it is the whole number, and
    // the rest of the line only has to be skipped.
    const nul = this.joblib ? -1 : head.indexOf(0);
    if (nul >= 0) {
      const value = head.slice(0, nul + 1);
      this.cur.line(0, this.op, what);
      return value;
    }
    // Otherwise CPython reads it whole: one character int() never accepts settles it; else it may be valid
    // (a megabyte of spaces before the digits), and the file cannot be vouched for.
    if (head.some((c) => !NUMBER_CHARS.has(c))) this.fail(`${what} argument is not an integer (int() raises ValueError)`);
    this.beyondLimit(`${what} argument longer than ${PICKLE_LIMITS.maxNumberLine} bytes`);
  }

  /**
   * PUT's and GET's index exactly as the modelled unpickler reads it ("p 0", "p+00", "p1_0" are all valid:
   * see pyLongFromString). The plain reading is _pickle.c's (pickle.load, torch.load); the joblib reading
   * is pickle.py's. Indexes too large for a JS number are kept as decimal strings, so the memo stays exact.
   */
  private decimalIndex(what: 'PUT' | 'GET'): number | string {
    const v = pyLongFromString(this.numberLine(what), 10, !this.joblib);
    if (v === null) this.fail(`${what} argument is not an integer (int() raises ValueError)`);
    if (what === 'PUT' && v < 0n) this.fail('negative PUT argument');
    // _pickle.c converts the index to a Py_ssize_t (OverflowError past it); pickle.py keys a dict.
    if (!this.joblib && v > 0x7fffffffffffffffn) this.fail(`${what} argument does not fit a C Py_ssize_t`);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }

  /** A bigint as a kept int value when it fits a JS number exactly. */
  private intValue(v: bigint): Value {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? { k: 'int', v: Number(v) } : UNKNOWN_INT;
  }

  private keepString(n: number, what: string, decode: (b: Uint8Array) => string | null): Value {
    if (n > PICKLE_LIMITS.maxKeptString) {
      this.cur.skip(n, this.op, what);
      return UNKNOWN_STR;
    }
    const v = decode(this.cur.take(n, this.op, what));
    return v === null ? UNKNOWN_STR : { k: 'str', v };
  }

  private recordGlobal(module: string, name: string, opcode: PickleGlobal['opcode']): Value {
    this.shared.globals.push({ module, name, offset: this.op, opcode });
    return { k: 'global', name: `${module}.${name}` };
  }

  private lineText(what: string, decode: (b: Uint8Array) => string | null, walksDots = false): string {
    // Decided before looking for the newline, which may be gigabytes away in a file that is not a pickle.
    const head = this.cur.peek(PICKLE_LIMITS.maxKeptString + 1);
    if (head.length > PICKLE_LIMITS.maxKeptString && head.indexOf(0x0a) < 0) {
      // From protocol 4 a name is walked attribute by attribute and may be long yet resolve
      // ("path.os.path.os...system"); a longer module path, or a plain attribute name, cannot be imported.
      if (walksDots && (this.shared.protocol ?? 0) >= 4) this.beyondLimit(`${what} longer than ${PICKLE_LIMITS.maxKeptString} bytes: what it imports cannot be judged`);
      this.fail(`${what} longer than ${PICKLE_LIMITS.maxKeptString} bytes cannot name anything importable`);
    }
    const line = this.cur.line(PICKLE_LIMITS.maxKeptString, this.op, what);
    if (line === null) this.fail(`${what} longer than ${PICKLE_LIMITS.maxKeptString} bytes`);
    const text = decode(line);
    if (text === null) this.fail(`${what} is not valid text`);
    return text;
  }

  private instance(cls: Value, args: Value | null, newobj = false): Value {
    const make = (name: string | null, fresh: boolean): Value => ({ k: 'obj', cls: name, args, fresh, state: null, builds: 0 });
    if (cls.k !== 'global') return make(null, false);
    if (cls.name !== null && COPYREG_RECONSTRUCTOR.has(cls.name) && args?.k === 'tuple') {
      // copyreg._reconstructor(cls, base, state) builds a cls: protocol 0/1's spelling of NEWOBJ.
      const [real, base, state] = args.items ?? [];
      const fresh = args.items?.length === 3 && base?.k === 'global' && /^(builtins|__builtin__)\.object$/.test(base.name ?? '') && state?.k === 'none';
      return make(real?.k === 'global' ? real.name : null, fresh);
    }
    if (cls.name !== null && COPYREG_NEWOBJ.has(cls.name) && args?.k === 'tuple') {
      // copyreg.__newobj__(cls, *args) is cls.__new__(cls, *args): an instance of its first argument.
      const real = args.items?.[0];
      return make(real?.k === 'global' ? real.name : null, cls.name.endsWith('__newobj__') && args.items?.length === 1);
    }
    return make(cls.name, newobj && args?.k === 'tuple' && args.items?.length === 0);
  }

  private tuple(items: Value[]): Value {
    return { k: 'tuple', items: items.length <= PICKLE_LIMITS.maxKeptItems ? items : null };
  }

  private setItems(target: Value, items: Value[], what: string): void {
    if (items.length % 2 !== 0) this.fail(`odd number of items for ${what}`);
    if (target.k !== 'dict' || target.entries === null) return;
    for (let i = 0; i < items.length && target.entries !== null; i += 2) {
      target.entries.push([items[i] as Value, items[i + 1] as Value]);
      if (target.entries.length > PICKLE_LIMITS.maxKeptItems) target.entries = null;
    }
  }

  private emit(code: number, arg: string | number | null): void {
    this.shared.onOp?.({ offset: this.op, code, name: OPCODE_NAME.get(code) ?? '?', arg });
  }

  /** Runs to STOP; returns the offset just past it. Throws (malformed) or returns null (incomplete). */
  run(): number | null {
    const cur = this.cur;
    for (;;) {
      this.op = cur.pos;
      const code = cur.u8(this.op, 'opcode');
      this.shared.opcodeCount++;
      let arg: string | number | null = null;
      switch (code) {
        case 0x28: // MARK
          if (this.marks.length >= PICKLE_LIMITS.maxMarkDepth) this.beyondLimit(`MARK nesting deeper than ${PICKLE_LIMITS.maxMarkDepth}`);
          this.marks.push(this.stack.length);
          break;
        case 0x2e: // STOP
          this.pop('STOP');
          this.emit(code, null);
          return cur.filePos; // a buffered frame's unread rest is consumed from the file too
        case 0x30: // POP: pops a MARK if one sits on top, as CPython's load_pop does
          if (this.marks.length > 0 && this.marks[this.marks.length - 1] === this.stack.length) this.marks.pop();
          else this.pop('POP');
          break;
        case 0x31: // POP_MARK
          this.popMark('POP_MARK');
          break;
        case 0x32: // DUP
          this.push(this.top('DUP'));
          break;
        case 0x46: // FLOAT
          cur.line(PICKLE_LIMITS.maxKeptString, this.op, 'FLOAT');
          this.push(OTHER);
          break;
        case 0x49: {
          // INT: "00"/"01" are the protocol-0 booleans; otherwise base 0 as the unpickler reads it (pickleIntArg)
          const v = pickleIntArg(this.numberLine('INT'), !this.joblib);
          if (v === null) this.fail('INT argument is not an integer (int() raises ValueError)');
          this.push(v === 'bool' ? OTHER : this.intValue(v));
          break;
        }
        case 0x4a: // BININT
          arg = cur.int4(this.op, 'BININT');
          this.push({ k: 'int', v: arg });
          break;
        case 0x4b: // BININT1
          arg = cur.uint(1, this.op, 'BININT1');
          this.push({ k: 'int', v: arg });
          break;
        case 0x4d: // BININT2
          arg = cur.uint(2, this.op, 'BININT2');
          this.push({ k: 'int', v: arg });
          break;
        case 0x4c: {
          // LONG
          const v = pickleLongArg(this.numberLine('LONG'), !this.joblib);
          if (v === null) this.fail('LONG argument is not an integer (int() raises ValueError)');
          this.push(this.intValue(v));
          break;
        }
        case 0x8a: {
          // LONG1: small little-endian two's complement integers are kept (joblib shapes use them)
          const n = cur.uint(1, this.op, 'LONG1');
          const b = cur.take(n, this.op, 'LONG1');
          let v = 0;
          for (let i = b.length - 1; i >= 0; i--) v = v * 256 + (b[i] as number);
          if (n > 0 && ((b[n - 1] as number) & 0x80) !== 0) v -= 2 ** (8 * n);
          this.push(n <= 6 ? { k: 'int', v } : UNKNOWN_INT);
          break;
        }
        case 0x8b: {
          // LONG4
          const n = cur.int4(this.op, 'LONG4');
          if (n < 0) this.fail('LONG4 has a negative byte count');
          cur.skip(n, this.op, 'LONG4');
          this.push(UNKNOWN_INT);
          break;
        }
        case 0x4e: // NONE
          this.push(NONE);
          break;
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
          this.push(OTHER);
          break;
        case 0x47: // BINFLOAT
          cur.skip(8, this.op, 'BINFLOAT');
          this.push(OTHER);
          break;
        case 0x50: {
          // PERSID: any length is valid (a long one is skipped); CPython requires ASCII
          const line = cur.line(PICKLE_LIMITS.maxKeptString, this.op, 'PERSID');
          if (line !== null) {
            arg = asciiOnly(line);
            if (arg === null) this.fail('persistent IDs in protocol 0 must be ASCII strings');
          }
          this.shared.counts.PERSID++;
          this.push(OTHER);
          break;
        }
        case 0x51: // BINPERSID
          this.pop('BINPERSID');
          this.shared.counts.PERSID++;
          this.push(OTHER);
          break;
        case 0x52: {
          // REDUCE
          const args = this.pop('REDUCE');
          const fn = this.pop('REDUCE');
          this.shared.counts.REDUCE++;
          this.push(this.instance(fn, args));
          break;
        }
        case 0x53: {
          // STRING: a quoted, backslash-escaped line, decoded (as ASCII by default) into a str
          const line = cur.line(PICKLE_LIMITS.maxKeptString + 2, this.op, 'STRING');
          if (line === null) {
            this.push(UNKNOWN_STR);
            break;
          }
          const q = line[0];
          if (line.length < 2 || (q !== 0x22 && q !== 0x27) || line[line.length - 1] !== q) {
            this.fail('the STRING opcode argument must be quoted');
          }
          const raw = escapeDecode(line.subarray(1, line.length - 1));
          const v = raw === null ? null : asciiOnly(raw);
          arg = v;
          this.push(v === null ? UNKNOWN_STR : { k: 'str', v });
          break;
        }
        case 0x54: {
          // BINSTRING
          const n = cur.int4(this.op, 'BINSTRING');
          if (n < 0) this.fail('BINSTRING has a negative length');
          this.push(this.keepString(n, 'BINSTRING', asciiOnly));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(this.keepString(cur.uint(1, this.op, 'SHORT_BINSTRING'), 'SHORT_BINSTRING', asciiOnly));
          break;
        case 0x56: {
          // UNICODE
          const line = cur.line(PICKLE_LIMITS.maxKeptString, this.op, 'UNICODE');
          const v = line === null ? null : rawUnicodeEscape(line);
          this.push(v === null ? UNKNOWN_STR : { k: 'str', v });
          break;
        }
        case 0x58: // BINUNICODE
          this.push(this.keepString(cur.uint(4, this.op, 'BINUNICODE'), 'BINUNICODE', decodeUtf8));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.keepString(cur.uint(1, this.op, 'SHORT_BINUNICODE'), 'SHORT_BINUNICODE', decodeUtf8));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.keepString(cur.uint(8, this.op, 'BINUNICODE8'), 'BINUNICODE8', decodeUtf8));
          break;
        case 0x42: // BINBYTES
          cur.skip(cur.uint(4, this.op, 'BINBYTES'), this.op, 'BINBYTES');
          this.push(OTHER);
          break;
        case 0x43: // SHORT_BINBYTES
          cur.skip(cur.uint(1, this.op, 'SHORT_BINBYTES'), this.op, 'SHORT_BINBYTES');
          this.push(OTHER);
          break;
        case 0x8e: // BINBYTES8
        case 0x96: {
          // BYTEARRAY8
          const what = code === 0x8e ? 'BINBYTES8' : 'BYTEARRAY8';
          cur.skip(cur.uint(8, this.op, what), this.op, what);
          this.push(OTHER);
          break;
        }
        case 0x61: {
          // APPEND: list and value must both sit above the fence
          this.pop('APPEND');
          this.top('APPEND');
          break;
        }
        case 0x65: {
          // APPENDS
          const at = this.marks[this.marks.length - 1];
          this.popMark('APPENDS');
          this.belowMark(at as number, 'APPENDS');
          break;
        }
        case 0x90: {
          // ADDITEMS
          const at = this.marks[this.marks.length - 1];
          this.popMark('ADDITEMS');
          this.belowMark(at as number, 'ADDITEMS');
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop('BUILD');
          const inst = this.top('BUILD');
          this.shared.counts.BUILD++;
          if (inst.k !== 'obj') break;
          if (inst.builds++ === 0) inst.state = state;
          // joblib.load checks isinstance(top, NumpyArrayWrapper) after every BUILD. An object of an
          // unknown class, or of a look-alike name, might pass that check: the stream can then no
          // longer be followed, because the two readings would part ways here.
          const wrapper = inst.cls === JOBLIB_WRAPPER;
          const lookalike = !wrapper && inst.cls !== null && /NumpyArrayWrapper/.test(inst.cls);
          if (wrapper || lookalike) this.shared.joblibArrays++;
          if (this.joblib && (wrapper || lookalike || inst.cls === null)) {
            this.emit(code, null);
            if (!wrapper || !this.skipJoblibArray(inst, state)) {
              this.incompleteAt ??= this.incomplete(
                this.cur.filePos,
                wrapper
                  ? 'it is built in a way the scanner does not model'
                  : `BUILD of an object whose class (${inst.cls ?? 'unknown'}) might be joblib's NumpyArrayWrapper`,
              );
              return null;
            }
            this.stack[this.stack.length - 1] = OTHER; // joblib swaps the wrapper for the array
            continue;
          }
          break;
        }
        case 0x63: {
          // GLOBAL
          const module = this.lineText('GLOBAL module', decodeUtf8);
          const name = this.lineText('GLOBAL name', decodeUtf8, true);
          arg = `${module} ${name}`;
          this.push(this.recordGlobal(module, name, 'GLOBAL'));
          break;
        }
        case 0x69: {
          // INST: CPython finds the MARK before reading the names
          const items = this.popMark('INST');
          const module = this.lineText('INST module', asciiOnly);
          const name = this.lineText('INST name', asciiOnly, true);
          arg = `${module} ${name}`;
          this.shared.counts.INST++;
          this.push(this.instance(this.recordGlobal(module, name, 'INST'), this.tuple(items)));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop('STACK_GLOBAL');
          const module = this.pop('STACK_GLOBAL');
          if (module.k === 'str' && module.v !== null && name.k === 'str' && name.v !== null) {
            arg = `${module.v} ${name.v}`;
            this.push(this.recordGlobal(module.v, name.v, 'STACK_GLOBAL'));
          } else {
            this.shared.issues.push({
              severity: 'unsafe',
              offset: this.op,
              message: 'STACK_GLOBAL with a non-constant operand: the imported name cannot be known without running the pickle',
            });
            this.push(UNKNOWN_GLOBAL);
          }
          break;
        }
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4
          const ext = code === 0x82 ? cur.uint(1, this.op, 'EXT1') : code === 0x83 ? cur.uint(2, this.op, 'EXT2') : cur.int4(this.op, 'EXT4');
          if (ext <= 0) this.fail('EXT specifies code <= 0');
          arg = ext;
          this.shared.counts.EXT++;
          this.shared.issues.push({
            severity: 'warning',
            offset: this.op,
            message: `EXT opcode imports whatever global the loading process registered as extension code ${ext} (copyreg); it cannot be resolved statically`,
          });
          this.push(UNKNOWN_GLOBAL);
          break;
        }
        case 0x64: {
          // DICT
          const items = this.popMark('DICT');
          const d: Value = { k: 'dict', entries: [] };
          this.setItems(d, items, 'DICT');
          this.push(d);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push({ k: 'dict', entries: [] });
          break;
        case 0x5d: // EMPTY_LIST
        case 0x8f: // EMPTY_SET
          this.push(OTHER);
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(this.tuple([]));
          break;
        case 0x6c: // LIST
        case 0x91: // FROZENSET
          this.popMark(code === 0x6c ? 'LIST' : 'FROZENSET');
          this.push(OTHER);
          break;
        case 0x74: // TUPLE
          this.push(this.tuple(this.popMark('TUPLE')));
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const n = code - 0x84;
          if (this.stack.length - this.fence < n) this.fail(`stack underflow in TUPLE${n}`);
          this.push(this.tuple(this.stack.splice(this.stack.length - n)));
          break;
        }
        case 0x6f: {
          // OBJ
          const items = this.popMark('OBJ');
          const cls = items.shift();
          if (cls === undefined) this.fail('OBJ without a class');
          this.shared.counts.OBJ++;
          this.push(this.instance(cls, this.tuple(items)));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop('NEWOBJ');
          const cls = this.pop('NEWOBJ');
          this.shared.counts.NEWOBJ++;
          this.push(this.instance(cls, args, true));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          this.pop('NEWOBJ_EX');
          const args = this.pop('NEWOBJ_EX');
          const cls = this.pop('NEWOBJ_EX');
          this.shared.counts.NEWOBJ_EX++;
          this.push(this.instance(cls, args));
          break;
        }
        case 0x67: // GET
          arg = this.decimalIndex('GET');
          this.push(this.memoGet(arg));
          break;
        case 0x68: // BINGET
          arg = cur.uint(1, this.op, 'BINGET');
          this.push(this.memoGet(arg));
          break;
        case 0x6a: // LONG_BINGET
          arg = cur.uint(4, this.op, 'LONG_BINGET');
          this.push(this.memoGet(arg));
          break;
        case 0x70: // PUT: with nothing to store CPython fails whatever the index (checked first: no line to read)
          this.top('PUT');
          arg = this.decimalIndex('PUT');
          this.memoPut(arg);
          break;
        case 0x71: // BINPUT
          arg = cur.uint(1, this.op, 'BINPUT');
          this.memoPut(arg);
          break;
        case 0x72: // LONG_BINPUT
          arg = cur.uint(4, this.op, 'LONG_BINPUT');
          this.memoPut(arg);
          break;
        case 0x94: // MEMOIZE: the next index is the memo's size, as in CPython
          this.memoPut(this.memo.size);
          break;
        case 0x73: {
          // SETITEM
          const value = this.pop('SETITEM');
          const key = this.pop('SETITEM');
          this.setItems(this.top('SETITEM'), [key, value], 'SETITEM');
          break;
        }
        case 0x75: {
          // SETITEMS
          const at = this.marks[this.marks.length - 1];
          const items = this.popMark('SETITEMS');
          this.setItems(this.belowMark(at as number, 'SETITEMS'), items, 'SETITEMS');
          break;
        }
        case 0x80: {
          // PROTO
          const p = cur.uint(1, this.op, 'PROTO');
          if (p > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol ${p}`);
          arg = p;
          this.shared.protocol = Math.max(this.shared.protocol ?? 0, p);
          break;
        }
        case 0x95: {
          // FRAME
          const n = cur.uint(8, this.op, 'FRAME');
          cur.beginFrame(n, this.op);
          arg = n;
          break;
        }
        case 0x97: // NEXT_BUFFER
          this.push(OTHER);
          break;
        case 0x98: // READONLY_BUFFER
          this.top('READONLY_BUFFER');
          break;
        default:
          this.fail(`unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
      }
      this.emit(code, arg);
    }
  }

  private incomplete(at: number, why: string): PickleIssue {
    return {
      severity: 'unsafe',
      offset: at,
      message: `joblib array data at offset ${at} cannot be sized (${why}); the remaining ${Math.max(0, this.cur.src.size - at)} bytes were not scanned`,
    };
  }

  /**
   * joblib writes each numpy array's bytes right after its NumpyArrayWrapper (joblib/numpy_pickle.py,
   * write_array/read_array): for plain dtypes an optional padding-length byte, that much padding,
   * then count×itemsize bytes; for object dtypes a whole nested pickle. This mirrors read_array for
   * the way joblib itself pickles a wrapper; anything else returns false (with incompleteAt set).
   */
  private skipJoblibArray(inst: Value & { k: 'obj' }, state: Value): boolean {
    const at = this.cur.filePos;
    const stop = (why: string): false => {
      this.incompleteAt = this.incomplete(at, why);
      return false;
    };
    // A wrapper made by NEWOBJ with no arguments has an empty __dict__; the BUILD state fills it.
    if (!inst.fresh || inst.builds !== 1) return stop('the wrapper is not built the way joblib writes it');
    if (state.k !== 'dict' || state.entries === null) return stop('its state is not a small constant dict');
    const attrs = new Map<string, Value>();
    for (const [k, v] of state.entries) {
      if (k.k !== 'str' || k.v === null) return stop('its state has a non-constant key');
      attrs.set(k.v, v);
    }
    const dtype = attrs.get('dtype');
    if (dtype?.k !== 'obj' || dtype.cls === null || !/^numpy\.(dtype|dtypes\.\w+)$/.test(dtype.cls) || dtype.builds > 1) {
      return stop('dtype is not a constant numpy.dtype');
    }
    const descr = dtype.args?.k === 'tuple' ? dtype.args.items?.[0] : undefined;
    const code = descr?.k === 'str' && descr.v !== null ? /^([a-zA-Z])(\d+)$/.exec(descr.v) : null;
    if (!code) return stop('dtype has no plain kind+size code');
    const kind = code[1] as string;
    let itemsize = Number(code[2]) * (kind === 'U' ? 4 : 1); // numpy names unicode dtypes in characters
    let flags = 0;
    if (dtype.builds === 1) {
      // numpy's dtype state: (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
      const st = dtype.state?.k === 'tuple' ? dtype.state.items : null;
      const elsize = st?.[5];
      const f = st?.[7];
      if (!st || (st.length !== 8 && st.length !== 9) || elsize?.k !== 'int' || elsize.v === null || f?.k !== 'int' || f.v === null) {
        return stop('dtype state is not a constant tuple');
      }
      flags = f.v;
      if ('VSUa'.includes(kind) && elsize.v >= 0) itemsize = elsize.v; // flexible dtypes take their size from the state
    }
    // NPY_ITEM_REFCOUNT (bit 0) is what dtype.hasobject reports.
    if (kind === 'O' || (flags & 1) === 1) {
      // read_array calls plain pickle.load on the file here: a separate, standard pickle stream.
      const nested = new Cursor(this.cur.src, at, false);
      new Machine(nested, this.shared, false).run();
      this.cur.filePos = nested.pos;
      return true;
    }
    const shape = attrs.get('shape');
    if (shape?.k !== 'tuple' || shape.items === null) return stop('shape is not a constant tuple');
    let count = 1;
    for (const d of shape.items) {
      if (d.k !== 'int' || d.v === null || d.v < 0) return stop('shape holds a non-constant dimension');
      count *= d.v;
    }
    // getattr(wrapper, 'numpy_array_alignment_bytes', None) is not None → a padding-length byte.
    const align = attrs.get('numpy_array_alignment_bytes');
    if (align !== undefined && align.k !== 'none') {
      if (align.k !== 'int') return stop('numpy_array_alignment_bytes is not a constant');
      const pad = this.cur.rawU8(at, 'joblib alignment padding length');
      this.cur.rawSkip(pad, at, 'joblib alignment padding');
    }
    const bytes = count * itemsize;
    if (!Number.isSafeInteger(bytes)) return stop('its size overflows');
    this.cur.rawSkip(bytes, at, `joblib array data (${bytes} bytes)`);
    return true;
  }
}

/**
 * Disassembles one pickle stream starting at `options.offset`. Never throws on hostile input: a
 * truncated, oversized or ungrammatical stream comes back with `malformed` set and an 'unsafe' issue.
 */
export function disassemblePickle(src: ByteSource, options: DisassembleOptions = {}): PickleDisassembly {
  const start = options.offset ?? 0;
  const shared: Shared = {
    globals: [],
    issues: [],
    counts: emptyCounts(),
    opcodeCount: 0,
    joblibArrays: 0,
    protocol: null,
    onOp: options.onOp,
  };
  const machine = new Machine(new Cursor(src, start, options.joblib === true), shared, options.joblib === true);
  let end: number | null = null;
  let bad: PickleDisassembly['malformed'] = null;
  try {
    end = machine.run();
  } catch (err) {
    // Only our own malformation errors are expected here; anything else (an I/O failure) is real.
    if (!(err instanceof MregError && err.code === 'INVALID_INPUT')) throw err;
    const offset = typeof err.data?.offset === 'number' ? err.data.offset : start;
    bad = { severity: 'unsafe', offset, message: `malformed pickle at offset ${offset}: ${err.message}` };
  }
  return {
    start,
    end,
    protocol: shared.protocol,
    globals: shared.globals,
    issues: shared.issues,
    malformed: bad,
    incomplete: machine.incompleteAt,
    counts: shared.counts,
    opcodeCount: shared.opcodeCount,
    joblibArrays: shared.joblibArrays,
  };
}
