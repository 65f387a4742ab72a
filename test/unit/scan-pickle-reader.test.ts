// The pickle reader's byte handling (Cursor) and the machine's stack, mark and memo bookkeeping, pinned
// through disassemblePickle: exact messages and offsets, frames as each CPython unpickler reads them, the
// 64 KiB read window, the resource limits. Where a stream's fate is stated, python3 3.11 was asked once
// (pickle.loads is the C unpickler the plain reading models, pickle._loads the pure-Python one that
// joblib subclasses and the joblib reading models); the results are in the comments.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PICKLE_LIMITS, bytesSource, disassemblePickle, type ByteSource, type PickleDisassembly, type PickleOp } from '../../src/core/scan/pickle.js';

const FIXTURES = 'test/fixtures/pickles';

/** Assembles a pickle from opcode bytes and latin1 text pieces. */
function p(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  return Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from(x))));
}
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return [...b];
};
const sbu = (s: string): Uint8Array => p([0x8c, s.length], s); // SHORT_BINUNICODE
/** PROTO 4, then a FRAME of `n` bytes. */
const framed = (n: number, ...rest: (string | number[] | Uint8Array)[]): Uint8Array => p([0x80, 4, 0x95], u64(n), ...rest);

/** A ByteSource that fails the test on any read outside [0, size) (the interface's promise) and copies what it returns. */
function strict(bytes: Uint8Array): ByteSource & { reads: number } {
  const src = {
    size: bytes.length,
    reads: 0,
    read(offset: number, length: number): Uint8Array {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new Error(`read(${offset}, ${length}) outside the ${bytes.length} bytes`);
      }
      src.reads++;
      return bytes.slice(offset, offset + length);
    },
  };
  return src;
}

function dis(bytes: Uint8Array, joblib = false): PickleDisassembly {
  return disassemblePickle(bytesSource(bytes), { joblib });
}
function ops(bytes: Uint8Array, joblib = false): { d: PickleDisassembly; ops: PickleOp[] } {
  const list: PickleOp[] = [];
  const d = disassemblePickle(bytesSource(bytes), { joblib, onOp: (op) => list.push(op) });
  return { d, ops: list };
}
const names = (d: PickleDisassembly): string[] => d.globals.map((g) => `${g.module}.${g.name}`);
/** The malformed message, or 'ok' for a stream read to its STOP. */
function outcome(d: PickleDisassembly): string {
  if (d.malformed) return d.malformed.message;
  expect(d.incomplete).toBeNull();
  return 'ok';
}

/** Lowers one limit for the duration of `fn` (synchronous, so no other test sees it). */
function withLimit<T>(key: keyof typeof PICKLE_LIMITS, value: number, fn: () => T): T {
  const saved = PICKLE_LIMITS[key];
  PICKLE_LIMITS[key] = value;
  try {
    return fn();
  } finally {
    PICKLE_LIMITS[key] = saved;
  }
}

describe('reads stay inside the source', () => {
  it('every fixture, whole and cut short, reads only within [0, size) and the same as from memory', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.pkl') || f.endsWith('.joblib'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = readFileSync(`${FIXTURES}/${file}`);
      for (const joblib of [false, true]) {
        for (const n of [bytes.length, bytes.length - 1, Math.floor(bytes.length / 2), 3, 1, 0]) {
          const cut = bytes.subarray(0, Math.max(0, n));
          const src = strict(cut);
          expect(disassemblePickle(src, { joblib }), `${file} cut at ${n}`).toEqual(disassemblePickle(bytesSource(cut), { joblib }));
        }
      }
    }
  });

  it('a stream longer than the 64 KiB window is read in windows, each within the source', () => {
    const bytes = p([0x80, 4], 'N0'.repeat(40_000), sbu('os'), sbu('system'), [0x93], '.');
    const src = strict(bytes);
    const d = disassemblePickle(src, {});
    expect(names(d)).toEqual(['os.system']);
    expect(d.end).toBe(bytes.length);
    expect(src.reads).toBeLessThan(10); // windows, not a read per opcode
  });
});

describe('lengths, offsets and messages', () => {
  it.each([
    ['a string longer than the data', p('U\x05ab'), 'malformed pickle at offset 0: SHORT_BINSTRING needs 5 bytes but only 2 remain'],
    ['an opcode after the last byte', p('U\x02ab'), 'malformed pickle at offset 4: opcode needs 1 bytes but only 0 remain'],
    ['a BININT cut short', p('N0J\x01\x02\x03'), 'malformed pickle at offset 2: BININT needs 4 bytes but only 3 remain'],
    ['a BINUNICODE8 length of 2^53 - 1', p([0x80, 4, 0x8d], u64(2 ** 53 - 1), 'abc'), 'malformed pickle at offset 2: BINUNICODE8 needs 9007199254740991 bytes but only 3 remain'],
    ['a BINBYTES8 length of 2^53', p([0x80, 4, 0x8e], u64(2 ** 53)), 'malformed pickle at offset 2: BINBYTES8 needs Infinity bytes but only 0 remain'],
    ['a BINSTRING length of 2^31 - 1', p('T', u32(0x7fffffff), 'x'), 'malformed pickle at offset 0: BINSTRING needs 2147483647 bytes but only 1 remain'],
    ['a BINSTRING length of 2^31 (negative as a C int)', p('T', u32(0x80000000), 'x'), 'malformed pickle at offset 0: BINSTRING has a negative length'],
    ['a GLOBAL line without its newline', p('N0cbuiltins\nlen'), 'malformed pickle at offset 2: GLOBAL name: no newline before the end of the data'],
  ])('%s', (_label, bytes, message) => {
    const d = dis(bytes);
    expect(d.malformed).toEqual({ severity: 'unsafe', offset: Number(/offset (\d+)/.exec(message)![1]), message });
    expect(d.end).toBeNull();
  });

  it('a read of exactly the remaining bytes succeeds', () => {
    const bytes = p('U\x02ab.');
    expect(dis(bytes).end).toBe(bytes.length);
  });

  it('fixed-size integers are little-endian; BININT is signed, the others unsigned', () => {
    const { d, ops: list } = ops(
      p('K\xff0', 'M\x34\x120', 'J', u32(0x7fffffff), '0', 'J', u32(0x80000000), '0', 'J', u32(0xffffffff), 'r', u32(0xfffffffe), '0', [0x80, 4, 0x95], u64(1), 'N.'),
    );
    expect(outcome(d)).toBe('ok');
    expect(list.filter((o) => o.name !== 'POP').map((o) => [o.name, o.arg])).toEqual([
      ['BININT1', 255],
      ['BININT2', 0x1234],
      ['BININT', 2147483647],
      ['BININT', -2147483648],
      ['BININT', -1],
      ['LONG_BINPUT', 4294967294],
      ['PROTO', 4],
      ['FRAME', 1],
      ['NONE', null],
      ['STOP', null],
    ]);
  });

  it('a line of exactly the kept length is kept, one byte more is not', () => {
    // A GLOBAL module name of 4096 bytes is read; STRING keeps 4096 characters between its quotes.
    const long = 'a'.repeat(PICKLE_LIMITS.maxKeptString);
    expect(names(dis(p('c', long, '\nb\n.')))).toEqual([`${long}.b`]);
    expect(dis(p('c', long, 'a\nb\n.')).malformed?.message).toBe('malformed pickle at offset 0: GLOBAL module longer than 4096 bytes cannot name anything importable');
    const kept = ops(p("S'", long, "'\n."));
    expect(kept.ops[0]).toEqual({ offset: 0, code: 0x53, name: 'STRING', arg: long });
    const skipped = ops(p("S'", long, "a'\n."));
    expect(skipped.ops[0]).toEqual({ offset: 0, code: 0x53, name: 'STRING', arg: null });
    expect(skipped.d.end).toBe(4096 + 6);
  });

  it('a number line longer than the 64 KiB window is read whole', () => {
    // python3: pickle.loads(b'Np' + b' ' * 70000 + b'7\nh\x07.') is None (the memo index is 7), both unpicklers.
    const bytes = p('Np', ' '.repeat(70_000), '7\nh\x07.');
    for (const joblib of [false, true]) {
      const { d, ops: list } = ops(bytes, joblib);
      expect(outcome(d)).toBe('ok');
      expect(list.map((o) => [o.name, o.arg])).toEqual([['NONE', null], ['PUT', 7], ['BINGET', 7], ['STOP', null]]);
    }
  });

  it('strings and lines that straddle the 64 KiB window boundary read whole', () => {
    /** n bytes of opcodes that leave the stack as it was: a BINBYTES of n - 6 bytes, then POP. */
    const pad = (n: number): Uint8Array => p('B', u32(n - 6), 'x'.repeat(n - 6), '0');
    // Offsets where an opcode, a length byte, a string's last byte or a newline falls on either side of 65536.
    for (const start of [65_506, 65_510, 65_514, 65_519, 65_525, 65_527, 65_530, 65_534, 65_535, 65_536]) {
      const str = p(pad(start - 2), sbu('abcdefghijklmnopqrst'), sbu('uvwxyz'), [0x93], '.');
      const line = p(pad(start - 2), 'cmodule_x\nname_y\n.');
      for (const [bytes, expected] of [[str, 'abcdefghijklmnopqrst.uvwxyz'], [line, 'module_x.name_y']] as const) {
        const d = disassemblePickle(strict(p([0x80, 4], bytes)), {});
        expect(outcome(d), `at ${start}`).toBe('ok');
        expect(names(d), `at ${start}`).toEqual([expected]);
      }
    }
  });

  it('a 5000-byte GLOBAL module without a newline is refused before its newline is looked for', () => {
    expect(dis(p('c', 'a'.repeat(5000))).malformed?.message).toBe('malformed pickle at offset 0: GLOBAL module longer than 4096 bytes cannot name anything importable');
  });
});

describe('frames: a length check for the C unpickler, a buffer for pickle.py (the joblib reading)', () => {
  it.each([
    // [label, stream, C unpickler / plain reading, pickle.py / joblib reading]; python3 gave the same outcomes
    ['a read straddling the frame end', framed(3, 'U\x05abcde.'), 'ok', 'malformed pickle at offset 11: SHORT_BINSTRING: pickle exhausted before end of frame'],
    ['a read ending at the frame end', framed(7, 'U\x05abcde.'), 'ok', 'ok'],
    ['a line straddling the frame end', framed(12, 'cbuiltins\nlen\n.'), 'ok', 'malformed pickle at offset 11: GLOBAL name: pickle exhausted before end of frame'],
    ['a line whose newline is the first byte after the frame', framed(13, 'cbuiltins\nlen\n.'), 'ok', 'malformed pickle at offset 11: GLOBAL name: pickle exhausted before end of frame'],
    ['a line read after the frame ended on its opcode', framed(1, 'cbuiltins\nlen\n.'), 'ok', 'ok'],
    ['a GLOBAL module cut by the frame end, its newline later', framed(11, 'c', 'a'.repeat(10), '\nb\n.'), 'ok', 'malformed pickle at offset 11: GLOBAL module: pickle exhausted before end of frame'],
    ['a new FRAME inside a frame', framed(11, 'N', [0x95], u64(1), 'N.'), 'ok', 'malformed pickle at offset 12: beginning of a new frame before end of current frame'],
    ['a new FRAME ending exactly at the frame end', framed(10, 'N', [0x95], u64(2), 'N.'), 'ok', 'ok'],
    ['an empty string at the frame end', framed(2, '\x8c\x00.'), 'ok', 'ok'],
  ])('%s', (_label, bytes, plain, joblib) => {
    expect(outcome(dis(bytes))).toBe(plain);
    expect(outcome(dis(bytes, true))).toBe(joblib);
    if (plain === 'ok') expect(dis(bytes).end).toBe(bytes.length);
  });

  it('the 4096-byte look-ahead of a name stops at the frame end', () => {
    // Inside a frame, a GLOBAL module with no newline before the frame ends is the frame's error (pickle.py:
    // "pickle exhausted before end of frame"), however long the data after the frame runs without a newline.
    const bytes = framed(11, 'c', 'a'.repeat(10), 'b'.repeat(5000));
    expect(outcome(dis(bytes, true))).toBe('malformed pickle at offset 11: GLOBAL module: pickle exhausted before end of frame');
    // Past the frame's end (its last byte was the opcode), the look-ahead runs on into the data.
    expect(outcome(dis(framed(1, 'c', 'a'.repeat(5000)), true))).toBe('malformed pickle at offset 11: GLOBAL module longer than 4096 bytes cannot name anything importable');
  });
});

describe("joblib's direct reads of array data", () => {
  /** A NumpyArrayWrapper the way joblib pickles it (protocol 2, no frames), 8-byte items, with an alignment attribute. */
  function wrapper(shape: number): Uint8Array {
    return p(
      [0x80, 2],
      'cjoblib.numpy_pickle\nNumpyArrayWrapper\n)', [0x81],
      '}(', sbu('shape'), 'K', [shape], [0x85],
      sbu('dtype'), 'cnumpy\ndtype\n', sbu('f8'), [0x89, 0x88, 0x87], 'R',
      '(K\x03', sbu('<'), 'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb',
      sbu('numpy_array_alignment_bytes'), 'K\x10',
      'ub',
    );
  }
  const w = wrapper(2);
  const at = w.length;

  it.each([
    ['the padding length byte missing', p(w), `malformed pickle at offset ${at}: joblib alignment padding length: no data left`],
    ['the padding cut short', p(w, [3, 0xff, 0xff]), `malformed pickle at offset ${at}: joblib alignment padding needs 3 bytes but only 2 remain`],
    ['the data cut short', p(w, [1, 0xff], 'A'.repeat(15)), `malformed pickle at offset ${at}: joblib array data (16 bytes) needs 16 bytes but only 15 remain`],
    ['the data exactly there, then STOP', p(w, [1, 0xff], 'A'.repeat(16), '.'), 'ok'],
    ['no padding, the data, then STOP', p(w, [0], 'A'.repeat(16), '.'), 'ok'],
  ])('%s', (_label, bytes, expected) => {
    const d = disassemblePickle(strict(bytes), { joblib: true });
    expect(outcome(d)).toBe(expected);
    if (expected === 'ok') expect(d.end).toBe(bytes.length);
  });

  it('array data read while a frame is buffered comes from after the frame; STOP ends past it', () => {
    const body = w.subarray(2);
    const bytes = p([0x80, 4, 0x95], u64(body.length + 1), body, '.', [2, 0xff, 0xff], 'C'.repeat(16));
    const d = disassemblePickle(strict(bytes), { joblib: true });
    expect(outcome(d)).toBe('ok');
    expect(d.end).toBe(bytes.length);
  });
  it('a FRAME that starts when a frame ends after array data begins past that data', () => {
    // The first frame ends with the second FRAME opcode; joblib has read the array from the file meanwhile,
    // so the second frame's bytes come from after the array (pickle.py's load_frame reads them from the file).
    const body = p(w.subarray(2), [0x95], u64(2));
    const bytes = p([0x80, 4, 0x95], u64(body.length), body, [1, 0xff], 'D'.repeat(16), 'N.');
    const d = disassemblePickle(strict(bytes), { joblib: true });
    expect(outcome(d)).toBe('ok');
    expect(d.end).toBe(bytes.length);
  });
});

describe('stack, marks and memo', () => {
  it.each([
    ['DUP on an empty stack', p('2'), 'malformed pickle at offset 0: stack underflow in DUP'],
    ['DUP just after a MARK', p('N(2.'), 'malformed pickle at offset 2: stack underflow in DUP'],
    ['POP_MARK without a MARK', p('1'), 'malformed pickle at offset 0: POP_MARK without a MARK'],
    ['APPENDS with nothing below its MARK', p('(e.'), 'malformed pickle at offset 1: stack underflow in APPENDS'],
    ['APPENDS whose list would sit below the enclosing MARK', p('N((e.'), 'malformed pickle at offset 3: stack underflow in APPENDS'],
    ['BINPUT on an empty stack', p('q\x00'), 'malformed pickle at offset 0: stack underflow in memo store'],
    ['MEMOIZE on an empty stack', p([0x94]), 'malformed pickle at offset 0: stack underflow in memo store'],
    ['BINPUT just after a MARK', p('N(q\x00'), 'malformed pickle at offset 2: stack underflow in memo store'],
    ['STOP on a stack emptied by POP', p('NN00.'), 'malformed pickle at offset 4: stack underflow in STOP'],
  ])('%s', (_label, bytes, message) => {
    // python3: both unpicklers refuse each (UnpicklingError "unpickling stack underflow" / "could not find
    // MARK" / "unexpected MARK found", or IndexError in pickle.py).
    expect(outcome(dis(bytes))).toBe(message);
  });

  it('APPENDS onto a list below its MARK is fine', () => {
    expect(outcome(dis(p(']', '(K\x01K\x02e.')))).toBe('ok');
    expect(outcome(dis(p('(]', '(K\x01e1N.')))).toBe('ok');
  });

  it('past the stack limit the reading stops as unscannable, with an unsafe issue', () => {
    const d = withLimit('maxStack', 3, () => dis(p('NNN0NN.')));
    expect(d.malformed).toEqual({ severity: 'unsafe', offset: 5, message: 'malformed pickle at offset 5: stack deeper than 3 values' });
    expect(d.issues).toEqual([{ severity: 'unsafe', offset: 5, message: 'cannot be scanned past offset 5: stack deeper than 3 values' }]);
    expect(outcome(withLimit('maxStack', 3, () => dis(p('NNN0N.'))))).toBe('ok');
  });

  it('MARK nesting past its limit: the issue and the stop name the offset', () => {
    const d = withLimit('maxMarkDepth', 2, () => dis(p('N((N(')));
    expect(d.malformed).toEqual({ severity: 'unsafe', offset: 4, message: 'malformed pickle at offset 4: MARK nesting deeper than 2' });
    expect(d.issues).toEqual([{ severity: 'unsafe', offset: 4, message: 'cannot be scanned past offset 4: MARK nesting deeper than 2' }]);
  });

  describe('memo limit', () => {
    const os = p([0x80, 4], sbu('os'), 'q\x00', sbu('system'), 'q\x01');

    it('re-storing a known index at the limit is no overflow', () => {
      const d = withLimit('maxMemo', 2, () => dis(p(os, 'q\x01', 'h\x00h\x01', [0x93], '.')));
      expect(d.issues).toEqual([]);
      expect(names(d)).toEqual(['os.system']);
    });

    it('one new index past it stops tracking: one info issue, later reads unknown (never "no entry")', () => {
      // The third store (MEMOIZE at offset 18) is one entry too many; the three stores after it are not
      // tracked either (no second issue).
      const d = withLimit('maxMemo', 2, () => dis(p(os, [0x94], 'q\x07', [0x94], 'q\x08', 'h\x00h\x01', [0x93], '0h\x09.')));
      expect(outcome(d)).toBe('ok');
      expect(d.globals).toEqual([]);
      expect(d.issues).toEqual([
        { severity: 'info', offset: 18, message: 'memo holds more than 2 entries; later memo references are not resolved' },
        { severity: 'unsafe', offset: 28, message: 'STACK_GLOBAL with a non-constant operand: the imported name cannot be known without running the pickle' },
      ]);
    });
  });

  it('a GET of a missing index names it; GET after PUT resolves the same value', () => {
    expect(outcome(dis(p('Np3\n0g4\n.')))).toBe('malformed pickle at offset 5: memo has no entry 4');
    expect(names(dis(p([0x80, 4], sbu('os'), 'p3\n', sbu('system'), 'p4\n', '00g3\ng4\n', [0x93], '.')))).toEqual(['os.system']);
  });
});
