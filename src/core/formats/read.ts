// Picks the header reader for a model file from FORMATS (registry.ts): by its extension, or by its first bytes
// when the extension names no format with a reader; a format mreg does not read has no interface (undefined).

import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FORMATS, formatOfExtension, type ModelFormat } from './registry.js';
import type { ModelInterface } from './types.js';

type Reader = (path: string) => Promise<ModelInterface>;

/** The formats recognizable by their first bytes, and how many bytes the longest test needs. */
const SNIFFED = FORMATS.filter((f): f is ModelFormat & Required<Pick<ModelFormat, 'read' | 'magic'>> => f.read !== undefined && f.magic !== undefined);
const SNIFF_BYTES = Math.max(0, ...SNIFFED.map((f) => f.magic.bytes));

/**
 * The interface recorded in a model file's header, or undefined for formats mreg does not read.
 * A file of a known format whose header is damaged or hostile throws MregError INVALID_HEADER.
 */
export async function readInterface(path: string): Promise<ModelInterface | undefined> {
  const byExtension = formatOfExtension(extname(path))?.read;
  if (byExtension) return byExtension(path);
  const sniffed = await sniff(path);
  return sniffed ? sniffed(path) : undefined;
}

/** The reader of the first format whose magic test passes on the file's first bytes (see ModelFormat.magic). */
async function sniff(path: string): Promise<Reader | undefined> {
  if (!(await stat(path)).isFile()) return undefined; // never open a FIFO or device just to sniff it
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK); // swapped for a FIFO since: no block
  try {
    const st = await handle.stat();
    if (!st.isFile()) return undefined;
    const size = st.size;
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return SNIFFED.find((f) => f.magic.test(head.subarray(0, Math.min(bytesRead, f.magic.bytes)), size))?.read;
  } finally {
    await handle.close();
  }
}
