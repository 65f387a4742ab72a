// Blue-green Kubernetes manifests: one Deployment per version (named <model>-v<major>-<minor>-<patch>,
// labelled with app, version and model-hash) and a Service whose selector picks the live colour;
// switching that selector is the cutover.
import parse from 'semver/functions/parse.js';
import { stringify } from 'yaml';

export interface K8sOptions {
  model: string;
  version: string;
  hash: string;
  image?: string;
  replicas?: number;
  namespace?: string;
  claim?: string;
  port?: number;
}

/** A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters. */
function label(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}

export function deploymentName(model: string, version: string): string {
  const v = parse(version);
  const core = v ? `v${v.major}-${v.minor}-${v.patch}${v.prerelease.length ? `-${v.prerelease.join('-')}` : ''}` : `v${version}`;
  return label(`${model}-${core}`);
}

export function renderDeployment(o: K8sOptions): Record<string, unknown> {
  const labels = { app: label(o.model), version: o.version, 'model-hash': o.hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentName(o.model, o.version), ...(o.namespace ? { namespace: o.namespace } : {}), labels },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: labels.app, version: o.version } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: label(`${o.model}-service`),
              image: o.image ?? `${label(o.model)}:${o.version}`,
              env: [
                { name: 'MODEL_VERSION', value: o.version },
                { name: 'MODEL_PATH', value: `/models/v${o.version}/` },
              ],
              ports: [{ containerPort: o.port ?? 8080 }],
              volumeMounts: [{ name: 'model-storage', mountPath: '/models' }],
            },
          ],
          volumes: [{ name: 'model-storage', persistentVolumeClaim: { claimName: o.claim ?? 'model-pvc' } }],
        },
      },
    },
  };
}

export function serviceName(model: string): string {
  return label(model);
}

export function renderService(o: K8sOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName(o.model), ...(o.namespace ? { namespace: o.namespace } : {}), labels: { app: label(o.model) } },
    spec: { selector: { app: label(o.model), version: o.version }, ports: [{ port: 80, targetPort: o.port ?? 8080 }] },
  };
}

export function toYamlDocuments(docs: Record<string, unknown>[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
