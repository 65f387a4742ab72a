// Editing config.yaml for a command (remote add, key trust, ...): through the YAML document, so the
// user's comments, order and other keys stay as they were; the result is checked in full before it
// is written, under the config lock, and replaces the file atomically.
import { readFile } from 'node:fs/promises';
import { isMap, parseDocument, type Document } from 'yaml';
import { MregError } from '../../errors.js';
import { writeReplace } from '../../store/atomic.js';
import type { Layout } from '../../store/layout.js';
import { withLock } from '../../store/lock.js';
import { parseConfig, type Config } from './config.js';

export type ConfigDocument = Document.Parsed;

/**
 * Applies `edit` to config.yaml and returns the config as written. `section` is the top-level map the
 * edit works in: written in block style, and removed once its last entry is gone (as before the first).
 */
export async function editConfig(layout: Layout, section: string, edit: (doc: ConfigDocument, config: Config) => void): Promise<Config> {
  return withLock(layout, 'config', async () => {
    const text = await readFile(layout.config, 'utf8');
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) throw new MregError('STORE_UNREADABLE', `config.yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
    const before = parseConfig(doc.toJS({ maxAliasCount: 0 }));
    edit(doc, before);
    const map = doc.get(section, true);
    if (isMap(map) && map.items.length === 0) doc.delete(section);
    else if (isMap(map)) map.flow = false;
    const after = parseConfig(doc.toJS({ maxAliasCount: 0 }));
    // No padding inside [a, b] and {k: v}: the user's own flow collections keep their look.
    await writeReplace(layout, layout.config, doc.toString({ flowCollectionPadding: false }));
    return after;
  });
}

/** Makes sure the top-level `section` is a map, so entries can be set in it. */
export function ensureSection(doc: ConfigDocument, section: string): void {
  if (!isMap(doc.get(section, true))) doc.set(section, doc.createNode({}));
}
