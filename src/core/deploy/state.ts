// A target's deploy state lives with the rest of the history replay (lifecycle/target-state.ts), where
// the prune protection reads it too; this name stays for the deploy code that imports it.
export { liveVersion, replayTarget, type TargetState } from '../lifecycle/target-state.js';
