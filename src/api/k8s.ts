// Kubernetes manifests for a version: a blue-green Deployment (one per version) and the Service whose
// selector picks the live colour (core/deploy/k8s.ts), as objects and as one multi-document YAML text.
import { MregError } from '../errors.js';
import { resolveRef } from '../core/lifecycle/refs.js';
import { readManifest } from '../core/manifest/versions.js';
import { openStore } from '../core/store.js';
import type { Where } from './where.js';

export interface ExportK8sOptions extends Where {
  /** the version: model@version, model@<stage>, model@<range> */
  ref: string;
  /** replicas of the Deployment (default 3) */
  replicas?: number | undefined;
  /** the container image (default <model>:<version>) */
  image?: string | undefined;
}

export interface K8sManifests {
  model: string;
  version: string;
  hash: string;
  /** the Deployment, then the Service (what --json prints) */
  documents: Record<string, unknown>[];
  /** the same documents as YAML separated by '---', ready for kubectl apply -f - */
  yaml: string;
}

export async function exportK8s(options: ExportK8sOptions): Promise<K8sManifests> {
  const { replicas, image } = options;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw new MregError('INVALID_INPUT', `replicas: expected a whole number, got ${replicas}`);
  const store = await openStore({ store: options.store, cwd: options.cwd });
  const { model, version } = await resolveRef(store, options.ref);
  const manifest = await readManifest(store.layout, model, version);
  const { renderDeployment, renderService, toYamlDocuments } = await import('../core/deploy/k8s.js');
  const o = { model, version, hash: manifest.hash, ...(image ? { image } : {}), ...(replicas === undefined ? {} : { replicas }) };
  const documents = [renderDeployment(o), renderService(o)];
  return { model, version, hash: manifest.hash, documents, yaml: toYamlDocuments(documents) };
}
