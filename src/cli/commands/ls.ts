// mreg ls [model]
import { checkName } from '../../core/names.js';
import { MregError } from '../../core/errors.js';
import { readModelManifests } from '../../core/manifest-cache.js';
import { listModels, listVersions } from '../../core/versions.js';
import { openContextStore, type Context } from '../context.js';
import { EXIT_OK } from '../exit.js';
import { table } from '../render.js';

export async function run(ctx: Context, args: unknown[]): Promise<number> {
  const store = await openContextStore(ctx);
  const model = args[0] as string | undefined;
  if (model === undefined) {
    const rows = [];
    for (const name of await listModels(store.layout)) {
      const versions = await listVersions(store.layout, name);
      if (versions.length > 0) rows.push({ model: name, version: versions[versions.length - 1]!, versions: versions.length });
    }
    ctx.render.result(
      rows,
      rows.length === 0 ? 'no models registered yet' : table(rows.map((r) => [r.model, r.version, `${r.versions} version${r.versions === 1 ? '' : 's'}`]), ['MODEL', 'LATEST', 'VERSIONS']),
    );
    return EXIT_OK;
  }
  checkName(model);
  const manifests = await readModelManifests(store.layout, model);
  if (manifests.length === 0) throw new MregError('NOT_FOUND', `model ${model} has no versions`);
  const rows = manifests.map((m) => ({ model, version: m.version, hash: m.hash, created_at: m.created_at, actor: m.actor, ...(m.message ? { message: m.message } : {}) }));
  ctx.render.result(
    rows,
    table(
      [...rows].reverse().map((r) => [r.version, r.hash, r.created_at.replace(/\.\d+Z$/, 'Z'), r.message?.split('\n')[0] ?? '']),
      ['VERSION', 'HASH', 'CREATED', 'MESSAGE'],
    ),
  );
  return EXIT_OK;
}
