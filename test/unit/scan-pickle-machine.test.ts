// The pickle disassembler's symbolic machine, opcode by opcode: what each one does to the stack and the
// memo, which globals it records (with the opcode and offset that import them), what it counts, which
// issues it raises and the exact error (offset and message) of each malformed stream.
// Streams are assembled by hand (test/helpers/pickle-bytes.ts), byte for byte as pickletools lists them.
import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { disassemblePickle, type ByteSource, type PickleCallCounts } from '../../src/core/scan/pickle.js';
import { bu, dis, names, ops, p, sbu, u16, u32, u64, withLimits } from '../helpers/pickle-bytes.js';

const ZERO: PickleCallCounts = { REDUCE: 0, BUILD: 0, INST: 0, OBJ: 0, NEWOBJ: 0, NEWOBJ_EX: 0, PERSID: 0, EXT: 0 };
const NON_CONSTANT = 'STACK_GLOBAL with a non-constant operand: the imported name cannot be known without running the pickle';

/** The malformed finding of a stream, as one string. */
const broken = (bytes: Uint8Array, joblib = false): string | undefined => dis(bytes, { joblib }).malformed?.message;

describe('the result of a run', () => {
  it('a minimal protocol-2 stream', () => {
    expect(dis(p([0x80, 2], 'N.'))).toStrictEqual({
      start: 0,
      end: 4,
      protocol: 2,
      globals: [],
      issues: [],
      malformed: null,
      incomplete: null,
      counts: ZERO,
      opcodeCount: 3,
      joblibArrays: 0,
    });
  });

  it('starts at the given offset and counts only the opcodes it reads', () => {
    const d = dis(p('xyz', 'NN0.'), { offset: 3 });
    expect([d.start, d.end, d.opcodeCount, d.protocol, d.malformed]).toStrictEqual([3, 7, 4, null, null]);
    expect(disassemblePickle({ size: 2, read: (o, n) => p('N.').subarray(o, o + n) }).end).toBe(2); // no options at all
  });

  it('a malformed stream: end null, the error at its offset, the opcodes read so far counted', () => {
    const d = dis(p('xyz', 'NN', [0x05]), { offset: 3 });
    expect(d).toMatchObject({ start: 3, end: null, opcodeCount: 3, incomplete: null });
    expect(d.malformed).toStrictEqual({ severity: 'unsafe', offset: 5, message: 'malformed pickle at offset 5: unknown opcode 0x05' });
    expect(broken(p([0xa0]))).toBe('malformed pickle at offset 0: unknown opcode 0xa0');
  });

  it('reports the highest PROTO seen; protocol 0 is 0, not null', () => {
    expect(dis(p([0x80, 4], [0x80, 2], 'N.')).protocol).toBe(4);
    expect(dis(p([0x80, 2], [0x80, 4], 'N.')).protocol).toBe(4);
    expect(dis(p([0x80, 0], 'N.')).protocol).toBe(0);
    expect(dis(p([0x80, 5], 'N.')).malformed).toBeNull();
    expect(broken(p('N', [0x80, 6], '.'))).toBe('malformed pickle at offset 1: unsupported pickle protocol 6');
  });

  it('errors other than its own malformation errors pass through', () => {
    const failing = (err: unknown): ByteSource => ({
      size: 10,
      read: () => {
        throw err;
      },
    });
    expect(() => disassemblePickle(failing(new Error('disk gone')))).toThrow('disk gone');
    expect(() => disassemblePickle(failing(new MregError('IO', 'EIO')))).toThrow('EIO');
    // One without an offset is placed at the stream's start.
    expect(disassemblePickle(failing(new MregError('INVALID_INPUT', 'boom')), { offset: 2 }).malformed).toStrictEqual({
      severity: 'unsafe',
      offset: 2,
      message: 'malformed pickle at offset 2: boom',
    });
    expect(disassemblePickle(failing(new MregError('INVALID_INPUT', 'boom', { data: { offset: '7' } })), { offset: 3 }).malformed?.offset).toBe(3);
  });
});

describe('onOp: every opcode with its offset and argument', () => {
  it('protocol-0 and protocol-1 arguments', () => {
    const bytes = p(
      [0x80, 3], // 0 PROTO 3
      'K\x05', // 2 BININT1 5
      'M\x01\x02', // 4 BININT2 513
      'J\xfe\xff\xff\xff', // 7 BININT -2
      'q\x07', // 12 BINPUT 7
      'r\x08\x00\x00\x00', // 14 LONG_BINPUT 8
      'p9\n', // 19 PUT 9
      'h\x07', // 22 BINGET 7
      'j\x08\x00\x00\x00', // 24 LONG_BINGET 8
      'g9\n', // 29 GET 9
      'Ppid\n', // 32 PERSID 'pid'
      "S'ab'\n", // 37 STRING 'ab'
      'cos\nsystem\n', // 43 GLOBAL
      [0x82, 9], // 54 EXT1 9
      '(', // 56 MARK
      'ib\nc\n', // 57 INST
      '.', // 62 STOP
    );
    const { d, ops: seen } = ops(bytes);
    expect(d.end).toBe(63);
    expect(seen.map((o) => [o.offset, o.name, o.arg])).toStrictEqual([
      [0, 'PROTO', 3],
      [2, 'BININT1', 5],
      [4, 'BININT2', 513],
      [7, 'BININT', -2],
      [12, 'BINPUT', 7],
      [14, 'LONG_BINPUT', 8],
      [19, 'PUT', 9],
      [22, 'BINGET', 7],
      [24, 'LONG_BINGET', 8],
      [29, 'GET', 9],
      [32, 'PERSID', 'pid'],
      [37, 'STRING', 'ab'],
      [43, 'GLOBAL', 'os system'],
      [54, 'EXT1', 9],
      [56, 'MARK', null],
      [57, 'INST', 'b c'],
      [62, 'STOP', null],
    ]);
    expect(seen.every((o) => o.code === bytes[o.offset])).toBe(true);
  });

  it('protocol-4 arguments', () => {
    const body = p(sbu('os'), sbu('system'), [0x93], [0x83], u16(300), [0x84], u32(70_000), '.');
    const { d, ops: seen } = ops(p([0x80, 4, 0x95], u64(body.length), body));
    expect(d.end).toBe(11 + body.length);
    expect(seen.map((o) => [o.offset, o.name, o.arg])).toStrictEqual([
      [0, 'PROTO', 4],
      [2, 'FRAME', body.length],
      [11, 'SHORT_BINUNICODE', null],
      [15, 'SHORT_BINUNICODE', null],
      [23, 'STACK_GLOBAL', 'os system'],
      [24, 'EXT2', 300],
      [27, 'EXT4', 70_000],
      [32, 'STOP', null],
    ]);
  });
});

describe('globals', () => {
  it('GLOBAL records module and name (UTF-8) at the opcode offset', () => {
    const d = dis(p('cos\nsystem\n', 'cbuiltins\nsyst\xc3\xa9m\n', '.'));
    expect(d.globals).toStrictEqual([
      { module: 'os', name: 'system', offset: 0, opcode: 'GLOBAL' },
      { module: 'builtins', name: 'systém', offset: 11, opcode: 'GLOBAL' },
    ]);
    expect(d.issues).toStrictEqual([]);
  });

  it('GLOBAL names that are not UTF-8', () => {
    expect(broken(p('N', 'c\xff\nsystem\n.'))).toBe('malformed pickle at offset 1: GLOBAL module is not valid text');
    expect(broken(p('N', 'cos\n\xff\n.'))).toBe('malformed pickle at offset 1: GLOBAL name is not valid text');
  });

  it('INST takes the MARK first, then ASCII names; it counts as an instantiation', () => {
    const d = dis(p('(', 'K\x01', 'ios\nsystem\n', '.'));
    expect(d.globals).toStrictEqual([{ module: 'os', name: 'system', offset: 3, opcode: 'INST' }]);
    expect(d.counts).toStrictEqual({ ...ZERO, INST: 1 });
    expect(broken(p('N', 'ios\nsystem\n.'))).toBe('malformed pickle at offset 1: INST without a MARK');
    expect(broken(p('N(', 'i\xc3\xa9\nsystem\n.'))).toBe('malformed pickle at offset 2: INST module is not valid text');
    expect(broken(p('N(', 'ios\nsyst\xc3\xa9m\n.'))).toBe('malformed pickle at offset 2: INST name is not valid text');
  });

  it('STACK_GLOBAL of two constant strings', () => {
    const d = dis(p([0x80, 4], sbu('os'), sbu('system'), [0x93], '.'));
    expect(d.globals).toStrictEqual([{ module: 'os', name: 'system', offset: 14, opcode: 'STACK_GLOBAL' }]);
    expect(d.issues).toStrictEqual([]);
    expect(d.end).toBe(16);
  });

  it('STACK_GLOBAL with the same string twice (DUP)', () => {
    expect(names(dis(p([0x80, 4], sbu('os'), '2', [0x93], '.')))).toStrictEqual(['os.os']);
    expect(broken(p([0x80, 4], '2'))).toBe('malformed pickle at offset 2: stack underflow in DUP');
  });

  it.each([
    ['module is an int', p([0x80, 4], 'K\x01', sbu('system'), [0x93], '.'), 12],
    ['name is an int', p([0x80, 4], sbu('os'), 'K\x01', [0x93], '.'), 8],
    ['module is a string too long to keep', p([0x80, 4], bu('a'.repeat(4097)), sbu('system'), [0x93], '.'), 4112],
    ['name is a string too long to keep', p([0x80, 4], sbu('os'), bu('a'.repeat(4097)), [0x93], '.'), 4108],
  ])('STACK_GLOBAL whose %s is unresolved and unsafe', (_what, bytes, offset) => {
    const d = dis(bytes);
    expect(d.globals).toStrictEqual([]);
    expect(d.issues).toStrictEqual([{ severity: 'unsafe', offset, message: NON_CONSTANT }]);
    expect(d.malformed).toBeNull();
  });

  it('STACK_GLOBAL needs two values above the fence', () => {
    expect(broken(p([0x80, 4], sbu('os'), [0x93]))).toBe('malformed pickle at offset 6: stack underflow in STACK_GLOBAL');
    expect(broken(p([0x80, 4], sbu('os'), '(', sbu('x'), [0x93]))).toBe('malformed pickle at offset 10: stack underflow in STACK_GLOBAL');
  });
});

describe('strings as STACK_GLOBAL operands', () => {
  const global2 = (a: Uint8Array, b: Uint8Array): string[] => names(dis(p([0x80, 4], a, b, [0x93], '.')));

  it('strings up to 4096 bytes are kept, longer ones are not', () => {
    expect(global2(bu('m'.repeat(4096)), sbu('x'))).toStrictEqual([`${'m'.repeat(4096)}.x`]);
    expect(global2(bu('m'.repeat(4097)), sbu('x'))).toStrictEqual([]);
    expect(global2(p([0x8d], u64(2), 'os'), p('T', u32(6), 'system'))).toStrictEqual(['os.system']); // BINUNICODE8, BINSTRING
    expect(global2(p('U\x02os'), p('V', 'x'.repeat(4096), '\n'))).toStrictEqual([`os.${'x'.repeat(4096)}`]);
    expect(global2(p('U\x02os'), p('V', 'x'.repeat(4097), '\n'))).toStrictEqual([]);
  });

  it('undecodable strings are unresolved', () => {
    expect(global2(p([0x58], u32(1), [0xff]), sbu('x'))).toStrictEqual([]); // not UTF-8
    expect(global2(p('T', u32(1), [0xe9]), sbu('x'))).toStrictEqual([]); // BINSTRING is ASCII
    expect(global2(p('U\x01\xe9'), sbu('x'))).toStrictEqual([]);
  });

  it('STRING: single or double quotes, up to 4096 characters inside them', () => {
    const { d, ops: seen } = ops(p(`S"os"\n`, `S'system'\n`, [0x93], '.'));
    expect(names(d)).toStrictEqual(['os.system']);
    expect(seen.slice(0, 2).map((o) => o.arg)).toStrictEqual(['os', 'system']);
    expect(global2(p(`S''\n`), sbu('x'))).toStrictEqual(['.x']);
    expect(global2(p(`S'${'a'.repeat(4096)}'\n`), sbu('x'))).toStrictEqual([`${'a'.repeat(4096)}.x`]);
    expect(global2(p(`S'${'a'.repeat(4097)}'\n`), sbu('x'))).toStrictEqual([]);
    expect(global2(p(`S'\xe9'\n`), sbu('x'))).toStrictEqual([]);
    expect(global2(p(`S'os\\x4'\n`), sbu('x'))).toStrictEqual([]); // an escape Python refuses
  });

  it.each([`S'\n.`, `S"ab'\n.`, `Sab'\n.`, `S'ab\n.`, `S\n.`, `Saba\n.`])('STRING %j is not quoted', (text) => {
    expect(broken(p('N', text))).toBe('malformed pickle at offset 1: the STRING opcode argument must be quoted');
  });
});

describe('call counts', () => {
  it.each([
    ['REDUCE', 'cos\nsystem\n)R.'],
    ['BUILD', 'NNb.'],
    ['INST', '(ios\nsystem\n.'],
    ['OBJ', '(cos\nsystem\no.'],
    ['NEWOBJ', 'cos\nsystem\n)\x81.'],
    ['NEWOBJ_EX', 'cos\nsystem\n)}\x92.'],
    ['PERSID', 'Pid\n.'],
    ['PERSID', 'NQ.'],
    ['EXT', '\x82\x01.'],
  ])('%s: %j', (counter, text) => {
    const d = dis(p(text));
    expect(d.malformed).toBeNull();
    expect(d.counts).toStrictEqual({ ...ZERO, [counter]: 1 });
  });

  it.each([
    ['REDUCE', ')R'],
    ['REDUCE', 'R'],
    ['NEWOBJ', ')\x81'],
    ['NEWOBJ_EX', 'cos\nsystem\n)\x92'],
    ['BUILD', 'Nb'],
    ['BINPERSID', 'Q'],
    ['SETITEM', '}Ns'],
    ['SETITEM', 's'],
    ['SETITEM', 'Ns'],
    ['BUILD', 'b'],
    ['STACK_GLOBAL', '\x93'],
    ['NEWOBJ', '\x81'],
    ['NEWOBJ_EX', '\x92'],
    ['NEWOBJ_EX', 'N\x92'],
    ['APPEND', ']a'],
    ['APPEND', ']N(a'],
    ['POP', '0'],
    ['STOP', '(N(.'],
    ['READONLY_BUFFER', '\x98'],
  ])('%s underflows in %j', (what, text) => {
    const bytes = p(text);
    expect(broken(bytes)).toBe(`malformed pickle at offset ${bytes.length - 1}: stack underflow in ${what}`);
  });

  it('OBJ needs a class after its MARK', () => {
    expect(broken(p('N(o'))).toBe('malformed pickle at offset 2: OBJ without a class');
    expect(dis(p('N(o')).counts.OBJ).toBe(0);
  });
});

describe('EXT opcodes', () => {
  const message = (code: number): string =>
    `EXT opcode imports whatever global the loading process registered as extension code ${code} (copyreg); it cannot be resolved statically`;

  it.each([
    ['EXT1', p('N', [0x82, 0xff], '.'), 255],
    ['EXT2', p('N', [0x83, 0x01, 0x02], '.'), 513],
    ['EXT4', p('N', [0x84], u32(0x7fffffff), '.'), 0x7fffffff],
    ['EXT4', p('N', [0x84, 1, 0, 0, 0], '.'), 1],
  ])('%s is a warning naming its code', (_name, bytes, code) => {
    const d = dis(bytes);
    expect(d.issues).toStrictEqual([{ severity: 'warning', offset: 1, message: message(code) }]);
    expect(d.counts).toStrictEqual({ ...ZERO, EXT: 1 });
    expect(d.globals).toStrictEqual([]);
  });

  it.each([
    ['EXT1 0', p('N', [0x82, 0])],
    ['EXT2 0', p('N', [0x83, 0, 0])],
    ['EXT4 -1', p('N', [0x84], u32(0xffffffff))],
    ['EXT4 -2^31', p('N', [0x84], u32(0x80000000))],
  ])('%s is malformed', (_name, bytes) => {
    const d = dis(bytes);
    expect(d.malformed?.message).toBe('malformed pickle at offset 1: EXT specifies code <= 0');
    expect(d.issues).toStrictEqual([]);
    expect(d.counts.EXT).toBe(0);
  });
});

describe('other opcodes', () => {
  it('PERSID ids: ASCII is required, a long one is skipped', () => {
    expect(broken(p('NP\xe9\n.'))).toBe('malformed pickle at offset 1: persistent IDs in protocol 0 must be ASCII strings');
    const { d, ops: seen } = ops(p('P', 'a'.repeat(5000), '\n.'));
    expect(d.end).toBe(5003);
    expect(d.counts.PERSID).toBe(1);
    expect(seen[0]?.arg).toBeNull();
  });

  it.each([
    ['NONE', p('N')],
    ['INT', p('I1\n')],
    ['INT boolean', p('I01\n')],
    ['LONG', p('L1L\n')],
    ['BININT', p('J', u32(1))],
    ['BININT1', p('K\x01')],
    ['BININT2', p('M\x01\x00')],
    ['LONG1', p([0x8a, 0])],
    ['LONG4', p([0x8b], u32(0))],
    ['NEWTRUE', p([0x88])],
    ['NEWFALSE', p([0x89])],
    ['FLOAT', p('F1.0\n')],
    ['PERSID', p('Pid\n')],
    ['BINPERSID', p('NQ')],
    ['STRING', p(`S'a'\n`)],
    ['BINSTRING', p('T', u32(0))],
    ['SHORT_BINSTRING', p('U\x00')],
    ['UNICODE', p('Va\n')],
    ['BINUNICODE', p('X', u32(0))],
    ['SHORT_BINUNICODE', p([0x8c, 0])],
    ['BINUNICODE8', p([0x8d], u64(0))],
    ['BINBYTES', p('B', u32(0))],
    ['SHORT_BINBYTES', p('C\x00')],
    ['BINBYTES8', p([0x8e], u64(0))],
    ['BYTEARRAY8', p([0x96], u64(0))],
    ['EMPTY_DICT', p('}')],
    ['EMPTY_LIST', p(']')],
    ['EMPTY_SET', p([0x8f])],
    ['EMPTY_TUPLE', p(')')],
    ['LIST', p('(l')],
    ['FROZENSET', p('(', [0x91])],
    ['TUPLE', p('(t')],
    ['DICT', p('(d')],
    ['GLOBAL', p('cos\nsystem\n')],
    ['STACK_GLOBAL', p(sbu('os'), sbu('system'), [0x93])],
    ['EXT1', p([0x82, 1])],
    ['REDUCE', p('NNR')],
    ['OBJ', p('(No')],
    ['INST', p('(ia\nb\n')],
    ['NEWOBJ', p('NN', [0x81])],
    ['NEWOBJ_EX', p('NNN', [0x92])],
    ['BINGET', p('Nq\x000h\x00')],
    ['NEXT_BUFFER', p([0x97])],
  ])('%s pushes exactly one value', (_name, bytes) => {
    expect(dis(p(bytes, '.')).end).toBe(bytes.length + 1);
    expect(dis(p(bytes, '0.')).malformed?.message).toBe(`malformed pickle at offset ${bytes.length + 1}: stack underflow in STOP`);
  });

  it('ADDITEMS extends the set below its MARK', () => {
    expect(dis(p([0x8f], '(K\x01', [0x90], '.')).end).toBe(6);
  });

  it('NEXT_BUFFER pushes a value, READONLY_BUFFER keeps it', () => {
    expect(dis(p([0x97], '.')).end).toBe(2);
    expect(dis(p([0x97, 0x98], '.')).end).toBe(3);
  });

  it('OBJ takes the class first after its MARK, the arguments after it', () => {
    const obj = (...items: string[]): number => dis(p('(', ...items, 'oNb.')).joblibArrays;
    expect(obj('cjoblib.numpy_pickle\nNumpyArrayWrapper\n', 'K\x01')).toBe(1);
    expect(obj('K\x01', 'cjoblib.numpy_pickle\nNumpyArrayWrapper\n')).toBe(0);
  });

  it('POP pops a MARK sitting on top, else a value', () => {
    expect(dis(p('N(0.')).end).toBe(4);
    expect(dis(p('N(N01.')).end).toBe(6); // POP takes the value above the mark, POP_MARK the mark
    expect(dis(p('N(N00.')).end).toBe(6); // the second POP finds the MARK on top
    expect(broken(p('N00'))).toBe('malformed pickle at offset 2: stack underflow in POP');
  });

  it('POP_MARK, LIST and FROZENSET need a MARK', () => {
    expect(broken(p('N1'))).toBe('malformed pickle at offset 1: POP_MARK without a MARK');
    expect(broken(p('Nl'))).toBe('malformed pickle at offset 1: LIST without a MARK');
    expect(broken(p('N\x91'))).toBe('malformed pickle at offset 1: FROZENSET without a MARK');
    expect(broken(p('Nt'))).toBe('malformed pickle at offset 1: TUPLE without a MARK');
    expect(broken(p('No'))).toBe('malformed pickle at offset 1: OBJ without a MARK');
    // A lone quote is not a quoted string: pickle.py checks len >= 2 before comparing the quotes.
    expect(broken(p("S'\n."))).toBe('malformed pickle at offset 0: the STRING opcode argument must be quoted');
    expect(broken(p("S''\n."))).toBeUndefined();
    expect(broken(p('Nd'))).toBe('malformed pickle at offset 1: DICT without a MARK');
    expect(dis(p('(NNl(N\x910.')).end).toBe(9);
  });

  it.each([
    ['APPENDS', 'e'],
    ['ADDITEMS', '\x90'],
    ['SETITEMS', 'u'],
  ])('%s extends the value just below its MARK, which must sit above the next fence', (what, op) => {
    expect(dis(p('](NN', op, '.')).end).toBe(6);
    expect(dis(p('](', op, '.')).end).toBe(4);
    expect(dis(p('N(', op, '.')).end).toBe(4); // the value below is not inspected
    expect(broken(p('(', op))).toBe(`malformed pickle at offset 1: stack underflow in ${what}`); // nothing below the MARK
    expect(broken(p(']((', op))).toBe(`malformed pickle at offset 3: stack underflow in ${what}`); // only another MARK below
    expect(broken(p('N', op))).toBe(`malformed pickle at offset 1: ${what} without a MARK`);
  });

  it('DICT and SETITEMS need key-value pairs', () => {
    expect(broken(p('N(K\x01d'))).toBe('malformed pickle at offset 4: odd number of items for DICT');
    expect(broken(p('}(K\x01u'))).toBe('malformed pickle at offset 4: odd number of items for SETITEMS');
    expect(dis(p('(K\x01K\x02d.')).end).toBe(7);
  });

  it.each([
    ['TUPLE1', 'N(\x85', 2],
    ['TUPLE2', 'N\x86', 1],
    ['TUPLE2', 'N(N\x86', 3],
    ['TUPLE3', 'NN\x87', 2],
    ['TUPLE3', 'N(NN\x87', 4],
  ])('%s needs its items above the fence: %j', (what, text, offset) => {
    expect(broken(p(text))).toBe(`malformed pickle at offset ${offset}: stack underflow in ${what}`);
  });

  it('TUPLE1-3 with exactly their items', () => {
    expect(dis(p('(N\x851.')).malformed?.message).toBe('malformed pickle at offset 4: stack underflow in STOP');
    expect(dis(p('(N\x85.')).end).toBe(4);
    expect(dis(p('(NN\x86.')).end).toBe(5);
    expect(dis(p('(NNN\x87.')).end).toBe(6);
  });

  it('skips the bytes of binary opcodes exactly', () => {
    const after = 'N.';
    for (const [head, len] of [
      [p('B', u32(3), 'AAA'), 8],
      [p('C\x03AAA'), 5],
      [p([0x8e], u64(3), 'AAA'), 12],
      [p([0x96], u64(3), 'AAA'), 12],
      [p('G', 'AAAAAAAA'), 9],
      [p([0x8b], u32(3), 'AAA'), 8],
      [p([0x8a, 3], 'AAA'), 5],
      [p('F', '1'.repeat(5000), '\n'), 5002],
    ] as const) {
      const d = dis(p(head, 'N0', after));
      expect([d.end, d.malformed]).toStrictEqual([len + 4, null]);
      expect(dis(p(head, '.')).end).toBe(len + 1); // and it pushed a value for STOP
    }
  });

  it.each([
    ['BINBYTES', p('B', u32(5), 'A'), 'BINBYTES needs 5 bytes but only 1 remain'],
    ['BINBYTES', p('B', [5]), 'BINBYTES needs 4 bytes but only 1 remain'],
    ['SHORT_BINBYTES', p('C\x05A'), 'SHORT_BINBYTES needs 5 bytes but only 1 remain'],
    ['BINBYTES8', p([0x8e], u64(5), 'A'), 'BINBYTES8 needs 5 bytes but only 1 remain'],
    ['BYTEARRAY8', p([0x96], u64(5), 'A'), 'BYTEARRAY8 needs 5 bytes but only 1 remain'],
    ['BYTEARRAY8', p([0x96], [5]), 'BYTEARRAY8 needs 8 bytes but only 1 remain'],
    ['BINFLOAT', p('G', 'AAAAAAA'), 'BINFLOAT needs 8 bytes but only 7 remain'],
    ['LONG1', p([0x8a, 5], 'A'), 'LONG1 needs 5 bytes but only 1 remain'],
    ['LONG4', p([0x8b], u32(5), 'A'), 'LONG4 needs 5 bytes but only 1 remain'],
    ['BINSTRING', p('T', u32(5), 'A'), 'BINSTRING needs 5 bytes but only 1 remain'],
    ['BINUNICODE', p('X', u32(5), 'A'), 'BINUNICODE needs 5 bytes but only 1 remain'],
    ['BINUNICODE big', p('X', u32(5000), 'A'), 'BINUNICODE needs 5000 bytes but only 1 remain'],
    ['SHORT_BINSTRING', p('U\x05A'), 'SHORT_BINSTRING needs 5 bytes but only 1 remain'],
    ['SHORT_BINUNICODE', p([0x8c, 5], 'A'), 'SHORT_BINUNICODE needs 5 bytes but only 1 remain'],
    ['BINUNICODE8', p([0x8d], u64(5), 'A'), 'BINUNICODE8 needs 5 bytes but only 1 remain'],
    ['BININT', p('J\x01'), 'BININT needs 4 bytes but only 1 remain'],
    ['BININT1', p('K'), 'BININT1 needs 1 bytes but only 0 remain'],
    ['BININT2', p('M\x01'), 'BININT2 needs 2 bytes but only 1 remain'],
    ['BINGET', p('h'), 'BINGET needs 1 bytes but only 0 remain'],
    ['LONG_BINGET', p('j\x01'), 'LONG_BINGET needs 4 bytes but only 1 remain'],
    ['BINPUT', p('q'), 'BINPUT needs 1 bytes but only 0 remain'],
    ['LONG_BINPUT', p('r\x01'), 'LONG_BINPUT needs 4 bytes but only 1 remain'],
    ['PROTO', p([0x80]), 'PROTO needs 1 bytes but only 0 remain'],
    ['FRAME', p([0x95, 1]), 'FRAME needs 8 bytes but only 1 remain'],
    ['EXT1', p([0x82]), 'EXT1 needs 1 bytes but only 0 remain'],
    ['EXT2', p([0x83, 1]), 'EXT2 needs 2 bytes but only 1 remain'],
    ['EXT4', p([0x84, 1]), 'EXT4 needs 4 bytes but only 1 remain'],
    ['FLOAT', p('F1.5'), 'FLOAT: no newline before the end of the data'],
    ['PERSID', p('Pab'), 'PERSID: no newline before the end of the data'],
    ['STRING', p("S'ab'"), 'STRING: no newline before the end of the data'],
    ['UNICODE', p('Vab'), 'UNICODE: no newline before the end of the data'],
    ['opcode', p(''), 'opcode needs 1 bytes but only 0 remain'],
    ['LONG1 length', p([0x8a]), 'LONG1 needs 1 bytes but only 0 remain'],
    ['LONG4 length', p([0x8b, 1]), 'LONG4 needs 4 bytes but only 1 remain'],
    ['BINSTRING length', p('T\x01'), 'BINSTRING needs 4 bytes but only 1 remain'],
    ['SHORT_BINSTRING length', p('U'), 'SHORT_BINSTRING needs 1 bytes but only 0 remain'],
    ['BINUNICODE length', p('X\x01'), 'BINUNICODE needs 4 bytes but only 1 remain'],
    ['SHORT_BINUNICODE length', p([0x8c]), 'SHORT_BINUNICODE needs 1 bytes but only 0 remain'],
    ['BINUNICODE8 length', p([0x8d, 1]), 'BINUNICODE8 needs 8 bytes but only 1 remain'],
    ['SHORT_BINBYTES length', p('C'), 'SHORT_BINBYTES needs 1 bytes but only 0 remain'],
    ['BINBYTES8 length', p([0x8e, 1]), 'BINBYTES8 needs 8 bytes but only 1 remain'],
    ['long BINSTRING', p('T', u32(5000), 'A'), 'BINSTRING needs 5000 bytes but only 1 remain'],
  ])('a truncated %s names itself', (_name, bytes, message) => {
    const d = dis(p('N', bytes));
    expect(d.malformed?.message).toBe(`malformed pickle at offset 1: ${message}`);
  });

  it('negative lengths', () => {
    expect(broken(p('N', [0x8b], u32(0xffffffff)))).toBe('malformed pickle at offset 1: LONG4 has a negative byte count');
    expect(broken(p('N', 'T', u32(0x80000000)))).toBe('malformed pickle at offset 1: BINSTRING has a negative length');
    expect(dis(p([0x8b], u32(0), 'N0.')).end).toBe(8);
    expect(dis(p('T', u32(0), 'N0.')).end).toBe(8);
  });
});

describe('the memo', () => {
  it('PUT, BINPUT, LONG_BINPUT and MEMOIZE store the top; GET and its kin fetch it', () => {
    // os at 5 (BINPUT), then MEMOIZE numbers by the memo's size: system at 1.
    expect(names(dis(p([0x80, 4], sbu('os'), 'q\x05', sbu('system'), [0x94], '00', 'h\x05h\x01', [0x93], '.')))).toStrictEqual(['os.system']);
    expect(names(dis(p([0x80, 4], sbu('os'), 'r\x00\x01\x00\x00', sbu('system'), 'p7\n', '00', 'g256\n', 'j\x07\x00\x00\x00', [0x93], '.')))).toStrictEqual(['os.system']);
    // A text index and a binary one name the same slot.
    expect(names(dis(p([0x80, 4], sbu('os'), 'p5\n', sbu('system'), 'q\x06', '00', 'h\x05g6\n', [0x93], '.')))).toStrictEqual(['os.system']);
  });

  it('a store needs a value; PUT checks that before reading its index', () => {
    expect(broken(p('q\x00'))).toBe('malformed pickle at offset 0: stack underflow in memo store');
    expect(broken(p('N(r\x00\x00\x00\x00'))).toBe('malformed pickle at offset 2: stack underflow in memo store');
    expect(broken(p('N(', [0x94]))).toBe('malformed pickle at offset 2: stack underflow in memo store');
    expect(broken(p('px\n'))).toBe('malformed pickle at offset 0: stack underflow in PUT');
    expect(broken(p('N(p0\n'))).toBe('malformed pickle at offset 2: stack underflow in PUT');
  });

  it('a fetch of an empty slot is malformed', () => {
    expect(broken(p('Nq\x01h\x02'))).toBe('malformed pickle at offset 3: memo has no entry 2');
    expect(broken(p('Nq\x01j\x02\x00\x00\x00'))).toBe('malformed pickle at offset 3: memo has no entry 2');
    expect(broken(p('Nq\x01g-1\n'))).toBe('malformed pickle at offset 3: memo has no entry -1'); // a negative GET is just absent
  });

  it('text indexes: -0 is 0, int() refusals are malformed', () => {
    expect(dis(p('Np-0\ng0\n.')).end).toBe(9);
    expect(broken(p('Np1x\n'))).toBe('malformed pickle at offset 1: PUT argument is not an integer (int() raises ValueError)');
    expect(broken(p('Np1\ng1x\n'))).toBe('malformed pickle at offset 4: GET argument is not an integer (int() raises ValueError)');
    expect(broken(p('Np-1\n'))).toBe('malformed pickle at offset 1: negative PUT argument');
  });

  it('indexes up to a C Py_ssize_t; past 2^53 kept exactly as decimal strings', () => {
    const { d, ops: seen } = ops(
      p([0x80, 4], sbu('os'), 'p9223372036854775807\n', '0', sbu('system'), 'p9007199254740993\n', 'p9007199254740992\n', 'p9007199254740991\n', '0', 'g9223372036854775807\ng9007199254740993\n', [0x93], '.'),
    );
    expect(names(d)).toStrictEqual(['os.system']);
    expect(seen.filter((o) => o.name === 'PUT' || o.name === 'GET').map((o) => o.arg)).toStrictEqual([
      '9223372036854775807',
      '9007199254740993',
      '9007199254740992',
      9007199254740991,
      '9223372036854775807',
      '9007199254740993',
    ]);
    expect(broken(p('Np9223372036854775808\n'))).toBe('malformed pickle at offset 1: PUT argument does not fit a C Py_ssize_t');
    expect(broken(p('Ng9223372036854775808\n'))).toBe('malformed pickle at offset 1: GET argument does not fit a C Py_ssize_t');
    // pickle.py (joblib) keys a dict: any size.
    const jl = ops(p('Np9223372036854775808\ng9223372036854775808\n.'), { joblib: true });
    expect(jl.d.end).toBe(44);
    expect(jl.ops[1]?.arg).toBe('9223372036854775808');
  });

  it('negative GET indexes past -2^53 are strings too (seen once the memo stops tracking)', () => {
    const seen = withLimits({ maxMemo: 0 }, () => ops(p('N', [0x94], 'g-9007199254740991\ng-9007199254740992\n.')).ops);
    expect(seen.filter((o) => o.name === 'GET').map((o) => o.arg)).toStrictEqual([-9007199254740991, '-9007199254740992']);
  });

  it('past maxMemo entries: one info issue, then every fetch is an unknown value', () => {
    const bytes = p(
      [0x80, 4], // 0
      sbu('os'), [0x94], // 2, 6: slot 0
      sbu('system'), [0x94], // 7, 15: slot 1 (the memo is full now)
      'q\x00', // 16: overwriting a slot is not growth
      '00', 'h\x00h\x01', [0x93], // 18..24: system.system
      sbu('x'), [0x94], // 25, 28: slot 2 is one too many
      [0x94], // 29: no second issue
      'h\x00', 'h\x63', [0x93], // 30..34: slot 0 is no longer known, slot 99 is not an error
      '.',
    );
    const d = withLimits({ maxMemo: 2 }, () => dis(bytes));
    expect(names(d)).toStrictEqual(['system.system']);
    expect(d.issues).toStrictEqual([
      { severity: 'info', offset: 28, message: 'memo holds more than 2 entries; later memo references are not resolved' },
      { severity: 'unsafe', offset: 34, message: NON_CONSTANT },
    ]);
    expect([d.end, d.malformed]).toStrictEqual([36, null]);
  });
});
