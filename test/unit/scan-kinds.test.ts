// kinds.ts: which loader a file name picks, and the first-bytes signatures the scanner dispatches on.
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/scan/pickle.js';
import { head, isGzip, isTar, isZlib, pickleKindOf, startsWith, UNREAD_COMPRESSIONS } from '../../src/core/scan/kinds.js';

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const compression = (bytes: Uint8Array): string | undefined => UNREAD_COMPRESSIONS.find((c) => c.test(bytes))?.name;

describe('pickleKindOf', () => {
  it.each([
    ['model.pkl', 'pickle', '.pkl'],
    ['model.pickle', 'pickle', '.pickle'],
    ['model.joblib', 'pickle', '.joblib'],
    ['model.dill', 'pickle', '.dill'],
    ['model.pt', 'torch', '.pt'],
    ['model.pth', 'torch', '.pth'],
    ['pytorch_model.bin', 'torch', '.bin'],
    ['last.ckpt', 'torch', '.ckpt'],
    ['a.npy', 'numpy', '.npy'],
    ['a.npz', 'numpy', '.npz'],
    // Upper case names, directories, compression suffixes after a pickle extension.
    ['MODEL.PKL', 'pickle', '.pkl'],
    ['dir.pt/MODEL.Joblib', 'pickle', '.joblib'],
    ['model.pkl.gz', 'pickle', '.pkl'],
    ['MODEL.PKL.GZ', 'pickle', '.pkl'],
    ['model.joblib.z', 'pickle', '.joblib'],
    ['model.pickle.bz2', 'pickle', '.pickle'],
    ['model.dill.xz', 'pickle', '.dill'],
    ['model.pkl.lzma', 'pickle', '.pkl'],
    ['model.pkl.lz4', 'pickle', '.pkl'],
    ['a/b.c/model.pkl.Z', 'pickle', '.pkl'],
  ])('%s is read by %s (%s)', (name, loader, extension) => {
    expect(pickleKindOf(name)).toStrictEqual({ loader, extension });
  });

  it.each([
    'model.safetensors',
    'model',
    'model.gz', // nothing before the suffix
    'model.pt.gz', // only pickle extensions are looked through
    'model.npy.gz',
    'model.txt.gz',
    'model.pkl.tar', // not a compression suffix
    'model.pkl.zip',
    'model.pkl.gz.gz',
    'pkl',
    '.pkl.gz/x',
  ])('%s names no pickle loader', (name) => {
    expect(pickleKindOf(name)).toBeUndefined();
  });

  it('a compression suffix in front of another extension is not looked through', () => {
    // "x.gz.pt" is a .pt file; "x.pkl.pt" too (the suffix decides, not the extension before it).
    expect(pickleKindOf('x.gz.pt')).toStrictEqual({ loader: 'torch', extension: '.pt' });
    expect(pickleKindOf('x.pkl.pt')).toStrictEqual({ loader: 'torch', extension: '.pt' });
    expect(pickleKindOf('x.pkl.npy')).toStrictEqual({ loader: 'numpy', extension: '.npy' });
  });
});

describe('signatures', () => {
  it('startsWith compares every byte of the magic, at an offset, and needs all of it', () => {
    const magic = [1, 2, 3];
    expect(startsWith(b(1, 2, 3), magic)).toBe(true);
    expect(startsWith(b(1, 2, 3, 4), magic)).toBe(true);
    expect(startsWith(b(1, 2), magic)).toBe(false);
    expect(startsWith(b(1, 2, 4), magic)).toBe(false);
    expect(startsWith(b(0, 2, 3), magic)).toBe(false);
    expect(startsWith(b(9, 1, 2, 3), magic, 1)).toBe(true);
    expect(startsWith(b(9, 1, 2), magic, 1)).toBe(false);
    expect(startsWith(b(1, 2, 3), magic, 1)).toBe(false);
    expect(startsWith(b(), [])).toBe(true);
    expect(startsWith(b(), [], 1)).toBe(false);
  });

  it('head returns the first n bytes, fewer when the source is shorter', () => {
    const src = bytesSource(b(1, 2, 3, 4, 5));
    expect([...head(src, 3)]).toStrictEqual([1, 2, 3]);
    expect([...head(src, 5)]).toStrictEqual([1, 2, 3, 4, 5]);
    expect([...head(src, 9)]).toStrictEqual([1, 2, 3, 4, 5]);
    expect([...head(src, 0)]).toStrictEqual([]);
    const reads: [number, number][] = [];
    head({ size: 5, read: (o, l) => (reads.push([o, l]), new Uint8Array(l)) }, 64);
    head({ size: 5, read: (o, l) => (reads.push([o, l]), new Uint8Array(l)) }, 2);
    expect(reads).toStrictEqual([
      [0, 5],
      [0, 2],
    ]);
  });

  it('isZlib: CMF 0x78 and a header check that is a multiple of 31', () => {
    for (const flg of [0x01, 0x5e, 0x9c, 0xda]) expect(isZlib(b(0x78, flg, 0)), `78 ${flg.toString(16)}`).toBe(true);
    expect(isZlib(b(0x78, 0x9c))).toBe(true);
    for (const flg of [0x00, 0x02, 0x9b, 0x9d, 0xdb]) expect(isZlib(b(0x78, flg, 0)), `78 ${flg.toString(16)}`).toBe(false);
    expect(isZlib(b(0x78))).toBe(false);
    expect(isZlib(b())).toBe(false);
    // 0x58 0x85 is a multiple of 31 too, but not a 32 KiB-window deflate header.
    expect((0x58 * 256 + 0x85) % 31).toBe(0);
    expect(isZlib(b(0x58, 0x85))).toBe(false);
    expect(isZlib(b(0x08, 0x1d))).toBe(false);
  });

  it('isGzip: 1f 8b', () => {
    expect(isGzip(b(0x1f, 0x8b))).toBe(true);
    expect(isGzip(b(0x1f, 0x8b, 8))).toBe(true);
    expect(isGzip(b(0x1f))).toBe(false);
    expect(isGzip(b(0x1f, 0x8c))).toBe(false);
    expect(isGzip(b(0x1e, 0x8b))).toBe(false);
  });

  it('isTar: "ustar" at offset 257, in at least 262 bytes', () => {
    const tar = new Uint8Array(262);
    tar.set(Buffer.from('ustar'), 257);
    expect(isTar(tar)).toBe(true);
    expect(isTar(tar.subarray(0, 261))).toBe(false);
    const longer = new Uint8Array(512);
    longer.set(Buffer.from('ustar\x0000'), 257);
    expect(isTar(longer)).toBe(true);
    const off = new Uint8Array(512);
    off.set(Buffer.from('ustar'), 256);
    expect(isTar(off)).toBe(false);
    const other = new Uint8Array(512);
    other.set(Buffer.from('ustaR'), 257);
    expect(isTar(other)).toBe(false);
  });

  it('the compressors mreg does not decompress, each by its whole magic', () => {
    expect(compression(b(0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59))).toBe('bz2');
    expect(compression(b(0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x58))).toBeUndefined(); // block magic broken
    expect(compression(b(0x42, 0x5a, 0x69, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59))).toBeUndefined(); // "BZi"
    expect(compression(b(0x00, 0x00, 0x00, 0x00, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59))).toBeUndefined(); // block magic alone
    expect(compression(b(0x42, 0x5a, 0x68))).toBeUndefined();
    expect(compression(b(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00))).toBe('xz');
    expect(compression(b(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01))).toBeUndefined();
    expect(compression(b(0xfd, 0x37, 0x7a, 0x58, 0x5a))).toBeUndefined();
    expect(compression(b(0x5d, 0x00, 0x00, 0x80))).toBe('lzma');
    expect(compression(b(0x5d, 0x00, 0x01))).toBeUndefined();
    expect(compression(b(0x5e, 0x00, 0x00))).toBeUndefined();
    expect(compression(b(0x04, 0x22, 0x4d, 0x18, 0x64))).toBe('lz4');
    expect(compression(b(0x04, 0x22, 0x4d, 0x19))).toBeUndefined();
    expect(compression(b(0x80, 0x04, 0x95))).toBeUndefined(); // a pickle
    expect(compression(b())).toBeUndefined();
  });
});
