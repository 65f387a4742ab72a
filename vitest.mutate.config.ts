// The test files Stryker runs against mutants (stryker.config.mjs): those that import src/ and can kill
// one. Left out are the files that mostly start the built mreg (dist/, never mutated) or wait on real
// time (deploy steps, races, SIGKILL rounds, s3rver), which would only slow every mutant down.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export const PROCESS_TESTS = [
  'test/e2e/reliability.test.ts',
  'test/e2e/changes-reliability.test.ts',
  'test/e2e/remote-s3.test.ts',
  'test/e2e/quickstart.test.ts',
  'test/e2e/docs.test.ts',
  'test/e2e/deploy.test.ts',
  'test/e2e/route.test.ts',
  'test/e2e/git.test.ts',
  'test/e2e/lock.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: ['**/node_modules/**', ...PROCESS_TESTS] } }));
