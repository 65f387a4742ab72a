// Stage state replayed from history (src/core/lifecycle/state.ts), event by event: what each kind of
// event changes and what it leaves alone, rejected events counting for nothing, displaced versions
// with and without a destination, the stages that exclude each other, and exclusive stages shared
// after a merge, with their exact messages.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/core/lifecycle/history.js';
import { applyEvent, emptyState, exclusionConflicts, replay, stageConflicts, stagesOf, versionInStage } from '../../src/core/lifecycle/state.js';

const T = '2026-03-02T14:00:00.000Z';
let n = 0;
const ev = (event: string, version: string, more: Partial<HistoryEvent> = {}): HistoryEvent => ({ id: `e${++n}`, time: T, event, model: 'fraud', version, actor: 'tester', ...more });
const promote = (version: string, stage: string, more: Partial<HistoryEvent> = {}) => ev('promote', version, { stage, ...more });
const stages = (events: HistoryEvent[]) => Object.fromEntries(replay(events).stages);
const CONFIG = { stages: { staging: {}, production: { exclusive: true }, canary: { exclusive: true }, archived: { retire: true }, vault: { retire: true }, both: { exclusive: true, retire: true } } } as never;

describe('applyEvent', () => {
  it('a rejected event changes nothing, of any kind', () => {
    const state = replay([promote('1.0.0', 'staging')]);
    for (const e of [
      promote('2.0.0', 'staging', { rejected: 'no' }),
      ev('demote', '1.0.0', { stage: 'staging', rejected: 'no' }),
      ev('check', '1.0.0', { check: 'smoke', passed: true, rejected: '' }),
    ]) {
      applyEvent(state, e);
    }
    expect(Object.fromEntries(state.stages)).toStrictEqual({ staging: ['1.0.0'] });
    expect(state.checks.size).toBe(0);
    expect([...state.entered.keys()]).toStrictEqual(['staging\u00001.0.0']);
  });

  it('a displaced version leaves the stages named, and enters its destination only when there is one', () => {
    const prod = promote('1.0.0', 'production');
    const displacing = promote('2.0.0', 'production', { displaced: [{ version: '1.0.0', left: ['production', 'canary'], to: 'archived' }] });
    const state = replay([promote('1.0.0', 'canary'), prod, displacing]);
    expect(Object.fromEntries(state.stages)).toStrictEqual({ production: ['2.0.0'], archived: ['1.0.0'] });
    expect(state.entered.get('archived\u00001.0.0')).toBe(displacing);
    expect(state.entered.get('production\u00002.0.0')).toBe(displacing);
    expect(stages([promote('1.0.0', 'production'), promote('2.0.0', 'production', { displaced: [{ version: '1.0.0', left: ['production'] }] })])).toStrictEqual({ production: ['2.0.0'] });
    // Leaving a stage one is not in, or that nobody is in, changes nothing.
    expect(stages([promote('1.0.0', 'staging'), promote('2.0.0', 'production', { displaced: [{ version: '3.0.0', left: ['staging', 'nowhere'] }] })])).toStrictEqual({ staging: ['1.0.0'], production: ['2.0.0'] });
  });

  it('a promotion leaves every stage it names, keeping the others, before entering its own', () => {
    expect(stages([promote('1.0.0', 'staging'), promote('2.0.0', 'staging'), promote('1.0.0', 'canary'), promote('1.0.0', 'production', { left: ['staging', 'canary'] })])).toStrictEqual({
      staging: ['2.0.0'],
      production: ['1.0.0'],
    });
    // A stage the version leaves and enters again in one event: it stays, entered anew.
    const again = promote('1.0.0', 'staging', { left: ['staging'] });
    const state = replay([promote('1.0.0', 'staging'), promote('2.0.0', 'staging'), again]);
    expect(state.stages.get('staging')).toStrictEqual(['2.0.0', '1.0.0']);
    expect(state.entered.get('staging\u00001.0.0')).toBe(again);
  });

  it('a demotion leaves only its stage; one from a stage the version is not in, or with no stage, changes nothing', () => {
    const base = [promote('1.0.0', 'staging'), promote('1.0.0', 'canary'), promote('2.0.0', 'staging')];
    expect(stages([...base, ev('demote', '1.0.0', { stage: 'staging' })])).toStrictEqual({ staging: ['2.0.0'], canary: ['1.0.0'] });
    expect(stages([...base, ev('demote', '3.0.0', { stage: 'staging' }), ev('demote', '1.0.0', { stage: 'production' }), ev('demote', '1.0.0')])).toStrictEqual({ staging: ['1.0.0', '2.0.0'], canary: ['1.0.0'] });
    expect(stages([promote('1.0.0', 'canary'), ev('demote', '1.0.0', { stage: 'canary' })])).toStrictEqual({});
  });

  it('checks: the latest result per version and name; a check without a name or a boolean result is ignored', () => {
    const state = replay([
      ev('check', '1.0.0', { check: 'smoke', passed: true, time: '2026-01-01T00:00:00.000Z' }),
      ev('check', '1.0.0', { check: 'lint', passed: false }),
      ev('check', '2.0.0', { check: 'smoke', passed: false }),
      ev('check', '1.0.0', { check: 'smoke', passed: 'yes' as never }),
      ev('check', '1.0.0', { check: 7 as never, passed: true }),
      ev('check', '3.0.0', { passed: true }),
    ]);
    expect([...state.checks.keys()]).toStrictEqual(['1.0.0', '2.0.0']);
    expect(Object.fromEntries(state.checks.get('1.0.0')!)).toStrictEqual({ smoke: { passed: true, time: '2026-01-01T00:00:00.000Z' }, lint: { passed: false, time: T } });
    expect(Object.fromEntries(state.checks.get('2.0.0')!)).toStrictEqual({ smoke: { passed: false, time: T } });
    expect(state.stages.size).toBe(0);
  });

  it('register, sign, deploy and unknown kinds change no stage', () => {
    const state = emptyState();
    for (const kind of ['register', 'sign', 'deploy', 'prune', 'future-kind']) applyEvent(state, ev(kind, '1.0.0', { stage: 'production', left: ['x'] }));
    expect(state).toStrictEqual(emptyState());
  });
});

describe('replay at a time', () => {
  it('keeps events up to and including the time, and drops later ones', () => {
    const events = [promote('1.0.0', 'staging', { time: '2026-03-02T10:00:00.000Z' }), promote('2.0.0', 'staging', { time: '2026-03-02T11:00:00.000Z' }), promote('3.0.0', 'staging', { time: '2026-03-02T11:00:00.001Z' })];
    expect(replay(events, new Date('2026-03-02T11:00:00.000Z')).stages.get('staging')).toStrictEqual(['1.0.0', '2.0.0']);
    expect(replay(events, new Date('2026-03-02T09:59:59.999Z')).stages.size).toBe(0);
    expect(replay(events).stages.get('staging')).toStrictEqual(['1.0.0', '2.0.0', '3.0.0']);
  });
});

describe('reading the state', () => {
  it('stagesOf lists a version\'s stages sorted; versionInStage is the highest by semver', () => {
    const state = replay([promote('1.0.0', 'staging'), promote('1.0.0', 'canary'), promote('1.0.0', 'archived'), promote('2.0.0', 'staging'), promote('10.0.0', 'staging'), promote('9.0.0', 'staging')]);
    expect(stagesOf(state, '1.0.0')).toStrictEqual(['archived', 'canary', 'staging']);
    expect(stagesOf(state, '5.0.0')).toStrictEqual([]);
    expect(versionInStage(state, 'staging')).toBe('10.0.0');
    expect(versionInStage(state, 'canary')).toBe('1.0.0');
    expect(state.stages.get('staging')).toStrictEqual(['1.0.0', '2.0.0', '10.0.0', '9.0.0']);
    state.stages.set('empty', []);
    expect(versionInStage(state, 'empty')).toBeUndefined();
  });
});

describe('conflicts', () => {
  it('a version in an exclusive stage and a retire stage at once, in version order, with the command that settles it', () => {
    const state = replay([
      promote('1.10.0', 'production'),
      promote('1.10.0', 'archived'),
      promote('1.10.0', 'vault'),
      promote('1.9.0', 'canary'),
      promote('1.9.0', 'archived'),
      promote('1.8.0', 'archived'),
      promote('1.8.0', 'staging'),
      promote('1.7.0', 'both'),
      promote('1.7.0', 'archived'),
      promote('1.6.0', 'production'),
    ]);
    expect(exclusionConflicts('fraud', state, CONFIG)).toStrictEqual([
      {
        version: '1.9.0',
        stages: ['canary', 'archived'],
        message: 'fraud@1.9.0 is in canary and archived, which exclude each other (archived retires a version); settle it with mreg promote fraud@1.9.0 canary (or mreg demote fraud@1.9.0 canary)',
      },
      {
        version: '1.10.0',
        stages: ['production', 'archived', 'vault'],
        message: 'fraud@1.10.0 is in production and archived and vault, which exclude each other (archived, vault retires a version); settle it with mreg promote fraud@1.10.0 production (or mreg demote fraud@1.10.0 production)',
      },
    ]);
    expect(exclusionConflicts('fraud', replay([promote('1.0.0', 'unknown'), promote('1.0.0', 'archived')]), CONFIG)).toStrictEqual([]);
  });

  it('an exclusive stage holding three versions lists them by semver, the highest in the command', () => {
    const state = replay([promote('2.0.0', 'production', { actor: 'a' }), promote('10.0.0', 'production', { actor: 'b' }), promote('9.0.0', 'production', { actor: 'c' }), promote('1.0.0', 'staging'), promote('2.0.0', 'staging')]);
    const [conflict, ...rest] = stageConflicts('fraud', state, (s) => s !== 'staging');
    expect(rest).toStrictEqual([]);
    expect(conflict!.versions).toStrictEqual(['2.0.0', '9.0.0', '10.0.0']);
    expect(conflict!.command).toBe('mreg promote fraud@10.0.0 production');
    expect(conflict!.message).toBe(
      `fraud: exclusive stage production holds 3 versions: 2.0.0 (promoted at ${T} by a, event ${state.entered.get('production\u00002.0.0')!.id}) and 9.0.0 (promoted at ${T} by c, event ${state.entered.get('production\u00009.0.0')!.id}) and 10.0.0 (promoted at ${T} by b, event ${state.entered.get('production\u000010.0.0')!.id}); promote the right one again to settle it (mreg promote fraud@10.0.0 production, or another of them)`,
    );
    expect(stageConflicts('fraud', state, () => false)).toStrictEqual([]);
  });
});
