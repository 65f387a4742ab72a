// .modelreg/config.yaml: stages and their rules, named checks, metric directions. Validated on
// every read (it may come from any git commit); every error names the key's path.
import { parseDuration } from '../duration.js';
import { readDocumentFile } from '../documents.js';
import type { JsonMap } from '../manifest/types.js';
import { Checker } from '../manifest/checker.js';
import { artifactPathProblem } from '../manifest/fields.js';
import { nameProblem } from '../names.js';
import { matchesModel, modelGlobProblem } from './model-globs.js';
import { parseRemotes, type RemoteConfig } from './remotes.js';
import { STORE_FORMAT } from '../../store/layout.js';

export interface StageConfig {
  /** at most one version at a time */
  exclusive: boolean;
  /** a version must be in one of these stages to enter this one, and leaves it on entering */
  from: string[];
  /** where the version an exclusive stage replaces goes (undefined: it just leaves the stage) */
  replacedTo?: string;
  /** entering this stage takes the version out of every other stage */
  retire: boolean;
  /** checks a version must have passed (its latest result) to enter */
  checks: string[];
  /** valid signatures from this many distinct trusted keys needed to enter (0: none) */
  signatures: number;
  /** model globs the entry rules `from` and `checks` apply to (undefined: every model); signatures always apply */
  models?: string[];
}

export interface RetentionPolicy {
  keepLast?: number;
  keepForMs?: number;
}

export interface RetentionConfig {
  defaults: RetentionPolicy;
  models: Record<string, RetentionPolicy>;
  /** stages whose versions are never pruned (default: every stage that does not retire) */
  protect: string[];
  /** unreferenced blobs and temp files younger than this are left alone */
  graceMs: number;
}

export interface CheckConfig {
  command: string[];
  timeoutMs: number;
  /** model globs the check runs on (undefined: every model) */
  models?: string[];
}

/** Rules for one model (`models.<name>` in config.yaml). */
export interface ModelRules {
  /** checks only this model has, run and required beside the shared ones */
  checks: Record<string, CheckConfig>;
}

export type MetricDirection = 'higher' | 'lower';

export interface TargetConfig {
  /** 'local', 'command', 'kubernetes', a path to a module (./deploy/x.mjs) or an npm package name */
  adapter: string;
  options: JsonMap;
  /** a file under .modelreg/playbooks/ */
  playbook: string;
  /** the stage a successful deploy promotes into */
  stage?: string;
}

export interface Config {
  format: number;
  stages: Record<string, StageConfig>;
  checks: Record<string, CheckConfig>;
  /** per-model rules by model name */
  models: Record<string, ModelRules>;
  metrics: Record<string, MetricDirection>;
  targets: Record<string, TargetConfig>;
  /** where push, pull and on-demand fetches go (remote/url.ts) */
  remotes: Record<string, RemoteConfig>;
  /** trusted public keys: name -> 'ed25519:<base64 of the 32-byte key>' */
  keys: Record<string, string>;
  retention: RetentionConfig;
}

export const DEFAULT_CONFIG_YAML = `# mreg store configuration: every key is described in docs/config.md in the mreg repository
format: ${STORE_FORMAT}

# Stages a version moves through. exclusive: one version at a time; from: the stages a version
# must come from (it leaves them on entering); replaced_to: where an exclusive stage's previous
# version goes; retire: entering takes the version out of every other stage; checks: checks it
# must have passed.
stages:
  staging: {}
  production:
    exclusive: true
    from: [staging]
    replaced_to: archived
  archived:
    retire: true

# Named checks run by 'mreg check <ref>' with the version's files in $MREG_PATH, e.g.
# checks:
#   smoke:
#     command: [sh, -c, 'test -s "$MREG_PATH/model.onnx"']
#     timeout: 60s
checks: {}
`;

const DEFAULT_CHECK_TIMEOUT_MS = 10 * 60_000;
const RESERVED_STAGE_NAMES = new Set(['latest']);

export function stageNameProblem(name: string): string | undefined {
  const problem = nameProblem(name);
  if (problem) return problem;
  if (!/^[a-z]/.test(name)) return 'must start with a letter (so it is never mistaken for a version)';
  if (RESERVED_STAGE_NAMES.has(name)) return 'is reserved';
  return undefined;
}

function stringList(c: Checker, value: unknown, path: string, max = 100): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) c.fail(path, 'expected a list');
  return value.map((v, i) => c.string(v, `${path}[${i}]`, max));
}

/** A `models:` scope: undefined when absent (every model), else a non-empty list of model-name globs. */
function modelScope(c: Checker, value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  const globs = stringList(c, value, path);
  if (globs.length === 0) c.fail(path, 'expected a non-empty list of model names or globs (leave it out for every model)');
  for (const [i, glob] of globs.entries()) {
    const problem = modelGlobProblem(glob);
    if (problem) c.fail(`${path}[${i}]`, `invalid model glob ${JSON.stringify(glob)}: it ${problem}`);
  }
  return globs;
}

function parseCheck(c: Checker, value: unknown, path: string, scoped: boolean): CheckConfig {
  const m = c.map(value, path);
  c.keys(m, path, scoped ? ['command', 'timeout', 'models'] : ['command', 'timeout']);
  const command = stringList(c, m.command, `${path}.command`, 10_000);
  if (command.length === 0) c.fail(`${path}.command`, 'expected a non-empty list (argv: program, then arguments)');
  const timeoutMs = m.timeout === undefined ? DEFAULT_CHECK_TIMEOUT_MS : parseDuration(m.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) c.fail(`${path}.timeout`, 'expected a duration like 30s');
  const models = scoped ? modelScope(c, m.models, `${path}.models`) : undefined;
  return { command, timeoutMs, ...(models ? { models } : {}) };
}

/** The checks that apply to `model`: the shared ones its globs match, then its own (`models.<name>.checks`). */
export function checksFor(config: Pick<Config, 'checks' | 'models'>, model: string): Record<string, CheckConfig> {
  const out: Record<string, CheckConfig> = Object.create(null);
  for (const [name, check] of Object.entries(config.checks)) if (matchesModel(check.models, model)) out[name] = check;
  for (const [name, check] of Object.entries(config.models[model]?.checks ?? {})) out[name] = check;
  return out;
}

/** The checks a stage requires of `model`: none when the stage's rules are scoped to other models. */
export function stageChecksFor(config: Pick<Config, 'checks' | 'models' | 'stages'>, stage: string, model: string): string[] {
  const rules = config.stages[stage];
  if (!rules || !matchesModel(rules.models, model)) return [];
  const applies = checksFor(config, model);
  return rules.checks.filter((name) => applies[name] !== undefined);
}

export function parseConfig(raw: unknown, label = 'config.yaml'): Config {
  const c: Checker = new Checker(label, 'STORE_UNREADABLE');
  const map = c.map(raw ?? {}, '');
  c.keys(map, '', ['format', 'stages', 'checks', 'models', 'metrics', 'targets', 'remotes', 'keys', 'retention']);
  if (map.format !== STORE_FORMAT) c.fail('format', `expected ${STORE_FORMAT} (a store made by a newer mreg?)`);

  const checks: Record<string, CheckConfig> = Object.create(null);
  for (const [name, value] of Object.entries(c.map(map.checks ?? {}, 'checks'))) {
    const path = `checks.${name}`;
    const problem = nameProblem(name);
    if (problem) c.fail(path, `invalid check name: it ${problem}`);
    checks[name] = parseCheck(c, value, path, true);
  }
  const models: Record<string, ModelRules> = Object.create(null);
  const modelChecks = new Set<string>();
  for (const [model, value] of Object.entries(c.map(map.models ?? {}, 'models'))) {
    const path = `models.${model}`;
    const problem = nameProblem(model);
    if (problem) c.fail(path, `invalid model name: it ${problem}`);
    const m = c.map(value, path);
    c.keys(m, path, ['checks']);
    const own: Record<string, CheckConfig> = Object.create(null);
    for (const [name, check] of Object.entries(c.map(m.checks ?? {}, `${path}.checks`))) {
      const at = `${path}.checks.${name}`;
      const nameBad = nameProblem(name);
      if (nameBad) c.fail(at, `invalid check name: it ${nameBad}`);
      if (checks[name]) c.fail(at, `a check named ${JSON.stringify(name)} is already under checks: (give the model's own check another name)`);
      own[name] = parseCheck(c, check, at, false);
      modelChecks.add(name);
    }
    models[model] = { checks: own };
  }

  const stagesRaw = map.stages === undefined ? { staging: {}, production: { exclusive: true, from: ['staging'], replaced_to: 'archived' }, archived: { retire: true } } : map.stages;
  const stageMap = c.map(stagesRaw, 'stages');
  const names = Object.keys(stageMap);
  const stages: Record<string, StageConfig> = Object.create(null);
  for (const name of names) {
    const path = `stages.${name}`;
    const problem = stageNameProblem(name);
    if (problem) c.fail(path, `invalid stage name: it ${problem}`);
    const m = c.map(stageMap[name] ?? {}, path);
    c.keys(m, path, ['exclusive', 'from', 'replaced_to', 'retire', 'checks', 'signatures', 'models']);
    if (m.signatures !== undefined && (typeof m.signatures !== 'number' || !Number.isInteger(m.signatures) || m.signatures < 0)) {
      c.fail(`${path}.signatures`, 'expected how many trusted keys must have signed (a whole number)');
    }
    for (const flag of ['exclusive', 'retire'] as const) {
      if (m[flag] !== undefined && typeof m[flag] !== 'boolean') c.fail(`${path}.${flag}`, 'expected true or false');
    }
    const from = stringList(c, m.from, `${path}.from`);
    for (const [i, f] of from.entries()) if (!names.includes(f) || f === name) c.fail(`${path}.from[${i}]`, `unknown stage ${JSON.stringify(f)}`);
    let replacedTo: string | undefined;
    if (m.replaced_to !== undefined) {
      replacedTo = c.string(m.replaced_to, `${path}.replaced_to`, 100);
      if (!names.includes(replacedTo) || replacedTo === name) c.fail(`${path}.replaced_to`, `unknown stage ${JSON.stringify(replacedTo)}`);
    }
    const stageChecks = stringList(c, m.checks, `${path}.checks`);
    for (const [i, k] of stageChecks.entries()) if (!checks[k] && !modelChecks.has(k)) c.fail(`${path}.checks[${i}]`, `no check named ${JSON.stringify(k)} under checks: or models.<name>.checks:`);
    const scope = modelScope(c, m.models, `${path}.models`);
    stages[name] = {
      exclusive: m.exclusive === true,
      from,
      ...(replacedTo ? { replacedTo } : {}),
      retire: m.retire === true,
      checks: stageChecks,
      signatures: (m.signatures as number | undefined) ?? 0,
      ...(scope ? { models: scope } : {}),
    };
  }

  const metrics: Record<string, MetricDirection> = Object.create(null);
  for (const [name, value] of Object.entries(c.map(map.metrics ?? {}, 'metrics'))) {
    if (value !== 'higher' && value !== 'lower') c.fail(`metrics.${name}`, "expected 'higher' or 'lower' (which way is better)");
    metrics[name] = value;
  }
  const targets: Record<string, TargetConfig> = Object.create(null);
  for (const [name, value] of Object.entries(c.map(map.targets ?? {}, 'targets'))) {
    const path = `targets.${name}`;
    const problem = nameProblem(name);
    if (problem) c.fail(path, `invalid target name: it ${problem}`);
    const m = c.map(value, path);
    c.keys(m, path, ['adapter', 'options', 'playbook', 'stage']);
    const adapter = c.string(m.adapter, `${path}.adapter`, 1000);
    if (adapter.trim() === '') c.fail(`${path}.adapter`, 'expected local, command, kubernetes, a module path or a package name');
    const playbook = c.string(m.playbook, `${path}.playbook`, 1000);
    const playbookProblem = artifactPathProblem(playbook);
    if (playbookProblem) c.fail(`${path}.playbook`, `expected a file under .modelreg/playbooks/: the path ${playbookProblem}`);
    const target: TargetConfig = { adapter, options: m.options === undefined ? {} : c.jsonMap(m.options, `${path}.options`), playbook };
    if (m.stage !== undefined) {
      const stage = c.string(m.stage, `${path}.stage`, 100);
      if (!stages[stage]) c.fail(`${path}.stage`, `unknown stage ${JSON.stringify(stage)} (stages: ${Object.keys(stages).join(', ')})`);
      target.stage = stage;
    }
    targets[name] = target;
  }
  const remotes = parseRemotes(c, map.remotes);
  const keys: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(c.map(map.keys ?? {}, 'keys'))) {
    const problem = nameProblem(name);
    if (problem) c.fail(`keys.${name}`, `invalid key name: it ${problem}`);
    const text = c.string(value, `keys.${name}`, 200);
    if (!/^ed25519:[A-Za-z0-9+/]{43}=$/.test(text)) c.fail(`keys.${name}`, "expected 'ed25519:' and the base64 public key that mreg key generate prints");
    keys[name] = text;
  }
  for (const [name, stage] of Object.entries(stages)) {
    if (stage.signatures > Object.keys(keys).length) c.fail(`stages.${name}.signatures`, `needs ${stage.signatures} trusted keys, but keys: lists ${Object.keys(keys).length}`);
  }
  const retention = parseRetention(c, map.retention, stages);
  return { format: STORE_FORMAT, stages, checks, models, metrics, targets, remotes, keys, retention };
}

export async function readConfig(path: string): Promise<Config> {
  return parseConfig(await readDocumentFile(path, 'config.yaml', 'STORE_UNREADABLE'));
}

function parsePolicy(c: Checker, value: Record<string, unknown>, path: string): RetentionPolicy {
  const policy: RetentionPolicy = {};
  if (value.keep_last !== undefined) {
    if (typeof value.keep_last !== 'number' || !Number.isInteger(value.keep_last) || value.keep_last < 1) c.fail(`${path}.keep_last`, 'expected a whole number >= 1');
    policy.keepLast = value.keep_last;
  }
  if (value.keep_for !== undefined) {
    const ms = parseDuration(value.keep_for);
    if (ms === undefined) c.fail(`${path}.keep_for`, 'expected a duration like 30d');
    policy.keepForMs = ms;
  }
  return policy;
}

function parseRetention(c: Checker, raw: unknown, stages: Record<string, StageConfig>): RetentionConfig {
  const m = c.map(raw ?? {}, 'retention');
  c.keys(m, 'retention', ['keep_last', 'keep_for', 'protect', 'grace', 'models']);
  const protect = m.protect === undefined ? Object.keys(stages).filter((s) => !stages[s]!.retire) : stringList(c, m.protect, 'retention.protect');
  protect.forEach((s, i) => {
    if (!stages[s]) c.fail(`retention.protect[${i}]`, `unknown stage ${JSON.stringify(s)}`);
  });
  const graceMs = m.grace === undefined ? 3_600_000 : parseDuration(m.grace);
  if (graceMs === undefined) c.fail('retention.grace', 'expected a duration like 1h');
  const models: Record<string, RetentionPolicy> = Object.create(null);
  for (const [name, value] of Object.entries(c.map(m.models ?? {}, 'retention.models'))) {
    const path = `retention.models.${name}`;
    const problem = nameProblem(name);
    if (problem) c.fail(path, `invalid model name: it ${problem}`);
    const v = c.map(value, path);
    c.keys(v, path, ['keep_last', 'keep_for']);
    models[name] = parsePolicy(c, v, path);
  }
  return { defaults: parsePolicy(c, m, 'retention'), models, protect, graceMs };
}
