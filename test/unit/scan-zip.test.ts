import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/scan/pickle.js';
import { scanBuffer } from '../../src/core/scan/scan.js';
import { isEscapingName, openZipMember, readZipDirectory, readZipMemberPrefix, type ZipEntry } from '../../src/core/scan/zip.js';
import { thrown } from '../helpers/errors.js';
import { makeZip, type Member } from '../helpers/zip-bytes.js';

const fixture = (name: string): Buffer => readFileSync(`test/fixtures/pickles/${name}`);

function zipError(fn: () => unknown): string {
  const err = thrown(fn);
  expect(err.code).toBe('INVALID_INPUT');
  return err.message;
}

const read = (zip: Uint8Array, name: string): Buffer => {
  const src = bytesSource(zip);
  const entry = readZipDirectory(src).entries.find((e) => e.name === name) as ZipEntry;
  const member = openZipMember(src, entry);
  return Buffer.from(member.read(0, member.size));
};

describe('reading archives', () => {
  it('lists the PyTorch fixture exactly as the generator wrote it', () => {
    const dir = readZipDirectory(bytesSource(fixture('torch_state_dict.pt')));
    expect(dir.zip64).toBe(false);
    expect(dir.entries.map((e) => [e.name, e.method])).toEqual([
      ['archive/data.pkl', 0],
      ['archive/byteorder', 0],
      ['archive/data/0', 0],
      ['archive/version', 0],
    ]);
    expect(read(fixture('torch_state_dict.pt'), 'archive/version').toString()).toBe('3\n');
    expect(read(fixture('torch_state_dict.pt'), 'archive/byteorder').toString()).toBe('little');
  });

  it('inflates deflated members (the .npz fixture)', () => {
    const npy = read(fixture('malicious.npz'), 'numbers.npy');
    expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(npy.readDoubleLE(npy.length - 8)).toBe(3);
  });

  it('reads ZIP64 archives', () => {
    const zip = makeZip([{ name: 'a.txt', data: Buffer.from('hello') }, { name: 'b/c.bin', data: Buffer.from('world'), deflate: true }], { zip64: true });
    const dir = readZipDirectory(bytesSource(zip));
    expect(dir.zip64).toBe(true);
    expect(dir.entries.map((e) => [e.name, e.compressedSize > 0, e.uncompressedSize])).toEqual([
      ['a.txt', true, 5],
      ['b/c.bin', true, 5],
    ]);
    expect(read(zip, 'b/c.bin').toString()).toBe('world');
  });

  it('reads a prefix of a large deflated member without inflating all of it', () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'abcdefgh');
    const zip = makeZip([{ name: 'x.npy', data: big, deflate: true }]);
    const src = bytesSource(zip);
    const entry = readZipDirectory(src).entries[0] as ZipEntry;
    expect(Buffer.from(readZipMemberPrefix(src, entry, 12)).toString()).toBe('abcdefghabcd');
  });

  it('flags names that would escape an extraction directory', () => {
    expect(['../x', 'a/../../x', '/etc/passwd', 'C:\\x', '\\\\server\\x'].every(isEscapingName)).toBe(true);
    expect(['archive/data.pkl', 'a..b/c', '..x'].some(isEscapingName)).toBe(false);
  });
});

describe('hostile archives', () => {
  const good = makeZip([{ name: 'archive/data.pkl', data: Buffer.from('N.') }]);

  it('an end record whose directory offset points past the end', () => {
    const zip = Buffer.from(good);
    zip.writeUInt32LE(0x7fffffff, zip.length - 6);
    expect(zipError(() => readZipDirectory(bytesSource(zip)))).toMatch(/runs past the end-of-central-directory record/);
  });

  it('no end record at all', () => {
    expect(zipError(() => readZipDirectory(bytesSource(good.subarray(0, good.length - 22))))).toMatch(/no end-of-central-directory record/);
    expect(zipError(() => readZipDirectory(bytesSource(Buffer.from('PK\x03\x04'))))).toMatch(/too short/);
  });

  it('an entry count that disagrees with the directory', () => {
    const zip = Buffer.from(good);
    zip.writeUInt16LE(2, zip.length - 12);
    expect(zipError(() => readZipDirectory(bytesSource(zip)))).toMatch(/cannot fit|announces 2 entries/);
  });

  it('a ZIP64 locator that points past the end', () => {
    const zip = makeZip([{ name: 'a', data: Buffer.from('x') }], { zip64: true });
    zip.writeBigUInt64LE(1n << 40n, zip.length - 22 - 20 + 8);
    expect(zipError(() => readZipDirectory(bytesSource(zip)))).toMatch(/ZIP64 end-of-central-directory record .* lies outside/);
  });

  it('a ZIP64 size beyond 2^53', () => {
    const zip = makeZip([{ name: 'a', data: Buffer.from('x') }], { zip64: true });
    zip.writeBigUInt64LE(1n << 60n, zip.length - 22 - 20 - 56 + 40);
    expect(zipError(() => readZipDirectory(bytesSource(zip)))).toMatch(/absurdly large/);
  });

  it('member data that runs past the end, encryption, unknown methods and lying stored sizes', () => {
    const cases: [Member, RegExp][] = [
      [{ name: 'a', data: Buffer.from('abc'), flags: 0x801 }, /encrypted/],
      [{ name: 'a', data: Buffer.from('abc'), method: 12 }, /compression method 12/],
      [{ name: 'a', data: Buffer.from('abc'), declared: 4 }, /declares different/],
    ];
    for (const [member, message] of cases) {
      const zip = makeZip([member]);
      const src = bytesSource(zip);
      const entry = readZipDirectory(src).entries[0] as ZipEntry;
      expect(zipError(() => openZipMember(src, entry))).toMatch(message);
    }
    const zip = makeZip([{ name: 'a', data: Buffer.from('abc') }]);
    const src = bytesSource(zip);
    const entry = { ...(readZipDirectory(src).entries[0] as ZipEntry), compressedSize: 1e9, uncompressedSize: 1e9 };
    expect(zipError(() => openZipMember(src, entry))).toMatch(/runs past the end of the file/);
  });

  it('a deflate bomb that inflates past its declared size stops at the declared size', () => {
    const zip = makeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(16 * 1024 * 1024), deflate: true, declared: 1000 }]);
    const src = bytesSource(zip);
    const entry = readZipDirectory(src).entries[0] as ZipEntry;
    expect(zipError(() => openZipMember(src, entry))).toMatch(/inflates past its declared size/);
  });

  it('a member declared larger than the cap, or at an impossible ratio, is refused before inflating', () => {
    const huge = makeZip([{ name: 'a.pkl', data: Buffer.from('N.'), deflate: true, declared: 0xfffffff0 }]);
    let src = bytesSource(huge);
    let entry = readZipDirectory(src).entries[0] as ZipEntry;
    expect(zipError(() => openZipMember(src, entry))).toMatch(/past the 1073741824-byte limit/);
    const ratio = makeZip([{ name: 'a.pkl', data: Buffer.from('N.'), deflate: true, declared: 100 * 1024 * 1024 }]);
    src = bytesSource(ratio);
    entry = readZipDirectory(src).entries[0] as ZipEntry;
    expect(zipError(() => openZipMember(src, entry))).toMatch(/decompression bomb/);
  });

  it('corrupt deflate data', () => {
    const zip = makeZip([{ name: 'a', data: Buffer.from('\xff\xff\xff\xff', 'latin1'), method: 8, declared: 10 }]);
    const src = bytesSource(zip);
    const entry = readZipDirectory(src).entries[0] as ZipEntry;
    expect(zipError(() => openZipMember(src, entry))).toMatch(/does not inflate/);
  });

  it('every truncation of a checkpoint is unsafe and never throws', () => {
    const bytes = fixture('torch_malicious.pt');
    for (let n = 4; n < bytes.length; n++) {
      const scan = scanBuffer('model.pt', bytes.subarray(0, n));
      expect(scan.status, `cut at ${n}`).toBe('unsafe');
      expect(scan.findings.some((f) => /malformed zip|malformed pickle|cannot be scanned/.test(f.message)), `cut at ${n}`).toBe(true);
    }
  });

  it('a bomb or a broken archive makes the checkpoint unsafe', () => {
    const bomb = makeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(4 * 1024 * 1024), deflate: true, declared: 64 }]);
    const scan = scanBuffer('model.pt', bomb);
    expect(scan.status).toBe('unsafe');
    expect(scan.findings).toEqual([{ severity: 'unsafe', message: expect.stringMatching(/^archive\/data\.pkl: cannot be scanned: malformed zip: .*inflates past its declared size/) }]);

    const broken = Buffer.from(fixture('torch_state_dict.pt'));
    broken.writeUInt32LE(broken.length * 2, broken.length - 6);
    const scan2 = scanBuffer('model.pt', broken);
    expect(scan2.status).toBe('unsafe');
    expect(scan2.findings[0]?.message).toMatch(/^malformed zip: /);
  });

  it('members with escaping names are still scanned, and reported', () => {
    const evil = fixture('os_system_p2.pkl');
    const zip = makeZip([{ name: '../../archive/data.pkl', data: evil }, { name: 'archive/data.pkl', data: Buffer.from('\x80\x02N.', 'latin1') }, { name: 'archive/data.pkl', data: evil }]);
    const scan = scanBuffer('model.pth', zip);
    expect(scan.status).toBe('unsafe');
    expect(scan.globals).toEqual(['posix.system']);
    expect(scan.findings.map((f) => f.severity + ' ' + f.message)).toEqual([
      'warning archive member "../../archive/data.pkl" has a path that escapes its directory',
      'warning archive holds two members named "archive/data.pkl"; loaders may disagree on which one counts',
      expect.stringMatching(/^unsafe \.\.\/\.\.\/archive\/data\.pkl: imports posix\.system: /),
    ]);
  });
});
