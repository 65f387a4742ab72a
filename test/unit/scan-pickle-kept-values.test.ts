// The values the disassembler keeps on its stack where they size joblib array data: INT's protocol-0
// booleans are not integers, LONG1 is sign-extended over all its bytes, a NEWOBJ on an argument tuple too
// long to keep is no fresh instance (and no crash), and joblib's array takes the wrapper's one stack slot.
// The streams are assembled by hand as in scan-pickle-joblib.test.ts.
import { describe, expect, it } from 'vitest';
import { binint, dis, entry, followed, NEW_WRAPPER, p, raw, sbu, state, stops, tupleOf, WRAPPER, type Part } from '../helpers/pickle-bytes.js';

/** numpy.dtype(code, False, True), BUILT with numpy's state whose elsize is `elsize` (an opcode). */
const dtype = (code: string, elsize: Part = binint(-1)): Uint8Array =>
  p('cnumpy\ndtype\n', sbu(code), [0x89, 0x88, 0x87], 'R', '(K\x03', sbu('<'), 'NNN', elsize, binint(-1), 'K\x00t', 'b');
/** A protocol-2 stream up to and including the wrapper's BUILD; the array data comes next. */
const array = (st: Part, obj: Part = NEW_WRAPPER): Uint8Array => p([0x80, 2], obj, st, 'b');

describe("INT's protocol-0 booleans are True and False, not the integers 1 and 0", () => {
  const aligned = (align: Part): Uint8Array => array(state(entry('shape', tupleOf('K\x02')), entry('dtype', dtype('f8')), entry('numpy_array_alignment_bytes', align)));

  it.each([
    ['I01', 'I01\n'],
    ['I00', 'I00\n'],
    ['NEWTRUE', [0x88]],
  ])('an alignment of %s is not a constant int', (_what, align) => {
    stops(aligned(align), 'numpy_array_alignment_bytes is not a constant');
  });

  it('an alignment of the integer INT 1 or 0 is one, and a padding-length byte follows', () => {
    followed(p(aligned('I1\n'), [2, 0xff, 0xff], raw(16), '.'));
    followed(p(aligned('I0\n'), [0], raw(16), '.'));
  });
});

describe('LONG1 is two’s complement over all its bytes', () => {
  const sized = (code: string, elsize: Part, dims: Part = tupleOf('K\x02')): Uint8Array => array(state(entry('shape', dims), entry('dtype', dtype(code, elsize))));

  it.each([
    ['two bytes ff ff (-1)', [0x8a, 2, 0xff, 0xff]],
    ['two bytes 00 ff (-256)', [0x8a, 2, 0x00, 0xff]],
    ['three bytes ff ff ff (-1)', [0x8a, 3, 0xff, 0xff, 0xff]],
    ['four bytes 00 00 00 80 (-2^31)', [0x8a, 4, 0, 0, 0, 0x80]],
  ])('a negative dimension of %s is not a constant dimension', (_what, dim) => {
    stops(sized('f8', binint(-1), tupleOf(dim)), 'shape holds a non-constant dimension');
  });

  it('a negative LONG1 elsize leaves a flexible dtype its code size; a positive one sets it', () => {
    followed(p(sized('S5', [0x8a, 2, 0xff, 0xff]), raw(10), '.')); // -1: S5, 5 bytes each
    followed(p(sized('S5', [0x8a, 2, 0x00, 0x80]), raw(10), '.')); // -32768
    followed(p(sized('S5', [0x8a, 2, 0x03, 0x00]), raw(6), '.')); // 3
    followed(p(sized('S5', [0x8a, 2, 0xff, 0x7f]), raw(65534), '.')); // 32767
  });
});

describe('NEWOBJ on an argument tuple too long to keep', () => {
  const many = (n: number): Uint8Array => tupleOf(...Array.from({ length: n }, () => 'N'));
  const st = state(entry('shape', tupleOf('K\x02')), entry('dtype', dtype('f8')));

  it('is no wrapper made the way joblib writes it, and the stream is still read', () => {
    stops(array(st, p(WRAPPER, many(65), [0x81])), 'the wrapper is not built the way joblib writes it');
    stops(array(st, p(WRAPPER, many(64), [0x81])), 'the wrapper is not built the way joblib writes it');
  });

  it('of any class is just an instance: a plain reading runs to STOP', () => {
    const bytes = p([0x80, 2], 'cx\ny\n', many(65), [0x81], 'Nb.');
    const d = dis(bytes);
    expect([d.malformed, d.incomplete, d.end, d.counts.NEWOBJ, d.counts.BUILD]).toStrictEqual([null, null, bytes.length, 1, 1]);
  });
});

describe("joblib's array takes the wrapper's place on the stack", () => {
  const head = array(state(entry('shape', tupleOf('K\x02')), entry('dtype', dtype('f8'))));

  it('exactly one value stands for the wrapper after its data', () => {
    followed(p(head, raw(16), '0N.'));
    const bytes = p(head, raw(16), '00N.');
    const d = dis(bytes, { joblib: true });
    expect(d.malformed).toStrictEqual({ severity: 'unsafe', offset: head.length + 17, message: `malformed pickle at offset ${head.length + 17}: stack underflow in POP` });
  });

  it('the value below the wrapper stays where it was', () => {
    const below = p([0x80, 2], 'K\x07', head.subarray(2));
    followed(p(below, raw(16), [0x86], '.'));
    const bytes = p(below, raw(16), [0x87], '.');
    expect(dis(bytes, { joblib: true }).malformed?.message).toBe(`malformed pickle at offset ${below.length + 16}: stack underflow in TUPLE3`);
  });
});
