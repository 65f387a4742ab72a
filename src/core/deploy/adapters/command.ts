// The `command` adapter: runs configured argv commands (never a shell string) with MREG_MODEL,
// MREG_VERSION, MREG_HASH, MREG_PATH and MREG_TARGET in the environment.
import { MregError } from '../../../errors.js';
import type { JsonMap } from '../../manifest/types.js';
import { describeOutcome, runCommand } from '../../process.js';
import type { AdapterContext, DeployAdapter, HealthReport } from '../adapter.js';

const LONG = 24 * 3_600_000; // steps carry their own timeouts; the abort signal ends the command

function argv(raw: JsonMap, key: string, required: boolean): string[] | undefined {
  const value = raw[key];
  if (value === undefined && !required) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
    throw new MregError('INVALID_INPUT', `adapter command: options.${key}: expected a list of strings (argv)`);
  }
  return value as string[];
}

export function createAdapter(raw: JsonMap): DeployAdapter {
  const deployCmd = argv(raw, 'deploy', true)!;
  const liveCmd = argv(raw, 'live', false);
  const healthCmd = argv(raw, 'health', false);
  const envFor = (ctx: AdapterContext, extra: Record<string, string>) => ({ ...ctx.env, MREG_TARGET: ctx.target, ...extra });
  const adapter: DeployAdapter = {
    async deploy(release, ctx) {
      const path = await release.artifacts();
      const outcome = await runCommand(deployCmd, {
        cwd: ctx.projectDir,
        env: envFor(ctx, { MREG_MODEL: release.model, MREG_VERSION: release.version, MREG_HASH: release.hash, MREG_PATH: path }),
        timeoutMs: LONG,
        signal: ctx.signal,
      });
      if (outcome.exit_code !== 0) throw new Error(`deploy command ${describeOutcome(deployCmd, outcome)}`);
    },
    async live(model, ctx) {
      if (!liveCmd) return undefined;
      const outcome = await runCommand(liveCmd, { cwd: ctx.projectDir, env: envFor(ctx, { MREG_MODEL: model }), timeoutMs: 60_000, signal: ctx.signal });
      if (outcome.exit_code !== 0) throw new Error(`live command ${describeOutcome(liveCmd, outcome)}`);
      return outcome.stdout.trim() || undefined;
    },
  };
  if (healthCmd) {
    adapter.health = async (model, ctx): Promise<HealthReport> => {
      const outcome = await runCommand(healthCmd, { cwd: ctx.projectDir, env: envFor(ctx, { MREG_MODEL: model }), timeoutMs: 60_000, signal: ctx.signal });
      return outcome.exit_code === 0 ? { healthy: true } : { healthy: false, detail: describeOutcome(healthCmd, outcome) };
    };
  }
  return adapter;
}
