// Mutation testing of the safety-critical modules: `npm run mutate` (scripts/mutate.mjs), or
// `npm run mutate -- <glob>...` for other files. See CONTRIBUTING.md for the figures and limits.
//
// Only the unit tests run against mutants (vitest.mutate.config.ts): milliseconds per mutant where an
// end-to-end test costs seconds, which is what makes a full run fit on a 2-core machine.

/** The modules whose guarantees the registry stands on (issue 18): the default of `npm run mutate`. */
export const SAFETY_CRITICAL = [
  'src/store/blobs.ts',
  'src/store/lock.ts',
  'src/store/atomic.ts',
  'src/core/manifest/{shape,validate,fields,hash}.ts',
  'src/core/versioning/{findings,bump,plan}.ts',
  'src/core/formats/compare.ts',
  'src/core/lifecycle/{promote,state,history,signatures,keys}.ts',
  'src/core/scan/*.ts',
  'src/core/retention/gc.ts',
  'src/core/remote/{transfer,history,pull}.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // `related`: each mutated file's dry run starts from the test files that import it.
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  // Only the tests that reached a mutant run against it.
  coverageAnalysis: 'perTest',
  // A mutant reached only while modules load or in a beforeAll (the shared fixtures of the lineage and
  // lifecycle tests) is "static": no test can be named for it, so every test would run against it. On
  // promote.ts that was 41% of the mutants and 96% of the time; they are reported as Ignored instead.
  ignoreStatic: true,
  mutate: SAFETY_CRITICAL,
  // Re-runs test only the mutants whose code or covering tests changed since the last run; the file is
  // under reports/ (gitignored), so a fresh clone does a full run. `--force` in scripts/mutate.mjs
  // ignores it.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignorePatterns: ['.stryker-tmp', 'reports', '.bench', 'out', '*.tgz', 'dist-check'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportMutants: true },
  thresholds: { high: 85, low: 70, break: null },
  // Two cores on the machines here; the end-to-end tests start git and mreg processes of their own.
  concurrency: 2,
  // A mutant slower than 1.5x its tests' normal time plus 8 s counts as a timeout (detected): the
  // infinite loops of mutated parsers otherwise cost Stryker's 20 s each, and 8 s is still several
  // times the slowest unit test under load.
  timeoutMS: 8_000,
  // The first run of the tests (for per-test coverage) runs them one file at a time.
  dryRunTimeoutMinutes: 20,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
