// The `kubernetes` adapter: applies the version's Deployment with kubectl, waits for its rollout,
// then applies the Service selecting it (the blue-green cutover). kubectl's path is configurable.
import { MregError } from '../../../errors.js';
import type { JsonMap } from '../../manifest/types.js';
import { describeOutcome, runCommand } from '../../process.js';
import type { AdapterContext, DeployAdapter } from '../adapter.js';
import { deploymentName, renderDeployment, renderService, serviceName, toYamlDocuments, type K8sOptions } from '../k8s.js';

const LONG = 24 * 3_600_000;

function str(raw: JsonMap, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new MregError('INVALID_INPUT', `adapter kubernetes: options.${key}: expected a string`);
  return v;
}

export function createAdapter(raw: JsonMap): DeployAdapter {
  const kubectl = str(raw, 'kubectl') ?? 'kubectl';
  const namespace = str(raw, 'namespace');
  const context = str(raw, 'context');
  const image = str(raw, 'image');
  const claim = str(raw, 'claim');
  const replicas = raw.replicas === undefined ? undefined : Number(raw.replicas);
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw new MregError('INVALID_INPUT', 'adapter kubernetes: options.replicas: expected a whole number');
  const base = [...(context ? ['--context', context] : []), ...(namespace ? ['--namespace', namespace] : [])];
  const kube = async (args: string[], ctx: AdapterContext, input?: string) => {
    const argv = [kubectl, ...base, ...args];
    const outcome = await runCommand(argv, { cwd: ctx.projectDir, env: ctx.env, timeoutMs: LONG, signal: ctx.signal, ...(input === undefined ? {} : { input }) });
    if (outcome.exit_code !== 0) throw new Error(`kubectl ${args[0]} ${describeOutcome(argv, outcome)}`);
    return outcome.stdout;
  };
  return {
    async deploy(release, ctx) {
      const o: K8sOptions = { model: release.model, version: release.version, hash: release.hash, ...(image ? { image } : {}), ...(claim ? { claim } : {}), ...(namespace ? { namespace } : {}), ...(replicas === undefined ? {} : { replicas }) };
      await kube(['apply', '-f', '-'], ctx, toYamlDocuments([renderDeployment(o)]));
      await kube(['rollout', 'status', `deployment/${deploymentName(release.model, release.version)}`], ctx);
      await kube(['apply', '-f', '-'], ctx, toYamlDocuments([renderService(o)]));
    },
    async live(model, ctx) {
      const out = await kube(['get', 'service', serviceName(model), '-o', 'jsonpath={.spec.selector.version}'], ctx);
      return out.trim() || undefined;
    },
  };
}
