// Alert delivery through BullMQ `notify`: one job per (alert, sink), signed webhook or Slack POST, retries, failures recorded.
import { redisHealth } from '../pipeline/redis-health.js';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock, Logger } from '../core/collector.js';
import { redactSecrets } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { QUEUE_NOTIFY } from '../pipeline/queues.js';
import type { AlertsConfig, SinkConfig } from './config.js';
import { severityRank, type AlertRecord } from './engine.js';
import { alertText, toAlertRecord } from './feed.js';
import { guardedLookup, literalHostRefusal } from './ssrf.js';
import { HEADER_DELIVERY, HEADER_SIGNATURE, HEADER_TIMESTAMP, signPayload } from './signature.js';

export interface NotifyJob {
  sink: string;
  alertSeq: number;
  deliveryId: string;
}

export interface NotifierOptions {
  ledger: Ledger;
  config: AlertsConfig;
  connection: Redis;
  prefix: string;
  clock: Clock;
  logger: Logger;
  /** @defaultValue 8 */
  concurrency?: number;
}

/** Whether a sink wants this alert (kind filter; severity floor for rule alerts). */
export function sinkWants(sink: SinkConfig, a: Pick<AlertRecord, 'kind' | 'severity' | 'health'>): boolean {
  if (sink.kinds && !sink.kinds.includes(a.kind)) return false;
  // Monitoring-health alerts go whatever the threshold, like gaps: a source that cannot be read hides every severity.
  if ((a.kind === 'broke' || a.kind === 'error' || a.kind === 'recovered') && !a.health && severityRank(a.severity) < severityRank(sink.minSeverity)) return false;
  return true;
}

/** Stable across retries and restarts, unique per ledger, alert and sink: receivers dedupe on it. */
export function deliveryId(origin: string, alertSeq: number, sink: string): string {
  return `${createHash('sha256').update(origin).digest('hex').slice(0, 10)}-${alertSeq}-${sink}`;
}

export function slackBody(a: AlertRecord): Record<string, unknown> {
  const icon = a.kind === 'recovered' ? ':white_check_mark:' : a.kind === 'broke' ? ':rotating_light:' : ':warning:';
  const items = (a.items ?? []).slice(0, 15).map((i) => `• \`${i.resourceId}\` ${i.from ?? 'new'} → *${i.to}*: ${i.reason}`);
  if ((a.items?.length ?? 0) > 15) items.push(`… and ${a.items!.length - 15} more`);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `${a.kind.toUpperCase()}: ${a.title}`.slice(0, 150), emoji: true } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Severity*\n${a.severity}` },
        { type: 'mrkdwn', text: `*Source*\n${a.source ?? '—'} ${a.scope ?? ''}` },
        ...(a.ruleId ? [{ type: 'mrkdwn', text: `*Rule*\n\`${a.ruleId}\`` }] : []),
        { type: 'mrkdwn', text: `*Ledger seq*\n${a.seq}` },
      ],
    },
  ];
  if (items.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: items.join('\n').slice(0, 2900) } });
  if (a.gap || a.exception) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: alertText({ ...a, items: [] }).split('\n').slice(1).join(' · ').slice(0, 2900) || a.title }] });
  return { text: `${icon} ${a.title}`, blocks };
}

interface PostResult {
  status: number;
}

function post(url: URL, body: string, headers: Record<string, string>, sink: SinkConfig, timeoutMs: number): Promise<PostResult> {
  const req = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // Node connects to an IP-literal host without calling `lookup`, so the guard must judge literals here, at send time.
  const refused = literalHostRefusal(url, sink);
  if (refused) return Promise.reject(Object.assign(new Error(`refused to connect to ${url.hostname}: ${refused}`), { code: 'VIGIL_SSRF_REFUSED' }));
  return new Promise((resolve, reject) => {
    const r = req(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'vigil-alerts', ...headers },
        lookup: guardedLookup(sink) as never,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(Object.assign(new Error(`no reply within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    r.end(body);
  });
}

/** Enqueues deliveries for new alert leaves and runs the `notify` worker. Runs in the ledger-writer process. */
export class Notifier {
  readonly queue: Queue<NotifyJob>;
  private worker?: Worker<NotifyJob>;
  private readonly sinks: Map<string, SinkConfig>;
  private readonly cursorKey: string;

  constructor(private readonly opts: NotifierOptions) {
    this.queue = redisHealth().watch(new Queue<NotifyJob>(QUEUE_NOTIFY, { connection: opts.connection, prefix: opts.prefix }), 'notify queue');
    this.sinks = new Map(opts.config.sinks.map((s) => [s.name, s]));
    this.cursorKey = `${opts.prefix}:vigil:notify:enqueued`;
  }

  /**
   * Enqueues one job per (alert, sink). Job ids are the delivery ids, so enqueueing the same alert twice (after a crash
   * between recording and enqueueing) adds nothing while the job is kept; the Redis cursor records how far this got.
   */
  async enqueue(seqs: number[]): Promise<number> {
    if (this.sinks.size === 0 || seqs.length === 0) return 0;
    const r = this.opts.config.retry;
    const jobs: Array<{ name: string; data: NotifyJob; opts: Record<string, unknown> }> = [];
    for (const seq of [...seqs].sort((a, b) => a - b)) {
      const a = await this.alertAt(seq);
      if (!a) continue;
      for (const sink of this.sinks.values()) {
        if (!sinkWants(sink, a)) continue;
        const id = deliveryId(this.opts.ledger.origin, seq, sink.name);
        jobs.push({
          name: 'deliver',
          data: { sink: sink.name, alertSeq: seq, deliveryId: id },
          opts: { jobId: id, attempts: r.attempts, backoff: { type: 'exponential', delay: r.backoffMs }, removeOnComplete: { age: 7 * 86_400, count: 100_000 }, removeOnFail: { age: 30 * 86_400 } },
        });
      }
    }
    for (let i = 0; i < jobs.length; i += 500) await this.queue.addBulk(jobs.slice(i, i + 500));
    const max = Math.max(...seqs);
    await this.opts.connection.eval(
      "local c = tonumber(redis.call('GET', KEYS[1]) or '-1'); if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end; return 1",
      1,
      this.cursorKey,
      String(max),
    );
    return jobs.length;
  }

  /** At start: enqueue alerts recorded after the cursor (a crash between append and enqueue loses nothing). */
  async recover(): Promise<number> {
    const raw = await this.opts.connection.get(this.cursorKey);
    const seqs: number[] = [];
    // Without a cursor (fresh Redis), re-offer the last day's alerts: kept jobs dedupe them, receivers dedupe the rest.
    const since = raw === null ? this.opts.clock.now().getTime() - 86_400_000 : undefined;
    for await (const l of this.opts.ledger.leaves({ fromSeq: raw === null ? 0 : Number(raw) + 1, types: ['alert'] })) {
      if (since !== undefined && Date.parse(l.observedAt) < since) continue;
      seqs.push(l.seq);
    }
    return this.enqueue(seqs);
  }

  private async alertAt(seq: number): Promise<AlertRecord | undefined> {
    for await (const l of this.opts.ledger.leaves({ fromSeq: seq, toSeq: seq, types: ['alert'] })) {
      return toAlertRecord(l.seq, JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
    }
    return undefined;
  }

  start(): void {
    if (this.sinks.size === 0) return;
    this.worker = new Worker<NotifyJob>(QUEUE_NOTIFY, (job) => this.process(job), {
      connection: this.opts.connection,
      prefix: this.opts.prefix,
      concurrency: this.opts.concurrency ?? 8,
    });
    redisHealth().watch(this.worker, 'notify worker');
  }

  private async process(job: Job<NotifyJob>): Promise<void> {
    const { sink: name, alertSeq, deliveryId: id } = job.data;
    const sink = this.sinks.get(name);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      if (!sink) throw new Error(`sink ${name} is no longer configured`);
      const a = await this.alertAt(alertSeq);
      if (!a) throw new Error(`alert leaf ${alertSeq} not found`);
      await this.send(sink, a, id);
    } catch (e) {
      const message = redactSecrets((e as Error).message);
      this.opts.logger.warn({ sink: name, alertSeq, deliveryId: id, attempt: job.attemptsMade + 1, err: message }, 'alert delivery failed');
      if (lastAttempt) {
        await this.opts.ledger.append([
          { type: 'delivery.failed', idempotencyKey: `delivery.failed:${id}`, data: { sink: name, alertSeq, deliveryId: id, attempts: job.attemptsMade + 1, error: message } },
        ]);
        this.opts.logger.error({ sink: name, alertSeq, deliveryId: id }, 'alert delivery gave up; recorded as delivery.failed');
      }
      throw new Error(message);
    }
  }

  /** One POST. Throws on anything but 2xx, so BullMQ retries with backoff. The URL is never logged (Slack URLs are secrets). */
  async send(sink: SinkConfig, a: AlertRecord, id: string): Promise<void> {
    const url = new URL(sink.url);
    const nowS = Math.floor(this.opts.clock.now().getTime() / 1000);
    let body: string;
    const headers: Record<string, string> = { [HEADER_DELIVERY]: id };
    if (sink.type === 'slack') {
      body = JSON.stringify(slackBody(a));
    } else {
      body = JSON.stringify({ deliveryId: id, ledgerOrigin: this.opts.ledger.origin, alert: a });
      headers[HEADER_TIMESTAMP] = String(nowS);
      headers[HEADER_SIGNATURE] = signPayload(sink.secret!, nowS, body);
    }
    const res = await post(url, body, headers, sink, this.opts.config.retry.timeoutMs);
    if (res.status < 200 || res.status >= 300) throw new Error(`sink ${sink.name} answered HTTP ${res.status}`);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
