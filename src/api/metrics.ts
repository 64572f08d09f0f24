// Prometheus metrics for /metrics: runs, durations, API calls, alerts and ledger size (folded from the ledger), HTTP and queues.
import { redisHealth } from '../pipeline/redis-health.js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Ledger } from '../ledger/ledger.js';
import { QUEUE_COLLECT, QUEUE_EVIDENCE, QUEUE_NOTIFY } from '../pipeline/queues.js';
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import { runHealth } from '../report/health.js';

/**
 * Run and alert figures are folded incrementally from the ledger at scrape time, so `vigil serve` in its own process
 * reports the same numbers as the writer, and a restart starts from the true totals rather than zero.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly http: Counter<'route' | 'method' | 'status'>;
  readonly authFailures: Counter<'reason' | 'route'>;
  private readonly runs: Counter<'source' | 'outcome'>;
  private readonly runDuration: Histogram<'source'>;
  private readonly apiCalls: Counter<'source'>;
  private readonly alerts: Counter<'kind' | 'severity'>;
  private readonly deliveryFailed: Counter<'sink'>;
  private readonly failing: Gauge<'source' | 'scope'>;
  private nextSeq = 0;
  private size = 0;
  private queues: Queue[] = [];

  constructor(private readonly ledger: Ledger, connection?: Redis, prefix?: string) {
    const r = [this.registry];
    this.http = new Counter({ name: 'vigil_http_requests_total', help: 'HTTP API requests', labelNames: ['route', 'method', 'status'], registers: r });
    this.authFailures = new Counter({ name: 'vigil_api_auth_failures_total', help: 'Requests refused: 401 (missing or unknown token) or 403 (role too low)', labelNames: ['reason', 'route'], registers: r });
    this.runs = new Counter({ name: 'vigil_runs_total', help: 'Collection runs recorded', labelNames: ['source', 'outcome'], registers: r });
    this.runDuration = new Histogram({ name: 'vigil_run_duration_seconds', help: 'Collection run duration', labelNames: ['source'], buckets: [1, 5, 15, 30, 60, 120, 300, 900], registers: r });
    this.apiCalls = new Counter({ name: 'vigil_source_api_calls_total', help: 'Source API requests made by collectors', labelNames: ['source'], registers: r });
    this.alerts = new Counter({ name: 'vigil_alerts_total', help: 'Alert leaves recorded', labelNames: ['kind', 'severity'], registers: r });
    this.deliveryFailed = new Counter({ name: 'vigil_alert_deliveries_failed_total', help: 'Deliveries that exhausted their retries', labelNames: ['sink'], registers: r });
    const self = this;
    this.failing = new Gauge({
      name: 'vigil_scope_failing',
      help: '1 while the latest run of a source/scope read nothing (monitoring down), else 0',
      labelNames: ['source', 'scope'],
      registers: r,
      async collect() {
        await self.scan();
      },
    });
    new Gauge({
      name: 'vigil_ledger_leaves',
      help: 'Leaves in the evidence ledger',
      registers: r,
      async collect(this: Gauge) {
        await self.scan();
        this.set(self.size);
      },
    });
    if (connection && prefix) {
      this.queues = [QUEUE_COLLECT, QUEUE_EVIDENCE, QUEUE_NOTIFY].map((n) => redisHealth().watch(new Queue(n, { connection, prefix }), `${n} queue (metrics)`));
      new Gauge({
        name: 'vigil_queue_jobs',
        help: 'Jobs per queue and state',
        labelNames: ['queue', 'state'],
        registers: r,
        async collect(this: Gauge<'queue' | 'state'>) {
          for (const q of self.queues) {
            const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
            for (const [state, n] of Object.entries(c)) this.set({ queue: q.name, state }, n);
          }
        },
      });
    }
  }

  private scanning: Promise<void> | undefined;

  /**
   * Folds run, alert, delivery.failed and scope.retired leaves appended since the last scrape (a retired scope's
   * failing gauge goes: it is no longer monitored, not failing); concurrent callers share one pass.
   */
  scan(): Promise<void> {
    this.scanning ??= this.scanNow().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanNow(): Promise<void> {
    for await (const l of this.ledger.leaves({ fromSeq: this.nextSeq, types: ['run', 'alert', 'delivery.failed', 'scope.retired'] })) {
      const b = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
      const source = String(b.source ?? '');
      if (l.type === 'run') {
        this.runs.inc({ source, outcome: String(b.outcome ?? 'complete') });
        const d = (Date.parse(String(b.endedAt)) - Date.parse(String(b.startedAt))) / 1000;
        if (Number.isFinite(d) && d >= 0) this.runDuration.observe({ source }, d);
        this.apiCalls.inc({ source }, Number(b.apiCalls ?? 0));
        const scope = String(b.scope ?? '');
        this.failing.set({ source, scope }, runHealth(b).state === 'failing' ? 1 : 0);
        // scopes resolved again: the unresolved-scope failure is over (src/report/health.ts supersedeUnresolved)
        if (scope !== UNRESOLVED_SCOPE) this.failing.remove({ source, scope: UNRESOLVED_SCOPE });
      } else if (l.type === 'scope.retired') this.failing.remove({ source, scope: String(b.scope ?? '') });
      else if (l.type === 'alert') this.alerts.inc({ kind: String(b.kind), severity: String(b.severity) });
      else this.deliveryFailed.inc({ sink: String(b.sink) });
      this.nextSeq = l.seq + 1;
    }
    // Leaves appended by another process are not in this process's tree size; count them incrementally.
    this.size = Math.max(this.size, this.ledger.size());
    for await (const l of this.ledger.leaves({ fromSeq: this.size })) this.size = l.seq + 1;
  }

  async close(): Promise<void> {
    for (const q of this.queues) await q.close();
  }
}
