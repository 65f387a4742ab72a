// Manifests on disk: YAML with a fixed key order so diffs in pull requests read well.
import { stringify } from 'yaml';
import type { Manifest } from './types.js';

const ORDER: (keyof Manifest)[] = [
  'format', 'name', 'kind', 'version', 'hash', 'digest', 'created_at', 'actor', 'message', 'git', 'artifacts',
  'params', 'metrics', 'tags', 'data', 'pipeline', 'architecture', 'framework', 'training', 'requirements', 'checksum',
];

export function manifestToYaml(manifest: Manifest): string {
  const ordered: Record<string, unknown> = {};
  for (const key of ORDER) if (manifest[key] !== undefined) ordered[key] = manifest[key];
  const body = stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false });
  return `# mreg version manifest: immutable, written once by 'mreg register'\n${body}`;
}
