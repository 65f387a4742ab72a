// Checking the store: every blob re-hashed, every manifest and history checked (and, asked for, every
// signature); or, staged, only what the git index changes in the store (the pre-commit hook). The staged
// check loads no config and hashes no blob: it runs on every commit.
import { MregError } from '../errors.js';
import { locateStoreRoot, openStore } from '../core/store.js';
import type { VerifyReport } from '../core/verify/verify.js';
import type { Where } from './where.js';

export type { Finding, VerifyReport } from '../core/verify/verify.js';

export interface VerifyOptions extends Where {
  /** check only what the git index changes in the store */
  staged?: boolean | undefined;
  /** also check every signature against the trusted keys, the manifests and the blobs (ignored when staged) */
  signatures?: boolean | undefined;
  /** called as blobs are re-hashed */
  onProgress?: (done: number, total: number) => void;
}

export async function verify(opts: VerifyOptions): Promise<VerifyReport> {
  if (opts.staged) {
    const root = await locateStoreRoot({ store: opts.store, cwd: opts.cwd });
    if (!root) throw new MregError('NO_STORE', 'no .modelreg store found (run mreg init)');
    const { verifyStaged } = await import('../core/verify/staged.js');
    return verifyStaged(root, opts.cwd, opts.env ?? {});
  }
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const { verifyStore } = await import('../core/verify/verify.js');
  const report = await verifyStore(store, opts.onProgress);
  if (opts.signatures) {
    const { verifyAllSignatures } = await import('../core/lifecycle/signatures.js');
    report.problems.push(...(await verifyAllSignatures(store)));
    report.ok = report.problems.length === 0;
  }
  return report;
}
