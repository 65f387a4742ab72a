// The integer parsers behind the text opcodes (INT, LONG, PUT, GET), one line at a time, against the values
// CPython 3.11 gives. Every expected value below was produced once by python3 (not at test time):
//   base 10 / base 0: int(line, base), with the line cut at its first NUL for the C-string readings;
//   INT / LONG: pickle.loads (the C unpickler) and pickle._loads (pickle.py) of b'I' + line + b'\n.' and
//   b'L' + line + b'\n.', 'bool' where the result is True or False; null where Python raises.
import { describe, expect, it } from 'vitest';
import { pickleIntArg, pickleLongArg, pyLongFromString } from '../../src/core/scan/pickle.js';

type V = string | null;
/** line (latin1), base 10 C string, base 10, base 0 C string, base 0, INT C, INT pickle.py, LONG C, LONG pickle.py */
const TABLE: [string, V, V, V, V, V, V, V, V][] = [
  ['0', '0', '0', '0', '0', '0', '0', '0', '0'],
  ['7', '7', '7', '7', '7', '7', '7', '7', '7'],
  ['9', '9', '9', '9', '9', '9', '9', '9', '9'],
  ['10', '10', '10', '10', '10', '10', '10', '10', '10'],
  ['+5', '5', '5', '5', '5', '5', '5', '5', '5'],
  ['-5', '-5', '-5', '-5', '-5', '-5', '-5', '-5', '-5'],
  [' \t\x0b\x0c\r5 \t\x0b\x0c\r', '5', '5', '5', '5', '5', '5', '5', '5'],
  ['\x085', null, null, null, null, null, null, null, null],
  ['\x0e5', null, null, null, null, null, null, null, null],
  ['1 x', null, null, null, null, null, null, null, null],
  ['1x', null, null, null, null, null, null, null, null],
  ['12x', null, null, null, null, null, null, null, null],
  ['1/', null, null, null, null, null, null, null, null],
  ['1:', null, null, null, null, null, null, null, null],
  ['1a', null, null, null, null, null, null, null, null],
  ['0x10', null, null, '16', '16', '16', '16', '16', '16'],
  ['0X10', null, null, '16', '16', '16', '16', '16', '16'],
  ['0o10', null, null, '8', '8', '8', '8', '8', '8'],
  ['0O10', null, null, '8', '8', '8', '8', '8', '8'],
  ['0b10', null, null, '2', '2', '2', '2', '2', '2'],
  ['0B10', null, null, '2', '2', '2', '2', '2', '2'],
  ['0x_1', null, null, '1', '1', '1', '1', '1', '1'],
  ['0o_7', null, null, '7', '7', '7', '7', '7', '7'],
  ['0b_1', null, null, '1', '1', '1', '1', '1', '1'],
  ['0x__1', null, null, null, null, null, null, null, null],
  ['0xa', null, null, '10', '10', '10', '10', '10', '10'],
  ['0xA', null, null, '10', '10', '10', '10', '10', '10'],
  ['0xf', null, null, '15', '15', '15', '15', '15', '15'],
  ['0xF', null, null, '15', '15', '15', '15', '15', '15'],
  ['0xg', null, null, null, null, null, null, null, null],
  ['0xG', null, null, null, null, null, null, null, null],
  ['0x9', null, null, '9', '9', '9', '9', '9', '9'],
  ['0x', null, null, null, null, null, null, null, null],
  ['0b12', null, null, null, null, null, null, null, null],
  ['0o8', null, null, null, null, null, null, null, null],
  ['-0x10', null, null, '-16', '-16', '-16', '-16', '-16', '-16'],
  ['+0b101', null, null, '5', '5', '5', '5', '5', '5'],
  ['00', '0', '0', '0', '0', 'bool', 'bool', '0', '0'],
  ['000', '0', '0', '0', '0', '0', '0', '0', '0'],
  ['0_0', '0', '0', '0', '0', '0', '0', '0', '0'],
  ['010', '10', '10', null, null, '8', null, null, null],
  ['0_1', '1', '1', null, null, null, null, null, null],
  ['1_0', '10', '10', '10', '10', '10', '10', '10', '10'],
  ['1__0', null, null, null, null, null, null, null, null],
  ['_1', null, null, null, null, null, null, null, null],
  ['1_', null, null, null, null, null, null, null, null],
  ['', null, null, null, null, null, null, null, null],
  [' ', null, null, null, null, null, null, null, null],
  ['+', null, null, null, null, null, null, null, null],
  ['-', null, null, null, null, null, null, null, null],
  ['1\x002', '1', null, '1', null, '1', null, '1', null],
  ['1\x00', '1', null, '1', null, 'bool', null, '1', null],
  ['\x001', null, null, null, null, 'bool', null, null, null],
  ['\x00', null, null, null, null, '0', null, null, null],
  ['\x00abc', null, null, null, null, '0', null, null, null],
  [' \x001', null, null, null, null, null, null, null, null],
  ['+\x00', null, null, null, null, null, null, null, null],
  ['01', '1', '1', null, null, 'bool', 'bool', null, null],
  ['02', '2', '2', null, null, '2', null, null, null],
  ['07', '7', '7', null, null, '7', null, null, null],
  ['08', '8', '8', null, null, null, null, null, null],
  [' 1', '1', '1', '1', '1', 'bool', '1', '1', '1'],
  ['+0', '0', '0', '0', '0', 'bool', '0', '0', '0'],
  ['+1', '1', '1', '1', '1', 'bool', '1', '1', '1'],
  ['-1', '-1', '-1', '-1', '-1', '-1', '-1', '-1', '-1'],
  ['-0', '0', '0', '0', '0', 'bool', '0', '0', '0'],
  ['0\x00', '0', null, '0', null, 'bool', null, '0', null],
  [' 0', '0', '0', '0', '0', 'bool', '0', '0', '0'],
  ['0777777777777777777777', '777777777777777777777', '777777777777777777777', null, null, '9223372036854775807', null, null, null],
  ['01000000000000000000000', '1000000000000000000000', '1000000000000000000000', null, null, null, null, null, null],
  ['-01000000000000000000000', '-1000000000000000000000', '-1000000000000000000000', null, null, '-9223372036854775808', null, null, null],
  ['-01000000000000000000001', '-1000000000000000000001', '-1000000000000000000001', null, null, null, null, null, null],
  ['9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807'],
  ['9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808'],
  ['-9223372036854775808', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808'],
  ['-9223372036854775809', '-9223372036854775809', '-9223372036854775809', '-9223372036854775809', '-9223372036854775809', '-9223372036854775809', '-9223372036854775809', '-9223372036854775809', '-9223372036854775809'],
  ['0x7fffffffffffffff', null, null, '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807', '9223372036854775807'],
  ['0x1f', null, null, '31', '31', '31', '31', '31', '31'],
  ['0X1F', null, null, '31', '31', '31', '31', '31', '31'],
  ['0x1g', null, null, null, null, null, null, null, null],
  ['0x1f\x00junk', null, null, '31', null, '31', null, '31', null],
  ['1_0\x00x', '10', null, '10', null, '10', null, '10', null],
  ['0x_1\x00', null, null, '1', null, '1', null, '1', null],
  ['010\x00junk', '10', null, null, null, '8', null, null, null],
  ['12L', null, null, null, null, null, null, '12', '12'],
  ['12LL', null, null, null, null, null, null, null, null],
  ['12l', null, null, null, null, null, null, null, null],
  ['L', null, null, null, null, null, null, null, null],
  ['1L\x00', null, null, null, null, null, null, null, null],
  ['1\x00L', '1', null, '1', null, '1', null, '1', null],
  [' 12 L', null, null, null, null, null, null, '12', '12'],
  ['0x1fL', null, null, null, null, null, null, '31', '31'],
  ['1 ', '1', '1', '1', '1', '1', '1', '1', '1'],
  ['0 ', '0', '0', '0', '0', '0', '0', '0', '0'],
  ['0x 1', null, null, null, null, null, null, null, null],
  ['1z', null, null, null, null, null, null, null, null],
  ['1Z', null, null, null, null, null, null, null, null],
  ['0xz', null, null, null, null, null, null, null, null],
  ['\t5', '5', '5', '5', '5', '5', '5', '5', '5'],
  ['\r5', '5', '5', '5', '5', '5', '5', '5', '5'],
  ['5\t', '5', '5', '5', '5', '5', '5', '5', '5'],
  ['5\r', '5', '5', '5', '5', '5', '5', '5', '5'],
  [' \x0b5', '5', '5', '5', '5', '5', '5', '5', '5'],
  ['1\x001x', '1', null, '1', null, '1', null, '1', null],
  ['00L', null, null, null, null, null, null, '0', '0'],
  ['0x10L', null, null, null, null, null, null, '16', '16'],
  ['1x1', null, null, null, null, null, null, null, null],
  ['5X10', null, null, null, null, null, null, null, null],
  ['0x1', null, null, '1', '1', '1', '1', '1', '1'],
  ['-1x1', null, null, null, null, null, null, null, null],
];

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const str = (v: bigint | 'bool' | null): V => (v === null ? null : String(v));

describe('pyLongFromString (int(line, base) as CPython parses it)', () => {
  it.each(TABLE)('%j', (line, b10c, b10, b0c, b0) => {
    const b = bytes(line);
    expect([str(pyLongFromString(b, 10, true)), str(pyLongFromString(b, 10, false)), str(pyLongFromString(b, 0, true)), str(pyLongFromString(b, 0, false))]).toEqual([b10c, b10, b0c, b0]);
  });
});

describe('pickleIntArg and pickleLongArg (the INT and LONG opcodes of both unpicklers)', () => {
  it.each(TABLE)('%j', (line, _b10c, _b10, _b0c, _b0, intC, intPy, longC, longPy) => {
    const b = bytes(line);
    expect([str(pickleIntArg(b, true)), str(pickleIntArg(b, false)), str(pickleLongArg(b, true)), str(pickleLongArg(b, false))]).toEqual([intC, intPy, longC, longPy]);
  });

  it('keeps values past 2^64 exactly (bigint, not a float)', () => {
    // python3: int('123456789012345678901234567890', 0) and the same through pickle.loads(b'L...L\n.')
    expect(pyLongFromString(bytes('123456789012345678901234567890'), 0, false)).toBe(123456789012345678901234567890n);
    expect(pickleLongArg(bytes('-123456789012345678901234567890L'), true)).toBe(-123456789012345678901234567890n);
    expect(pickleIntArg(bytes('0x123456789abcdef0123'), true)).toBe(0x123456789abcdef0123n);
  });
});
