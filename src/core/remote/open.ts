// Choosing a remote (named, or the default) and opening it. The S3 code, and with it the AWS SDK,
// is imported only when an s3:// remote is used: start-up time is felt in every git hook.
import type { Config } from '../config/config.js';
import { MregError } from '../../errors.js';
import type { RemoteBackend } from './backend.js';
import { defaultRemote, remoteLocation, type RemoteConfig } from '../config/remotes.js';

export function selectRemote(config: Config, name?: string): RemoteConfig {
  const remotes = config.remotes ?? {};
  if (name !== undefined) {
    const remote = remotes[name];
    if (!remote) {
      const known = Object.keys(remotes);
      throw new MregError('NOT_FOUND', `no remote named ${JSON.stringify(name)}${known.length ? ` (remotes: ${known.join(', ')})` : ''}`, {
        hint: 'add one with: mreg remote add NAME URL',
      });
    }
    return remote;
  }
  const chosen = defaultRemote(remotes);
  if (!chosen) {
    const known = Object.keys(remotes);
    throw new MregError('USAGE', known.length ? `several remotes (${known.join(', ')}) and none is the default: name one` : 'no remote configured', {
      hint: known.length ? 'mreg remote add NAME URL --default marks one as the default' : 'add one with: mreg remote add origin s3://bucket/prefix',
    });
  }
  return chosen;
}

/** `env` is the environment mreg runs with: an S3 remote takes its region and credentials from it. */
export async function openRemote(remote: RemoteConfig, env: NodeJS.ProcessEnv = {}): Promise<RemoteBackend> {
  const location = remoteLocation(remote);
  const label = `${remote.name} (${remote.url})`;
  if (location.kind === 'dir') {
    const { DirectoryRemote } = await import('./directory.js');
    return new DirectoryRemote(label, location.path).open();
  }
  const { S3Remote } = await import('./s3.js');
  return new S3Remote(remote, location.bucket, location.prefix, env);
}
