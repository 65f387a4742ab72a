// What every playbook step kind provides (parse, run, describe) and what a running step is handed,
// plus the pieces several kinds share: the failure type, pauses and deadlines.
import type { TargetConfig } from '../../config/config.js';
import type { Manifest } from '../../manifest/types.js';
import type { Split } from '../../routing/route.js';
import type { Store } from '../../store.js';
import type { DeployAdapter, Release } from '../adapter.js';
import type { PlaybookChecker } from '../playbook-checker.js';
import type { ProbeEnv } from '../probe.js';

export type Phase = 'deploy' | 'rollback';

/** What a step may rely on once the whole playbook is parsed. */
export interface PlaybookRules {
  /** the stages config.yaml defines */
  stages: readonly string[];
}

/** Everything a step needs while it runs: one run of one phase on one target, for one version. */
export interface StepContext {
  phase: Phase;
  store: Store;
  /** the target's name */
  target: string;
  targetConfig: TargetConfig;
  adapter: DeployAdapter;
  /** the directory that holds .modelreg */
  projectDir: string;
  /** the caller's environment, as handed to adapters */
  env: NodeJS.ProcessEnv;
  /** where commands and probes run: the project directory, with MREG_MODEL, MREG_VERSION... set */
  where: ProbeEnv;
  actor: string;
  model: string;
  /** the version this phase makes live */
  manifest: Manifest;
  /** the other version involved: what was live before a deploy, what a rollback leaves */
  previous: string | null;
  /** the version's files for the adapter, materialised (re-hashed) on demand */
  release(): Release;
  /** records a traffic split for the target (nothing when it is already so) */
  route(split: Split[]): Promise<void>;
}

/** What a plan line (a dry run) is written from. */
export interface PlanContext {
  version: string;
  previous: string | null;
  /** the target's adapter name */
  adapter: string;
}

/**
 * One step kind: a file in this folder exporting these functions, plus one line in index.ts.
 * `at` is the step's path in the playbook (deploy[1].health), for messages.
 */
export interface StepKind<S extends { kind: string }> {
  parse(body: unknown, at: string, c: PlaybookChecker): S;
  /** checks that need the whole configuration, run after every step parsed */
  validate?(step: S, at: string, c: PlaybookChecker, rules: PlaybookRules): void;
  /** runs the step; returns a line saying what it did, or throws (StepFailure: a sentence saying why) */
  run(step: S, ctx: StepContext): Promise<string>;
  describe(step: S, plan: PlanContext): string;
}

/** A step that failed for a reason its message says in full; `detail` is what the server or command said (<= 2 KiB). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly detail = '',
  ) {
    super(message);
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Races `work` against a deadline; the signal tells cooperative work to stop. */
export async function withTimeout<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new StepFailure(`${what} did not finish within ${ms}ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
