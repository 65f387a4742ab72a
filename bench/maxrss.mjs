// Loaded with `node --import` by the benchmark: records the process's peak memory when it exits.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.MREG_BENCH_RSS_FILE) writeFileSync(process.env.MREG_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024));
});
