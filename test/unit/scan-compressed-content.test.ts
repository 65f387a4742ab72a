// A compressed file whose name names no pickle loader is decided by its inflated first bytes (joblib.load
// sniffs gzip and zlib whatever the name). The first bytes must be found however much the stream inflates:
// joblib.dump(model, 'model.gz') of any real model inflates its first 64 KiB to far more than 64 KiB.
import { readFileSync } from 'node:fs';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SCAN_LIMITS, scanBuffer } from '../../src/core/scan/scan.js';

const evil = readFileSync('test/fixtures/pickles/os_system_p2.pkl');
/** Protocol 2: a 192 KiB BINBYTES of zeros (compresses about 1000:1), then os.system. */
const bigEvil = Buffer.concat([Buffer.from([0x80, 0x02, 0x42, 0x00, 0x00, 0x03, 0x00]), Buffer.alloc(192 * 1024), Buffer.from('0', 'latin1'), evil.subarray(2)]);
const POSIX = 'imports posix.system: unsafe module posix (the POSIX implementation of os (pickle names os.system "posix.system" on Linux and macOS))';
/** The scan of an os.system pickle compressed whole, found and scanned after inflating. */
const inflatedAndUnsafe = (path: string, kind: string) => ({
  path,
  status: 'unsafe',
  globals: ['posix.system'],
  findings: [
    { severity: 'info', message: `${kind}-compressed (as joblib.dump(compress=...) writes): scanned after decompressing` },
    { severity: 'unsafe', message: POSIX },
  ],
});

describe('compressed pickles under names that say nothing', () => {
  it('a gzip or zlib pickle that inflates far past 64 KiB is still found and scanned', () => {
    expect(gzipSync(bigEvil).length).toBeLessThan(64 * 1024);
    for (const [name, bytes, kind] of [
      ['model.gz', gzipSync(bigEvil), 'gzip'],
      ['model', gzipSync(bigEvil), 'gzip'],
      ['model.z', deflateSync(bigEvil), 'zlib'],
      ['model.bin.gz', gzipSync(bigEvil, { level: 1 }), 'gzip'],
    ] as const) {
      expect(scanBuffer(name, bytes), name).toStrictEqual(inflatedAndUnsafe(name, kind));
    }
  });

  it('compressed data that is not a pickle stays "not a pickle", however much it inflates', () => {
    for (const data of [Buffer.alloc(1024 * 1024, 'a'), Buffer.from('x'), Buffer.from([0x80]), Buffer.from([0x80, 0x06, 0x4e, 0x2e]), Buffer.alloc(0)]) {
      for (const bytes of [gzipSync(data), deflateSync(data)]) {
        expect(scanBuffer('data.gz', bytes), `${data.length} bytes`).toStrictEqual({
          path: 'data.gz',
          status: 'safe',
          globals: [],
          findings: [{ severity: 'info', message: 'not a pickle-based format (compressed data that does not start with a pickle)' }],
        });
      }
    }
  });

  it('a gzip header with a long file name is read past before the first bytes are judged', () => {
    // FLG.FNAME: a zero-terminated name after the 10-byte header (Python's gzip reads any length).
    const body = gzipSync(evil).subarray(10);
    const header = Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 0x03]);
    const gz = Buffer.concat([header, Buffer.alloc(3000, 'n'), Buffer.from([0]), body]);
    expect(scanBuffer('model.gz', gz)).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
  });

  it('corrupt compressed data is not a pickle', () => {
    const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0xff, 0xff, 0xff, 0xff]);
    expect(scanBuffer('x.gz', gz).findings).toStrictEqual([{ severity: 'info', message: 'not a pickle-based format (compressed data that does not start with a pickle)' }]);
  });
});

describe('compressed protocol 0 and 1 pickles (no PROTO byte) under names that say nothing', () => {
  // pickle.dumps(obj, protocol=0 / 1) of an object whose __reduce__ returns (os.system, ('echo hi',)).
  const p0 = Buffer.from('cposix\nsystem\np0\n(Vecho hi\np1\ntp2\nRp3\n.', 'latin1');
  const p1 = Buffer.from('cposix\nsystem\nq\x00(X\x07\x00\x00\x00echo hiq\x01tq\x02Rq\x03.', 'latin1');

  it('joblib.load would unpickle them, so they are inflated whole and scanned', () => {
    for (const [name, bytes, kind] of [
      ['model.gz', gzipSync(p0), 'gzip'],
      ['model', deflateSync(p1), 'zlib'],
      ['weights.z', gzipSync(readFileSync('test/fixtures/pickles/os_system_p0.pkl')), 'gzip'],
    ] as const) {
      expect(scanBuffer(name, bytes), name).toStrictEqual(inflatedAndUnsafe(name, kind));
    }
  });

  it('compressed text that only starts with an opcode letter is still not a pickle', () => {
    for (const text of ['id,score\n1,0.5\n', 'cat\n', 'csv data']) {
      expect(scanBuffer('data.csv.gz', gzipSync(Buffer.from(text))).findings, text).toStrictEqual([
        { severity: 'info', message: 'not a pickle-based format (compressed data that does not start with a pickle)' },
      ]);
    }
  });

  it('compressed data too large to inflate whole is a warning, not a silent "not a pickle"', () => {
    const saved = SCAN_LIMITS.maxDecompressed;
    try {
      SCAN_LIMITS.maxDecompressed = 1000;
      expect(scanBuffer('data.gz', gzipSync(Buffer.alloc(1001, 'a'))).findings).toStrictEqual([
        { severity: 'warning', message: 'compressed data that inflates past 1000 bytes: not checked for a pickle' },
      ]);
      expect(scanBuffer('data.gz', gzipSync(Buffer.alloc(1000, 'a'))).findings).toStrictEqual([
        { severity: 'info', message: 'not a pickle-based format (compressed data that does not start with a pickle)' },
      ]);
    } finally {
      SCAN_LIMITS.maxDecompressed = saved;
    }
  });

  it('a compressed pickle too large to inflate whole is still known by its first bytes, so it is unsafe, not unchecked', () => {
    // The PROTO byte sits behind a 200-byte gzip file name: the first 32 input bytes inflate to nothing.
    const pickle = Buffer.concat([Buffer.from([0x80, 0x02, 0x42, 0x00, 0x20, 0x00, 0x00]), Buffer.alloc(8192), Buffer.from('.', 'latin1')]);
    const header = Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 0x03]);
    const named = Buffer.concat([header, Buffer.alloc(200, 'n'), Buffer.from([0]), gzipSync(pickle).subarray(10)]);
    const saved = SCAN_LIMITS.maxDecompressed;
    try {
      SCAN_LIMITS.maxDecompressed = 4096;
      for (const bytes of [named, gzipSync(pickle)]) {
        expect(scanBuffer('model.gz', bytes)).toStrictEqual({
          path: 'model.gz',
          status: 'unsafe',
          globals: [],
          findings: [{ severity: 'unsafe', message: 'gzip-compressed file inflates past 4096 bytes; not scanned' }],
        });
      }
    } finally {
      SCAN_LIMITS.maxDecompressed = saved;
    }
  });
});
