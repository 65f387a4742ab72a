// The text opcodes' numbers are parsed exactly as CPython parses them: replays what python3 recorded in
// test/fixtures/pickles/text_args.py (both the C unpickler and pickle.py) against the scanner.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesSource, disassemblePickle, pickleIntArg, pickleLongArg, pyLongFromString } from '../../src/core/scan/pickle.js';
import { scanBuffer } from '../../src/core/scan/scan.js';

interface Row {
  op: 'PUT' | 'GET' | 'INT' | 'LONG';
  hex: string;
  c: string | null;
  py: string | null;
}
const ROWS = JSON.parse(readFileSync('test/fixtures/pickles/text_args.json', 'utf8')) as Row[];
const cat = (...parts: (string | Uint8Array)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

/** The stream text_args.py loaded for the row, as the scanner reads it (plain = _pickle.c, joblib = pickle.py). */
function accepted(row: Row, python: boolean): boolean {
  const arg = Buffer.from(row.hex, 'hex');
  const stream =
    row.op === 'PUT' ? cat('Np', arg, '\n.') : row.op === 'GET' ? cat('Np0\n0g', arg, '\n.') : cat(row.op === 'INT' ? 'I' : 'L', arg, '\n.');
  const d = disassemblePickle(bytesSource(stream), { joblib: python });
  return d.malformed === null && d.incomplete === null;
}

describe('text opcode arguments, as CPython parses them', () => {
  it('the recorded cases cover acceptance and refusal by both unpicklers', () => {
    for (const op of ['PUT', 'GET', 'INT', 'LONG']) {
      expect(ROWS.filter((r) => r.op === op && r.c !== null).length).toBeGreaterThan(10);
      expect(ROWS.filter((r) => r.op === op && r.c === null).length).toBeGreaterThan(10);
    }
    expect(ROWS.some((r) => r.c !== null && r.py === null)).toBe(true); // the two unpicklers differ ("1\0", "010")
  });

  it.each([
    ['C unpickler', false],
    ['pickle.py', true],
  ] as const)('the scanner accepts exactly what the %s accepts', (_name, python) => {
    // "memory": CPython ran out of memory on a huge memo index; the scanner accepts those (the safe direction).
    const wrong = ROWS.filter((r) => (python ? r.py : r.c) !== 'memory').filter((r) => accepted(r, python) !== ((python ? r.py : r.c) !== null)).map((r) => `${r.op} ${JSON.stringify(Buffer.from(r.hex, 'hex').toString('latin1'))}`);
    expect(wrong).toEqual([]);
  });

  it.each([
    ['C unpickler', false],
    ['pickle.py', true],
  ] as const)('PUT keys, INT and LONG values are the %s values', (_name, python) => {
    for (const r of ROWS) {
      const expected = python ? r.py : r.c;
      if (expected === null || expected === 'memory') continue;
      const arg = Buffer.from(r.hex, 'hex');
      if (r.op === 'PUT') expect(pyLongFromString(arg, 10, !python)?.toString()).toBe(expected);
      if (r.op === 'INT') expect(String(pickleIntArg(arg, !python))).toBe(expected);
      if (r.op === 'LONG') expect(String(pickleLongArg(arg, !python))).toBe(expected);
    }
  });

  it('a protocol-0 os.system pickle whose PUT index is written "p 0" is unsafe, whatever its extension', () => {
    // What pickle.dumps(..., protocol=0) writes for a REDUCE of posix.system, with the memo index respelled
    // "p 0": CPython's int(b' 0') is 0, so pickle.load and torch.load run os.system on it.
    const evil = cat("cposix\nsystem\np 0\n(S'echo pwned'\np+01\ntp0_2\nRp 3\n.");
    for (const name of ['x.pkl', 'x.bin', 'x.pt', 'x.npy', 'x.dat', 'x']) {
      const scan = scanBuffer(name, evil);
      expect(scan.status, name).toBe('unsafe');
      expect(scan.globals, name).toEqual(['posix.system']);
    }
  });

  it('a memo index respelled in every accepted way still resolves a STACK_GLOBAL operand', () => {
    // Protocol 4: the module and name strings are memoised by PUT and fetched back by GET before STACK_GLOBAL.
    for (const [put, get] of [[' 7', '+7'], ['0_7', ' 07 '], ['\t7\r', '7\x00junk']] as const) {
      const stream = cat('\x80\x04', `Vos\np${put}\n0Vsystem\np8\n0g${get}\ng8\n\x93)R.`);
      const scan = scanBuffer('x.pkl', stream);
      expect(scan.globals).toEqual(['os.system']);
      expect(scan.status).toBe('unsafe');
    }
  });
});

describe('aliases of dangerous modules, end to end', () => {
  it('STACK_GLOBAL random + _os.posix_spawnp is unsafe: CPython resolves it to os.posix_spawnp', () => {
    // Checked with python3 3.11: pickle.loads(b'\x80\x04\x8c\x06random\x94\x8c\x0a_os.getcwd\x94\x93\x94.') is
    // os.getcwd, so the same stream naming _os.posix_spawnp hands os.posix_spawnp to the REDUCE after it.
    const name = '_os.posix_spawnp';
    const stream = cat('\x80\x04\x8c\x06random\x94', Buffer.from([0x8c, name.length]), name, "\x94\x93\x94\x8c\x02sh\x85R.");
    const scan = scanBuffer('model.bin', stream);
    expect(scan.status).toBe('unsafe');
    expect(scan.globals).toEqual(['random._os.posix_spawnp']);
    expect(scan.findings.find((f) => f.severity === 'unsafe')?.message).toMatch(/reaches os\.posix_spawnp through random\._os/);
  });

  it('logging.config.dictConfig and nested loaders are unsafe, not warnings', () => {
    for (const [module, fn] of [['logging.config', 'dictConfig'], ['joblib.numpy_pickle', 'load'], ['numpy.lib._npyio_impl', 'load'], ['torch.serialization', '_load']]) {
      const stream = cat('\x80\x04', Buffer.from([0x8c, module!.length]), module!, '\x94', Buffer.from([0x8c, fn!.length]), fn!, '\x94\x93)R.');
      expect(scanBuffer('m.pkl', stream).status, `${module}.${fn}`).toBe('unsafe');
    }
  });
});
