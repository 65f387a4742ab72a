// .modelreg/config.yaml: validated on every read (it may come from any git commit).
import { readDocumentFile } from './documents.js';
import { Checker } from './manifest/validate.js';
import { STORE_FORMAT } from './store/layout.js';

export interface Config {
  format: number;
}

export const DEFAULT_CONFIG_YAML = `# mreg store configuration (see the README's "Configuration" section)
format: ${STORE_FORMAT}
`;

export async function readConfig(path: string): Promise<Config> {
  const raw = await readDocumentFile(path, 'config.yaml', 'STORE_UNREADABLE');
  const c: Checker = new Checker('config.yaml', 'STORE_UNREADABLE');
  const map = c.map(raw ?? {}, '');
  c.keys(map, '', ['format']);
  if (map.format !== STORE_FORMAT) c.fail('format', `expected ${STORE_FORMAT} (a store made by a newer mreg?)`);
  return { format: STORE_FORMAT };
}
