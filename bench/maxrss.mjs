// Loaded with `node --import` by the benchmark and the memory tests: records the process's peak memory when it exits.
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * On Linux the peak is VmHWM, the high-water mark of this process's own address space. getrusage's
 * maxRSS is not used there: exec carries the parent's peak into it, so a child spawned by a 300 MB
 * test worker reports at least 300 MB whatever it does itself.
 */
function peakBytes() {
  try {
    const kB = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kB !== undefined) return Number(kB) * 1024;
  } catch {
    // no /proc: another platform
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.on('exit', () => {
  if (process.env.MREG_BENCH_RSS_FILE) writeFileSync(process.env.MREG_BENCH_RSS_FILE, String(peakBytes()));
});
