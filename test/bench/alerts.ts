// Alerts benchmark: deriving alerts when N resources break at once (and recover), a restart's rebuild of the fold from the
// ledger, and delivering M signed webhooks through `notify` to a local receiver that fails a share of requests.
// Run: npm run bench -- alerts [--resources 10000] [--deliveries 1000] [--fail-rate 0.5]
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Ledger } from '../../src/ledger/ledger.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Rule, Status } from '../../src/core/types.js';
import { recordRun } from '../../src/pipeline/record.js';
import { AlertEngine } from '../../src/alerts/engine.js';
import { Notifier } from '../../src/alerts/deliver.js';
import { alertsConfigSchema } from '../../src/alerts/config.js';
import { verifySignature } from '../../src/alerts/signature.js';
import { QUEUE_NOTIFY } from '../../src/pipeline/queues.js';

let peakRss = 0;
const sample = () => void (peakRss = Math.max(peakRss, process.memoryUsage().rss));

function arg(argv: string[], name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i < 0 ? def : Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    process.stderr.write(`--${name}: expected a non-negative number\n`);
    process.exit(2);
  }
  return v;
}

const rule: Rule = { id: 'aws.bench.thing', title: 'Things hold', severity: 'critical', source: 'aws', mode: 'snapshot', inputs: [], permissions: [], rationale: '', remediation: '', params: {}, evaluate: () => [] };

export async function main(argv: string[]): Promise<void> {
  const resources = arg(argv, 'resources', 10_000);
  const deliveries = arg(argv, 'deliveries', 1000);
  const failRate = arg(argv, 'fail-rate', 0.5);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-bench-'));
  let t = Date.parse('2026-03-01T00:00:00Z');
  const clock = { now: () => new Date(t) };
  const ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
  const conn = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const prefix = `vigilbench-${randomBytes(5).toString('hex')}`;
  try {
    const run = async (status: Status) => {
      t += 3600_000;
      const slot = new Date(t).toISOString();
      const results = Array.from({ length: resources }, (_, i) => ({ ruleId: rule.id, resourceId: `arn:aws:iam::1:user/u${i}`, status, reason: status }));
      await recordRun(ledger, { summary: { source: 'aws', scope: '1', slot, startedAt: slot, endedAt: slot, ruleSetVersion: 'b', populationSize: resources, apiCalls: 1, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0, [status]: resources }, errors: [], artifacts: [] }, results });
    };
    const engine = new AlertEngine({ ledger, rules: [rule], config: alertsConfigSchema.parse({}), clock, logger: silentLogger });
    await run('pass');
    await engine.tick();
    await run('fail');
    let t0 = performance.now();
    const broke = await engine.tick();
    const deriveBrokeMs = performance.now() - t0;
    sample();
    await run('pass');
    t0 = performance.now();
    const recovered = await engine.tick();
    const deriveRecoverMs = performance.now() - t0;
    await run('fail');
    t0 = performance.now();
    const fresh = new AlertEngine({ ledger, rules: [rule], config: alertsConfigSchema.parse({}), clock, logger: silentLogger });
    const afterRestart = await fresh.tick(); // rebuild the fold, then alert the new break once
    const restartMs = performance.now() - t0;
    sample();

    // Delivery: M alerts × 1 sink through a receiver failing `failRate` of requests.
    t = Date.now();
    const seen = new Set<string>();
    let requests = 0;
    let bad = 0;
    const secret = randomBytes(16).toString('hex');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests++;
        if (Math.random() < failRate) return void res.writeHead(503).end();
        if (!verifySignature(secret, req.headers, Buffer.concat(chunks))) bad++;
        seen.add(String(req.headers['vigil-delivery-id']));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const config = alertsConfigSchema.parse({ retry: { attempts: 50, backoffMs: 2 }, sinks: [{ name: 'bench', type: 'webhook', url, secret, allowInsecure: true, allowLoopback: true }] });
    const realClock = { now: () => new Date() };
    const notifier = new Notifier({ ledger, config, connection: conn, prefix, clock: realClock, logger: silentLogger, concurrency: 16 });
    const out = await ledger.append(Array.from({ length: deliveries }, (_, i) => ({ type: 'alert', idempotencyKey: `alert:bench:${i}`, data: { kind: 'gap', severity: 'high', title: `b${i}`, count: 1 } })));
    t0 = performance.now();
    await notifier.enqueue(out.map((o) => o.seq));
    notifier.start();
    while (((await notifier.queue.getJobCounts('completed')).completed ?? 0) < deliveries) {
      sample();
      await new Promise((r) => setTimeout(r, 50));
    }
    const deliverMs = performance.now() - t0;
    await notifier.close();
    await new Promise((r) => server.close(r));
    const q = new Queue(QUEUE_NOTIFY, { connection: conn, prefix });
    await q.obliterate({ force: true });
    await q.close();
    await conn.del(`${prefix}:vigil:notify:enqueued`);
    process.stdout.write(
      JSON.stringify({
        bench: 'alerts',
        params: { resources, deliveries, failRate },
        wallMs: Math.round(deriveBrokeMs + deriveRecoverMs + restartMs + deliverMs),
        apiCalls: 0,
        minApiCalls: 0,
        peakRssMb: Math.round(peakRss / 1048576),
        deriveBrokeMs: Math.round(deriveBrokeMs),
        deriveRecoverMs: Math.round(deriveRecoverMs),
        restartRebuildAndAlertMs: Math.round(restartMs),
        alertLeaves: { broke: broke.length, recovered: recovered.length, afterRestart: afterRestart.length },
        deliverMs: Math.round(deliverMs),
        deliveriesPerSecond: Math.round(deliveries / (deliverMs / 1000)),
        receiverRequests: requests,
        uniqueDelivered: seen.size,
        badSignatures: bad,
      }) + '\n',
    );
  } finally {
    await ledger.close();
    conn.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
