// The register use case (src/api/register.ts) called directly, without the CLI: what it stores and returns,
// a re-run that changes nothing, an immutable version, and options refused in the options' own words.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { register, type RegisterOptions } from '../../src/api/register.js';
import { initStore } from '../../src/core/store.js';
import { MregError } from '../../src/errors.js';
import { blobPath, layoutOf, manifestPath } from '../../src/store/layout.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function project(): Promise<{ dir: string; root: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mreg-api-register-'));
  dirs.push(dir);
  const { root } = await initStore({ cwd: dir });
  return { dir, root };
}

/**
 * Every file under the store with its size: what a refused register must leave exactly as it was. The
 * manifest cache is left out: reading a model's manifests may fill it, which records nothing new.
 */
function snapshot(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (relative(root, full) !== 'cache') walk(full);
      }
      else out[relative(root, full)] = statSync(full).size;
    }
  };
  walk(root);
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ENV = { MREG_ACTOR: 'tester@example.com' };

async function refusal(options: RegisterOptions): Promise<MregError> {
  const err: unknown = await register(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MregError);
  return err as MregError;
}

describe('register (the use case)', () => {
  it('stores a new version and returns the documented result', async () => {
    const { dir, root } = await project();
    writeFileSync(join(dir, 'm.bin'), 'weights one');
    const result = await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'], version: '1.0.0', params: ['lr=0.1'], tags: { team: 'risk' }, message: 'first' });

    expect(Object.keys(result).sort()).toStrictEqual(['artifacts', 'bytes_hashed', 'bytes_stored', 'changes', 'findings', 'hash', 'kind', 'model', 'unchanged', 'version', 'warnings']);
    expect(result).toMatchObject({ model: 'fraud', version: '1.0.0', unchanged: false, kind: 'model', changes: [], findings: [], warnings: [], bytes_stored: 11 });
    expect(result.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(result.artifacts).toStrictEqual([{ path: 'm.bin', sha256: sha256('weights one'), size: 11 }]);

    const layout = layoutOf(root);
    expect(readFileSync(blobPath(layout, sha256('weights one')), 'utf8')).toBe('weights one');
    const manifest = readFileSync(manifestPath(layout, 'fraud', '1.0.0'), 'utf8');
    expect(manifest).toMatch(/lr: 0\.1\b/);
    expect(manifest).toMatch(/team: risk/);
    expect(manifest).toMatch(/actor: tester@example\.com/);
  });

  it('returns unchanged on a re-run with the same files and metadata, storing nothing', async () => {
    const { dir, root } = await project();
    writeFileSync(join(dir, 'm.bin'), 'weights one');
    const first = await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'], change: 'minor' });
    expect(first).toMatchObject({ version: '0.1.0', unchanged: false });
    const before = snapshot(root);

    const again = await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'] });
    expect(again).toMatchObject({ version: '0.1.0', unchanged: true, bytes_stored: 0, hash: first.hash });
    const declared = await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'], version: '0.1.0' });
    expect(declared).toMatchObject({ version: '0.1.0', unchanged: true, bytes_stored: 0 });
    expect(snapshot(root)).toStrictEqual(before);
  });

  it('refuses a declared version that exists with other content (VERSION_EXISTS) and writes nothing', async () => {
    const { dir, root } = await project();
    writeFileSync(join(dir, 'm.bin'), 'weights one');
    await register({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'], version: '1.0.0' });
    writeFileSync(join(dir, 'm.bin'), 'weights two, longer');
    const before = snapshot(root);

    const err = await refusal({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'], version: '1.0.0' });
    expect(err.code).toBe('VERSION_EXISTS');
    expect(err.message).toMatch(/fraud@1\.0\.0 is already registered with other content/);
    expect(snapshot(root)).toStrictEqual(before);
  });

  it.each<[string, Partial<RegisterOptions>, RegExp]>([
    ['a version and a change', { version: '1.0.0', change: 'minor' }, /^version and change: /],
    ['a version and a pre-release tag', { version: '1.0.0', pre: 'rc' }, /^version and pre: /],
    ['an unknown change type', { change: 'huge' as never }, /^change "huge": expected major, minor or patch/],
    ['an unknown kind', { version: '1.0.0', kind: 'table' as never }, /^kind "table": expected one of/],
    ['a param that is not key=value', { version: '1.0.0', params: ['oops'] }, /^params "oops": expected key=value/],
    ['a metadata value that is neither a path nor an object', { version: '1.0.0', meta: 42 as never }, /^meta: expected a file path or a metadata object/],
    ['no inputs', { version: '1.0.0', inputs: [] }, /^inputs: /],
  ])('refuses %s, naming the option (not a flag), and writes nothing', async (_what, options, message) => {
    const { dir, root } = await project();
    writeFileSync(join(dir, 'm.bin'), 'weights one');
    const before = snapshot(root);
    const err = await refusal({ cwd: dir, env: ENV, model: 'fraud', inputs: ['m.bin'], ...options });
    expect(err.code).toBe('USAGE');
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/--/);
    expect(snapshot(root)).toStrictEqual(before);
  });
});
