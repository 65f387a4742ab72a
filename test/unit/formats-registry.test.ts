// Every row of FORMATS (src/core/formats/registry.ts) is consistent, and every place that knows about formats
// follows it: the reader is picked by the row's extensions, a manifest's schema may name exactly the formats
// with a reader, versions compare the way the row says, and the scanner reads pickles from the files it says.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FORMATS, INTERFACE_FORMAT_NAMES, formatNamed, formatOfExtension } from '../../src/core/formats/registry.js';
import { readInterface } from '../../src/core/formats/read.js';
import type { ModelInterface } from '../../src/core/formats/types.js';
import { manifestChecksum, shortHash, versionDigest } from '../../src/core/manifest/hash.js';
import type { Manifest } from '../../src/core/manifest/types.js';
import { validateManifest } from '../../src/core/manifest/validate.js';
import { PICKLE_EXTENSIONS, pickleKindOf } from '../../src/core/scan/kinds.js';
import { scanBuffer } from '../../src/core/scan/scan.js';
import { versionFindings } from '../../src/core/versioning/findings.js';

const readers = FORMATS.filter((f) => f.read !== undefined);
const others = FORMATS.filter((f) => f.read === undefined);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('FORMATS', () => {
  it('has unique names, and each extension (lower case, with its dot) belongs to one format only', () => {
    expect(new Set(FORMATS.map((f) => f.name)).size).toBe(FORMATS.length);
    const extensions = FORMATS.flatMap((f) => f.extensions);
    expect(new Set(extensions).size).toBe(extensions.length);
    for (const ext of extensions) expect(ext).toMatch(/^\.[a-z0-9_]+$/);
    for (const f of FORMATS) {
      expect(f.extensions.length).toBeGreaterThan(0);
      expect(formatNamed(f.name)).toBe(f);
      for (const ext of f.extensions) expect(formatOfExtension(ext.toUpperCase())).toBe(f);
    }
    expect(formatNamed('signature')).toBeUndefined(); // declared in metadata, not a file format
  });

  it('gives a magic test only to formats with a reader', () => {
    for (const f of others) expect(f.magic).toBeUndefined();
  });

  it.each(readers.flatMap((f) => f.extensions.map((ext) => [f.name, ext] as const)))('calls the %s reader for %s files, in any case', async (name, ext) => {
    const format = formatNamed(name)!;
    const iface: ModelInterface = { format: name, inputs: [], outputs: [] };
    const read = vi.spyOn(format, 'read').mockResolvedValue(iface);
    for (const path of [join(dir, `no-such-model${ext}`), join(dir, `NO-SUCH-MODEL${ext.toUpperCase()}`)]) {
      expect(await readInterface(path)).toBe(iface);
      expect(read).toHaveBeenLastCalledWith(path);
    }
    expect(read).toHaveBeenCalledTimes(2);
  });

  it.each(others.flatMap((f) => f.extensions.map((ext) => [f.name, ext] as const)))('reads no interface from a %s file (%s) that no magic recognizes', async (_name, ext) => {
    const spies = readers.map((f) => vi.spyOn(f, 'read'));
    const path = join(dir, `model${ext}`);
    await writeFile(path, 'not a model header\n');
    expect(await readInterface(path)).toBeUndefined();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  function manifestWithFormat(format: string): Manifest {
    const artifacts = [{ path: 'model.file', sha256: sha('m'), size: 1 }];
    const meta = { params: {}, metrics: {}, tags: {} };
    const digest = versionDigest(artifacts, meta);
    const schema = { 'model.file': { format, inputs: [], outputs: [{ name: 'y', dtype: 'float32', shape: [1] }] } };
    const fields = { format: 1 as const, name: 'fraud', kind: 'model' as const, version: '1.0.0', hash: shortHash(digest), digest, created_at: '2026-01-01T00:00:00.000Z', actor: 'a', artifacts, ...meta, schema };
    return { ...fields, checksum: manifestChecksum(fields) };
  }

  it('lets a manifest schema name exactly the formats with a reader, in table order', () => {
    expect(INTERFACE_FORMAT_NAMES).toStrictEqual(readers.map((f) => f.name));
    for (const f of readers) expect(validateManifest(manifestWithFormat(f.name), 'm.yaml').schema!['model.file']!.format).toBe(f.name);
    for (const name of [...others.map((f) => f.name), 'signature', 'tflite']) {
      expect(() => validateManifest(manifestWithFormat(name), 'm.yaml')).toThrow(`expected one of: ${readers.map((f) => f.name).join(', ')}`);
    }
  });

  it.each(readers.map((f) => [f.name, f.compare ?? 'file'] as const))('compares %s files as the table says (%s)', (name, compare) => {
    // Two files of the format; the next version moves tensor b from one file to the other.
    const file = (weights: string[]): ModelInterface => ({ format: name, inputs: [], outputs: [], weights: weights.map((w) => ({ name: w, dtype: 'F16', shape: [2] })) });
    const side = (schema: Record<string, ModelInterface>) => ({ schema, artifacts: Object.keys(schema).map((path) => ({ path, sha256: path, size: 1 })) });
    const findings = versionFindings(side({ one: file(['a']), two: file(['b']) }), side({ one: file(['a', 'b']), two: file([]) }));
    if (compare === 'shards') expect(findings).toStrictEqual([]);
    else expect(findings.map((f) => f.rule)).toContain('architecture-changed');
  });

  it('says which files hold pickles exactly as the scanner reads them', () => {
    for (const f of FORMATS) {
      for (const ext of f.extensions) {
        expect(pickleKindOf(`model${ext}`)?.loader ?? null).toBe(f.pickles);
        const scanned = scanBuffer(`model${ext}`, Buffer.from('not a pickle'));
        expect(scanned.findings.some((x) => x.message === 'not a pickle-based format')).toBe(f.pickles === null);
      }
    }
    for (const [loader, extensions] of Object.entries(PICKLE_EXTENSIONS)) {
      for (const ext of extensions) expect(formatOfExtension(ext)?.pickles).toBe(loader);
    }
  });
});
