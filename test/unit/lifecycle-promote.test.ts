// The stage rules as a pure function (src/core/lifecycle/promote.ts planPromotion): what is refused and
// why, what --force overrides and records, which stages a version leaves, and whom an exclusive stage displaces.
import { describe, expect, it } from 'vitest';
import type { Config, StageConfig } from '../../src/core/config/config.js';
import type { HistoryEvent } from '../../src/core/lifecycle/history.js';
import { planPromotion } from '../../src/core/lifecycle/promote.js';
import { emptyState, type StageState } from '../../src/core/lifecycle/state.js';
import { MregError } from '../../src/errors.js';

const stage = (rules: Partial<StageConfig> = {}): StageConfig => ({ exclusive: false, from: [], retire: false, checks: [], signatures: 0, ...rules });

const CHECKS = Object.fromEntries(['smoke', 'a', 'b'].map((name) => [name, { command: ['true'], timeoutMs: 1000 }]));
const config = (stages: Record<string, StageConfig>): Config => ({ stages, checks: CHECKS, models: {} }) as unknown as Config;

const DEFAULT = config({
  staging: stage(),
  production: stage({ exclusive: true, from: ['staging'], replacedTo: 'archived', checks: ['smoke'] }),
  archived: stage({ retire: true }),
  canary: stage({ from: ['staging'] }),
});

function state(stages: Record<string, string[]>, checks: Record<string, Record<string, boolean>> = {}): StageState {
  const s = emptyState();
  for (const [name, versions] of Object.entries(stages)) s.stages.set(name, [...versions]);
  for (const [version, results] of Object.entries(checks)) {
    s.checks.set(version, new Map(Object.entries(results).map(([check, passed]) => [check, { passed, time: '2026-01-01T00:00:00.000Z', event: {} as HistoryEvent }])));
  }
  return s;
}

function refusal(fn: () => unknown): MregError {
  try {
    fn();
  } catch (err) {
    return err as MregError;
  }
  throw new Error('expected a refusal');
}

const plan = (s: StageState, version: string, target: string, options: { force?: boolean; reason?: string } = {}) =>
  planPromotion(DEFAULT, s, 'fraud', version, target, { actor: 'tester', ...options });

describe('planPromotion', () => {
  it('refuses an unknown stage, naming the configured ones', () => {
    const err = refusal(() => plan(state({}), '1.0.0', 'prod'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('unknown stage "prod" (stages in config.yaml: staging, production, archived, canary)');
  });

  it('refuses each broken rule, in one message, with the rules in data', () => {
    const none = refusal(() => plan(state({}), '1.0.0', 'production'));
    expect(none.code).toBe('REFUSED');
    expect(none.message).toBe(
      "cannot promote fraud@1.0.0 to production: production can only be entered from staging, and fraud@1.0.0 is in no stage (promote it to staging first); production requires check 'smoke', which has not been run on fraud@1.0.0 (run mreg check fraud@1.0.0)",
    );
    expect(none.data).toStrictEqual({ rules: [expect.objectContaining({ rule: 'from' }), expect.objectContaining({ rule: 'checks' })] });
    expect(none.hint).toBe('pass --force to override (the override is recorded)');
    const failed = refusal(() => plan(state({ canary: ['1.0.0'] }, { '1.0.0': { smoke: false } }), '1.0.0', 'production'));
    expect(failed.data).toStrictEqual({ rules: [expect.objectContaining({ rule: 'from' }), expect.objectContaining({ rule: 'checks' })] });
    expect(failed.message).toBe(
      "cannot promote fraud@1.0.0 to production: production can only be entered from staging, and fraud@1.0.0 is in canary (promote it to staging first); production requires check 'smoke', which failed on fraud@1.0.0 at 2026-01-01T00:00:00.000Z",
    );
  });

  it('names every stage a version may come from, and every stage it is in', () => {
    const two = config({ staging: stage(), canary: stage(), archived: stage(), prod: stage({ from: ['staging', 'canary'] }) });
    const plan2 = (s: StageState) => planPromotion(two, s, 'fraud', '1.0.0', 'prod', { actor: 'tester' });
    expect(refusal(() => plan2(state({ archived: ['1.0.0'], other: ['1.0.0'] }))).message).toBe(
      'cannot promote fraud@1.0.0 to prod: prod can only be entered from staging or canary, and fraud@1.0.0 is in archived, other (promote it to staging first)',
    );
    // Any one of the from stages is enough.
    expect(plan2(state({ canary: ['1.0.0'] })).event).toMatchObject({ stage: 'prod', left: ['canary'] });
  });

  it('lets a version in when it comes from an allowed stage with its checks passed', () => {
    const p = plan(state({ staging: ['1.0.0'] }, { '1.0.0': { smoke: true } }), '1.0.0', 'production', { reason: 'release' });
    expect(p).toStrictEqual({ unchanged: false, event: { event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'tester', reason: 'release', left: ['staging'] } });
  });

  it('with force, records the override and the rules overridden, once each', () => {
    const p = plan(state({}), '1.0.0', 'production', { force: true });
    expect(p.event).toStrictEqual({ event: 'promote', model: 'fraud', version: '1.0.0', stage: 'production', actor: 'tester', forced: true, overridden: ['from', 'checks'] });
    const twice = planPromotion(config({ p: stage({ checks: ['a', 'b'] }) }), state({}), 'fraud', '1.0.0', 'p', { actor: 'tester', force: true });
    expect(twice.event).toMatchObject({ forced: true, overridden: ['checks'] });
  });

  it('force changes nothing when no rule is broken: no forced mark', () => {
    const p = plan(state({ staging: ['1.0.0'] }, { '1.0.0': { smoke: true } }), '1.0.0', 'production', { force: true });
    expect(p.event).not.toHaveProperty('forced');
    expect(p.event).not.toHaveProperty('overridden');
  });

  it('an exclusive stage displaces its holder, with or without force, into replaced_to', () => {
    const s = state({ staging: ['1.1.0'], production: ['1.0.0'] }, { '1.1.0': { smoke: true } });
    expect(plan(s, '1.1.0', 'production').event).toMatchObject({ left: ['staging'], displaced: [{ version: '1.0.0', left: ['production'], to: 'archived' }] });
    const forced = plan(state({ production: ['1.0.0'] }), '1.1.0', 'production', { force: true });
    expect(forced.event).toMatchObject({ forced: true, displaced: [{ version: '1.0.0', left: ['production'], to: 'archived' }] });
  });

  it('a displaced version leaves every stage when replaced_to retires; without replaced_to it only leaves', () => {
    const s = state({ staging: ['1.1.0', '1.0.0'], canary: ['1.0.0'], production: ['1.0.0'] }, { '1.1.0': { smoke: true } });
    expect(plan(s, '1.1.0', 'production').event!.displaced).toStrictEqual([{ version: '1.0.0', left: ['canary', 'production', 'staging'], to: 'archived' }]);
    const plain = config({ live: stage({ exclusive: true }) });
    expect(planPromotion(plain, state({ live: ['1.0.0'] }), 'fraud', '2.0.0', 'live', { actor: 'a' }).event!.displaced).toStrictEqual([{ version: '1.0.0', left: ['live'] }]);
    const notRetiring = config({ live: stage({ exclusive: true, replacedTo: 'old' }), old: stage() });
    expect(planPromotion(notRetiring, state({ live: ['1.0.0'], other: ['1.0.0'] }), 'fraud', '2.0.0', 'live', { actor: 'a' }).event!.displaced).toStrictEqual([{ version: '1.0.0', left: ['live'], to: 'old' }]);
  });

  it('a retiring stage takes the version out of every stage; another leaves only the from stages', () => {
    expect(plan(state({ staging: ['1.0.0'], canary: ['1.0.0'] }), '1.0.0', 'archived').event!.left).toStrictEqual(['canary', 'staging']);
    expect(plan(state({ staging: ['1.0.0'], archived: ['1.0.0'] }), '1.0.0', 'canary').event!.left).toStrictEqual(['staging']);
    expect(plan(state({ archived: ['1.0.0'] }), '1.0.0', 'staging').event).not.toHaveProperty('left');
  });

  it('already there is unchanged, unless an exclusive stage is shared (after a merge), which promoting again settles', () => {
    expect(plan(state({ staging: ['1.0.0'] }), '1.0.0', 'staging')).toStrictEqual({ unchanged: true });
    expect(plan(state({ production: ['1.0.0'] }), '1.0.0', 'production')).toStrictEqual({ unchanged: true });
    // Already in the stage, so the from rule does not apply; the checks still do.
    expect(refusal(() => plan(state({ production: ['1.0.0', '1.1.0'] }), '1.1.0', 'production')).message).toMatch(/^cannot promote fraud@1\.1\.0 to production: production requires check 'smoke'/);
    const shared = plan(state({ production: ['1.0.0', '1.1.0'] }, { '1.1.0': { smoke: true } }), '1.1.0', 'production');
    expect(shared).toStrictEqual({
      unchanged: false,
      event: { event: 'promote', model: 'fraud', version: '1.1.0', stage: 'production', actor: 'tester', displaced: [{ version: '1.0.0', left: ['production'], to: 'archived' }] },
    });
  });
});
