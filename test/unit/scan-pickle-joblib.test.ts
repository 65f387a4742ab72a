// Reading a stream as joblib.load does: after the BUILD of each NumpyArrayWrapper the array's raw bytes
// (or a nested pickle, for object arrays) follow inline, sized from the wrapper's constant state. Pins
// how the wrapper may be made (NEWOBJ, the copyreg spellings), each field of the state that sizes the
// data, the exact number of bytes skipped, and the reason given whenever the data cannot be sized.
// The streams are assembled by hand the way joblib's NumpyArrayWrapper pickles with protocol 2 (see
// test/fixtures/pickles/malicious_after_array.joblib for one made by make_fixtures.py).
import { describe, expect, it } from 'vitest';
import { binint, dis, entry, followed, names, NEW_WRAPPER, ops, p, raw, sbu, state, stops, tupleOf, u64, WRAPPER, type Part } from '../helpers/pickle-bytes.js';

/** numpy.dtype(code, False, True), optionally BUILT with a state. */
const dtype = (code: string | Uint8Array, state?: Part): Uint8Array =>
  p('cnumpy\ndtype\n', typeof code === 'string' ? sbu(code) : code, [0x89, 0x88, 0x87], 'R', state === undefined ? [] : p(state, 'b'));
/** numpy's dtype state: (3, '<', None, None, None, elsize, alignment, flags) and any extra items. */
const dtypeState = (flags = 0, elsize = -1, ...extra: Part[]): Uint8Array => p('(K\x03', sbu('<'), 'NNN', binint(elsize), binint(-1), 'K', [flags], ...extra, 't');
const shape = (...dims: number[]): Uint8Array => tupleOf(...dims.map((d) => p('K', [d])));
const STD_DTYPE = dtype('f8', dtypeState());
/** shape, dtype and an alignment (a padding-length byte follows) as joblib writes them. */
const STD_STATE = state(entry('shape', shape(2)), entry('dtype', STD_DTYPE), entry('numpy_array_alignment_bytes', 'K\x10'));
/** A protocol-2 stream up to and including the wrapper's BUILD; the array data comes next. */
const array = (st: Part = STD_STATE, obj: Part = NEW_WRAPPER): Uint8Array => p([0x80, 2], obj, st, 'b');

const NOT_AS_JOBLIB = 'the wrapper is not built the way joblib writes it';

describe('the bytes after a wrapper', () => {
  it('a padding-length byte, that much padding, then count × itemsize bytes', () => {
    followed(p(array(), [3, 0xff, 0xff, 0xff], raw(16), '.'));
    const short = dis(p(array(), [3, 0xff, 0xff, 0xff], raw(15), '.'), { joblib: true });
    expect(short.malformed?.message).toBe(`malformed pickle at offset ${array().length + 20}: opcode needs 1 bytes but only 0 remain`);
    const long = dis(p(array(), [3, 0xff, 0xff, 0xff], raw(17), '.'), { joblib: true });
    expect(long.malformed?.message).toBe(`malformed pickle at offset ${array().length + 20}: unknown opcode 0x41`);
  });

  it('each step of the data runs out with its own message, at the data offset', () => {
    const at = array().length;
    expect(dis(array(), { joblib: true }).malformed?.message).toBe(`malformed pickle at offset ${at}: joblib alignment padding length: no data left`);
    expect(dis(p(array(), [5, 0xff]), { joblib: true }).malformed?.message).toBe(`malformed pickle at offset ${at}: joblib alignment padding needs 5 bytes but only 1 remain`);
    expect(dis(p(array(), [0], raw(3)), { joblib: true }).malformed?.message).toBe(`malformed pickle at offset ${at}: joblib array data (16 bytes) needs 16 bytes but only 3 remain`);
  });

  it('no padding byte without the alignment attribute, or with it None', () => {
    followed(p(array(state(entry('shape', shape(2)), entry('dtype', STD_DTYPE))), raw(16), '.'));
    followed(p(array(state(entry('shape', shape(2)), entry('dtype', STD_DTYPE), entry('numpy_array_alignment_bytes', 'N'))), raw(16), '.'));
  });

  it('an alignment that is not a constant int stops the reading', () => {
    stops(array(state(entry('shape', shape(2)), entry('dtype', STD_DTYPE), entry('numpy_array_alignment_bytes', sbu('16')))), 'numpy_array_alignment_bytes is not a constant');
  });

  it('the wrapper is replaced by its array: a later BUILD on that value is nothing to follow', () => {
    followed(p(array(), [0], raw(16), 'Nb.'));
  });

  it('the wrapper BUILD is reported once, and the one that stops is reported too', () => {
    const bytes = p(array(), [0], raw(16), '.');
    const seen = ops(bytes, { joblib: true }).ops;
    const builds = seen.filter((o) => o.name === 'BUILD').map((o) => o.offset);
    expect(builds).toHaveLength(2); // the dtype's and the wrapper's
    expect(builds[1]).toBe(array().length - 1);
    const stopped = ops(p(array(state(entry('dtype', STD_DTYPE))), raw(20), '.'), { joblib: true }).ops;
    expect(stopped.at(-1)).toStrictEqual({ offset: array(state(entry('dtype', STD_DTYPE))).length - 1, code: 0x62, name: 'BUILD', arg: null });
  });

  it('a plain reading counts the wrapper but does not skip its data', () => {
    const bytes = p(array(), [0], raw(16), '.');
    const d = dis(bytes);
    expect(d.joblibArrays).toBe(1);
    expect(d.malformed?.message).toBe(`malformed pickle at offset ${array().length}: unknown opcode 0x00`);
  });
});

describe('the array size', () => {
  const sized = (dt: Uint8Array, sh: Uint8Array = shape(2)): Uint8Array => array(state(entry('shape', sh), entry('dtype', dt)));

  it.each([
    ['f8', undefined, 16],
    ['i4', undefined, 8],
    ['U3', undefined, 24], // numpy counts unicode in 4-byte characters
    ['S5', undefined, 10],
    ['S12', undefined, 24],
    ['c16', undefined, 32],
    ['V8', dtypeState(0, 12), 24], // flexible dtypes take their size from the state
    ['S5', dtypeState(0, 0), 0],
    ['S5', dtypeState(0, -1), 10],
    ['a3', dtypeState(0, 4), 8],
    ['U2', dtypeState(0, 20), 40],
    ['f8', dtypeState(0, 4), 16], // a fixed size is the code's
    ['f8', dtypeState(2, -1), 16], // flags without bit 0: no objects
    ['f8', dtypeState(0, -1, sbu('meta')), 16], // numpy's 9-item state
  ])('%s with state %j: %d bytes', (code, st, bytes) => {
    followed(p(sized(dtype(code, st)), raw(bytes), '.'));
  });

  it('numpy.dtypes classes are dtypes too', () => {
    followed(p(sized(p('cnumpy.dtypes\nFloat64DType\n', sbu('f8'), [0x85], 'R')), raw(16), '.'));
  });

  it.each([
    ['shape ()', shape(), 8],
    ['shape (0,)', shape(0), 0],
    ['shape (3, 2)', shape(3, 2), 48],
    ['64 dimensions', shape(...Array<number>(64).fill(1)), 8],
    ['LONG1 256', tupleOf([0x8a, 2, 0x00, 0x01]), 2048],
    ['LONG1 128', tupleOf([0x8a, 2, 0x80, 0x00]), 1024],
    ['LONG1 of six bytes', tupleOf([0x8a, 6, 3, 0, 0, 0, 0, 0]), 24],
    ['LONG1 of no bytes', tupleOf([0x8a, 0]), 0],
    ['INT 3', tupleOf('I3\n'), 24],
    ['LONG 3', tupleOf('L3L\n'), 24],
    ['BININT2 258', tupleOf('M\x02\x01'), 2064],
    ['BININT 5', tupleOf(binint(5)), 40],
    ['TUPLE2', p('K\x02K\x03', [0x86]), 48],
    ['TUPLE3', p('K\x02K\x03K\x01', [0x87]), 48],
  ])('%s: %d bytes of f8', (_what, sh, bytes) => {
    followed(p(sized(dtype('f8'), sh), raw(bytes), '.'));
  });

  it.each([
    ['a negative BININT', tupleOf(binint(-1))],
    ['a negative LONG1', tupleOf([0x8a, 1, 0xff])],
    ['a LONG1 of -128', tupleOf([0x8a, 1, 0x80])],
    ['a LONG1 of seven bytes', tupleOf([0x8a, 7, 1, 0, 0, 0, 0, 0, 0])],
    ['a LONG4', tupleOf([0x8b, 1, 0, 0, 0, 1])],
    ['an INT past 2^53', tupleOf('I9007199254740993\n')],
    ['a protocol-0 boolean', tupleOf('I01\n')],
    ['a string', tupleOf(sbu('2'))],
  ])('%s is not a constant dimension', (_what, sh) => {
    stops(sized(dtype('f8'), sh), 'shape holds a non-constant dimension');
  });

  it('INT dimensions up to 2^53 are kept exactly', () => {
    const at = sized(dtype('i1'), tupleOf('I9007199254740991\n')).length;
    expect(dis(p(sized(dtype('i1'), tupleOf('I9007199254740991\n')), raw(4)), { joblib: true }).malformed?.message).toBe(
      `malformed pickle at offset ${at}: joblib array data (9007199254740991 bytes) needs 9007199254740991 bytes but only 4 remain`,
    );
  });

  it('a size past 2^53 overflows; just below it is only too large', () => {
    const dim50 = tupleOf([0x8a, 4, 0, 0, 0, 0x02], [0x8a, 4, 0, 0, 0, 0x02]); // 2^25 × 2^25
    stops(sized(dtype('i8'), dim50), 'its size overflows');
    const at = sized(dtype('i4'), dim50).length;
    expect(dis(p(sized(dtype('i4'), dim50), raw(1)), { joblib: true }).malformed?.message).toBe(
      `malformed pickle at offset ${at}: joblib array data (4503599627370496 bytes) needs 4503599627370496 bytes but only 1 remain`,
    );
  });

  it.each([
    ['missing', state(entry('dtype', dtype('f8')))],
    ['a list', state(entry('shape', ']'), entry('dtype', dtype('f8')))],
    ['65 dimensions', state(entry('shape', shape(...Array<number>(65).fill(1))), entry('dtype', dtype('f8')))],
  ])('a shape %s is not a constant tuple', (_what, st) => {
    stops(array(st), 'shape is not a constant tuple');
  });
});

describe('the dtype', () => {
  const withDtype = (dt: Part): Uint8Array => array(state(entry('shape', shape(2)), entry('dtype', dt)));

  it.each([
    ['missing', array(state(entry('shape', shape(2))))],
    ['a string', withDtype(sbu('f8'))],
    ['of an unknown class', withDtype(p(sbu('numpy.dtype'), sbu('f8'), [0x85], 'R'))],
    ['a numpy.float64', withDtype(p('cnumpy\nfloat64\n', sbu('f8'), [0x85], 'R'))],
    ['an xnumpy.dtype', withDtype(p('cxnumpy\ndtype\n', sbu('f8'), [0x85], 'R'))],
    ['a numpy.dtypex', withDtype(p('cnumpy\ndtypex\n', sbu('f8'), [0x85], 'R'))],
    ['a numpy.dtypes.', withDtype(p('cnumpy.dtypes\n\n', sbu('f8'), [0x85], 'R'))],
    ['built twice', withDtype(p(dtype('f8', dtypeState()), dtypeState(), 'b'))],
  ])('a dtype %s is not a constant numpy.dtype', (_what, head) => {
    stops(head, 'dtype is not a constant numpy.dtype');
  });

  it.each([
    ['<f8', dtype('<f8')],
    ['f', dtype('f')],
    ['ff8', dtype('ff8')],
    ['8', dtype('8')],
    ['f8x', dtype('f8x')],
    ['an int', dtype(p('K\x08'))],
    ['no arguments', p('cnumpy\ndtype\nNR')],
    ['an empty tuple', p('cnumpy\ndtype\n)R')],
  ])('a dtype code %s is no plain kind+size code', (_what, dt) => {
    stops(withDtype(dt), 'dtype has no plain kind+size code');
  });

  it.each([
    ['seven items', p('(K\x03', sbu('<'), 'NNN', binint(-1), binint(-1), 't')],
    ['ten items', dtypeState(0, -1, 'N', 'N')],
    ['None', 'N'],
    ['a string elsize', p('(K\x03', sbu('<'), 'NNN', sbu('x'), binint(-1), 'K\x00t')],
    ['an unknown elsize', p('(K\x03', sbu('<'), 'NNN', [0x8a, 7, 0, 0, 0, 0, 0, 0, 0], binint(-1), 'K\x00t')],
    ['a string flags', p('(K\x03', sbu('<'), 'NNN', binint(-1), binint(-1), sbu('x'), 't')],
    ['unknown flags', p('(K\x03', sbu('<'), 'NNN', binint(-1), binint(-1), [0x8a, 7, 0, 0, 0, 0, 0, 0, 0], 't')],
  ])('a dtype state of %s is not a constant tuple', (_what, st) => {
    stops(withDtype(dtype('f8', st)), 'dtype state is not a constant tuple');
  });

  it('a dtype with more than 64 arguments has no code; a state of more than 64 items is not constant', () => {
    stops(withDtype(p('cnumpy\ndtype\n(', sbu('f8'), 'N'.repeat(64), 'tR')), 'dtype has no plain kind+size code');
    followed(p(withDtype(p('cnumpy\ndtype\n(', sbu('f8'), 'N'.repeat(63), 'tR')), raw(16), '.'));
    stops(withDtype(dtype('f8', p('(', 'N'.repeat(65), 't'))), 'dtype state is not a constant tuple');
  });

  it('elsize and flags are kept only within ±2^53', () => {
    const st = (elsize: string): Uint8Array => p('(K\x03', sbu('<'), 'NNN', `I${elsize}\n`, binint(-1), 'K\x00t');
    followed(p(withDtype(dtype('S5', st('-9007199254740991'))), raw(10), '.'));
    stops(withDtype(dtype('S5', st('-9007199254740993'))), 'dtype state is not a constant tuple');
    followed(p(withDtype(dtype('S5', st('4'))), raw(8), '.'));
  });

  it('object dtypes are followed by a nested plain pickle, which is scanned', () => {
    const nested = p([0x80, 2], 'cposix\nsystem\n', sbu('x'), [0x85], 'R.');
    for (const dt of [dtype('O8'), dtype('O8', dtypeState(63)), dtype('f8', dtypeState(1)), dtype('V8', dtypeState(3, 16))]) {
      const bytes = p(withDtype(dt), nested, '.');
      followed(bytes);
      expect(names(dis(bytes, { joblib: true })).at(-1)).toBe('posix.system');
    }
  });

  it('the nested pickle is read as pickle.load reads it, not as joblib does', () => {
    // The C unpickler only checks a FRAME's length: a read may straddle its end.
    followed(p(withDtype(dtype('O8')), [0x80, 4, 0x95], u64(3), 'NJ', [1, 0, 0, 0], '0.', '.'));

    // A wrapper inside the nested stream is counted but has no data after it there.
    const nested = p([0x80, 2], NEW_WRAPPER, 'Nb.');
    const bytes = p(withDtype(dtype('O8')), nested, '.');
    followed(bytes);
    expect(dis(bytes, { joblib: true }).joblibArrays).toBe(2);
    const broken = p(withDtype(dtype('O8')), [0x80, 2], 'N', [0x05]);
    expect(dis(broken, { joblib: true }).malformed?.message).toBe(`malformed pickle at offset ${broken.length - 1}: unknown opcode 0x05`);
  });
});

describe('the wrapper state', () => {
  const filler = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => entry(`k${i}`, 'N'));

  it('a dict of up to 64 entries, by SETITEMS, SETITEM or DICT', () => {
    const sh = entry('shape', shape(2));
    const dt = entry('dtype', STD_DTYPE);
    followed(p(array(state(sh, dt, ...filler(62))), raw(16), '.'));
    followed(p(array(p('}', sh, 's', dt, 's')), raw(16), '.'));
    followed(p(array(p('(', sh, dt, 'd')), raw(16), '.'));
    followed(p(array(p('(', ...filler(31), sh, 'd(', ...filler(31), dt, 'u')), raw(16), '.'));
  });

  it.each([
    ['None', 'N'],
    ['a dict of 65 entries', state(entry('shape', shape(2)), entry('dtype', STD_DTYPE), ...filler(63))],
    ['a DICT of 65 entries', p('(', entry('shape', shape(2)), entry('dtype', STD_DTYPE), ...filler(63), 'd')],
    ['a DICT of 66 entries', p('(', entry('shape', shape(2)), entry('dtype', STD_DTYPE), ...filler(64), 'd')],
    ['a dict grown past 64 entries', p('(', ...filler(64), 'd', entry('shape', shape(2)), 's', entry('dtype', STD_DTYPE), 's')],
    ['a list', p(']', sbu('shape'), 'a')],
  ])('a state of %s is not a small constant dict', (_what, st) => {
    stops(array(st), 'its state is not a small constant dict');
  });

  it.each([
    ['an int key', state(p('K\x01N'), entry('shape', shape(2)), entry('dtype', STD_DTYPE))],
    ['a string key too long to keep', state(p([0x58, 0x01, 0x10, 0, 0], 'k'.repeat(4097), 'N'), entry('shape', shape(2)), entry('dtype', STD_DTYPE))],
  ])('a state with %s has a non-constant key', (_what, st) => {
    stops(array(st), 'its state has a non-constant key');
  });
});

describe('how the wrapper is made', () => {
  const followedAs = (obj: Part): void => followed(p(array(STD_STATE, obj), [0], raw(16), '.'));
  const refused = (obj: Part): void => stops(array(STD_STATE, obj), NOT_AS_JOBLIB);
  const unknownClass = (obj: Part): void => stops(array(STD_STATE, obj), "BUILD of an object whose class (unknown) might be joblib's NumpyArrayWrapper");
  const reconstructor = (module: string, ...args: Part[]): Uint8Array => p(`c${module}\n_reconstructor\n`, tupleOf(...args), 'R');
  const newobj = (name: string, ...args: Part[]): Uint8Array => p(`c${name}\n`, tupleOf(...args), 'R');

  it('NEWOBJ with no arguments, copyreg._reconstructor on object, copyreg.__newobj__ with the class alone', () => {
    followedAs(NEW_WRAPPER);
    followedAs(reconstructor('copy_reg', WRAPPER, 'c__builtin__\nobject\n', 'N'));
    followedAs(reconstructor('copyreg', WRAPPER, 'cbuiltins\nobject\n', 'N'));
    followedAs(newobj('copyreg\n__newobj__', WRAPPER));
    followedAs(newobj('copy_reg\n__newobj__', WRAPPER));
  });

  it.each([
    ['REDUCE of the class', p(WRAPPER, ')R')],
    ['NEWOBJ with an argument', p(WRAPPER, 'K\x01', [0x85, 0x81])],
    ['NEWOBJ_EX', p(WRAPPER, ')}', [0x92])],
    ['OBJ', p('(', WRAPPER, 'o')],
    ['INST', p('(ijoblib.numpy_pickle\nNumpyArrayWrapper\n')],
    ['_reconstructor on int', reconstructor('copyreg', WRAPPER, 'cbuiltins\nint\n', 'N')],
    ['_reconstructor on xbuiltins.object', reconstructor('copyreg', WRAPPER, 'cxbuiltins\nobject\n', 'N')],
    ['_reconstructor on builtins.objectx', reconstructor('copyreg', WRAPPER, 'cbuiltins\nobjectx\n', 'N')],
    ['_reconstructor on a string', reconstructor('copyreg', WRAPPER, sbu('builtins.object'), 'N')],
    ['_reconstructor with a state', reconstructor('copyreg', WRAPPER, 'cbuiltins\nobject\n', 'K\x01')],
    ['_reconstructor with two arguments', reconstructor('copyreg', WRAPPER, 'cbuiltins\nobject\n')],
    ['_reconstructor with four arguments', reconstructor('copyreg', WRAPPER, 'cbuiltins\nobject\n', 'N', 'N')],
    ['__newobj__ with an argument', newobj('copyreg\n__newobj__', WRAPPER, 'K\x01')],
    ['__newobj_ex__', newobj('copyreg\n__newobj_ex__', WRAPPER, ')', '}')],
    ['__newobj_ex__ with the class alone', newobj('copyreg\n__newobj_ex__', WRAPPER)],
  ])('%s is not how joblib writes it', (_what, obj) => {
    refused(obj);
  });

  it('a wrapper built a second time (fetched from the memo) is refused', () => {
    const head = p(array(STD_STATE, p(NEW_WRAPPER, 'q\x00')), [0], raw(16), 'h\x00Nb');
    stops(head, NOT_AS_JOBLIB);
  });

  it('an instance of a class that is not a known global might be the wrapper', () => {
    unknownClass(reconstructor('copyreg', sbu('x'), 'cbuiltins\nobject\n', 'N'));
    unknownClass(newobj('copyreg\n__newobj__', sbu('x')));
    unknownClass(newobj('copyreg\n__newobj__'));
    unknownClass(p(sbu('x'), ')', [0x81]));
    unknownClass(p(p([0x80, 4], sbu('x'), 'K\x01', [0x93]), ')', [0x81])); // an unresolved STACK_GLOBAL
  });

  it('argument tuples too long to keep, or empty, name no class', () => {
    const many = Array.from({ length: 65 }, () => 'N');
    unknownClass(reconstructor('copyreg', WRAPPER, 'cbuiltins\nobject\n', ...many));
    unknownClass(newobj('copyreg\n__newobj__', WRAPPER, ...many));
    unknownClass(p('ccopyreg\n_reconstructor\n)R'));
  });

  it('copyreg called with no argument tuple is an instance of copyreg, not of an unknown class', () => {
    followed(p([0x80, 2], 'ccopyreg\n_reconstructor\nNR', 'Nb.'));
    followed(p([0x80, 2], 'ccopyreg\n__newobj__\nNR', 'Nb.'));
  });

  it('copyreg spellings name the class in a plain reading too', () => {
    expect(dis(p(reconstructor('copyreg', WRAPPER, 'cbuiltins\nobject\n', 'N'), 'Nb.')).joblibArrays).toBe(1);
    expect(dis(p(newobj('copyreg\n__newobj_ex__', WRAPPER, ')', '}'), 'Nb.')).joblibArrays).toBe(1);
    expect(dis(p(reconstructor('copyreg', 'cx\ny\n', 'cbuiltins\nobject\n', 'N'), 'Nb.')).joblibArrays).toBe(0);
  });
});

describe('look-alikes and other BUILDs', () => {
  it('a class named like the wrapper stops a joblib reading and is counted', () => {
    const head = p([0x80, 2], 'cx\nMyNumpyArrayWrapper2\n)', [0x81], 'Nb');
    stops(head, "BUILD of an object whose class (x.MyNumpyArrayWrapper2) might be joblib's NumpyArrayWrapper");
    expect(dis(p(head, '.')).joblibArrays).toBe(1);
    expect(dis(p(head, 'Nb.')).joblibArrays).toBe(2);
  });

  it('a BUILD of another known class, or of a value that is no instance, is just a BUILD', () => {
    for (const text of ['cx\nNumpyArray\n)\x81Nb.', 'NNb.', '}Nb.']) {
      const bytes = p([0x80, 2], text);
      followed(bytes);
      expect(dis(bytes, { joblib: true })).toMatchObject({ joblibArrays: 0, counts: { BUILD: 1 } });
    }
  });

  it('the BUILD count and a plain reading are the same with or without joblib', () => {
    const bytes = p(array(), [0], raw(16), '.');
    expect(dis(bytes, { joblib: true }).counts).toStrictEqual({ REDUCE: 1, BUILD: 2, INST: 0, OBJ: 0, NEWOBJ: 1, NEWOBJ_EX: 0, PERSID: 0, EXT: 0 });
    expect(dis(bytes, { joblib: false }).joblibArrays).toBe(1);
  });
});

describe('frames in a joblib reading', () => {
  it('the array data is read after the frame, the opcodes after it from the frame', () => {
    const body = p(array().subarray(2), 'cposix\nsystem\n0');
    const bytes = p([0x80, 4, 0x95], u64(body.length), body, [0], raw(16), 'N.');
    followed(bytes);
    expect(names(dis(bytes, { joblib: true }))).toStrictEqual(['joblib.numpy_pickle.NumpyArrayWrapper', 'numpy.dtype', 'posix.system']);
  });

  it('a STOP inside the frame ends the stream after the array data read past the frame', () => {
    const body = p(array().subarray(2), '.');
    const bytes = p([0x80, 4, 0x95], u64(body.length), body, [0], raw(16));
    followed(bytes);
  });

  it('a stop inside a frame is placed after the frame, where the data would be', () => {
    const body = p(array(state(entry('dtype', STD_DTYPE))).subarray(2), 'N0');
    const head = p([0x80, 4, 0x95], u64(body.length), body);
    stops(head, 'shape is not a constant tuple');
  });
});
