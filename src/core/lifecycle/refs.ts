// Version references, everywhere a command takes <ref>: model, model@latest, model@1.2.3,
// model@<stage> (the version in it; the highest for a non-exclusive stage), model@^1.2 (any semver
// range: the highest match), optionally as things stood at a past moment.
import maxSatisfying from 'semver/ranges/max-satisfying.js';
import valid from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import { MregError, quoteInput } from '../../errors.js';
import type { Store } from '../store.js';
import { splitReference } from '../manifest/reference.js';
import { didYouMean } from '../closest-name.js';
import { listVersions, missingModel, readManifest } from '../manifest/versions.js';
import { readHistory } from './history.js';
import { currentState } from './snapshot.js';
import { replay, stageConflicts, versionInStage } from './state.js';

export interface ResolvedRef {
  model: string;
  version: string;
  /** how the reference was read: 'version', 'latest', 'stage' or 'range' */
  via: 'version' | 'latest' | 'stage' | 'range';
}

export function splitRef(text: string): { model: string; selector: string } {
  const { name, selector } = splitReference(text);
  return { model: name, selector };
}

export async function resolveRef(store: Store, text: string, options: { at?: Date } = {}): Promise<ResolvedRef> {
  const { layout, config } = store;
  const { model, selector } = splitRef(text);
  if (selector !== 'latest' && valid(selector) === selector) return { model, version: selector, via: 'version' };

  let versions = await listVersions(layout, model);
  if (selector === 'latest' || (!config.stages[selector] && validRange(selector))) {
    if (options.at) {
      // Only versions that existed then.
      const limit = options.at.getTime();
      const kept: string[] = [];
      for (const v of versions) if (Date.parse((await readManifest(layout, model, v)).created_at) <= limit) kept.push(v);
      versions = kept;
    }
    if (versions.length === 0) {
      if (options.at) throw new MregError('NOT_FOUND', `model ${model} has no versions at ${options.at.toISOString()}`);
      throw await missingModel(layout, model);
    }
    if (selector === 'latest') return { model, version: versions[versions.length - 1]!, via: 'latest' };
    const match = maxSatisfying(versions, selector);
    if (!match) throw new MregError('NOT_FOUND', `no version of ${model} matches ${selector} (versions: ${versions.slice(-5).join(', ')}${versions.length > 5 ? ', ...' : ''})`);
    return { model, version: match, via: 'range' };
  }
  if (config.stages[selector]) {
    const state = options.at ? replay((await readHistory(layout, model)).events, options.at) : (await currentState(layout, model)).state;
    // Two versions in an exclusive stage (parallel promotions merged): no read may guess which is meant.
    const conflict = stageConflicts(model, state, (stage) => stage === selector && Boolean(config.stages[stage]?.exclusive))[0];
    if (conflict) {
      throw new MregError('STAGE_CONFLICT', conflict.message, { hint: `settle it with: ${conflict.command}`, data: { model, stage: selector, versions: conflict.versions, command: conflict.command } });
    }
    const version = versionInStage(state, selector);
    if (!version) throw new MregError('NOT_FOUND', `no version of ${model} is in ${selector}${options.at ? ` at ${options.at.toISOString()}` : ''}`);
    return { model, version, via: 'stage' };
  }
  throw new MregError(
    'INVALID_VERSION',
    `invalid reference ${quoteInput(text)}: after @ comes a version (1.2.3), latest, a stage (${Object.keys(config.stages).join(', ')}) or a semver range (^1.2)${didYouMean(selector, Object.keys(config.stages))}`,
  );
}
