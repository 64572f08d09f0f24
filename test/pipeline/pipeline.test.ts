// The pipeline on real Redis and a real SQLite ledger: one job per slot, idempotent recording, gaps, failures as data.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Collector, Clock } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import { startCollectWorker } from '../../src/pipeline/collect-worker.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { QUEUE_COLLECT, QUEUE_EVIDENCE } from '../../src/pipeline/queues.js';
import { loadResults } from '../../src/pipeline/record.js';
import { closeQueueEnv, openQueueEnv, thingRule } from './helpers.js';

const fixedClock = (iso: string): Clock & { set(iso: string): void } => {
  let t = new Date(iso);
  return { now: () => new Date(t), set: (x: string) => void (t = new Date(x)) };
};

/** A test rule over `aws.test.thing`: passes when attributes.ok is true. */
const rule = thingRule((snap) =>
  snap.resources.map((r) => ({ resourceId: r.id, status: r.attributes.ok ? 'pass' : 'fail', reason: r.attributes.ok ? 'ok' : 'not ok' })),
);

function fakeCollector(state: { things: Record<string, boolean>; fail?: boolean; calls: number }): Collector {
  return {
    source: 'aws',
    scopes: async () => ['111122223333'],
    async collect(ctx): Promise<Snapshot> {
      state.calls++;
      if (state.fail) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      const at = ctx.clock.now().toISOString();
      return {
        source: 'aws',
        scope: ctx.scope,
        slot: ctx.slot,
        startedAt: at,
        endedAt: at,
        resources: Object.entries(state.things).map(([id, ok]) => ({ source: 'aws', scope: ctx.scope, type: 'aws.test.thing', id, name: id, attributes: { ok }, observedAt: at })),
        inputs: { 'aws.test.thing': { observedAt: at } },
        artifacts: [{ sha256: '', mediaType: 'application/json', size: 2, label: 'test:Read', body: Buffer.from('{}') }],
        errors: [],
        apiCalls: 1,
      };
    },
  };
}

describe('pipeline', () => {
  let dir: string;
  let prefix: string;
  let conn: Redis;
  let ledger: Ledger;

  beforeEach(async () => {
    ({ dir, prefix, conn } = openQueueEnv('vigil-pipe-'));
  });
  afterEach(async () => {
    await ledger?.close();
    await closeQueueEnv({ dir, prefix, conn });
  });

  it('two schedulers enqueue one job per source:scope:slot, and it is recorded once', async () => {
    const clock = fixedClock('2026-03-01T10:07:00Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const queue = new Queue(QUEUE_COLLECT, { connection: conn, prefix });
    const evidence = new Queue(QUEUE_EVIDENCE, { connection: conn, prefix });
    const state = { things: { a: true, b: false }, calls: 0 };
    const collector = fakeCollector(state);
    const src = { source: 'aws', schedule: '0 * * * *', scopes: () => collector.scopes() };
    const s1 = new Scheduler({ queue, sources: [src], logger: silentLogger, clock });
    const s2 = new Scheduler({ queue, sources: [src], logger: silentLogger, clock });
    const ids1 = await s1.enqueueSlot(src, clock.now());
    const ids2 = await s2.enqueueSlot(src, clock.now());
    expect(ids1).toEqual(['aws:111122223333:20260301T1000Z']);
    expect(ids2).toEqual(ids1);
    expect(await queue.getJobCounts('waiting', 'active', 'completed')).toMatchObject({ waiting: 1 });

    const recorded: string[] = [];
    const writer = new LedgerWriter({ ledger, rules: [rule], sources: [src], clock, logger: silentLogger, connection: conn, prefix, onRecorded: (o) => recorded.push(String(o.runSeq)) });
    await writer.start(['test']);
    const worker = startCollectWorker({ connection: conn, prefix, collectors: { aws: collector }, rules: [rule], params: {}, ledger, evidence, clock, logger: silentLogger });
    await waitFor(() => recorded.length >= 1);
    // the same slot enqueued again after completion adds nothing
    const before = await queue.getJobCounts('completed');
    await s1.enqueueSlot(src, clock.now());
    // A job added now would be waiting, active, or (already run) one more completed: none is.
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'completed')).toEqual({ waiting: 0, active: 0, delayed: 0, completed: before.completed });
    await worker.close();
    await writer.stop();
    await queue.close();
    await evidence.close();

    expect(state.calls).toBe(1);
    const runs = [];
    for await (const l of ledger.leaves({ types: ['run'] })) runs.push(JSON.parse(l.body.toString()));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ slot: '2026-03-01T10:00:00.000Z', source: 'aws', scope: '111122223333', counts: { pass: 1, fail: 1, error: 0 } });
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('records a redelivered run once; an unchanged estate adds one run leaf and no blob; a status change adds a change leaf', async () => {
    const clock = fixedClock('2026-03-01T10:00:00Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const writer = new LedgerWriter({ ledger, rules: [rule], sources: [], clock, logger: silentLogger });
    const state = { things: { a: true, b: false }, calls: 0 };
    const deps = { rules: [rule], params: {}, clock, logger: silentLogger, blobs: ledger };
    const run = async (slot: string) => (await collectAndEvaluate(fakeCollector(state), { source: 'aws', scope: '111122223333', slot }, deps)).job;

    const j1 = await run('2026-03-01T10:00:00.000Z');
    const first = await writer.record(j1);
    const sizeAfterFirst = ledger.size();
    const again = await writer.record(j1);
    expect(again.duplicate).toBe(true);
    expect(ledger.size()).toBe(sizeAfterFirst);

    clock.set('2026-03-01T11:00:00Z');
    const second = await writer.record(await run('2026-03-01T11:00:00.000Z'));
    expect(second.changes).toBe(0);
    expect(second.newResultsBlob).toBe(false);
    expect(second.resultsSha256).toBe(first.resultsSha256);
    expect(ledger.size()).toBe(sizeAfterFirst + 1);

    state.things.b = true;
    clock.set('2026-03-01T12:00:00Z');
    const third = await writer.record(await run('2026-03-01T12:00:00.000Z'));
    expect(third.changes).toBe(1);
    const changes = [];
    for await (const l of ledger.leaves({ types: ['change'] })) changes.push(JSON.parse(l.body.toString()));
    expect(changes).toEqual([expect.objectContaining({ ruleId: 'aws.test.thing_ok', resourceId: 'b', from: 'fail', to: 'pass' })]);
    const results = await loadResults(ledger, third.resultsSha256);
    expect(results?.map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it('a collection that fails outright is recorded as error results and a failed run leaf', async () => {
    const clock = fixedClock('2026-03-01T10:00:00Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const writer = new LedgerWriter({ ledger, rules: [rule], sources: [], clock, logger: silentLogger });
    const state = { things: {}, fail: true, calls: 0 };
    const { job, results } = await collectAndEvaluate(
      fakeCollector(state),
      { source: 'aws', scope: '111122223333', slot: '2026-03-01T10:00:00.000Z' },
      { rules: [rule], params: {}, clock, logger: silentLogger, blobs: ledger },
    );
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ruleId: 'aws.test.thing_ok', status: 'error' });
    expect(results[0]!.reason).toContain('ECONNREFUSED');
    await writer.record(job);
    const run = await ledger.lastLeaf({ type: 'run', source: 'aws', scope: '111122223333' });
    expect(run?.body).toMatchObject({ outcome: 'failed', counts: { error: 1, pass: 0 } });
  });

  it('declares the slots missed while the agent was down as one gap leaf at start', async () => {
    const clock = fixedClock('2026-03-01T10:00:00Z');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
    const src = { source: 'aws', schedule: '0 * * * *' };
    const w1 = new LedgerWriter({ ledger, rules: [rule], sources: [src], clock, logger: silentLogger });
    const state = { things: { a: true }, calls: 0 };
    const { job } = await collectAndEvaluate(fakeCollector(state), { source: 'aws', scope: '111122223333', slot: '2026-03-01T10:00:00.000Z' }, { rules: [rule], params: {}, clock, logger: silentLogger, blobs: ledger });
    await w1.record(job);

    clock.set('2026-03-01T15:10:00Z'); // down from 10:00; slots 11:00–14:00 are over, 15:00 may still be running
    const w2 = new LedgerWriter({ ledger, rules: [rule], sources: [src], clock, logger: silentLogger });
    await w2.start(['test']);
    await w2.stop();
    const gaps = [];
    for await (const l of ledger.leaves({ types: ['gap'] })) gaps.push(JSON.parse(l.body.toString()));
    expect(gaps).toEqual([expect.objectContaining({ source: 'aws', scope: '111122223333', from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T14:00:00.000Z', slots: 4 })]);
    // a second start declares nothing new
    const w3 = new LedgerWriter({ ledger, rules: [rule], sources: [src], clock, logger: silentLogger });
    expect(await w3.sweepGaps()).toBe(0);
    expect((await ledger.verify()).ok).toBe(true);
  });
});

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
