// Preloaded into every Node process of a benchmarked command (NODE_OPTIONS=--import=…): on exit, appends the process's
// own peak resident set size (getrusage ru_maxrss, as Node reports it), CPU time (user + system) and entry script to
// VIGIL_BENCH_RSS_FILE.
import { appendFileSync } from 'node:fs';

const file = process.env.VIGIL_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, script: process.argv[1] ?? '', maxRssKb: u.maxRSS, cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000) })}\n`);
  });
}
