// Which files hold pickles, and what kind of file the bytes are: the Python loader each file extension is
// used with, and the first-bytes signatures (ZIP, .npy, tar, compressors) that decide how that loader reads them.

import { basename, extname } from 'node:path';
import type { ByteSource } from './pickle.js';

/**
 * How a file is unpickled when it is loaded:
 * - pickle: pickle.load (a .pkl may hold several pickles back to back) or joblib.load (one, maybe compressed)
 * - torch: torch.load (a ZIP archive since torch 1.6, or a legacy stream of pickles)
 * - numpy: numpy.load(allow_pickle=True) (object arrays in an .npy, or in the .npy members of an .npz)
 */
export type PickleLoader = 'pickle' | 'torch' | 'numpy';

/**
 * The file extensions (lower case, with the dot) each loader is used with: they pick how the scanner reads a
 * file (a .joblib holds one pickle, a .pkl several). Every other file is judged by its bytes alone (scan.ts
 * scanByContent), since the loaders ignore extensions. src/core/formats/registry.ts lists them as formats.
 */
export const PICKLE_EXTENSIONS: Readonly<Record<PickleLoader, readonly string[]>> = {
  pickle: ['.pkl', '.pickle', '.joblib', '.dill'],
  /** torch.save's extensions: a ZIP archive (since torch 1.6) or a legacy stream of pickles. */
  torch: ['.pt', '.pth', '.bin', '.ckpt'],
  numpy: ['.npy', '.npz'],
};

/** joblib.dump picks a compressor from these suffixes (model.pkl.gz); joblib.load sniffs the bytes. */
const COMPRESSION_SUFFIXES: readonly string[] = ['.gz', '.z', '.bz2', '.xz', '.lzma', '.lz4'];

/**
 * The loader that would unpickle a file named `name`, and the extension that says so (a compression suffix
 * after a pickle extension is looked through: model.pkl.gz is a .pkl), or undefined for every other file.
 */
export function pickleKindOf(name: string): { loader: PickleLoader; extension: string } | undefined {
  let ext = extname(basename(name)).toLowerCase();
  if (COMPRESSION_SUFFIXES.includes(ext)) {
    const inner = extname(basename(name).slice(0, -ext.length)).toLowerCase();
    if (PICKLE_EXTENSIONS.pickle.includes(inner)) ext = inner;
  }
  for (const loader of ['pickle', 'torch', 'numpy'] as const) {
    if (PICKLE_EXTENSIONS[loader].includes(ext)) return { loader, extension: ext };
  }
  return undefined;
}

/** A ZIP local file header: torch.save archives, numpy.savez archives. */
export const PK_LOCAL = [0x50, 0x4b, 0x03, 0x04];
/** The magic string of an .npy document. */
export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function startsWith(b: Uint8Array, magic: readonly number[], at = 0): boolean {
  return b.length >= at + magic.length && magic.every((m, i) => b[at + i] === m);
}

/** The first `n` bytes of a source, fewer if it is shorter. */
export function head(src: ByteSource, n: number): Uint8Array {
  return src.read(0, Math.min(n, src.size));
}

/** A zlib stream header (CMF 0x78 and a check that makes CMF·256+FLG a multiple of 31). */
export function isZlib(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x78 && (((b[0] as number) << 8) | (b[1] as number)) % 31 === 0;
}

export function isGzip(b: Uint8Array): boolean {
  return startsWith(b, [0x1f, 0x8b]);
}

/** A POSIX tar archive (the "ustar" magic at offset 257); needs the first 262 bytes. */
export function isTar(b: Uint8Array): boolean {
  return b.length >= 262 && String.fromCharCode(...b.subarray(257, 262)) === 'ustar';
}

/** Compressors joblib can write that mreg does not decompress. */
export const UNREAD_COMPRESSIONS: readonly { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'bz2', test: (b) => startsWith(b, [0x42, 0x5a, 0x68]) && startsWith(b, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) },
  { name: 'xz', test: (b) => startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'lzma', test: (b) => startsWith(b, [0x5d, 0x00, 0x00]) },
  { name: 'lz4', test: (b) => startsWith(b, [0x04, 0x22, 0x4d, 0x18]) },
];
