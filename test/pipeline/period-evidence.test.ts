// Period evidence in record.ts: each event judged once as an `event` leaf (source time, read time, late), no `absent`
// change when the cursor moves on, and declared gaps recorded once.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collector, Clock } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Rule, Snapshot } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { recordRun } from '../../src/pipeline/record.js';

let dir: string;
let ledger: Ledger;
let t = new Date('2025-03-01T00:00:00Z');
const clock: Clock = { now: () => new Date(t) };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-period-'));
  ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
});
afterEach(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One event rule (fails on `bad` events) and one state rule, so both paths run in the same job. */
const eventRule: Rule = {
  id: 'aws.test.events_ok',
  title: 'Events are ok',
  severity: 'low',
  source: 'aws',
  mode: 'period',
  inputs: ['aws.test.event'],
  permissions: ['test:Lookup'],
  rationale: 't',
  remediation: 't',
  params: {},
  evaluate: (s) =>
    s.resources.map((r) => ({ resourceId: r.id, status: r.attributes.bad ? 'fail' : 'pass', reason: String(r.attributes.name), occurredAt: String(r.attributes.at) })),
};
const stateRule: Rule = { ...eventRule, id: 'aws.test.trail_on', mode: 'snapshot', evaluate: () => [{ resourceId: 'trail', status: 'pass', reason: 'on' }] };

function collector(events: Array<{ id: string; at: string; bad?: boolean }>, gaps?: Snapshot['declaredGaps']): Collector {
  return {
    source: 'aws',
    scopes: async () => ['111122223333'],
    async collect(ctx): Promise<Snapshot> {
      const at = ctx.clock.now().toISOString();
      return {
        source: 'aws',
        scope: ctx.scope,
        slot: ctx.slot,
        startedAt: at,
        endedAt: at,
        resources: events.map((e) => ({ source: 'aws', scope: ctx.scope, type: 'aws.test.event', id: e.id, name: e.id, attributes: { name: e.id, at: e.at, bad: !!e.bad }, observedAt: at })),
        inputs: { 'aws.test.event': { observedAt: at } },
        artifacts: [],
        errors: [],
        apiCalls: 1,
        ...(gaps ? { declaredGaps: gaps } : {}),
      };
    },
  };
}

async function run(slot: string, c: Collector) {
  t = new Date(slot);
  const { job } = await collectAndEvaluate(c, { source: 'aws', scope: '111122223333', slot }, { rules: [eventRule, stateRule], params: {}, clock, logger: silentLogger, blobs: ledger });
  return { job, outcome: await recordRun(ledger, job) };
}

async function leavesOf(type: string) {
  const out: Array<Record<string, unknown>> = [];
  for await (const l of ledger.leaves({ types: [type] })) out.push(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
  return out;
}

it('records each event once, marks history read late, and writes no absent change when the events move on', async () => {
  const gap = { from: '2024-03-01T00:00:00.000Z', to: '2024-12-01T00:00:00.000Z', reason: 'LookupEvents keeps 90 days' };
  const first = await run('2025-03-01T00:00:00.000Z', collector([{ id: 'e1', at: '2025-02-27T10:00:00Z' }, { id: 'e2', at: '2025-02-28T23:00:00Z', bad: true }], [gap]));
  expect(first.job.results.map((r) => r.ruleId)).toEqual(['aws.test.trail_on']);
  expect(first.job.events?.map((e) => e.resourceId).sort()).toEqual(['e1', 'e2']);

  // Second run: e2 read again (overlap at the cursor) and a new e3; e1 not returned any more.
  const second = await run('2025-03-02T00:00:00.000Z', collector([{ id: 'e2', at: '2025-02-28T23:00:00Z', bad: true }, { id: 'e3', at: '2025-03-01T12:00:00Z' }, { id: 'e4', at: '2025-02-28T20:00:00Z' }], [gap]));
  expect(second.outcome.changes).toBe(0);
  expect(await leavesOf('change')).toEqual([]);

  const events = await leavesOf('event');
  expect(events.map((e) => e.resourceId)).toEqual(['e1', 'e2', 'e3', 'e4']);
  const by = Object.fromEntries(events.map((e) => [e.resourceId as string, e]));
  // first run: everything is backfill; e4 happened before the previous run's slot, so that run missed it
  expect([by.e1!.late, by.e2!.late, by.e3!.late, by.e4!.late]).toEqual([true, true, false, true]);
  expect(by.e2).toMatchObject({ status: 'fail', sourceTime: '2025-02-28T23:00:00Z', readAt: '2025-03-01T00:00:00.000Z', ruleId: 'aws.test.events_ok' });
  expect(by.e3).toMatchObject({ status: 'pass', sourceTime: '2025-03-01T12:00:00Z', readAt: '2025-03-02T00:00:00.000Z' });

  const gaps = await leavesOf('gap');
  expect(gaps).toHaveLength(1);
  expect(gaps[0]).toMatchObject({ from: gap.from, to: gap.to, declared: true, reason: gap.reason });

  const runs = await leavesOf('run');
  expect(runs.map((r) => r.events)).toEqual([2, 3]);
});

it('marks an event read more than 26 hours after it happened as late even after a previous run', async () => {
  await run('2025-03-01T00:00:00.000Z', collector([]));
  await run('2025-03-12T00:00:00.000Z', collector([{ id: 'old', at: '2025-03-02T00:00:00Z' }, { id: 'fresh', at: '2025-03-11T12:00:00Z' }]));
  const late = Object.fromEntries((await leavesOf('event')).map((e) => [e.resourceId as string, e.late]));
  expect(late).toEqual({ old: true, fresh: false });
});
