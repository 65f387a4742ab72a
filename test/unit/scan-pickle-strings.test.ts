// The protocol-0 and binary string opcodes decode their bytes the way CPython does, so a STACK_GLOBAL
// operand spelt with escapes resolves to the name Python imports. Expected values were produced once by
// python3 3.11 (not at test time): pickle.loads(b"S'" + arg + b"'\n.") and pickle.loads(b'V' + arg + b'\n.')
// (pickle._loads agrees on every row); null where loading raises (a bad escape, non-ASCII STRING bytes).
import { describe, expect, it } from 'vitest';
import { bytesSource, disassemblePickle, type PickleDisassembly, type PickleOp } from '../../src/core/scan/pickle.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Reads `stream`, collecting the onOp listing too. */
function read(stream: Buffer): { d: PickleDisassembly; ops: PickleOp[] } {
  const ops: PickleOp[] = [];
  const d = disassemblePickle(bytesSource(stream), { onOp: (op) => ops.push(op) });
  return { d, ops };
}

/** The module a STACK_GLOBAL takes from `operand` (pushed by the opcode bytes given), or null when it stays unresolved. */
function asModule(operand: Buffer): string | null {
  const { d } = read(Buffer.concat([operand, latin1('Vx\n\x93.')]));
  expect(d.malformed).toBeNull();
  if (d.globals.length === 0) {
    expect(d.issues.map((i) => i.message)).toEqual(['STACK_GLOBAL with a non-constant operand: the imported name cannot be known without running the pickle']);
    return null;
  }
  expect(d.issues).toEqual([]);
  expect(d.globals.map((g) => g.name)).toEqual(['x']);
  return d.globals[0]!.module;
}

// [argument between the quotes (latin1), the str Python makes of it]
const STRING_CASES: [string, string | null][] = [
  ['abc', "abc"],
  ['\\\\', "\\"],
  ['\\\'', "'"],
  ['\\"', "\""],
  ['\\a', "\u0007"],
  ['\\b', "\b"],
  ['\\f', "\f"],
  ['\\n', "\n"],
  ['\\r', "\r"],
  ['\\t', "\t"],
  ['\\v', "\u000b"],
  ['x\\ty', "x\ty"],
  ['\\0', "\u0000"],
  ['\\7', "\u0007"],
  ['\\8', "\\8"],
  ['\\9', "\\9"],
  ['\\101', "A"],
  ['\\1011', "A1"],
  ['\\107', "G"],
  ['\\100', "@"],
  ['\\17', "\u000f"],
  ['\\400', "\u0000"],
  ['\\777', null],
  ['\\08', "\u00008"],
  ['\\18', "\u00018"],
  ['\\x41', "A"],
  ['\\x30', "0"],
  ['\\x39', "9"],
  ['\\x6a', "j"],
  ['\\x6f', "o"],
  ['\\x4A', "J"],
  ['\\x4F', "O"],
  ['\\x09', "\t"],
  ['\\x40', "@"],
  ['\\x7f', "\u007f"],
  ['\\x4g', null],
  ['\\x4G', null],
  ['\\xg4', null],
  ['\\x4', null],
  ['\\x', null],
  ['\\x4/', null],
  ['\\x4:', null],
  ['\\x4@', null],
  ['\\x4`', null],
  ['\\x/4', null],
  ['\\x:4', null],
  ['\\x@4', null],
  ['\\x`4', null],
  ['\\x414', "A4"],
  ['abc\\\\', "abc\\"],
  ['abc\\', null],
  ['\\', null],
  ['a\\\\\\', null],
  ['abc\\\\\\\\', "abc\\\\"],
  ['\\q', "\\q"],
  ['\\/', "\\/"],
  ['\\!', "\\!"],
  ['\\ x', "\\ x"],
  ['\\u0041', "\\u0041"],
  ['\\x41\\x42', "AB"],
  ['\\\\x41', "\\x41"],
  ['\xe9', null],
  ['\\xe9', null],
  ['\\x80', null],
  ['\x7f', "\u007f"],
  ['o\\x73', "os"],
  ['it\'s', "it's"],
  ['say "hi"', "say \"hi\""],
];

// [UNICODE line (latin1, raw_unicode_escape), the str Python makes of it]
const UNICODE_CASES: [string, string | null][] = [
  ['abc', "abc"],
  ['\xe9\xff', "\u00e9\u00ff"],
  ['\\u0041', "A"],
  ['\\U00000041', "A"],
  ['\\U0001F600', "\ud83d\ude00"],
  ['\\U0010ffff', "\udbff\udfff"],
  ['\\U00110000', null],
  ['\\uD800', "\ud800"],
  ['\\uabcd', "\uabcd"],
  ['\\uABCD', "\uabcd"],
  ['\\\\u0041', "\\\\u0041"],
  ['\\\\\\u0041', "\\\\A"],
  ['\\\\\\\\u0041', "\\\\\\\\u0041"],
  ['\\\\\\\\\\u0041', "\\\\\\\\A"],
  ['a\\b', "a\\b"],
  ['a\\\\b', "a\\\\b"],
  ['a\\\\', "a\\\\"],
  ['a\\\\\\\\', "a\\\\\\\\"],
  ['\\\\', "\\\\"],
  ['\\\\\\\\', "\\\\\\\\"],
  ['\\u004', null],
  ['\\u004g', null],
  ['\\u_041', null],
  ['\\u00\xe91', null],
  ['\\U0000004', null],
  ['\\U0000004g', null],
  ['\\u0041\\u0042', "AB"],
  ['x\\u0041y', "xAy"],
  ['\\x41', "\\x41"],
  ['\\n', "\\n"],
  ['\\u', null],
  ['\\U', null],
  ['\\\\U00000041', "\\\\U00000041"],
  ['\\\\\\U00000041', "\\\\A"],
  ['\\uffff', "\uffff"],
  ['\\u0000', "\u0000"],
  ['\\u0041BC', "ABC"],
  ['\\U0000004142', "A42"],
  ['\\u00411', "A1"],
  ['a\\\\\\u0041b\\\\\\\\c', "a\\\\Ab\\\\\\\\c"],
];

describe('STRING: codecs.escape_decode, then ASCII', () => {
  it.each(STRING_CASES)('%j', (arg, expected) => {
    const operand = Buffer.concat([latin1("S'"), latin1(arg), latin1("'\n")]);
    const { d, ops } = read(Buffer.concat([operand, latin1('.')]));
    expect(d.malformed).toBeNull();
    expect(ops.map((o) => [o.name, o.arg])).toEqual([['STRING', expected], ['STOP', null]]);
    expect(asModule(operand)).toBe(expected);
  });

  it('double quotes delimit the same way', () => {
    // python3: pickle.loads(b'S"o\\x73"\n.') == 'os'
    expect(asModule(latin1('S"o\\x73"\n'))).toBe('os');
  });
});

describe('UNICODE: raw_unicode_escape', () => {
  it.each(UNICODE_CASES)('%j', (line, expected) => {
    expect(asModule(Buffer.concat([latin1('V'), latin1(line), latin1('\n')]))).toBe(expected);
  });
});

describe('binary strings', () => {
  it.each([
    // SHORT_BINSTRING and BINSTRING are ASCII (pickle's default encoding): 0x7f is ASCII, 0x80 is not.
    ['SHORT_BINSTRING with DEL', 'U\x02o\x7f', 'o\x7f'],
    ['SHORT_BINSTRING with 0x80', 'U\x02o\x80', null],
    ['BINSTRING with 0xff', 'T\x02\x00\x00\x00o\xff', null],
    ['BINSTRING', 'T\x02\x00\x00\x00os', 'os'],
    // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8 are UTF-8.
    ['SHORT_BINUNICODE é', '\x8c\x02\xc3\xa9', 'é'],
    ['SHORT_BINUNICODE of a 4-byte sequence', '\x8c\x04\xf0\x9f\x98\x80', '\u{1f600}'],
    ['SHORT_BINUNICODE with a stray 0xff', '\x8c\x02o\xff', null],
    ['SHORT_BINUNICODE cut inside a sequence', '\x8c\x02o\xc3', null],
    ['SHORT_BINUNICODE overlong', '\x8c\x02\xc0\x80', null],
    ['BINUNICODE', 'X\x02\x00\x00\x00os', 'os'],
    ['BINUNICODE8', '\x8d\x02\x00\x00\x00\x00\x00\x00\x00os', 'os'],
    ['empty SHORT_BINUNICODE', '\x8c\x00', ''],
  ])('%s', (_label, operand, expected) => {
    // python3: pickle.loads(b'\x80\x04' + operand + b'.') gives the str, or raises UnicodeDecodeError (null)
    expect(asModule(latin1(operand))).toBe(expected);
  });
});
