// Manifests on disk: YAML with the key order of shape.ts, so diffs in pull requests read well. A field the
// shape does not know is refused, never dropped: its value would be hashed into the checksum but not written.
import { Document, visit, type Node } from 'yaml';
import { checkKnownFields, YAML_ORDER } from './shape.js';
import type { Manifest } from './types.js';

export function manifestToYaml(manifest: Manifest): string {
  checkKnownFields(manifest);
  const ordered: Record<string, unknown> = {};
  for (const key of YAML_ORDER) if (manifest[key] !== undefined) ordered[key] = manifest[key];
  const doc = new Document(ordered, { aliasDuplicateObjects: false });
  // One line per tensor ({name: ids, dtype: int64, shape: [batch, 128]}): a model with hundreds of weight
  // tensors stays readable, and a pull request's diff shows one changed line per changed tensor.
  for (const key of ['signature', 'schema'] as const) {
    const node = doc.get(key, true) as Node | undefined;
    if (!node) continue;
    visit(node, {
      Map(_, map) {
        if (map.has('name') && map.has('dtype') && map.has('shape')) map.flow = true;
      },
    });
  }
  // One line per reference ({name: transactions, version: 2.1.0}), for the same reason.
  const lineage = doc.get('lineage', true) as Node | undefined;
  if (lineage) {
    visit(lineage, {
      Map(_, map) {
        if (map.has('version') || map.has('uri')) map.flow = true;
      },
    });
  }
  return `# mreg version manifest: immutable, written once by 'mreg register'\n${doc.toString({ lineWidth: 0 })}`;
}
