// npy.ts: the Python-literal subset of .npy headers and the dtype judgement; scan.ts's .npy reader and its
// boundaries (format versions, header lengths, the three keys, the header's text encoding).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { dtypeKind, parsePyLiteral, type PyLiteral } from '../../src/core/scan/npy.js';
import { SCAN_LIMITS, scanBuffer } from '../../src/core/scan/scan.js';

const failure = (text: string): string => {
  try {
    parsePyLiteral(text);
  } catch (err) {
    expect(err).toBeInstanceOf(MregError);
    expect((err as MregError).code).toBe('INVALID_INPUT');
    return (err as Error).message;
  }
  throw new Error(`parsed: ${text}`);
};
const dict = (...entries: [string, PyLiteral][]): Map<string, PyLiteral> => new Map(entries);
const tuple = (...items: PyLiteral[]): PyLiteral => ({ tuple: items });

describe('parsePyLiteral', () => {
  it.each([
    ["'abc'", 'abc'],
    ['"abc"', 'abc'],
    ['"it\'s"', "it's"],
    ["'say \"hi\"'", 'say "hi"'],
    ["'a\\nb\\tc\\\\d\\'e\\qf'", "a\nb\tc\\d'eqf"],
    ["''", ''],
    ['  7  ', 7],
    ['-12', -12],
    ['3L', 3],
    ['-4L', -4],
    ['0', 0],
    ['True', true],
    ['False', false],
    ['None', null],
    ['[]', []],
    ['[1]', [1]],
    ['[1, 2,]', [1, 2]],
    ['[ 1 , [ 2 ] ]', [1, [2]]],
    ['()', tuple()],
    ['(1)', 1],
    ['(1,)', tuple(1)],
    ['( 1 , )', tuple(1)],
    ['(1, 2)', tuple(1, 2)],
    ['(1, 2,)', tuple(1, 2)],
    ['((1))', 1],
    ['{}', dict()],
    ["{'a': 1}", dict(['a', 1])],
    ["{'a': 1, 'b': (2,), }", dict(['a', 1], ['b', tuple(2)])],
    ["{ 'a' : [True, None] }", dict(['a', [true, null]])],
    ["\t{'descr': '<f8',\n 'fortran_order': False, 'shape': (3L, 2L), }\n", dict(['descr', '<f8'], ['fortran_order', false], ['shape', tuple(3, 2)])],
  ] as const)('%j', (text, value) => {
    expect(parsePyLiteral(text)).toStrictEqual(value);
  });

  it.each([
    ['', 'unexpected character at character 0'],
    ['   ', 'unexpected character at character 3'],
    ["'abc", 'unterminated string at character 4'],
    ["'abc\\", 'unterminated string at character 5'],
    ['"abc\'', 'unterminated string at character 5'],
    ['1.5', 'unexpected character at character 0'],
    ['12abc', 'unexpected character at character 0'],
    ['Nonesuch', 'unexpected character at character 0'],
    ['true', 'unexpected character at character 0'],
    ['+1', 'unexpected character at character 0'],
    ['1 2', 'trailing characters at character 2'],
    ["'a' 'b'", 'trailing characters at character 4'],
    ['[1 2]', 'expected "," or "]" at character 3'],
    ['(1 2)', 'expected "," or ")" at character 3'],
    ["{'a' 1}", 'expected ":" at character 5'],
    ["{'a': 1 'b': 2}", 'expected "," or "}" at character 8'],
    ['{1: 2}', 'dict key is not a string at character 3'],
    ["{'a': 1, 'a': 2}", 'duplicate key "a" at character 13'],
    ['[1,', 'unexpected character at character 3'],
    ['[', 'unexpected character at character 1'],
    ['(1]', 'expected "," or ")" at character 2'],
  ])('%j fails: %s', (text, message) => {
    expect(failure(text)).toBe(message);
  });

  it('nests 32 containers deep, not 33', () => {
    expect(parsePyLiteral(`${'['.repeat(32)}1${']'.repeat(32)}`)).toBeDefined();
    expect(failure(`${'['.repeat(33)}1${']'.repeat(33)}`)).toBe('nesting too deep at character 33');
    expect(failure(`${'('.repeat(40)}`)).toBe('nesting too deep at character 33');
  });

  it('counts the nesting through dict values too', () => {
    const nested = (n: number) => `${"{'a': ".repeat(n)}1${'}'.repeat(n)}`;
    expect(parsePyLiteral(nested(32))).toBeDefined();
    expect(failure(nested(33))).toBe('nesting too deep at character 193');
  });

  it('reads at most 32 characters of a number', () => {
    expect(parsePyLiteral('1'.repeat(31))).toBe(Number('1'.repeat(31)));
    expect(parsePyLiteral('-' + '1'.repeat(31))).toBe(-Number('1'.repeat(31)));
    expect(failure('1'.repeat(33))).toBe('trailing characters at character 32');
  });
});

describe('dtypeKind', () => {
  const objects = ['|O', 'O', '<O', '>O', '=O', 'O8', 'O4', 'object', 'object_', '|object'];
  const plain = [
    '<f8', '>f4', '|b1', '?', '|i1', '<i8', '<u2', '<f2', '<c16', '|S10', '|S', '<U5', '|V8', '|a3', '<m8', '<M8[ns]', '<m8[D]',
    'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'p', 'P', 'n', 'N', 'e', 'f', 'd', 'g', 'F', 'D', 'G',
    'int', 'int8', 'uint', 'uint64', 'float', 'float32', 'complex', 'complex128', 'bool', 'bool_', 'bytes', 'bytes_', 'str', 'str_',
    'void', 'half', 'single', 'double', 'longdouble', 'byte', 'ubyte', 'short', 'ushort', 'intc', 'uintc', 'intp', 'uintp',
    'longlong', 'ulonglong', 'datetime64', 'datetime64[s]', 'timedelta64', 'timedelta64[ms]',
  ];
  const unknown = [
    '', 'weird', 'Ox', 'xO', 'O8x', 'objects', 'xobject', 'obj', '<<f8', 'f<8', 'f8x', 'xf8', 'x<f8', 'k8', 'b2', '??', 'S10x', 'M8[', 'M8[ns]x', 'xM8',
    'M8[n-s]', 'ints', 'xint', 'uintx', 'float16x', 'boolx', 'xvoid', 'voids', 'doubles', 'xhalf', 'ubytes', 'xshort', 'datetime64[', 'xdatetime64',
    'timedelta64[ms]x', 'datetime', 'z',
  ];
  it.each(objects)('%s holds objects', (s) => expect(dtypeKind(s)).toBe('object'));
  it.each(plain)('%s is plain', (s) => expect(dtypeKind(s)).toBe('plain'));
  it.each(unknown)('%j is unknown', (s) => expect(dtypeKind(s)).toBe('unknown'));

  it('structured dtypes: any object field makes it object; an unreadable field makes it unknown', () => {
    expect(dtypeKind([])).toBe('plain');
    expect(dtypeKind([tuple('a', '<f8'), tuple('b', '<i4', tuple(2))])).toBe('plain');
    expect(dtypeKind([tuple('a', '<f8'), tuple('b', '|O')])).toBe('object');
    expect(dtypeKind([tuple('a', '<f8'), tuple('b', 'weird')])).toBe('unknown');
    expect(dtypeKind([tuple('a', 'weird'), tuple('b', '|O')])).toBe('object');
    expect(dtypeKind([tuple('b', '|O'), tuple('a', 'weird')])).toBe('object');
    expect(dtypeKind([tuple('a', [tuple('x', 'O')])])).toBe('object');
    expect(dtypeKind([tuple('a')])).toBe('unknown');
    expect(dtypeKind([tuple('a', '<f8', tuple(2), 'x')])).toBe('unknown');
    expect(dtypeKind(['<f8'])).toBe('unknown');
    expect(dtypeKind([null])).toBe('unknown');
    expect(dtypeKind([['a', '<f8']])).toBe('unknown');
    expect(dtypeKind([dict(['a', '<f8'])])).toBe('unknown');
  });

  it('a (base, shape) pair is its base; anything else is unknown', () => {
    expect(dtypeKind(tuple('<f8', tuple(2, 2)))).toBe('plain');
    expect(dtypeKind(tuple('|O', tuple(2)))).toBe('object');
    expect(dtypeKind(tuple('|O'))).toBe('unknown');
    expect(dtypeKind(tuple('|O', tuple(2), 1))).toBe('unknown');
    expect(dtypeKind(tuple('weird', 1))).toBe('unknown');
    for (const v of [null, 1, true, dict(['descr', '<f8'])] as PyLiteral[]) expect(dtypeKind(v)).toBe('unknown');
  });

  it('follows 16 levels of nesting, not 17', () => {
    let o: PyLiteral = '|O';
    for (let i = 0; i < 16; i++) o = tuple(o, tuple(1));
    expect(dtypeKind(o)).toBe('object');
    expect(dtypeKind(tuple(o, tuple(1)))).toBe('unknown');
    let s: PyLiteral = '|O';
    for (let i = 0; i < 16; i++) s = [tuple('f', s)];
    expect(dtypeKind(s)).toBe('object');
    expect(dtypeKind([tuple('f', s)])).toBe('unknown');
    expect(dtypeKind('|O', 16)).toBe('object');
    expect(dtypeKind('|O', 17)).toBe('unknown');
  });
});

const magic = Buffer.from('\x93NUMPY', 'latin1');
const header = (major: number, minor: number, text: Buffer | string, declared?: number): Buffer => {
  const body = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const len = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) len.writeUInt16LE(declared ?? body.length);
  else len.writeUInt32LE(declared ?? body.length);
  return Buffer.concat([magic, Buffer.from([major, minor]), len, body]);
};
const F8 = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n";
const npyFindings = (bytes: Buffer, name = 'x.npy'): string[] => scanBuffer(name, bytes).findings.map((f) => `${f.severity} ${f.message}`);

describe('the .npy reader', () => {
  it('versions 1.0, 2.0 and 3.0 are read; others are refused', () => {
    for (const major of [1, 2, 3]) {
      expect(scanBuffer('x.npy', Buffer.concat([header(major, 0, F8), Buffer.alloc(8)])), `${major}.0`).toStrictEqual({ path: 'x.npy', status: 'safe', globals: [], findings: [] });
    }
    for (const [major, minor] of [[0, 0], [4, 0], [1, 1], [2, 5], [255, 0]] as const) {
      expect(npyFindings(Buffer.concat([header(2, 0, F8)].map((b) => (b.writeUInt8(major, 6), b.writeUInt8(minor, 7), b))))).toStrictEqual([
        `unsafe malformed NPY header: unsupported format version ${major}.${minor}`,
      ]);
    }
  });

  it('too short: under 10 bytes, or under 12 for versions 2 and 3', () => {
    for (const bytes of ['\x93NUMPY', '\x93NUMPY\x01', '\x93NUMPY\x01\x00\x00', '\x93NUMPY\x02\x00\x00\x00\x00', '\x93NUMPY\x03\x00\x00\x00\x00']) {
      expect(npyFindings(Buffer.from(bytes, 'latin1')), JSON.stringify(bytes)).toStrictEqual(['unsafe malformed NPY header: too short']);
    }
    // Exactly 10 bytes (version 1) and 12 bytes (version 2): long enough, the empty header is what fails.
    expect(npyFindings(Buffer.from('\x93NUMPY\x01\x00\x00\x00', 'latin1'))).toStrictEqual(['unsafe malformed NPY header: unexpected character at character 0']);
    expect(npyFindings(Buffer.from('\x93NUMPY\x01\x00\x00\x00\x20', 'latin1'))).toStrictEqual(['unsafe malformed NPY header: unexpected character at character 0']);
    expect(npyFindings(Buffer.from('\x93NUMPY\x02\x00\x00\x00\x00\x00', 'latin1'))).toStrictEqual(['unsafe malformed NPY header: unexpected character at character 0']);
    expect(npyFindings(Buffer.from('\x93NUMPY\x02\x00\x01\x00\x00\x00\x20', 'latin1'))).toStrictEqual(['unsafe malformed NPY header: unexpected character at character 1']);
  });

  it('the header length: little-endian, 2 bytes in version 1 and 4 in versions 2 and 3, all of it present', () => {
    expect(npyFindings(header(1, 0, F8, F8.length + 1))).toStrictEqual([`unsafe malformed NPY header: header of ${F8.length + 1} bytes runs past the end of the data`]);
    expect(npyFindings(header(2, 0, F8, F8.length + 1))).toStrictEqual([`unsafe malformed NPY header: header of ${F8.length + 1} bytes runs past the end of the data`]);
    expect(npyFindings(header(1, 0, F8 + 'x'.repeat(256), F8.length + 256))).toStrictEqual(['unsafe malformed NPY header: trailing characters at character 58']);
    // Exactly the header, no data: the header is complete.
    expect(npyFindings(header(3, 0, F8))).toStrictEqual([]);
    // A version-2 length whose high bytes are set.
    expect(npyFindings(header(2, 0, F8, F8.length + 0x10000))).toStrictEqual([`unsafe malformed NPY header: header of ${F8.length + 0x10000} bytes runs past the end of the data`]);
  });

  it('a header larger than the limit is refused before it is read; one at the limit is looked for', () => {
    const limit = SCAN_LIMITS.maxNpyHeader;
    expect(npyFindings(header(2, 0, F8, limit + 1))).toStrictEqual([`unsafe NPY header of ${limit + 1} bytes is too large to scan (limit ${limit})`]);
    expect(npyFindings(header(2, 0, F8, limit))).toStrictEqual([`unsafe malformed NPY header: header of ${limit} bytes runs past the end of the data`]);
  });

  it('version 3 headers are UTF-8, versions 1 and 2 latin1', () => {
    const text = (descr: string): string => `{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }\n`;
    expect(npyFindings(header(3, 0, Buffer.from(text('é'), 'utf8')))).toStrictEqual(['unsafe cannot tell whether dtype "é" holds Python objects (numpy would unpickle those)']);
    expect(npyFindings(header(2, 0, Buffer.from(text('é'), 'latin1')))).toStrictEqual(['unsafe cannot tell whether dtype "é" holds Python objects (numpy would unpickle those)']);
    expect(npyFindings(header(1, 0, Buffer.from(text('é'), 'utf8')))).toStrictEqual(['unsafe cannot tell whether dtype "Ã©" holds Python objects (numpy would unpickle those)']);
  });

  it('the header must be a dict of exactly descr, fortran_order and shape', () => {
    const bad = "unsafe malformed NPY header: it is not a dict of exactly 'descr', 'fortran_order' and 'shape'";
    for (const text of [
      "['descr', 'fortran_order', 'shape']",
      "('<f8', False, (1,))",
      "'descr'",
      "{'descr': '<f8', 'fortran_order': False}",
      "{'descr': '<f8', 'fortran_order': False, 'shapes': (1,)}",
      "{'descr': '<f8', 'fortran': False, 'shape': (1,)}",
      "{'dtype': '<f8', 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
    ]) {
      expect(npyFindings(header(1, 0, text)), text).toStrictEqual([bad]);
    }
  });

  it('the dtype decides: plain is silent, unknown is unsafe with the dtype named, objects are unpickled', () => {
    const h = (descr: string): string => `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,)}`;
    expect(npyFindings(header(1, 0, h("('<f8', (2,))")))).toStrictEqual([]);
    expect(npyFindings(header(1, 0, h("('<f8', (2,), 1)")))).toStrictEqual([
      'unsafe cannot tell whether dtype {"tuple":["<f8",{"tuple":[2]},1]} holds Python objects (numpy would unpickle those)',
    ]);
    expect(npyFindings(header(1, 0, h('None')))).toStrictEqual(['unsafe cannot tell whether dtype null holds Python objects (numpy would unpickle those)']);
    expect(npyFindings(header(1, 0, h("[('a', 'x')]")))).toStrictEqual([
      'unsafe cannot tell whether dtype [{"tuple":["a","x"]}] holds Python objects (numpy would unpickle those)',
    ]);
  });

  it('an object array: its pickle starts right after the header, and bytes after the pickle are reported', () => {
    const text = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n";
    const evil = readFileSync('test/fixtures/pickles/os_system_p2.pkl');
    for (const major of [1, 2]) {
      const start = (major === 1 ? 10 : 12) + text.length;
      expect(scanBuffer('o.npy', Buffer.concat([header(major, 0, text), Buffer.from('N.')]))).toStrictEqual({
        path: 'o.npy',
        status: 'safe',
        globals: [],
        findings: [{ severity: 'info', message: 'object array: numpy.load(allow_pickle=True) unpickles its data' }],
      });
      expect(npyFindings(Buffer.concat([header(major, 0, text), Buffer.from('N.xyz')]))).toStrictEqual([
        'info object array: numpy.load(allow_pickle=True) unpickles its data',
        `info 3 bytes after the pickle (from offset ${start + 2}) are not read by the loader and were not scanned`,
      ]);
      expect(scanBuffer('o.npy', Buffer.concat([header(major, 0, text), evil])).globals).toStrictEqual(['posix.system']);
      expect(npyFindings(Buffer.concat([header(major, 0, text)]))).toStrictEqual([
        'info object array: numpy.load(allow_pickle=True) unpickles its data',
        `unsafe malformed pickle at offset ${start}: opcode needs 1 bytes but only 0 remain`,
      ]);
    }
  });
});
