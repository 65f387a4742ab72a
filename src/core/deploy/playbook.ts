// Playbooks (.modelreg/playbooks/*.yaml): the ordered steps of a deploy and of a rollback,
// validated completely before anything runs; every error names the file and the step's path.
// Each step is parsed by its kind in steps/ (the registry); the rules here are about the lists.
import { join } from 'node:path';
import { readDocumentFile } from '../documents.js';
import type { Layout } from '../../store/layout.js';
import { PlaybookChecker } from './playbook-checker.js';
import { DEFAULT_DEPLOY_STEP } from './steps/deploy.js';
import { STEP_KINDS, stepKind, type Step } from './steps/index.js';

export type { Probe } from './probe.js';
export { STEP_KINDS, type Step } from './steps/index.js';

export interface Playbook {
  file: string;
  deploy: Step[];
  rollback: Step[];
}

function parseStep(c: PlaybookChecker, value: unknown, path: string): Step {
  const m = c.map(value, path);
  const kinds = Object.keys(m);
  if (kinds.length !== 1) c.fail(path, `expected one step (one of: ${STEP_KINDS.join(', ')})`);
  const kind = kinds[0]!;
  const handler = stepKind(kind);
  if (!handler) return c.fail(path, `unknown step ${JSON.stringify(kind)} (expected one of: ${STEP_KINDS.join(', ')})`);
  return handler.parse(m[kind], `${path}.${kind}`, c);
}

export function parsePlaybook(raw: unknown, file: string, stages: readonly string[]): Playbook {
  const c = new PlaybookChecker(`playbooks/${file}`, 'INVALID_INPUT');
  const map = c.map(raw, '');
  c.keys(map, '', ['deploy', 'rollback']);
  const list = (key: 'deploy' | 'rollback', fallback: Step[]): Step[] => {
    if (map[key] === undefined) return fallback;
    if (!Array.isArray(map[key])) c.fail(key, 'expected a list of steps');
    return (map[key] as unknown[]).map((s, i) => parseStep(c, s, `${key}[${i}]`));
  };
  const playbook: Playbook = { file, deploy: list('deploy', [{ ...DEFAULT_DEPLOY_STEP }]), rollback: list('rollback', [{ ...DEFAULT_DEPLOY_STEP }]) };
  for (const key of ['deploy', 'rollback'] as const) {
    playbook[key].forEach((step, i) => stepKind(step.kind)!.validate?.(step, `${key}[${i}].${step.kind}`, c, { stages }));
    if (!playbook[key].some((s) => s.kind === 'deploy')) c.fail(key, 'has no deploy step: nothing would change the target');
  }
  return playbook;
}

export async function readPlaybook(layout: Layout, file: string, stages: readonly string[]): Promise<Playbook> {
  const raw = await readDocumentFile(join(layout.root, 'playbooks', file), `playbooks/${file}`, 'INVALID_INPUT');
  return parsePlaybook(raw, file, stages);
}
