// mreg key generate <name>
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MregError } from '../../errors.js';
import { checkName } from '../../core/names.js';
import { generateKey } from '../../core/lifecycle/signatures.js';
import type { Context } from '../context.js';
import { EXIT_OK } from '../exit.js';

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new MregError('CONFLICT', `${path} already exists; refusing to overwrite a key`);
    throw err;
  }
  await handle.writeFile(text);
  await handle.close();
}

export async function run(ctx: Context, args: unknown[], opts: { out?: string }): Promise<number> {
  const [action, nameArg] = args as [string, string];
  if (action !== 'generate') throw new MregError('USAGE', `unknown key action ${JSON.stringify(action)} (expected generate)`);
  const name = checkName(nameArg, 'key name');
  const dir = resolve(ctx.cwd, opts.out ?? '.');
  await mkdir(dir, { recursive: true });
  const pair = generateKey();
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  await writeNew(privatePath, pair.privatePem, 0o600);
  await writeNew(publicPath, `${pair.publicKey}\n`, 0o644);
  ctx.render.result(
    { name, private_key: privatePath, public_key: publicPath, key: pair.publicKey, fingerprint: pair.fingerprint },
    `wrote ${privatePath} (keep it secret) and ${publicPath}\nto trust it, add to .modelreg/config.yaml:\nkeys:\n  ${name}: ${pair.publicKey}`,
  );
  return EXIT_OK;
}
