// The dashboard's API routes timed over real HTTP on a simulated ledger: per-route p50/p95/p99 with the memos warm; the
// cold cost (the first read after a new run, with results changed, while the writer's fold of it into the ledger view
// may still be running) of posture, trend, findings and evidence; the first read of a new process with no saved view,
// and the first read after a restart that loads the saved view.
// Run: npm run bench -- api [--days 30] [--resources 2000] [--rules 60] [--scopes 4] [--requests 40] [--cold 12]
//        [--data-dir DIR (an existing ledger, read only)] [--keep DIR (build the ledger there and keep it)]
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Clock } from '../../src/core/collector.js';
import type { RecordedResult } from '../../src/pipeline/collect-stage.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { recordRun, type RecordOutcome } from '../../src/pipeline/record.js';
import { LedgerView } from '../../src/report/ledger-view.js';
import { mulberry32 } from '../../src/core/seeded-random.js';
import { loadFramework, scopeFramework } from '../../src/rules/frameworks.js';
import { buildApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import { positive } from './_args.js';

class SimClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
}

const opt = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
};

/** Hourly runs of `scopes` scopes over `days` days, 1 % of results flipping a day, through recordRun (the writer's path). */
async function buildLedger(dataDir: string, clock: SimClock, o: { days: number; resources: number; rules: number; scopes: number }): Promise<{ ledger: Ledger; state: RecordedResult[][]; scopes: string[]; next: number }> {
  const rand = mulberry32(7);
  const mapped = [...new Set(loadFramework('soc2').criteria.flatMap((c) => c.rules.map((r) => r.id)))].sort();
  const ruleIds = Array.from({ length: o.rules }, (_, i) => mapped[i] ?? `sim.rule_${i}`);
  const scopes = Array.from({ length: o.scopes }, (_, i) => String(200000000000 + i));
  const state = scopes.map((scope, si) => {
    const rs: RecordedResult[] = [];
    for (let r = si; r < o.resources; r += o.scopes) for (let k = r % 10; k < o.rules; k += 10) rs.push({ ruleId: ruleIds[k]!, resourceId: `arn:aws:iam::${scope}:res-${r}`, status: rand() < 0.04 ? 'fail' : 'pass', reason: 'sim' });
    return rs;
  });
  const ledger = await Ledger.open({ dataDir, clock, logger: silentLogger, origin: 'vigil.bench/api' });
  const flips = Math.max(1, Math.round(state.reduce((n, s) => n + s.length, 0) * 0.01));
  const start = clock.t;
  let t = start;
  for (; t < start + o.days * 86_400_000; t += 3600_000) {
    if (new Date(t).getUTCHours() === 10) for (let f = 0; f < flips; f++) flip(state[Math.floor(rand() * o.scopes)]!, rand);
    for (let si = 0; si < o.scopes; si++) await runOnce(ledger, clock, state, scopes, si, t);
    clock.t = t + 50 * 60_000;
    await ledger.checkpoint('hourly');
    if (new Date(t).getUTCHours() === 0) process.stderr.write(`\r${new Date(t).toISOString().slice(0, 10)} `);
  }
  process.stderr.write('\n');
  return { ledger, state, scopes, next: t };
}

function flip(rs: RecordedResult[], rand: () => number): void {
  const r = rs[Math.floor(rand() * rs.length)]!;
  r.status = r.status === 'pass' ? 'fail' : 'pass';
}

const evidencePath = (seq: number, r: { ruleId: string; resourceId: string }): string => `/v1/evidence/${seq}?${new URLSearchParams({ rule: r.ruleId, resource: r.resourceId }).toString()}`;

async function runOnce(ledger: Ledger, clock: SimClock, state: RecordedResult[][], scopes: string[], si: number, t: number): Promise<RecordOutcome> {
  const slot = new Date(t).toISOString();
  clock.t = t + 60_000 + si * 1000;
  const results = state[si]!;
  const counts = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
  for (const r of results) counts[r.status as keyof typeof counts]++;
  return recordRun(ledger, { summary: { source: 'aws', scope: scopes[si]!, slot, startedAt: slot, endedAt: new Date(t + 55_000).toISOString(), ruleSetVersion: 'bench', populationSize: results.length, apiCalls: 3, counts, errors: [], artifacts: [] }, results });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
};

export async function main(argv: string[]): Promise<void> {
  const days = positive('days', opt(argv, 'days'), 30);
  const resources = positive('resources', opt(argv, 'resources'), 2000);
  const rules = positive('rules', opt(argv, 'rules'), 60);
  const scopeCount = positive('scopes', opt(argv, 'scopes'), 4);
  const requests = positive('requests', opt(argv, 'requests'), 40);
  const coldRounds = positive('cold', opt(argv, 'cold'), 12);
  const existing = opt(argv, 'data-dir');
  const keep = opt(argv, 'keep');
  const dataDir = existing ?? keep ?? mkdtempSync(join(tmpdir(), 'vigil-bench-api-'));
  const clock = new SimClock(Date.UTC(2025, 0, 1));
  const t0 = performance.now();
  const built = existing ? undefined : await buildLedger(dataDir, clock, { days, resources, rules, scopes: scopeCount });
  const ledger = built?.ledger ?? (await Ledger.open({ dataDir, clock, logger: silentLogger, readOnly: true }));
  if (!built) clock.t = Date.parse((await ledger.lastLeaf({ type: 'run' }))?.body.endedAt ?? new Date().toISOString());
  const buildMs = Math.round(performance.now() - t0);
  const token = 'bench-token-' + 'x'.repeat(20);
  // As `vigil run` does: one view, which the writer folds each run into as soon as it is recorded (not awaited).
  const start = async () => {
    const view = new LedgerView(ledger, { dir: join(dataDir, 'views'), logger: silentLogger, clock });
    const api = await buildApi({
      ledger,
      rules: [],
      framework: scopeFramework(loadFramework('soc2'), undefined),
      config: apiConfigSchema.parse({ tokens: [{ name: 'bench', sha256: createHash('sha256').update(token).digest('hex'), role: 'admin' }] }),
      logger: silentLogger,
      clock,
      sources: [{ source: 'aws', schedule: '0 * * * *' }],
      dataDir,
      view,
    });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    return { view, api, base: `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}` };
  };
  let { view, api, base } = await start();
  // CPU time this process spent on the last request (server and client share it): on a machine shared with other
  // work, wall time counts the waits for a core; CPU time is what the route itself costs.
  let lastCpuMs = 0;
  const get = async (path: string): Promise<number> => {
    const c = process.cpuUsage();
    const s = performance.now();
    const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
    const d = process.cpuUsage(c);
    lastCpuMs = (d.user + d.system) / 1000;
    return performance.now() - s;
  };
  const firstRead = performance.now();
  const sample = (await (await fetch(`${base}/v1/findings?status=fail&limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { findings: Array<{ runSeq: number; ruleId: string; resourceId: string }> };
  const firstReadMs = Math.round(performance.now() - firstRead);
  const f = sample.findings[0]!;
  const routes = {
    posture: '/v1/posture',
    trend: '/v1/posture/trend?days=30',
    findings: '/v1/findings?limit=500',
    findingsFail: '/v1/findings?status=fail&limit=500',
    evidence: evidencePath(f.runSeq, f),
    sources: '/v1/sources',
    alerts: '/v1/alerts?after=-1&limit=1000',
  };
  const cold: Record<string, number[]> = { writerFold: [], posture: [], trend: [], findings: [], evidence: [] };
  const coldCpu: Record<string, number[]> = { posture: [], trend: [], findings: [], evidence: [] };
  // Cold: the first read after a new run (what a user sees once an hour), when the ledger can be written. Each round
  // changes an hour's share of the day's 1 % in every scope, so every run has a new results blob and change leaves.
  if (built) {
    const rand = mulberry32(11);
    const perScope = Math.max(1, Math.round((built.state[0]!.length * 0.01) / 24));
    for (let i = 0; i < coldRounds; i++) {
      for (let si = 0; si < scopeCount; si++) {
        for (let n = 0; n < perScope; n++) flip(built.state[si]!, rand);
        const outcome = await runOnce(ledger, clock, built.state, built.scopes, si, built.next + i * 3600_000);
        void view.refresh();
        if (si === 0) routes.evidence = evidencePath(outcome.runSeq, built.state[0]![0]!);
      }
      // The hour's checkpoint, as the writer signs one each hour (the drill-down proves the run against it).
      await ledger.checkpoint('hourly');
      // The writer's fold of these runs (kicked as each was recorded), awaited so the figures below are the reads' own.
      const fold = performance.now();
      await view.refresh();
      cold.writerFold!.push(Math.round(performance.now() - fold));
      for (const k of ['posture', 'trend', 'findings', 'evidence'] as const) {
        cold[k]!.push(Math.round(await get(routes[k])));
        coldCpu[k]!.push(Math.round(lastCpuMs));
      }
    }
  }
  const figures: Record<string, { p50: number; p95: number; p99: number }> = {};
  for (const [name, path] of Object.entries(routes)) {
    await get(path);
    const xs: number[] = [];
    for (let i = 0; i < requests; i++) xs.push(await get(path));
    figures[name] = { p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99) };
  }
  // A restart: the view saved on close is loaded, and only what was appended since is folded.
  await api.close();
  ({ view, api, base } = await start());
  const restart = performance.now();
  await get(routes.findings);
  const restartFirstReadMs = Math.round(performance.now() - restart);
  const leaves = (await ledger.lastLeaf({ type: 'run' }))?.seq ?? 0;
  await api.close();
  await ledger.close();
  if (!existing && !keep) rmSync(dataDir, { recursive: true, force: true });
  const summary = (m: Record<string, number[]>) => Object.fromEntries(Object.entries(m).filter(([, xs]) => xs.length > 0).map(([k, xs]) => [k, { p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs), n: xs.length }]));
  const out = { bench: 'api', params: { days, resources, rules, scopes: scopeCount, requests, cold: coldRounds, ...(existing ? { dataDir: existing } : {}) }, wallMs: Math.round(performance.now() - t0), buildMs, leaves, apiCalls: 0, minApiCalls: 0, peakRssMb: Math.round(process.memoryUsage().rss / 1048576), routesMs: figures, coldMs: summary(cold), coldCpuMs: summary(coldCpu), loadAvg: loadavg().map((x) => Math.round(x * 10) / 10), firstReadMs, restartFirstReadMs };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
