// The disassembler's resource limits, each at its boundary: the last value within it is followed, the
// first past it stops the reading. Past a limit of the scanner's own (CPython might read on) the stop is
// also an unsafe "cannot be scanned past" issue; past what CPython itself refuses it is only malformed.
import { describe, expect, it } from 'vitest';
import { PICKLE_LIMITS } from '../../src/core/scan/pickle.js';
import { dis, names, p, withLimits } from '../helpers/pickle-bytes.js';

const L = PICKLE_LIMITS.maxNumberLine;
const beyond = (offset: number, why: string): unknown => [{ severity: 'unsafe', offset, message: `cannot be scanned past offset ${offset}: ${why}` }];

describe('MARK nesting (the real limit, 65,536)', () => {
  it('65,536 MARKs are followed; the next one stops the reading', () => {
    const within = dis(p('('.repeat(65_536), '.'));
    expect(within.malformed?.message).toBe('malformed pickle at offset 65536: stack underflow in STOP');
    expect(within.issues).toStrictEqual([]);
    const past = dis(p('('.repeat(65_537), '.'));
    expect(past.malformed?.message).toBe('malformed pickle at offset 65536: MARK nesting deeper than 65536');
    expect(past.issues).toStrictEqual(beyond(65_536, 'MARK nesting deeper than 65536'));
  });
});

describe('stack depth (maxStack lowered to 3)', () => {
  it('three values are followed, a fourth stops the reading', () => {
    const within = withLimits({ maxStack: 3 }, () => dis(p('NNN.')));
    expect([within.end, within.malformed, within.issues]).toStrictEqual([4, null, []]);
    const past = withLimits({ maxStack: 3 }, () => dis(p('NN(N', 'N.')));
    expect(past.malformed?.message).toBe('malformed pickle at offset 4: stack deeper than 3 values');
    expect(past.issues).toStrictEqual(beyond(4, 'stack deeper than 3 values'));
    expect(PICKLE_LIMITS.maxStack).toBe(4_000_000); // restored
  });
});

describe('text opcode numbers (maxNumberLine, 1 MiB)', () => {
  it('a line of exactly maxNumberLine bytes is parsed', () => {
    const bytes = p('I', ' '.repeat(L - 1), '7\n', '.');
    expect([dis(bytes).end, dis(bytes).malformed]).toStrictEqual([bytes.length, null]);
  });

  it('one byte longer, of characters int() might accept, cannot be vouched for', () => {
    const d = dis(p('NI', ' '.repeat(L), '7\n.'));
    expect(d.malformed?.message).toBe(`malformed pickle at offset 1: INT argument longer than ${L} bytes`);
    expect(d.issues).toStrictEqual(beyond(1, `INT argument longer than ${L} bytes`));
    const long = dis(p('L', '1'.repeat(L + 5), '\n.'));
    expect(long.malformed?.message).toBe(`malformed pickle at offset 0: LONG argument longer than ${L} bytes`);
    const put = dis(p('Np', '0'.repeat(L + 1), '\n.'));
    expect(put.issues).toStrictEqual(beyond(1, `PUT argument longer than ${L} bytes`));
  });

  it('with a character int() never accepts within reach, it is plainly malformed', () => {
    const d = dis(p('NI', ' '.repeat(L - 1), 'z', ' ', '\n.'));
    expect(d.malformed?.message).toBe('malformed pickle at offset 1: INT argument is not an integer (int() raises ValueError)');
    expect(d.issues).toStrictEqual([]);
    expect(dis(p('Ng', 'z'.repeat(L + 1))).malformed?.message).toBe('malformed pickle at offset 1: GET argument is not an integer (int() raises ValueError)');
  });

  it('the C unpickler stops at a NUL: the rest of a long line is skipped to its newline', () => {
    const bytes = p('I7\x00', 'z'.repeat(L), '\n.');
    expect([dis(bytes).end, dis(bytes).malformed, dis(bytes).issues]).toStrictEqual([bytes.length, null, []]);
    // pickle.py (joblib) reads the whole line: the z is a ValueError there.
    expect(dis(bytes, { joblib: true }).malformed?.message).toBe('malformed pickle at offset 0: INT argument is not an integer (int() raises ValueError)');
    expect(dis(p('I7\x00', 'z'.repeat(L)), { joblib: true }).malformed?.message).toBe('malformed pickle at offset 0: INT argument is not an integer (int() raises ValueError)');
    // _pickle.c drops a LONG's 'L' only just before the newline: "5L" then a NUL is a ValueError.
    expect(dis(p('L5L\x00', 'z'.repeat(L), '\n.')).malformed?.message).toBe('malformed pickle at offset 0: LONG argument is not an integer (int() raises ValueError)');
    expect(dis(p('L5\x00', 'z'.repeat(L), '\n.')).malformed).toBeNull();
    // The skipped rest still needs its newline.
    expect(dis(p('I7\x00', 'z'.repeat(L))).malformed?.message).toBe('malformed pickle at offset 0: INT: no newline before the end of the data');
  });

  it('an empty line is an empty number, whatever follows it', () => {
    expect(dis(p('I\n', ' '.repeat(L + 1))).malformed?.message).toBe('malformed pickle at offset 0: INT argument is not an integer (int() raises ValueError)');
    // A NUL first: strtol reads no digits, and _pickle.c takes that as 0.
    const bytes = p('I\x00', 'z'.repeat(L), '\n.');
    expect([dis(bytes).end, dis(bytes).malformed]).toStrictEqual([bytes.length, null]);
  });

  it('a short line without a newline is truncated, not beyond the limit', () => {
    expect(dis(p('NI12')).malformed?.message).toBe('malformed pickle at offset 1: INT: no newline before the end of the data');
    expect(dis(p('NI12')).issues).toStrictEqual([]);
    expect(dis(p('L', '1'.repeat(L))).malformed?.message).toBe('malformed pickle at offset 0: LONG: no newline before the end of the data');
  });

  it('INT and LONG refusals', () => {
    expect(dis(p('NI1x\n.')).malformed?.message).toBe('malformed pickle at offset 1: INT argument is not an integer (int() raises ValueError)');
    expect(dis(p('NL1x\n.')).malformed?.message).toBe('malformed pickle at offset 1: LONG argument is not an integer (int() raises ValueError)');
    expect(dis(p('I01\nI00\nI12\nL12L\n.')).end).toBe(18);
  });
});

describe('names of GLOBAL and INST (maxKeptString, 4096 bytes)', () => {
  const a = (n: number): string => 'a'.repeat(n);

  it('a module or a name of 4096 bytes is read', () => {
    expect(names(dis(p('c', a(4096), '\nb\n.')))).toStrictEqual([`${a(4096)}.b`]);
    expect(names(dis(p([0x80, 4], 'cb\n', a(4096), '\n.')))).toStrictEqual([`b.${a(4096)}`]);
    expect(names(dis(p('(i', a(4096), '\nb\n.')))).toStrictEqual([`${a(4096)}.b`]);
  });

  it('an empty module followed by more than 4096 bytes is read', () => {
    expect(names(dis(p('c\nb\n', 'N0'.repeat(2500), '.')))).toStrictEqual(['.b']);
  });

  it('a longer module cannot name anything importable, whatever the protocol', () => {
    for (const proto of [[], [0x80, 4]]) {
      const at = proto.length;
      const d = dis(p(proto, 'c', a(4097), '\nb\n.'));
      expect(d.malformed?.message).toBe(`malformed pickle at offset ${at}: GLOBAL module longer than 4096 bytes cannot name anything importable`);
      expect(d.issues).toStrictEqual([]);
    }
    expect(dis(p('N(i', a(5000), '\nb\n.')).malformed?.message).toBe('malformed pickle at offset 2: INST module longer than 4096 bytes cannot name anything importable');
  });

  it('a longer name before protocol 4 cannot name anything importable', () => {
    for (const proto of [[], [0x80, 2], [0x80, 3]]) {
      const at = proto.length;
      const d = dis(p(proto, 'cb\n', a(4097), '\n.'));
      expect(d.malformed?.message).toBe(`malformed pickle at offset ${at}: GLOBAL name longer than 4096 bytes cannot name anything importable`);
      expect(d.issues).toStrictEqual([]);
    }
  });

  it('from protocol 4 a longer name may walk attributes: it cannot be judged', () => {
    for (const proto of [4, 5]) {
      const d = dis(p([0x80, proto], 'cb\n', a(4097), '\n.'));
      const why = 'GLOBAL name longer than 4096 bytes: what it imports cannot be judged';
      expect(d.malformed?.message).toBe(`malformed pickle at offset 2: ${why}`);
      expect(d.issues).toStrictEqual(beyond(2, why));
    }
    const inst = dis(p([0x80, 4], '(ib\n', a(4097), '\n.'));
    expect(inst.issues).toStrictEqual(beyond(3, 'INST name longer than 4096 bytes: what it imports cannot be judged'));
  });

  it('a name cut off by the end of the data is truncated', () => {
    expect(dis(p('c', a(4096))).malformed?.message).toBe('malformed pickle at offset 0: GLOBAL module: no newline before the end of the data');
    expect(dis(p('c', a(4097))).malformed?.message).toBe('malformed pickle at offset 0: GLOBAL module longer than 4096 bytes cannot name anything importable');
    expect(dis(p('cb\n', a(10))).malformed?.message).toBe('malformed pickle at offset 0: GLOBAL name: no newline before the end of the data');
  });
});
