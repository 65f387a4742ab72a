import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PICKLE_OPCODES, bytesSource, disassemblePickle, type PickleDisassembly } from '../../src/core/scan/pickle.js';

const FIXTURES = 'test/fixtures/pickles';
const fixture = (name: string): Buffer => readFileSync(`${FIXTURES}/${name}`);

/** Assembles a pickle from opcode bytes and latin1 text pieces. */
function p(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  return Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from(x))));
}
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const sbu = (s: string): Uint8Array => p([0x8c, s.length], s); // SHORT_BINUNICODE

function dis(bytes: Uint8Array, joblib = false): PickleDisassembly {
  return disassemblePickle(bytesSource(bytes), { joblib });
}
const names = (d: PickleDisassembly): string[] => d.globals.map((g) => `${g.module}.${g.name}`);

describe('opcode table', () => {
  it('covers every pickletools opcode of protocols 0-5 exactly once', () => {
    const expected = [
      'MARK', 'STOP', 'POP', 'POP_MARK', 'DUP', 'FLOAT', 'INT', 'BININT', 'BININT1', 'LONG', 'BININT2', 'NONE', 'PERSID',
      'BINPERSID', 'REDUCE', 'STRING', 'BINSTRING', 'SHORT_BINSTRING', 'UNICODE', 'BINUNICODE', 'APPEND', 'BUILD', 'GLOBAL',
      'DICT', 'EMPTY_DICT', 'APPENDS', 'GET', 'BINGET', 'INST', 'LONG_BINGET', 'LIST', 'EMPTY_LIST', 'OBJ', 'PUT', 'BINPUT',
      'LONG_BINPUT', 'SETITEM', 'TUPLE', 'EMPTY_TUPLE', 'SETITEMS', 'BINFLOAT', 'PROTO', 'NEWOBJ', 'EXT1', 'EXT2', 'EXT4',
      'TUPLE1', 'TUPLE2', 'TUPLE3', 'NEWTRUE', 'NEWFALSE', 'LONG1', 'LONG4', 'BINBYTES', 'SHORT_BINBYTES', 'SHORT_BINUNICODE',
      'BINUNICODE8', 'BINBYTES8', 'EMPTY_SET', 'ADDITEMS', 'FROZENSET', 'NEWOBJ_EX', 'STACK_GLOBAL', 'MEMOIZE', 'FRAME',
      'BYTEARRAY8', 'NEXT_BUFFER', 'READONLY_BUFFER',
    ];
    expect(PICKLE_OPCODES.map((o) => o.name).sort()).toEqual([...expected].sort());
    expect(new Set(PICKLE_OPCODES.map((o) => o.code)).size).toBe(expected.length);
  });

  it('walks a stream that uses every opcode', () => {
    const seen = new Set<string>();
    const all = p(
      [0x80, 5], // PROTO
      [0x95], [20, 0, 0, 0, 0, 0, 0, 0], // FRAME 20 (covers the next 20 bytes)
      'N0', // NONE POP
      '(1', // MARK POP_MARK
      'K\x01', '2', '00', // BININT1 DUP POP POP
      'F1.5\n0', 'I7\n0', 'J\x01\x00\x00\x00', '0', // FLOAT INT BININT
      'L12\n0', 'M\x01\x000', // LONG BININT2
      'Ppid\n0', 'K\x01Q0', // PERSID BINPERSID
      "S'x'\n0", 'T\x01\x00\x00\x00x0', 'U\x01x0', 'Vx\n0', 'X\x01\x00\x00\x00x0', // strings
      [0x8c, 1], 'x0', [0x8d, 1, 0, 0, 0, 0, 0, 0, 0], 'x0', // SHORT_BINUNICODE BINUNICODE8
      'B\x01\x00\x00\x00x0', 'C\x01x0', [0x8e, 1, 0, 0, 0, 0, 0, 0, 0], 'x0', [0x96, 1, 0, 0, 0, 0, 0, 0, 0], 'x0', // bytes
      ']K\x01a(K\x01K\x02e0', // EMPTY_LIST APPEND MARK APPENDS
      '(K\x01l0', // LIST
      '}K\x01K\x02s(K\x03K\x04u0', '(K\x01K\x02d0', // EMPTY_DICT SETITEM SETITEMS DICT
      ')0', '(K\x01t0', 'K\x01\x850', 'K\x01K\x02\x860', 'K\x01K\x02K\x03\x870', // tuples
      '\x880\x890', 'G\x00\x00\x00\x00\x00\x00\x00\x000', // NEWTRUE NEWFALSE BINFLOAT
      [0x8a, 1, 5], '0', [0x8b, 1, 0, 0, 0, 5], '0', // LONG1 LONG4
      [0x8f], '(K\x01', [0x90], '0', '(K\x01', [0x91], '0', // EMPTY_SET ADDITEMS FROZENSET
      'K\x01p0\n0g0\n0K\x01q\x010h\x010K\x01r\x02\x00\x00\x000j\x02\x00\x00\x000', // PUT GET BINPUT BINGET LONG_*
      'K\x01', [0x94], '0', // MEMOIZE
      'cbuiltins\nset\n', ')R0', // GLOBAL REDUCE
      '(ibuiltins\nset\n0', // INST
      '(cbuiltins\nset\no0', // OBJ
      'cbuiltins\nset\n', ')', [0x81], '0', // NEWOBJ
      'cbuiltins\nset\n', ')}', [0x92], '0', // NEWOBJ_EX
      sbu('builtins'), sbu('set'), [0x93], '0', // STACK_GLOBAL
      'cbuiltins\nset\n)', [0x81], 'Nb0', // BUILD with a None state
      [0x82, 1], '0', [0x83, 1, 0], '0', [0x84, 1, 0, 0, 0], '0', // EXT1 EXT2 EXT4
      [0x97], [0x98], '0', // NEXT_BUFFER READONLY_BUFFER
      'N.',
    );
    const d = disassemblePickle(bytesSource(all), { onOp: (op) => seen.add(op.name) });
    expect(d.malformed).toBeNull();
    expect(d.end).toBe(all.length);
    expect([...seen].sort()).toEqual(PICKLE_OPCODES.map((o) => o.name).sort());
    expect(d.protocol).toBe(5);
    expect(d.counts).toEqual({ REDUCE: 1, BUILD: 1, INST: 1, OBJ: 1, NEWOBJ: 2, NEWOBJ_EX: 1, PERSID: 2, EXT: 3 });
    expect(d.issues.filter((i) => i.severity === 'warning')).toHaveLength(3); // the EXT codes
  });
});

describe('globals in the fixtures', () => {
  it.each([
    ['os_system_p0.pkl', 'GLOBAL'],
    ['os_system_p2.pkl', 'GLOBAL'],
    ['os_system_p4.pkl', 'STACK_GLOBAL'],
  ])('%s imports posix.system through %s', (file, opcode) => {
    const d = dis(fixture(file));
    expect(d.malformed).toBeNull();
    expect(d.globals.map((g) => [`${g.module}.${g.name}`, g.opcode])).toEqual([['posix.system', opcode]]);
    expect(d.counts.REDUCE).toBe(1);
  });

  it('plain data pickles import nothing', () => {
    for (const proto of [0, 2, 4, 5]) {
      const d = dis(fixture(`benign_dict_p${proto}.pkl`));
      expect(d.malformed).toBeNull();
      expect(d.globals).toEqual([]);
      expect(d.protocol).toBe(proto === 0 ? null : proto);
    }
  });

  it('the getattr chain names both builtins, Python 2 style below protocol 3', () => {
    expect(names(dis(fixture('getattr_chain_p2.pkl')))).toEqual(['__builtin__.getattr', '__builtin__.__import__']);
  });

  it('joblib array bytes are skipped only when reading as joblib.load does', () => {
    const bytes = fixture('malicious_after_array.joblib');
    const plain = dis(bytes);
    expect(plain.malformed).not.toBeNull(); // raw float bytes are not opcodes
    expect(plain.joblibArrays).toBe(1);
    expect(names(plain)).toEqual(['joblib.numpy_pickle.NumpyArrayWrapper', 'numpy.ndarray', 'numpy.dtype']);
    const jl = dis(bytes, true);
    expect(jl.malformed).toBeNull();
    expect(jl.incomplete).toBeNull();
    expect(jl.end).toBe(bytes.length);
    expect(names(jl)).toEqual(['joblib.numpy_pickle.NumpyArrayWrapper', 'numpy.ndarray', 'numpy.dtype', 'posix.system']);
  });
});

describe('STACK_GLOBAL operands', () => {
  it('resolves operands fetched from the memo', () => {
    const d = dis(p([0x80, 4], sbu('os'), 'q\x000', sbu('system'), 'q\x010', 'h\x00h\x01', [0x93], 'N0N.'));
    expect(names(d)).toEqual(['os.system']);
    expect(d.issues).toEqual([]);
  });

  it('follows memo overwrites and MEMOIZE numbering', () => {
    const d = dis(p([0x80, 4], sbu('collections'), [0x94], sbu('OrderedDict'), [0x94], '00', sbu('os'), 'q\x00', '0', sbu('system'), [0x94], '0', 'h\x00h\x01', [0x93], '.'));
    // MEMOIZE gave indices 0 and 1; PUT 0 replaced 'collections'; the last MEMOIZE used index 2.
    expect(names(d)).toEqual(['os.OrderedDict']);
  });

  it('decodes protocol-0 string escapes the way Python does', () => {
    expect(names(dis(p("S'o\\x73'\n", "S'sys\\164em'\n", [0x93], '.')))).toEqual(['os.system']);
    expect(names(dis(p('V\\u006fs\n', 'Vsystem\n', [0x93], '.')))).toEqual(['os.system']);
    expect(names(dis(p('U\x02os', 'T\x06\x00\x00\x00system', [0x93], '.')))).toEqual(['os.system']);
  });

  it('reports an operand computed at load time as unsafe', () => {
    const d = dis(p([0x80, 4], 'cbuiltins\nstr\n', sbu('os'), [0x85], 'R', sbu('system'), [0x93], '.'));
    expect(names(d)).toEqual(['builtins.str']);
    expect(d.issues).toEqual([expect.objectContaining({ severity: 'unsafe', message: expect.stringContaining('STACK_GLOBAL with a non-constant operand') })]);
  });

  it('reports a bytes operand as unresolved', () => {
    const d = dis(p([0x80, 4], 'C\x02os', sbu('system'), [0x93], '.'));
    expect(d.globals).toEqual([]);
    expect(d.issues[0]?.message).toContain('non-constant');
  });
});

describe('hostile streams', () => {
  const pickleFixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.pkl'));

  it('a truncation at every offset of every pickle fixture is malformed, never a crash', () => {
    for (const file of pickleFixtures) {
      const bytes = fixture(file);
      for (let n = 0; n < bytes.length; n++) {
        const d = dis(bytes.subarray(0, n));
        expect(d.end, `${file} cut at ${n}`).toBeNull();
        expect(d.malformed?.message, `${file} cut at ${n}`).toMatch(/^malformed pickle at offset \d+: /);
      }
    }
  });

  it.each([
    ['a BINUNICODE length of 2^32-1', p([0x80, 2], 'X', u32(0xffffffff), 'abc'), /BINUNICODE needs 4294967295 bytes but only 3 remain/],
    ['a BINUNICODE8 length of 2^64-1', p([0x80, 4, 0x8d], u64max, 'abc'), /BINUNICODE8 needs Infinity bytes/],
    ['a BINBYTES8 length of 2^64-1', p([0x80, 4, 0x8e], u64max), /BINBYTES8 needs/],
    ['a FRAME past the end', p([0x80, 4, 0x95], [0, 0, 0, 0, 0, 0, 0, 0x7f], 'N.'), /FRAME needs/],
    ['a negative BINSTRING length', p('T', u32(0xfffffff0), 'x'), /negative length/],
    ['a negative LONG4 length', p([0x8b], u32(0xffffffff)), /negative byte count/],
    ['an unknown opcode', p([0x80, 2, 0xff]), /unknown opcode 0xff/],
    ['an unsupported protocol', p([0x80, 6], 'N.'), /unsupported pickle protocol 6/],
    ['STOP on an empty stack', p('.'), /stack underflow in STOP/],
    ['STOP that would reach below a MARK', p('N(.'), /stack underflow in STOP/],
    ['a GET of an empty memo slot', p('h\x05.'), /memo has no entry 5/],
    ['APPENDS without a MARK', p(']e.'), /APPENDS without a MARK/],
    ['an odd SETITEMS', p('}(K\x01u.'), /odd number of items/],
    ['a GLOBAL without its newline', p('cos\nsys'), /no newline/],
    ['a GLOBAL name that is not UTF-8', p('cos\n\xff\n.'), /not valid text/],
    ['an unquoted STRING', p('Sabc\n.'), /must be quoted/],
    ['a PUT index that int() refuses', p('Np1x\n.'), /PUT argument is not an integer/],
    ['a negative PUT index', p('Np-1\n.'), /negative PUT argument/],
    ['a GET of an index never put (" 1" is 1)', p('Np0\n0g 1\n.'), /memo has no entry 1/],
    ['an EXT code of zero', p([0x82, 0]), /EXT specifies code <= 0/],
    ['deep MARK nesting', p('('.repeat(100_000)), /MARK nesting deeper than 65536/],
  ])('%s is reported, not thrown', (_label, bytes, message) => {
    const d = dis(bytes);
    expect(d.malformed?.message).toMatch(message);
    expect(d.malformed?.severity).toBe('unsafe');
    expect(d.end).toBeNull();
  });

  it('never allocates for a claimed length: a 4 GiB string costs nothing', () => {
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) dis(p([0x80, 4, 0x8e], [0, 0, 0, 0, 1, 0, 0, 0], 'x'));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('random bytes (fixed seed) never crash the disassembler', () => {
    let seed = 0x5eed;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    let malformed = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      if (i % 2 === 0) bytes[0] = 0x80; // half of them look like protocol 2+ pickles
      const d = dis(bytes);
      const dj = dis(bytes, true);
      if (d.malformed) malformed++;
      expect(d.end === null).toBe(d.malformed !== null || d.incomplete !== null);
      expect(dj.end === null).toBe(dj.malformed !== null || dj.incomplete !== null);
    }
    expect(malformed).toBeGreaterThan(1900);
  });
});

describe('joblib reading', () => {
  /** A NumpyArrayWrapper the way joblib pickles it (protocol 2, no frames), then raw bytes. */
  function wrapper(shape: number, code = 'f8', flags = 0): Uint8Array {
    return p(
      [0x80, 2],
      'cjoblib.numpy_pickle\nNumpyArrayWrapper\n)', [0x81],
      '}(', sbu('shape'), 'K', [shape], [0x85],
      sbu('dtype'), 'cnumpy\ndtype\n', sbu(code), [0x89, 0x88, 0x87], 'R',
      '(K\x03', sbu('<'), 'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK', [flags], 'tb',
      sbu('numpy_array_alignment_bytes'), 'K\x10',
      'ub',
    );
  }

  it('skips the padding byte, the padding and count×itemsize bytes', () => {
    const bytes = p(wrapper(2), [3, 0xff, 0xff, 0xff], 'A'.repeat(16), '.');
    const d = dis(bytes, true);
    expect(d.malformed).toBeNull();
    expect(d.end).toBe(bytes.length);
  });

  it('scans the nested pickle of an object array', () => {
    const nested = p([0x80, 2], 'cposix\nsystem\n', sbu('x'), [0x85], 'R.');
    const bytes = p(wrapper(1, 'O8', 63), nested, '.');
    const d = dis(bytes, true);
    expect(d.malformed).toBeNull();
    expect(names(d)).toContain('posix.system');
  });

  it('stops as unsafe when an array cannot be sized', () => {
    const bytes = p(
      [0x80, 2], 'cjoblib.numpy_pickle\nNumpyArrayWrapper\n)', [0x81],
      '}(', sbu('shape'), 'cbuiltins\nlen\n', sbu('abc'), [0x85], 'R', [0x85], 'ub', 'xxxx.',
    );
    const d = dis(bytes, true);
    expect(d.incomplete?.severity).toBe('unsafe');
    expect(d.incomplete?.message).toMatch(/cannot be sized/);
  });

  it('follows buffered frames the way the pure-Python unpickler does', () => {
    // The frame holds the wrapper *and* a hidden GLOBAL; joblib reads the array after the frame,
    // then returns to the frame's remaining opcodes. A reader ignoring frames would take the
    // GLOBAL for array bytes.
    const body = p(wrapper(1).subarray(2), 'cposix\nsystem\n0');
    const bytes = p([0x80, 4, 0x95], [body.length, 0, 0, 0, 0, 0, 0, 0], body, [1, 0xff], 'B'.repeat(8), 'N.');
    const d = dis(bytes, true);
    expect(d.malformed).toBeNull();
    expect(names(d)).toContain('posix.system');
  });

  it('treats a BUILD on an object of unknown class as unfollowable', () => {
    const bytes = p([0x80, 4], 'cbuiltins\nlen\n', sbu('x'), [0x85], 'R', 'cbuiltins\nint\n)R', 'R}b0N.');
    const d = dis(bytes, true);
    expect(d.incomplete?.message).toMatch(/might be joblib's NumpyArrayWrapper/);
  });
});
