// Signatures on a remote: push uploads the signature files the remote lacks (create-only, one object
// per version and key), pull brings those the store lacks. A signature from a remote is hostile
// input: it is kept only if it is by the key its name says, over this store's manifest of that
// version. Which keys count is never taken from a remote: trust stays in config.yaml.
import { fingerprintOf, manifestDigest, parseSignature, SIGNATURE_FILE, signatureFiles, signatureProblem, signatureText } from '../lifecycle/signatures.js';
import { join } from 'node:path';
import { writeCreateOnly } from '../../store/atomic.js';
import { pulledSignatureDir, signatureDir, type Layout } from '../../store/layout.js';
import { mapLimit } from '../concurrency.js';
import { signatureKey, signaturesPrefix, type RemoteBackend } from './backend.js';

const MAX_REMOTE_SIGNATURE = 64 * 1024;

/** The remote's signature objects of a model: version -> file names (<fingerprint>.json). */
async function remoteSignatures(backend: RemoteBackend, model: string): Promise<Map<string, Set<string>>> {
  const { files } = await backend.list(signaturesPrefix(model));
  const out = new Map<string, Set<string>>();
  for (const { name, size } of files) {
    const at = name.lastIndexOf('@');
    if (at <= 0 || size > MAX_REMOTE_SIGNATURE) continue;
    const [version, file] = [name.slice(0, at), name.slice(at + 1)];
    if (!SIGNATURE_FILE.test(file)) continue;
    out.set(version, (out.get(version) ?? new Set()).add(file));
  }
  return out;
}

/** Uploads the signatures of `versions` (all held by the remote) that it lacks; returns how many. */
export async function pushSignatures(layout: Layout, backend: RemoteBackend, model: string, versions: Iterable<string>): Promise<number> {
  const theirs = await remoteSignatures(backend, model);
  const jobs: { key: string; path: string }[] = [];
  for (const version of versions) {
    for (const f of await signatureFiles(layout, model, version)) {
      if (SIGNATURE_FILE.test(f.name) && !theirs.get(version)?.has(f.name)) jobs.push({ key: signatureKey(model, version, f.name), path: f.path });
    }
  }
  const created = await mapLimit(jobs, 8, async ({ key, path }) => {
    const text = await signatureText(path);
    return text === undefined ? false : (await backend.createOnly(key, text)) === 'created';
  });
  return created.filter(Boolean).length;
}

export interface PulledSignatures {
  count: number;
  /** remote signatures that were not kept, each with the reason */
  rejected: string[];
}

/**
 * Brings the remote's signatures of `versions` (held here) that this store lacks, each checked
 * against this store's manifest before it is written create-only to the pulled area (or, for a
 * fresh clone, the tracked signatures).
 */
export async function pullSignatures(layout: Layout, backend: RemoteBackend, model: string, versions: Set<string>, into: 'tracked' | 'pulled'): Promise<PulledSignatures> {
  const result: PulledSignatures = { count: 0, rejected: [] };
  const theirs = await remoteSignatures(backend, model);
  for (const [version, names] of theirs) {
    if (!versions.has(version)) continue;
    const here = new Set((await signatureFiles(layout, model, version)).map((f) => f.name));
    const wanted = [...names].filter((n) => !here.has(n)).sort();
    if (wanted.length === 0) continue;
    const digest = await manifestDigest(layout, model, version);
    const texts = await mapLimit(wanted, 8, (name) => backend.getText(signatureKey(model, version, name), MAX_REMOTE_SIGNATURE));
    for (const [i, name] of wanted.entries()) {
      const text = texts[i];
      if (text === undefined) continue; // listed, then gone
      const label = `remote ${backend.label}: ${signatureKey(model, version, name)}`;
      const sig = parseSignature(text);
      const problem =
        typeof sig === 'string' ? sig : `${fingerprintOf(sig.key)}.json` !== name ? `named for key ${name.slice(0, 16)} but holds key ${fingerprintOf(sig.key)}` : signatureProblem(sig, model, version, digest);
      if (problem) {
        result.rejected.push(`${label}: ${problem}; not kept`);
        continue;
      }
      const dir = into === 'pulled' ? pulledSignatureDir(layout, model, version) : signatureDir(layout, model, version);
      if (await writeCreateOnly(layout, join(dir, name), text, 0o644)) result.count++;
    }
  }
  return result;
}
