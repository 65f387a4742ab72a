// The registry of playbook step kinds. A new kind is one file in this folder (exporting parse, run,
// describe: see StepKind in step.ts) and one line below; parsing, running and plans all go by it.
import * as deploy from './deploy.js';
import * as health from './health.js';
import * as monitor from './monitor.js';
import * as notify from './notify.js';
import * as promote from './promote.js';
import * as route from './route.js';
import type { StepKind } from './step.js';
import * as wait from './wait.js';

/** In the order messages list them. */
const REGISTRY = { deploy, health, monitor, wait, notify, promote, route };

type Registry = typeof REGISTRY;
export type StepName = keyof Registry;
/** A parsed step of any kind, told apart by `kind`. */
export type Step = { [K in StepName]: ReturnType<Registry[K]['parse']> }[StepName];

// Every entry must be a StepKind of the step its parse returns (a compile-time check).
const _conforms: { [K in StepName]: StepKind<ReturnType<Registry[K]['parse']>> } = REGISTRY;

export const STEP_KINDS = Object.keys(REGISTRY) as StepName[];

/** The step kind named `name`, or undefined when there is none. */
export function stepKind(name: string): StepKind<Step> | undefined {
  return Object.hasOwn(REGISTRY, name) ? (REGISTRY[name as StepName] as unknown as StepKind<Step>) : undefined;
}
