#!/usr/bin/env node
// Entry point: loads the compiled CLI and nothing else, so start-up pays for no TypeScript loader.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
// A reader that stops early (mreg ls | head -1) is not an error: stop writing and leave quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
// The AWS SDK announces its future Node support on stderr from inside its core; mreg's supported
// Node versions are its own business (package.json pins an SDK release that runs on Node 20).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The most frequent call from hooks and scripts: answer before loading anything else.
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main({
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdout: process.stdout,
    stderr: process.stderr,
    version,
  });
}
