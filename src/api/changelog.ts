// A model's changelog: every version, newest first, with the changes it consumed and migration guides
// for breaking versions; as data, and as Markdown (changelogMarkdown) for the text.
import { readModelManifests } from '../core/manifest/cache.js';
import { missingModel } from '../core/manifest/versions.js';
import { checkName } from '../core/names.js';
import { buildChangelog, type ChangelogEntry } from '../core/versioning/changelog.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export { changelogMarkdown, type ChangelogEntry } from '../core/versioning/changelog.js';

export interface ChangelogOptions extends Where {
  model: string;
}

export interface ChangelogResult {
  model: string;
  versions: ChangelogEntry[];
}

export async function changelog(opts: ChangelogOptions): Promise<ChangelogResult> {
  const model = checkName(opts.model);
  const store = await openStore({ store: opts.store, cwd: opts.cwd });
  const manifests = await readModelManifests(store.layout, model);
  if (manifests.length === 0) throw await missingModel(store.layout, model);
  return { model, versions: buildChangelog(manifests) };
}
