// npm run mutate [-- [--force] <glob>...]: builds dist/, runs Stryker over the safety-critical modules
// of stryker.config.mjs or over the globs given, and prints the mutation score. Runs are incremental
// (reports/stryker-incremental.json); --force tests every mutant again.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Stryker } from '@stryker-mutator/core';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const force = process.argv.includes('--force');
const globs = process.argv.slice(2).filter((arg) => arg !== '--force');

const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const started = Date.now();
const results = await new Stryker({ configFile: 'stryker.config.mjs', force, ...(globs.length > 0 ? { mutate: globs } : {}) }).runMutationTest();

// Stryker's definition: detected (killed, timed out) over valid mutants (detected, survived, no coverage).
const count = (...statuses) => results.filter((r) => statuses.includes(r.status)).length;
const detected = count('Killed', 'Timeout');
const undetected = count('Survived', 'NoCoverage');
const score = detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  `\nmutation score: ${score.toFixed(2)}% (${detected} killed or timed out, ${count('Survived')} survived, ${count('NoCoverage')} not covered; ` +
    `${count('CompileError', 'RuntimeError', 'Ignored')} invalid or ignored) over ${globs.length > 0 ? globs.join(' ') : 'the safety-critical modules'} in ${minutes} min`,
);
console.log('report: reports/mutation/index.html');
