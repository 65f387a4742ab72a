// Hugging Face sharded checkpoints: `model.safetensors.index.json` names, for every tensor, the shard
// that holds it. The shards are compared as one model (FORMATS says `compare: 'shards'`); the index is
// checked against their headers, so a checkpoint whose index and shards disagree is never registered.
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { MregError } from '../../errors.js';
import type { ModelInterface } from './types.js';

export const SHARD_INDEX_SUFFIX = '.safetensors.index.json';
/** Indexes of real checkpoints take a few hundred KiB (one line per tensor). */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;

export function isShardIndex(path: string): boolean {
  return path.toLowerCase().endsWith(SHARD_INDEX_SUFFIX);
}

async function readBounded(source: string, label: string): Promise<string> {
  const handle = await open(source, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size > MAX_INDEX_BYTES) throw new MregError('INVALID_HEADER', `${label}: a shard index of ${size} bytes is larger than the ${MAX_INDEX_BYTES} mreg reads`);
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Checks the index at `source` (stored as `path` in the version) against the interfaces read from the
 * version's shards (`schema`, keyed by path): every tensor it names is in the shard it names, that
 * shard is a safetensors file of this version beside the index, and every tensor of those shards is
 * named. A mismatch is INVALID_HEADER naming the index and the first tensor that disagrees.
 */
export async function checkShardIndex(source: string, path: string, label: string, schema: Readonly<Record<string, ModelInterface>>): Promise<void> {
  const bad = (why: string) => new MregError('INVALID_HEADER', `${label}: ${why}`, { data: { path: source, artifact: path } });
  let doc: unknown;
  try {
    doc = JSON.parse(await readBounded(source, label));
  } catch (err) {
    if (err instanceof MregError) throw err;
    throw bad('not valid JSON');
  }
  const map = (doc as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw bad('weight_map: expected an object of tensor name -> shard file');
  const dir = posix.dirname(path);
  const shards = new Map<string, Set<string>>(); // shard path in the version -> the tensors the index puts there
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '' || shard.includes('/') || shard.includes('\\') || shard === '.' || shard === '..') {
      throw bad(`weight_map.${JSON.stringify(tensor)}: expected a shard file name beside the index`);
    }
    const shardPath = dir === '.' ? shard : `${dir}/${shard}`;
    let names = shards.get(shardPath);
    if (!names) shards.set(shardPath, (names = new Set()));
    names.add(tensor);
  }
  for (const shardPath of shards.keys()) {
    if (schema[shardPath]?.format !== 'safetensors') throw bad(`names shard '${posix.basename(shardPath)}', which is not a safetensors file of this version`);
  }
  for (const [shardPath, names] of shards) {
    const held = new Set((schema[shardPath]!.weights ?? []).map((w) => w.name));
    for (const name of names) if (!held.has(name)) throw bad(`puts tensor '${name}' in '${posix.basename(shardPath)}', which does not hold it`);
    for (const name of held) if (!names.has(name)) throw bad(`does not name tensor '${name}' of '${posix.basename(shardPath)}'`);
  }
}
