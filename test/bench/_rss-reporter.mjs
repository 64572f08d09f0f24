// Preloaded into every Node process of a benchmarked command (NODE_OPTIONS=--import=…): on exit, appends the process's
// own peak resident set size (getrusage ru_maxrss, as Node reports it) and entry script to VIGIL_BENCH_RSS_FILE.
import { appendFileSync } from 'node:fs';

const file = process.env.VIGIL_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, script: process.argv[1] ?? '', maxRssKb: process.resourceUsage().maxRSS })}\n`);
  });
}
