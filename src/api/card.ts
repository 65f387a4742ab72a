// A version's model card: Markdown in the Hugging Face card format, built from its manifest and
// lineage (core/report/card.ts), merged with the hand-written card stored by `register --card`.
import { MregError } from '../errors.js';
import { CARD_PATH, cardMarkdown, MAX_CARD_BYTES } from '../core/report/card.js';
import type { LineageResult } from '../core/lineage/query.js';
import type { Manifest } from '../core/manifest/types.js';
import { openStore } from '../core/store.js';
import { readBlobVerified } from '../store/blobs.js';
import { lineage } from './lineage.js';
import { show } from './show.js';
import type { Where } from './where.js';

export { CARD_PATH } from '../core/report/card.js';

export interface CardOptions extends Where {
  /** model, model@1.2.3, model@<stage> or model@<range> */
  ref: string;
}

export interface CardResult {
  model: string;
  version: string;
  /** whether a hand-written card was stored with the version (and merged) */
  hand_written: boolean;
  /** set when the stored card could not be read (pruned, missing or corrupt): the card is generated alone */
  hand_written_error?: string;
  markdown: string;
}

/** The hand-written card stored with a version, read and re-hashed from the store; undefined when there is none. */
export async function storedCard(where: Where, manifest: Manifest): Promise<{ text?: string; error?: string } | undefined> {
  const artifact = manifest.artifacts.find((a) => a.path === CARD_PATH);
  if (!artifact) return undefined;
  if (artifact.size > MAX_CARD_BYTES) return { error: `${CARD_PATH} is larger than ${MAX_CARD_BYTES} bytes` };
  try {
    const { layout } = await openStore({ store: where.store, cwd: where.cwd });
    const chunks: Buffer[] = [];
    await readBlobVerified(layout, artifact, (chunk) => void chunks.push(Buffer.from(chunk)));
    return { text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (err instanceof MregError) return { error: err.message };
    throw err;
  }
}

/** The card of a version whose manifest and lineage are already at hand (the web view has both). */
export async function cardOf(where: Where, manifest: Manifest, up: LineageResult | null): Promise<CardResult> {
  const stored = await storedCard(where, manifest);
  return {
    model: manifest.name,
    version: manifest.version,
    hand_written: stored?.text !== undefined,
    ...(stored?.error ? { hand_written_error: stored.error } : {}),
    markdown: cardMarkdown({ manifest, lineage: up, handWritten: stored?.text }),
  };
}

export async function card(opts: CardOptions): Promise<CardResult> {
  const manifest = await show(opts);
  const up = await lineage({ cwd: opts.cwd, store: opts.store, ...(opts.env ? { env: opts.env } : {}), ref: `${manifest.name}@${manifest.version}`, up: true });
  return cardOf(opts, manifest, up);
}
