// Picks the header reader for a model file by its extension, or by its first bytes when the extension says
// nothing; a format mreg does not know has no interface (undefined) rather than an error.

import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { GGUF_MAGIC, readGguf } from './gguf.js';
import { readOnnx } from './onnx.js';
import { MAX_SAFETENSORS_HEADER, readSafetensors } from './safetensors.js';
import type { ModelInterface } from './types.js';

type Reader = (path: string) => Promise<ModelInterface>;

const BY_EXTENSION: Readonly<Record<string, Reader>> = {
  '.onnx': readOnnx,
  '.safetensors': readSafetensors,
  '.gguf': readGguf,
};

/**
 * The interface recorded in a model file's header, or undefined for formats mreg does not read.
 * A file of a known format whose header is damaged or hostile throws MregError INVALID_HEADER.
 */
export async function readInterface(path: string): Promise<ModelInterface | undefined> {
  const byExtension = BY_EXTENSION[extname(path).toLowerCase()];
  if (byExtension) return byExtension(path);
  const sniffed = await sniff(path);
  return sniffed ? sniffed(path) : undefined;
}

/** Only signatures that cannot be mistaken: the GGUF magic, and a safetensors length followed by '{'. */
async function sniff(path: string): Promise<Reader | undefined> {
  if (!(await stat(path)).isFile()) return undefined; // never open a FIFO or device just to sniff it
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(9);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead >= 4 && head.toString('latin1', 0, 4) === GGUF_MAGIC) return readGguf;
    if (bytesRead === 9 && head[8] === 0x7b) {
      const length = head.readBigUInt64LE(0);
      if (length >= 2n && length <= BigInt(Math.min(MAX_SAFETENSORS_HEADER, size - 8))) return readSafetensors;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
