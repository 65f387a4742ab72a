// Which versions no prune may take (core/lifecycle/pruned.ts): protected stages, the live and
// rollback versions of each target, and the lineage of what is kept, across models.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/core/lifecycle/history.js';
import { effectivePrunes, protectedByState, protectedVersions, type ModelRecord } from '../../src/core/lifecycle/pruned.js';
import type { Manifest } from '../../src/core/manifest/types.js';

let next = 0;
function ev(event: string, version: string, extra: Partial<HistoryEvent> = {}): HistoryEvent {
  return { id: `e${next++}`, time: '2026-01-01T00:00:00.000Z', event, model: 'm', version, actor: 'a', ...extra } as HistoryEvent;
}
function manifest(name: string, version: string, parents: { name: string; version: string }[] = []): Manifest {
  return { name, version, ...(parents.length > 0 ? { lineage: { parents } } : {}) } as unknown as Manifest;
}

describe('protectedByState', () => {
  it('protects versions in protected stages only, and the live and rollback versions of every target', () => {
    const events = [
      ev('promote', '1.0.0', { stage: 'production' }),
      ev('promote', '1.1.0', { stage: 'archived' }),
      ...['1.2.0', '1.3.0', '1.4.0'].map((v) => ev('deploy', v, { target: 'prod', phase: 'succeeded', op: v })),
      ev('deploy', '1.5.0', { target: 'prod', phase: 'failed', op: 'x' }),
    ];
    expect(Object.fromEntries(protectedByState(events, ['production']))).toEqual({
      '1.0.0': 'in protected stage production',
      '1.4.0': 'live on target prod',
      '1.3.0': 'the rollback version of target prod',
    });
  });
});

describe('protectedVersions and effectivePrunes', () => {
  it('the lineage of a protected or unpruned version is protected, across models; a pruned one protects nothing', () => {
    const records = new Map<string, ModelRecord>([
      ['base', { manifests: [manifest('base', '1.0.0'), manifest('base', '2.0.0'), manifest('base', '3.0.0')], events: ['1.0.0', '2.0.0', '3.0.0'].map((v) => ev('prune', v)) }],
      ['ft', { manifests: [manifest('ft', '1.0.0', [{ name: 'base', version: '1.0.0' }]), manifest('ft', '2.0.0', [{ name: 'base', version: '2.0.0' }])], events: [ev('prune', '2.0.0')] }],
      ['ft2', { manifests: [manifest('ft2', '1.0.0', [{ name: 'ft', version: '2.0.0' }])], events: [ev('promote', '1.0.0', { stage: 'production' })] }],
    ]);
    const protection = protectedVersions(records, ['production']);
    expect(Object.fromEntries(protection.get('base')!)).toEqual({ '1.0.0': 'in the lineage of ft@1.0.0', '2.0.0': 'in the lineage of ft@2.0.0' });
    expect(Object.fromEntries(protection.get('ft')!)).toEqual({ '2.0.0': 'in the lineage of ft2@1.0.0' });
    expect([...effectivePrunes(records.get('base')!.events, protection.get('base')).keys()]).toEqual(['3.0.0']);
    expect([...effectivePrunes(records.get('ft')!.events, protection.get('ft')).keys()]).toEqual([]);
  });
});
