// The one table of model file formats mreg knows: for each, the file names and first bytes that identify it,
// how its interface is read and compared, and whether its files can hold pickles. Everything that knows about
// formats asks this table: reading interfaces (read.ts), validating a manifest's schema, comparing versions.

import { PICKLE_EXTENSIONS, type PickleLoader } from '../scan/kinds.js';
import { looksLikeGguf, readGguf } from './gguf.js';
import { readOnnx } from './onnx.js';
import { looksLikeSafetensors, readSafetensors } from './safetensors.js';
import type { ModelInterface } from './types.js';

export interface ModelFormat {
  /** Unique; for a format with a reader, the `format` of the interfaces it reads (stored as schema.<path>.format). */
  readonly name: string;
  /** File extensions, lower case with their dot; an extension belongs to one format only. */
  readonly extensions: readonly string[];
  /**
   * Reads the interface from the file's header, never its weights; a damaged or hostile header throws MregError
   * INVALID_HEADER. Without a reader mreg records no interface for the format's files.
   */
  readonly read?: (path: string) => Promise<ModelInterface>;
  /**
   * Recognizes the format from a file's first `bytes` bytes (fewer if the file is shorter) when its extension
   * names no format with a reader. Only for signatures that cannot be mistaken, and at most one format's test
   * may pass for any bytes (tests run in table order).
   */
  readonly magic?: { readonly bytes: number; readonly test: (head: Buffer, size: number) => boolean };
  /**
   * How two versions' files of the format are compared. 'file': each file is a model of its own, paired by path.
   * 'shards': a caller loads all the version's files of the format as one model (model-00001-of-00003.safetensors),
   * so they are compared together and moving a tensor between shards changes nothing. Default 'file'.
   */
  readonly compare?: 'file' | 'shards';
  /**
   * The Python loader that unpickles files of this kind (src/core/scan/kinds.ts), so they are scanned for
   * pickles before they are stored; null when loading them never unpickles.
   */
  readonly pickles: PickleLoader | null;
}

/**
 * Adding a format: its reader in a file of its own here, and one row below. The extensions of the formats that
 * hold pickles come from the scanner (src/core/scan/kinds.ts), which must stay a leaf and cannot read this table.
 */
export const FORMATS: readonly ModelFormat[] = [
  { name: 'onnx', extensions: ['.onnx'], read: readOnnx, compare: 'file', pickles: null },
  { name: 'safetensors', extensions: ['.safetensors'], read: readSafetensors, magic: { bytes: 9, test: looksLikeSafetensors }, compare: 'shards', pickles: null },
  { name: 'gguf', extensions: ['.gguf'], read: readGguf, magic: { bytes: 4, test: looksLikeGguf }, compare: 'shards', pickles: null },
  { name: 'pickle', extensions: PICKLE_EXTENSIONS.pickle, pickles: 'pickle' },
  { name: 'pytorch', extensions: PICKLE_EXTENSIONS.torch, pickles: 'torch' },
  { name: 'numpy', extensions: PICKLE_EXTENSIONS.numpy, pickles: 'numpy' },
];

/** The formats whose interface mreg reads: the only names a manifest's schema may record, in table order. */
export const INTERFACE_FORMAT_NAMES: readonly string[] = FORMATS.filter((f) => f.read !== undefined).map((f) => f.name);

const BY_EXTENSION = new Map(FORMATS.flatMap((f) => f.extensions.map((ext) => [ext, f] as const)));
const BY_NAME = new Map(FORMATS.map((f) => [f.name, f]));

/** The format an extension (with its dot, any case) belongs to. */
export function formatOfExtension(extension: string): ModelFormat | undefined {
  return BY_EXTENSION.get(extension.toLowerCase());
}

export function formatNamed(name: string): ModelFormat | undefined {
  return BY_NAME.get(name);
}
