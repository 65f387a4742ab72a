// The test files Stryker runs against mutants (stryker.config.mjs): the unit tests only. A unit test
// costs milliseconds per mutant, an end-to-end test seconds (git, fsync, a whole command), and per-test
// coverage runs every test that reached a mutant, so one slow test reaching a hot module multiplies the
// whole run. The guarantees of the safety-critical modules are therefore pinned by unit tests
// (test/unit/<module>.test.ts); the end-to-end tests still run in `npm test`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * Unit files left out: robustness rounds (hundreds of mutated inputs, 100 MB headers) that take seconds
 * each and pin "never crashes", which a mutant of the modules mutated here rarely breaks alone, and the
 * deploy runner (real sleeps), which is not a safety-critical module.
 */
export const SLOW_UNIT_TESTS = [
  'test/unit/fuzz-readers.test.ts',
  'test/unit/formats-memory.test.ts',
  'test/unit/formats-hostile.test.ts',
  'test/unit/deploy-runner.test.ts',
];

// Spread, not mergeConfig: mergeConfig would append to the base's include instead of replacing it.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/unit/**/*.test.ts'], exclude: ['**/node_modules/**', ...SLOW_UNIT_TESTS] },
});
