// Evidence intake: results → queue `evidence` → ledger writer → SQLite (hashed, checkpointed), against the same results
// recorded straight into the store in the same process. Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Status } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { EvidenceJob, RecordedResult } from '../../src/pipeline/collect-stage.js';
import { recordRun } from '../../src/pipeline/record.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import { QUEUE_EVIDENCE, evidenceJobOptions } from '../../src/pipeline/queues.js';
import { redisUrl } from '../../src/pipeline/redis.js';
import { startBenchWitness, type BenchWitness } from './_witness.js';

function arg(argv: string[], name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`--${name}: expected a positive number\n`);
    process.exit(2);
  }
  return v;
}

/** Deterministic runs: `scopes` accounts, each run `perRun` results, `changeRate` of them flipping per run. */
function makeJobs(total: number, perRun: number, scopes: number, changeRate: number): EvidenceJob[] {
  const runs = Math.ceil(total / perRun);
  const state = new Map<number, Status[]>();
  const jobs: EvidenceJob[] = [];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < runs; i++) {
    const scopeIdx = i % scopes;
    const scope = String(100000000000 + scopeIdx);
    const prev = state.get(scopeIdx) ?? Array.from({ length: perRun }, () => (rnd() < 0.8 ? 'pass' : 'fail') as Status);
    const cur = prev.map((s) => (rnd() < changeRate ? (s === 'pass' ? 'fail' : 'pass') : s));
    state.set(scopeIdx, cur);
    const results: RecordedResult[] = cur.map((status, k) => ({
      ruleId: `aws.bench.rule_${k % 60}`,
      resourceId: `arn:aws:iam::${scope}:user/user-${Math.floor(k / 60)}`,
      status,
      reason: status === 'pass' ? 'compliant' : 'access key older than 90 days (last rotated 2026-01-02)',
    }));
    const slot = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / scopes) * 3600_000).toISOString();
    const counts = { pass: 0, fail: 0, error: 0, not_applicable: 0 } as Record<Status, number>;
    for (const r of results) counts[r.status]++;
    jobs.push({
      summary: { source: 'aws', scope, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 'bench', populationSize: Math.ceil(perRun / 60), apiCalls: 10, counts, errors: [], artifacts: [] },
      results,
    });
  }
  return jobs;
}

export async function main(argv: string[]): Promise<void> {
  const total = arg(argv, 'results', 200_000);
  const perRun = arg(argv, 'per-run', 2_000);
  const scopes = arg(argv, 'scopes', 10);
  // --witness: one witness configured; the writer signs a checkpoint every --checkpoint-every runs, each offered to it.
  const withWitness = argv.includes('--witness');
  const checkpointEvery = arg(argv, 'checkpoint-every', 10);
  const jobs = makeJobs(total, perRun, scopes, 0.01);
  const results = jobs.reduce((n, j) => n + j.results.length, 0);

  // Direct: the same recording logic, no queue.
  const dirA = mkdtempSync(join(tmpdir(), 'vigil-intake-direct-'));
  const a = await Ledger.open({ dataDir: dirA, clock: systemClock, logger: silentLogger });
  const t0 = performance.now();
  for (const j of jobs) await recordRun(a, j);
  await a.checkpoint('manual');
  const directMs = performance.now() - t0;
  const directLeaves = a.size();
  await a.close();

  // End to end: producer enqueues every run on `evidence`; the single writer consumes and records.
  const dirB = mkdtempSync(join(tmpdir(), 'vigil-intake-queue-'));
  const url = redisUrl();
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  const prefix = `vigilbench-${randomBytes(4).toString('hex')}`;
  const b = await Ledger.open({ dataDir: dirB, clock: systemClock, logger: silentLogger });
  let recorded = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const writer = new LedgerWriter({
    ledger: b,
    rules: [],
    sources: [],
    clock: systemClock,
    logger: silentLogger,
    connection: conn,
    prefix,
    onRecorded: () => {
      if (++recorded === jobs.length) resolveDone();
      else if (witness && recorded % checkpointEvery === 0) void witness.checkpoint();
    },
  });
  await writer.start(['bench']);
  const witness: BenchWitness | undefined = withWitness ? await startBenchWitness(b) : undefined;
  const startSize = b.size();
  const queue = new Queue(QUEUE_EVIDENCE, { connection: conn, prefix });
  const t1 = performance.now();
  for (let i = 0; i < jobs.length; i += 50) {
    await queue.addBulk(jobs.slice(i, i + 50).map((data, k) => ({ name: 'run', data, opts: { ...evidenceJobOptions, jobId: `bench-${i + k}` } })));
  }
  await done;
  await b.checkpoint('manual');
  const queueMs = performance.now() - t1;
  const queueLeaves = b.size() - startSize;
  const cosign = await witness?.finish();
  const verify = await b.verify();
  await writer.stop();
  await queue.obliterate({ force: true });
  await queue.close();
  await b.close();
  conn.disconnect();
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });

  const directRate = Math.round(results / (directMs / 1000));
  const queueRate = Math.round(results / (queueMs / 1000));
  process.stdout.write(
    JSON.stringify({
      bench: 'intake',
      params: { results, perRun, runs: jobs.length, scopes, changeRate: 0.01, ...(witness ? { witnesses: 1, checkpointEvery } : {}) },
      wallMs: Math.round(directMs + queueMs),
      directMs: Math.round(directMs),
      queueMs: Math.round(queueMs),
      directResultsPerSec: directRate,
      queueResultsPerSec: queueRate,
      ratio: Number((queueRate / directRate).toFixed(3)),
      ...(cosign ? { checkpointsSigned: cosign.checkpoints, cosigned: cosign.cosigned } : {}),
      directLeaves,
      queueLeaves,
      verified: verify.ok,
      apiCalls: 0,
      minApiCalls: 0,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
      cpus: cpus().length,
    }) + '\n',
  );
}
