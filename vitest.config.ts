import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // unit/, e2e/ and browser/ (headless Chromium against mreg ui and report; skipped without chromium unless CI is set)
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: most e2e tests now run mreg in-process, and the default on a 2-core
    // machine (cores - 1 = one worker) leaves a core idle while a file waits on git, a spawned
    // mreg, a deploy step's sleep or an fsync.
    maxWorkers: 2,
    // The files of one worker share its modules: each file no longer re-imports src/ and its
    // dependencies (npm test: 134 s instead of about 180 s on 2 cores, 2026-11-29). The price: a file
    // must leave no process-wide state behind; test/unit/test-hygiene.test.ts checks for it.
    isolate: false,
  },
});
