// A model's next version, computed and checked (against candidate files, if given) without writing anything.
import { resolve } from 'node:path';
import { MregError } from '../errors.js';
import { readDocumentFile } from '../core/documents.js';
import { validateMetadata } from '../core/manifest/validate.js';
import { isChangeType, type ChangeType } from '../core/change-type.js';
import { planBump, type BumpPlan } from '../core/versioning/plan.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export type { BumpPlan } from '../core/versioning/plan.js';
export type { ChangeType } from '../core/change-type.js';

export interface BumpOptions extends Where {
  model: string;
  /** a change declared here: major, minor or patch (the highest of it and the pending changes wins) */
  change?: ChangeType | undefined;
  /** pre-release tag: the next version is a pre-release (1.3.0-rc.0) */
  pre?: string | undefined;
  /** a maintenance line ("1", "1.4"): bump from its highest version, with the changes declared for it */
  line?: string | undefined;
  /** candidate files, directories or globs (relative to cwd) to check the declared change against */
  inputs?: readonly string[] | undefined;
  /** the metadata register will get (a file path relative to cwd, or the document): its declared signature is checked */
  meta?: string | Record<string, unknown> | undefined;
}

export async function bump(opts: BumpOptions): Promise<BumpPlan> {
  if (opts.change !== undefined && !isChangeType(opts.change)) throw new MregError('USAGE', `change ${JSON.stringify(opts.change)}: expected major, minor or patch`);
  let meta;
  if (typeof opts.meta === 'string') meta = validateMetadata(await readDocumentFile(resolve(opts.cwd, opts.meta), opts.meta), opts.meta);
  else if (opts.meta !== undefined) {
    if (typeof opts.meta !== 'object' || opts.meta === null || Array.isArray(opts.meta)) throw new MregError('USAGE', 'meta: expected a file path or a metadata object');
    meta = validateMetadata(opts.meta, 'meta');
  }
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  return planBump(store.layout, { model: opts.model, type: opts.change, pre: opts.pre, line: opts.line, inputs: [...(opts.inputs ?? [])], cwd: opts.cwd, signature: meta?.signature });
}
