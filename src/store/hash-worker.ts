// sha256 of a large file on a worker thread. Node's hash runs on the thread that calls update(), so
// the shards of one register hashed "in parallel" on the main thread share one core; on a worker each
// uses its own. The worker's code is a string (eval), so it runs the same from dist/ and from the
// TypeScript sources under test. It reads with its own 2 MiB buffer: memory stays bounded per file.
import { Worker } from 'node:worker_threads';

/** Below this, a worker's start-up (tens of milliseconds) costs more than a second core saves. */
export const WORKER_HASH_MIN = 64 * 1024 * 1024;

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const fd = openSync(workerData.path, require('node:fs').constants.O_RDONLY | require('node:fs').constants.O_NOFOLLOW);
try {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(2 * 1024 * 1024);
  let position = 0;
  let last = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    position += n;
    if (position - last >= 64 * 1024 * 1024) { parentPort.postMessage({ progress: position }); last = position; }
  }
  parentPort.postMessage({ sha256: hash.digest('hex'), size: position });
} finally {
  closeSync(fd);
}
`;

/** The sha256 and size of the file at `path`, hashed on a worker thread; `onProgress` gets bytes read so far. */
export function hashOnWorker(path: string, onProgress?: (bytes: number) => void): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CODE, { eval: true, workerData: { path } });
    let result: { sha256: string; size: number } | undefined;
    worker.on('message', (m: { progress?: number; sha256?: string; size?: number }) => {
      if (m.progress !== undefined) onProgress?.(m.progress);
      else result = { sha256: m.sha256!, size: m.size! };
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`hashing ${path} stopped (worker exit ${code})`))));
  });
}
