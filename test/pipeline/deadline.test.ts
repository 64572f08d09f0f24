// Collection deadlines: a hung collection ends as `error` (TIMEOUT, naming the operation in flight) on time, whatever
// the collector does with its signal; shutdown cuts it short the same way; config bounds and defaults of the deadline.
import { afterEach, describe, expect, it } from 'vitest';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { parseConfigText } from '../../src/config/load.js';
import { UsageError } from '../../src/core/errors.js';
import { minSlotIntervalMs, slotAtOrBefore, slotsBetween } from '../../src/pipeline/slots.js';
import { stageDeps, thingRule } from './helpers.js';

const rule = thingRule();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const { clock, deps, cleanup } = await stageDeps([rule]);
  cleanups.push(cleanup);
  return { clock, deps };
}

/** A collector that starts `operation` and then never answers; `honour` decides whether it listens to its signal. */
function hungCollector(operation: string, honour: boolean, seen: { ctx?: CollectContext } = {}): Collector {
  return {
    source: 'aws',
    scopes: async () => ['111122223333'],
    collect(ctx): Promise<Snapshot> {
      seen.ctx = ctx;
      ctx.onOperation?.(operation);
      return new Promise((_, reject) => {
        if (honour) ctx.signal?.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })));
      });
    },
  };
}

const req = { source: 'aws' as const, scope: '111122223333', slot: '2026-03-01T10:00:00.000Z' };

describe('collection deadline', () => {
  it.each([
    ['ignores its signal', false],
    ['honours its signal', true],
  ])('a collector that hangs and %s ends as error TIMEOUT naming the operation in flight, within the deadline', async (_name, honour) => {
    const { deps } = await setup();
    const seen: { ctx?: CollectContext } = {};
    const t0 = Date.now();
    const { job, results } = await collectAndEvaluate(hungCollector('aws:ListThings', honour, seen), req, { ...deps, deadlineMs: 300 });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(5_000);
    expect(seen.ctx?.signal?.aborted).toBe(true);
    expect(job.summary.errors).toEqual([
      expect.objectContaining({ operation: 'aws:ListThings', code: 'TIMEOUT', cause: 'timeout', message: 'deadline of 0.3 s passed during aws:ListThings', inputs: ['aws.test.thing'] }),
    ]);
    expect(results.map((r) => [r.status, r.reason])).toEqual([['error', expect.stringContaining('aws:ListThings failed: timed out (TIMEOUT)')]]);
  });

  it('a collection that finishes in time is untouched by its deadline', async () => {
    const { deps } = await setup();
    const ok: Collector = {
      source: 'aws',
      scopes: async () => ['111122223333'],
      async collect(ctx) {
        ctx.onOperation?.('aws:ListThings');
        const at = ctx.clock.now().toISOString();
        return { source: 'aws', scope: ctx.scope, slot: ctx.slot, startedAt: at, endedAt: at, resources: [{ source: 'aws', scope: ctx.scope, type: 'aws.test.thing', id: 'a', name: 'a', attributes: {}, observedAt: at }], inputs: { 'aws.test.thing': { observedAt: at } }, artifacts: [], errors: [], apiCalls: 1 };
      },
    };
    const { results } = await collectAndEvaluate(ok, req, { ...deps, deadlineMs: 5_000 });
    expect(results.map((r) => r.status)).toEqual(['pass']);
  });

  it('shutdown (the request signal aborting) cuts a collection short as error, cause timeout, saying so', async () => {
    const { deps } = await setup();
    const ac = new AbortController();
    const running = collectAndEvaluate(hungCollector('aws:GetCredentialReport', false), { ...req, signal: ac.signal }, { ...deps, deadlineMs: 60_000 });
    ac.abort();
    const { job } = await running;
    expect(job.summary.errors[0]).toMatchObject({ code: 'TIMEOUT', cause: 'timeout', message: 'collection cut short by shutdown during aws:GetCredentialReport' });
  });

  it('a thrown collector error keeps its real cause (no "needs permission" for a refused connection)', async () => {
    const { deps } = await setup();
    const down: Collector = {
      source: 'aws',
      scopes: async () => ['111122223333'],
      async collect(ctx) {
        ctx.onOperation?.('iam:GetAccountAuthorizationDetails');
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      },
    };
    const { job, results } = await collectAndEvaluate(down, req, deps);
    expect(job.summary.errors[0]).toMatchObject({ operation: 'iam:GetAccountAuthorizationDetails', code: 'ECONNREFUSED', cause: 'unreachable' });
    expect(results[0]?.reason).toContain('iam:GetAccountAuthorizationDetails failed: source unreachable (ECONNREFUSED)');
    expect(results[0]?.reason).not.toContain('needs permission');
  });

  it('a scope that could not be resolved is recorded as one error run naming the cause', async () => {
    const { deps } = await setup();
    const scopeError = Object.assign(new Error('Could not load credentials from any providers'), { code: 'CredentialsProviderError', failureCause: 'unauthenticated' });
    const { job } = await collectAndEvaluate(hungCollector('never', false), { ...req, scope: '(unresolved)', scopeError }, deps);
    expect(job.summary.errors).toEqual([expect.objectContaining({ operation: 'aws:scopes', cause: 'unauthenticated', code: 'CredentialsProviderError' })]);
    expect(job.summary.counts.error).toBe(1);
  });
});

const parse = (text: string) => parseConfigText(text, '/etc/vigil/vigil.config.yaml', {});
function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('deadline config', () => {
  const aws = (extra: string) => `sources:\n  aws:\n    region: us-east-1\n${extra}`;
  it.each([
    ['the hourly default schedule', '', 3_600_000],
    ['a 10-second schedule', '    schedule: "*/10 * * * * *"\n', 10_000],
    ['weekdays at 09:00 (shortest interval one day)', '    schedule: "0 9 * * 1-5"\n', 86_400_000],
    ['an explicit deadline', '    deadlineSeconds: 600\n', 600_000],
  ])('defaults to the shortest slot interval: %s', (_n, extra, ms) => {
    expect(parse(aws(extra)).sources.aws?.deadlineMs).toBe(ms);
  });

  it.each([
    ['0 (would disable it)', '    deadlineSeconds: 0\n', /deadlineSeconds: a deadline below 1 s would disable collection; expected 1 to 86400 s/],
    ['negative', '    deadlineSeconds: -5\n', /expected 1 to 86400 s/],
    ['above a day', '    deadlineSeconds: 100000\n', /deadlineSeconds: expected at most 86400 s \(a day\); bounds are 1 to 86400 s/],
    ['fractional', '    deadlineSeconds: 1.5\n', /whole seconds from 1 to 86400/],
    ['not a number', '    deadlineSeconds: soon\n', /number of seconds from 1 to 86400/],
    ['longer than the schedule interval', '    deadlineSeconds: 4000\n', /sources\.aws\.deadlineSeconds: deadline of 4000 s is longer than the schedule's shortest slot interval \(3600 s for "0 \* \* \* \*"\).*expected 1–3600 s/],
  ])('rejects a deadline that is %s, naming the bounds', (_n, extra, msg) => {
    expect(usage(() => parse(aws(extra)))).toMatch(msg);
  });
});

describe('seconds schedules', () => {
  it('a 6-field cron has slots to the second, and its interval is measured', () => {
    const from = new Date('2026-03-01T10:00:58Z');
    expect(slotsBetween('*/2 * * * * *', from, new Date('2026-03-01T10:01:04Z')).map((d) => d.toISOString())).toEqual([
      '2026-03-01T10:01:00.000Z',
      '2026-03-01T10:01:02.000Z',
      '2026-03-01T10:01:04.000Z',
    ]);
    expect(slotAtOrBefore('*/2 * * * * *', new Date('2026-03-01T10:01:03.900Z'))?.toISOString()).toBe('2026-03-01T10:01:02.000Z');
    expect(slotAtOrBefore('0 * * * *', new Date('2026-03-01T10:59:59Z'))?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(minSlotIntervalMs('*/2 * * * * *')).toBe(2_000);
    expect(minSlotIntervalMs('0,45 * * * *')).toBe(15 * 60_000);
  });
});

describe('retry bounds', () => {
  it('evidence jobs back off doubling from 1 s, capped at a minute: 20 attempts within 20 minutes, not days', async () => {
    const { cappedBackoff, evidenceJobOptions } = await import('../../src/pipeline/queues.js');
    expect([1, 2, 3, 6, 7, 19].map(cappedBackoff)).toEqual([1_000, 2_000, 4_000, 32_000, 60_000, 60_000]);
    const attempts = evidenceJobOptions.attempts!;
    let total = 0;
    for (let a = 1; a < attempts; a++) total += cappedBackoff(a);
    expect(total).toBeLessThan(20 * 60_000);
  });
});
