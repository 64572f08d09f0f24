// Shutdown and the queue: in-flight collections past the grace are cut short and recorded as `error`, so their slot is
// still one run; a slot whose job is still queued is not declared a gap; an unresolvable scope is an error run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Collector, Clock } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import { startCollectWorker } from '../../src/pipeline/collect-worker.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import type { EvidenceJob } from '../../src/pipeline/collect-stage.js';
import { QUEUE_COLLECT, QUEUE_EVIDENCE } from '../../src/pipeline/queues.js';
import { collectJobId } from '../../src/pipeline/slots.js';
import { closeQueueEnv, openQueueEnv, thingRule } from './helpers.js';

const rule = thingRule();

const clockAt = (iso: string): Clock & { t: number } => {
  const c = { t: Date.parse(iso), now: () => new Date(c.t) };
  return c;
};

/** Starts `aws:ListThings`, then never answers and ignores its signal (the worst case for shutdown). */
const hung = (started: () => void): Collector => ({
  source: 'aws',
  scopes: async () => ['111122223333'],
  collect(ctx): Promise<Snapshot> {
    ctx.onOperation?.('aws:ListThings');
    started();
    return new Promise(() => {});
  },
});

describe('shutdown and queued slots', () => {
  let dir: string;
  let prefix: string;
  let conn: Redis;
  let ledger: Ledger | undefined;
  const closers: Array<{ close(): Promise<void> }> = [];

  beforeEach(() => {
    ({ dir, prefix, conn } = openQueueEnv('vigil-stop-'));
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c.close();
    await ledger?.close();
    ledger = undefined;
    await closeQueueEnv({ dir, prefix, conn });
  });

  it('shutdown cuts a hung collection short after the grace and records it as error (cut short by shutdown)', async () => {
    const clock = clockAt('2026-03-01T10:00:05Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const queue = new Queue(QUEUE_COLLECT, { connection: conn, prefix });
    const evidence = new Queue(QUEUE_EVIDENCE, { connection: conn, prefix });
    const events = new QueueEvents(QUEUE_EVIDENCE, { connection: conn.duplicate(), prefix });
    closers.push(queue, evidence, events);
    await events.waitUntilReady();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const src = { source: 'aws', schedule: '0 * * * *', scopes: async () => ['111122223333'] };
    await new Scheduler({ queue, sources: [src], logger: silentLogger, clock }).enqueueSlot(src, clock.now());
    // No deadline here: only the shutdown can end it.
    const worker = startCollectWorker({ connection: conn, prefix, collectors: { aws: hung(started) }, rules: [rule], params: {}, ledger, evidence, clock, logger: silentLogger });
    await running;
    const added = new Promise<void>((r) => events.once('added', () => r()));
    const t0 = Date.now();
    await worker.shutdown(300);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await added;
    const job = await evidence.getJob(collectJobId('aws', '111122223333', '2026-03-01T10:00:00.000Z'));
    const data = job!.data as EvidenceJob;
    expect(data.summary.errors).toEqual([expect.objectContaining({ code: 'TIMEOUT', cause: 'timeout', message: 'collection cut short by shutdown during aws:ListThings' })]);
    expect(data.summary.counts.error).toBe(1);
  });

  it('a slot whose job is still queued is not declared a gap until it is done or too old', async () => {
    const clock = clockAt('2026-03-01T10:00:00Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const queue = new Queue(QUEUE_COLLECT, { connection: conn, prefix });
    closers.push(queue);
    const src = { source: 'aws', schedule: '0 * * * *', scopes: async () => ['111122223333'] };
    const writer = new LedgerWriter({ ledger, rules: [rule], sources: [src], clock, logger: silentLogger, connection: conn, prefix, people: false });
    await writer.record({
      summary: { source: 'aws', scope: '111122223333', slot: '2026-03-01T10:00:00.000Z', startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:00:01.000Z', ruleSetVersion: 't', populationSize: 1, apiCalls: 1, counts: { pass: 1, fail: 0, error: 0, not_applicable: 0 }, errors: [], artifacts: [] },
      results: [{ ruleId: rule.id, resourceId: 'a', status: 'pass', reason: 'ok' }],
    });
    // 11:00's job waits in the queue (no worker): at 11:40 it is past the 30 min grace but may still be recorded.
    clock.t = Date.parse('2026-03-01T11:00:00Z');
    await new Scheduler({ queue, sources: [src], logger: silentLogger, clock }).enqueueSlot(src, clock.now());
    await writer.start(['writer']);
    closers.push({ close: () => writer.stop() });
    clock.t = Date.parse('2026-03-01T11:40:00Z');
    expect(await writer.sweepGaps()).toBe(0);
    // Once the job has waited past 3 × the grace after it, the slot is a gap (a run arriving later is not recorded).
    clock.t = Date.parse('2026-03-01T13:05:00Z');
    expect(await writer.sweepGaps()).toBe(1);
    const gaps: Array<Record<string, unknown>> = [];
    for await (const l of ledger.leaves({ types: ['gap'] })) gaps.push(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
    expect(gaps.map((g) => [g.from, g.to])).toEqual([['2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z']]);
  });

  it('a source whose scopes cannot be resolved still accounts its slot: one error run of (unresolved) naming the cause', async () => {
    const clock = clockAt('2026-03-01T10:00:05Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const queue = new Queue(QUEUE_COLLECT, { connection: conn, prefix });
    closers.push(queue);
    const src = {
      source: 'aws',
      schedule: '0 * * * *',
      scopes: async (): Promise<string[]> => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      },
    };
    const ids = await new Scheduler({ queue, sources: [src], logger: silentLogger, clock }).enqueueSlot(src, clock.now());
    expect(ids).toEqual(['aws:(unresolved):20260301T1000Z']);
    const job = await queue.getJob(ids[0]!);
    expect(job?.data).toMatchObject({ scope: '(unresolved)', scopeError: { code: 'ECONNREFUSED', cause: 'unreachable' } });
  });
});
