// Bounded random-access reads over a model file for the header readers (GGUF, ONNX, safetensors):
// one 64 KiB window plus whatever single field is being decoded, whatever the size of the file.

import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { MregError } from '../../errors.js';

const WINDOW = 64 * 1024;

export class HeaderReader {
  /** Absolute offset of the next byte to read. */
  pos = 0;
  private readonly window = Buffer.allocUnsafe(WINDOW);
  private windowStart = 0;
  private windowLength = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
  ) {}

  /** Opens `path`, runs `read` on it and closes it, whatever happens. */
  static async read<T>(path: string, read: (reader: HeaderReader) => Promise<T>): Promise<T> {
    const reader = await HeaderReader.open(path);
    try {
      return await read(reader);
    } finally {
      await reader.close();
    }
  }

  static async open(path: string): Promise<HeaderReader> {
    // Checked before opening: opening a FIFO or a device named like a model could block forever.
    if (!(await stat(path)).isFile()) {
      throw new MregError('INVALID_HEADER', `${basename(path)}: not a regular file`, { data: { path } });
    }
    // O_NONBLOCK and a second check: the path may have been swapped for a FIFO since the stat.
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new MregError('INVALID_HEADER', `${basename(path)}: not a regular file`, { data: { path } });
      return new HeaderReader(handle, path, st.size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** An INVALID_HEADER error whose message starts with the file's name, so the user knows which file is bad. */
  fail(message: string): MregError {
    return new MregError('INVALID_HEADER', `${basename(this.path)}: ${message}`, { data: { path: this.path } });
  }

  get remaining(): number {
    return this.size - this.pos;
  }

  seek(pos: number): void {
    if (pos < 0 || pos > this.size) throw this.fail(`offset ${pos} is outside the file (${this.size} bytes)`);
    this.pos = pos;
  }

  skip(n: number | bigint): void {
    if (BigInt(n) > BigInt(this.remaining)) throw this.truncated(n);
    this.pos += Number(n);
  }

  /**
   * Makes up to `n` bytes (n <= 64 KiB) from `pos` available in the window without moving `pos`; fewer only at the
   * end of the file. Returns the window and the index of `pos` in it.
   */
  async view(n: number): Promise<{ buf: Buffer; at: number; available: number }> {
    const want = Math.min(n, this.remaining);
    const inWindow = this.windowStart + this.windowLength - this.pos;
    if (this.pos < this.windowStart || inWindow < want) await this.load(this.pos);
    const at = this.pos - this.windowStart;
    return { buf: this.window, at, available: Math.min(this.windowLength - at, this.remaining) };
  }

  /** Copies `n` bytes from `pos`; callers cap `n` before asking, since this allocates it. */
  async bytes(n: number): Promise<Buffer> {
    if (n > this.remaining) throw this.truncated(n);
    if (n > WINDOW) return this.exact(n);
    const { buf, at } = await this.view(n);
    this.pos += n;
    return Buffer.from(buf.subarray(at, at + n));
  }

  /** Reads exactly `n` bytes from `pos` without filling the window, for formats that must not read past a header. */
  async exact(n: number): Promise<Buffer> {
    if (n > this.remaining) throw this.truncated(n);
    const out = Buffer.allocUnsafe(n);
    await this.readFully(out, this.pos);
    this.pos += n;
    return out;
  }

  async u8(): Promise<number> {
    return (await this.fixed(1)).readUInt8(0);
  }
  async u32(): Promise<number> {
    return (await this.fixed(4)).readUInt32LE(0);
  }
  async u64(): Promise<bigint> {
    return (await this.fixed(8)).readBigUInt64LE(0);
  }

  /** A little-endian fixed-size value as a short-lived slice of the window (valid until the next read). */
  async fixed(n: number): Promise<Buffer> {
    if (n > this.remaining) throw this.truncated(n);
    const { buf, at } = await this.view(n);
    this.pos += n;
    return buf.subarray(at, at + n);
  }

  truncated(n: number | bigint): MregError {
    return this.fail(`file ends early: ${n} more bytes needed at offset ${this.pos}, but the file is ${this.size} bytes`);
  }

  private async load(from: number): Promise<void> {
    const length = Math.min(WINDOW, this.size - from);
    this.windowStart = from;
    this.windowLength = 0;
    await this.readFully(this.window.subarray(0, length), from);
    this.windowLength = length;
  }

  private async readFully(target: Buffer, from: number): Promise<void> {
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await this.handle.read(target, done, target.length - done, from + done);
      // The file shrank under us (stat said otherwise): treat it like any truncated file.
      if (bytesRead === 0) throw this.truncated(target.length - done);
      done += bytesRead;
    }
  }
}
