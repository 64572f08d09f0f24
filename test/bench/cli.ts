// The CLI start-up benchmark: `vigil --version`, `vigil --help` and `vigil status` on a demo ledger, run as a user runs
// them (the src/bin/vigil.mjs launcher and the compiled tree), each timed as a ratio to a bare `node -e ''` measured in
// the same run, with each command's peak RSS. Targets (DESIGN.md, issue 12): --version ≤ 2×, status ≤ 5×.
// Run: npm run bench -- cli [--runs 20] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VIGIL_BIN = new URL('../../src/bin/vigil.mjs', import.meta.url).pathname;
const RSS_REPORTER = new URL('./_rss-reporter.mjs', import.meta.url).href;
const TARGETS = { version: 2, status: 5 } as const;

function num(argv: string[], name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i < 0 ? def : Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`--${name}: expected a whole number ≥ 1, got ${argv[i + 1]}\n`);
    process.exit(2);
  }
  return v;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Case {
  name: string;
  args: string[];
}

/** One run of `node ...args`: wall time in ms; throws on a non-zero exit, so a broken command is never timed as fast. */
function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env, maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.slice(0, 2000)}`);
  return ms;
}

/** Peak RSS of one more run, read by the preloaded reporter (kept out of the timed runs: preloading costs start-up). */
function peakRssMb(args: string[], env: NodeJS.ProcessEnv, work: string, label: string): number {
  const file = join(work, `rss-${label}.jsonl`);
  timed(args, { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=${RSS_REPORTER}`.trim(), VIGIL_BENCH_RSS_FILE: file });
  const procs = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { maxRssKb: number });
  return Math.round(Math.max(...procs.map((p) => p.maxRssKb)) / 1024);
}

export async function main(argv: string[]): Promise<void> {
  const runs = num(argv, 'runs', 20);
  const keep = argv.includes('--keep');
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-cli-'));
  const dataDir = join(work, 'data');
  // No config file in the working directory: the commands run on the embedded defaults, as after `npm ci`.
  const env: NodeJS.ProcessEnv = { ...process.env, VIGIL_LOG_LEVEL: 'warn' };
  delete env.VIGIL_CONFIG;
  delete env.NODE_OPTIONS;
  try {
    const t0 = performance.now();
    // The first start compiles whatever changed since the last build (in a checkout), so it is not timed.
    timed([VIGIL_BIN, '--version'], env);
    const demo = spawnSync(process.execPath, [VIGIL_BIN, '--data-dir', dataDir, 'demo', '--once'], { cwd: work, encoding: 'utf8', env, maxBuffer: 1 << 24 });
    if (demo.status !== 0) throw new Error(`vigil demo --once exited ${demo.status}: ${demo.stderr.slice(-2000)}`);
    const leaves = JSON.parse(spawnSync(process.execPath, [VIGIL_BIN, '--data-dir', dataDir, 'ledger', 'verify', '--json'], { cwd: work, encoding: 'utf8', env }).stdout) as { size: number };

    const cases: Case[] = [
      { name: 'node', args: ['-e', ''] },
      { name: 'version', args: [VIGIL_BIN, '--version'] },
      { name: 'help', args: [VIGIL_BIN, '--help'] },
      { name: 'status', args: [VIGIL_BIN, '--data-dir', dataDir, 'status'] },
    ];
    const times: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
    // One warm-up round (page cache, compiled tree checked), then rounds interleaving the cases, so a burst of load from
    // other work on the machine falls on all of them alike and the ratios stay comparable.
    for (const c of cases) timed(c.args, env);
    for (let i = 0; i < runs; i++) for (const c of cases) times[c.name]!.push(timed(c.args, env));
    const rss: Record<string, number> = Object.fromEntries(cases.map((c) => [c.name, peakRssMb(c.args, env, work, c.name)]));

    const base = median(times.node!);
    const fig = (name: string) => ({ medianMs: Math.round(median(times[name]!)), minMs: Math.round(Math.min(...times[name]!)), ratio: Math.round((median(times[name]!) / base) * 100) / 100, peakRssMb: rss[name]! });
    const version = fig('version');
    const status = fig('status');
    process.stdout.write(
      `${JSON.stringify({
        bench: 'cli',
        params: { runs, ledgerLeaves: leaves.size },
        wallMs: Math.round(performance.now() - t0),
        apiCalls: 0,
        minApiCalls: 0,
        peakRssMb: Math.max(...Object.values(rss)),
        node: { medianMs: Math.round(base), minMs: Math.round(Math.min(...times.node!)), peakRssMb: rss.node! },
        version,
        help: fig('help'),
        status,
        targets: { versionRatio: TARGETS.version, statusRatio: TARGETS.status },
        meetsTargets: version.ratio <= TARGETS.version && status.ratio <= TARGETS.status,
      })}\n`,
    );
  } finally {
    if (keep) process.stderr.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}
