// Scopes that retire, on real SQLite through LedgerWriter: removed from config at start, not seen for N runs, reinstated
// when configured, listed or collected again; and what posture, the gap sweep and the person join then count.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Collector } from '../../src/core/collector.js';
import type { Snapshot, SourceId } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { LedgerWriter, type WriterSource } from '../../src/pipeline/writer.js';
import { collectAndEvaluate, type EvidenceJob } from '../../src/pipeline/collect-stage.js';
import { computePosture } from '../../src/report/posture.js';
import { loadFramework } from '../../src/rules/frameworks.js';
import { TestClock, tempDir } from '../ledger/helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hour = (h: number): string => new Date(Date.UTC(2026, 2, 1, h)).toISOString();
const HOURLY = '0 * * * *';

function job(source: string, scope: string, slot: string): EvidenceJob {
  return {
    summary: { source: source as SourceId, scope, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 't', populationSize: 1, apiCalls: 1, counts: { pass: 1, fail: 0, error: 0, not_applicable: 0 }, errors: [], artifacts: [] },
    results: [{ ruleId: `${source}.test.rule`, resourceId: `${scope}:x`, status: 'pass', reason: 'ok' }],
  };
}

async function open(at: string): Promise<{ ledger: Ledger; clock: TestClock }> {
  const t = tempDir();
  const clock = new TestClock(Date.parse(at));
  const ledger = await Ledger.open({ dataDir: t.dir, clock, logger: silentLogger });
  cleanups.push(t.cleanup, () => ledger.close());
  return { ledger, clock };
}

async function bodies(ledger: Ledger, types: string[]): Promise<Array<Record<string, unknown> & { seq: number }>> {
  const out: Array<Record<string, unknown> & { seq: number }> = [];
  for await (const l of ledger.leaves({ types })) out.push({ seq: l.seq, ...(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>) });
  return out;
}

/** A `vigil collect`-style writer (no queue, no sweeps) for one start: start, record the jobs, stop. */
async function collectWith(ledger: Ledger, clock: TestClock, sources: WriterSource[], jobs: EvidenceJob[]): Promise<void> {
  const writer = new LedgerWriter({ ledger, rules: [], sources, clock, logger: silentLogger, people: false });
  await writer.start(['collect']);
  for (const j of jobs) await writer.record(j);
  await writer.stop('collect finished');
}

describe('a scope removed from config', () => {
  it('is retired once when a writer starts without it, leaves posture, and is reinstated when configured again', async () => {
    const { ledger, clock } = await open(hour(0));
    const configA = [{ source: 'okta', schedule: HOURLY, configScopes: ['a.okta.com'] }];
    const configB = [{ source: 'okta', schedule: HOURLY, configScopes: ['b.okta.com'] }];
    clock.t = Date.parse(hour(0)) + 60_000;
    await collectWith(ledger, clock, configA, [job('okta', 'a.okta.com', hour(0))]);
    const lastA = (await bodies(ledger, ['run']))[0]!;
    expect(await bodies(ledger, ['scope.retired'])).toEqual([]);

    // The org URL changed: the next start retires the old tenant, naming why, since when, and who decided.
    clock.t = Date.parse(hour(1)) + 60_000;
    await collectWith(ledger, clock, configB, [job('okta', 'b.okta.com', hour(1))]);
    const retired = await bodies(ledger, ['scope.retired']);
    expect(retired.map((r) => [r.source, r.scope, r.why, r.lastRun, r.by])).toEqual([
      ['okta', 'a.okta.com', 'removed-from-config', { seq: lastA.seq, slot: hour(0), at: lastA.endedAt }, 'writer (vigil collect)'],
    ]);
    expect(String(retired[0]!.reason)).toContain('no longer names a.okta.com');

    // A second start on the same config decides nothing new.
    clock.t = Date.parse(hour(2)) + 60_000;
    await collectWith(ledger, clock, configB, []);
    expect(await bodies(ledger, ['scope.retired'])).toHaveLength(1);

    // Posture counts the live tenant only, and names the retired one.
    const posture = await computePosture(ledger, loadFramework('soc2'), clock.now());
    expect(posture.runs.map((r) => `${r.source}/${r.scope}`)).toEqual(['okta/b.okta.com']);
    expect(posture.retired.map((r) => [r.source, r.scope, r.why])).toEqual([['okta', 'a.okta.com', 'removed-from-config']]);

    // Configured again: reinstated, expected from the slot in force, and back in posture with its next run.
    clock.t = Date.parse(hour(3)) + 5 * 60_000;
    await collectWith(ledger, clock, [{ source: 'okta', schedule: HOURLY, configScopes: ['a.okta.com', 'b.okta.com'] }], [job('okta', 'a.okta.com', hour(3))]);
    const back = await bodies(ledger, ['scope.reinstated']);
    expect(back.map((r) => [r.scope, r.from, r.retiredSeq])).toEqual([['a.okta.com', hour(3), retired[0]!.seq]]);
    const again = await computePosture(ledger, loadFramework('soc2'), clock.now());
    expect(again.runs.map((r) => r.scope).sort()).toEqual(['a.okta.com', 'b.okta.com']);
    expect(again.retired).toEqual([]);
  });

  it('retires every scope of a source no longer configured at all', async () => {
    const { ledger, clock } = await open(hour(0));
    await collectWith(ledger, clock, [{ source: 'github', schedule: HOURLY, configScopes: ['acme'] }, { source: 'okta', schedule: HOURLY, configScopes: ['a.okta.com'] }], [job('github', 'acme', hour(0)), job('okta', 'a.okta.com', hour(0))]);
    clock.t = Date.parse(hour(1));
    await collectWith(ledger, clock, [{ source: 'okta', schedule: HOURLY, configScopes: ['a.okta.com'] }], []);
    expect((await bodies(ledger, ['scope.retired'])).map((r) => [r.source, r.scope, r.reason])).toEqual([['github', 'acme', 'removed from config (source github is no longer configured)']]);
  });
});

describe('a scope its source stops listing', () => {
  it('is retired after retireAfterRuns runs of its source without it, not while listed, and reinstated by a later run only', async () => {
    const { ledger, clock } = await open(hour(0));
    // An AWS organization: the config names no accounts, so only "not seen" retires one.
    const writer = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'aws', schedule: HOURLY }], clock, logger: silentLogger, people: false, retireAfterRuns: 3 });
    const rec = async (h: number, scopes: string[]) => {
      clock.t = Date.parse(hour(h)) + 60_000;
      for (const s of scopes) await writer.record(job('aws', s, hour(h)));
    };
    await rec(0, ['111', '222', '333']);
    // 333 is still listed by the organization (its runs are lost elsewhere): never "not seen".
    writer.expectScopes('aws', ['111', '333'], hour(1));
    // The newest slot does not count (222's run of it may still come): 01:00, 02:00 and 03:00 pass by 04:00.
    await rec(1, ['111']);
    await rec(2, ['111']);
    await rec(3, ['111']);
    expect(await bodies(ledger, ['scope.retired'])).toEqual([]);
    await rec(4, ['111']);
    const retired = await bodies(ledger, ['scope.retired']);
    expect(retired.map((r) => [r.scope, r.why, r.runsMissed, r.reason])).toEqual([['222', 'not-seen', 3, 'not seen for 3 runs of aws']]);
    expect(retired[0]!.observedAt).toBe(new Date(Date.parse(hour(4)) + 60_000).toISOString());

    // A job of a slot before the retirement, recorded late: history of its active time, not a return.
    clock.t = Date.parse(hour(4)) + 2 * 60_000;
    await writer.record(job('aws', '222', hour(4)));
    expect(await bodies(ledger, ['scope.reinstated'])).toEqual([]);
    const posture = await computePosture(ledger, loadFramework('soc2'), clock.now());
    expect(posture.runs.map((r) => r.scope)).toEqual(['111', '333']);

    // Back in the organization: its next run reinstates it first.
    await rec(5, ['111', '222']);
    expect((await bodies(ledger, ['scope.reinstated'])).map((r) => [r.scope, r.from, r.reason])).toEqual([['222', hour(5), 'collected again']]);
    expect((await computePosture(ledger, loadFramework('soc2'), clock.now())).retired).toEqual([]);
  });

  it('a retired scope the scheduler lists again is reinstated before any run of that slot', async () => {
    const { ledger, clock } = await open(hour(0));
    const writer = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'aws', schedule: HOURLY }], clock, logger: silentLogger, people: false, retireAfterRuns: 1 });
    await writer.record(job('aws', '111', hour(0)));
    await writer.record(job('aws', '222', hour(0)));
    for (const h of [1, 2]) {
      clock.t = Date.parse(hour(h)) + 60_000;
      await writer.record(job('aws', '111', hour(h)));
    }
    expect((await bodies(ledger, ['scope.retired'])).map((r) => r.scope)).toEqual(['222']);
    writer.expectScopes('aws', ['111', '222'], hour(3));
    await writer.record(job('aws', '111', hour(3)));
    const types = (await bodies(ledger, ['scope.reinstated', 'run'])).slice(-2).map((l) => [l.type, l.scope]);
    expect(types).toEqual([['scope.reinstated', '222'], ['run', '111']]);
  });
});

describe('the gap sweep and a retired scope', () => {
  it('declares no gap for a scope after its retirement, and expects it again from its reinstatement', async () => {
    const { ledger, clock } = await open(hour(0));
    const writer = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'aws', schedule: HOURLY }], clock, logger: silentLogger, people: false, retireAfterRuns: 2 });
    const rec = async (h: number, scopes: string[]) => {
      clock.t = Date.parse(hour(h)) + 60_000;
      for (const s of scopes) await writer.record(job('aws', s, hour(h)));
    };
    await rec(0, ['111', '222']);
    await rec(1, ['111']);
    // 01:00 of 222 is missed before anyone decides it left: a gap.
    clock.t = Date.parse(hour(1)) + 40 * 60_000;
    expect(await writer.sweepGaps()).toBe(1);
    await rec(2, ['111']);
    await rec(3, ['111']);
    expect((await bodies(ledger, ['scope.retired'])).map((r) => r.scope)).toEqual(['222']);
    for (const h of [4, 5, 6]) await rec(h, ['111']);
    clock.t = Date.parse(hour(6)) + 40 * 60_000;
    await writer.sweepGaps();
    // Back at 07:00; 08:00 is missed; the hours it was retired are not.
    await rec(7, ['111', '222']);
    await rec(8, ['111']);
    await rec(9, ['111', '222']);
    clock.t = Date.parse(hour(9)) + 40 * 60_000;
    await writer.sweepGaps();
    const gaps = (await bodies(ledger, ['gap'])).filter((g) => g.scope === '222').map((g) => [g.from, g.to]);
    expect(gaps).toEqual([[hour(1), hour(1)], [hour(8), hour(8)]]);
  });
});

describe('the person join and a retired tenant', () => {
  async function tenantsLedger() {
    const { ledger, clock } = await open(hour(0));
    const tenants: Record<string, string[]> = { 'a.okta.com': ['ann', 'bob'], 'b.okta.com': ['ann', 'carol'] };
    const okta: Collector = {
      source: 'okta',
      scopes: async () => Object.keys(tenants),
      async collect(ctx): Promise<Snapshot> {
        const at = ctx.clock.now().toISOString();
        const users = tenants[ctx.scope]!.map((n) => {
          const email = `${n}@example.com`;
          const attributes = { email, login: email, displayName: n, status: 'ACTIVE', active: true, statusChanged: null, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: ['totp'], phishingResistant: false, lastLogin: null, lastLoginKnown: true, created: null };
          return { type: 'okta.user', id: `00u${n}`, name: email, source: 'okta' as const, scope: ctx.scope, observedAt: at, attributes };
        });
        return { source: 'okta', scope: ctx.scope, slot: ctx.slot, startedAt: at, endedAt: at, artifacts: [], errors: [], apiCalls: 1, inputs: { 'okta.user': { observedAt: at } }, resources: users };
      },
    };
    const collectWith = async (writer: LedgerWriter, scopes: string[]) => {
      let population = -1;
      const slot = clock.now().toISOString();
      for (const scope of scopes) {
        const { job: j } = await collectAndEvaluate(okta, { source: 'okta', scope, slot }, { rules: [], params: {}, clock, logger: silentLogger, blobs: ledger });
        const d = (await writer.record(j)).derived;
        population = d?.job.summary.populationSize ?? -1;
        expect(d?.job.summary.errors).toEqual([]);
        clock.t += 60_000;
      }
      return population;
    };
    return { okta, collectWith, ledger, clock };
  }

  it('joins only live tenants: the people of a tenant removed from config stop counting from the next start', async () => {
    const { collectWith, ledger, clock } = await tenantsLedger();
    const start = async (configScopes: string[], scopes: string[]) => {
      const writer = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'okta', schedule: HOURLY, configScopes }], clock, logger: silentLogger });
      await writer.start(['collect']);
      const population = await collectWith(writer, scopes);
      await writer.stop('collect finished');
      return population;
    };
    clock.t = Date.parse(hour(0)) + 60_000;
    // Both tenants configured: ann, bob and carol.
    expect(await start(['a.okta.com', 'b.okta.com'], ['a.okta.com', 'b.okta.com'])).toBe(3);
    clock.t = Date.parse(hour(1)) + 60_000;
    // Tenant a removed from config: bob is nobody's any more; and no "could not tell" about a.
    expect(await start(['b.okta.com'], ['b.okta.com'])).toBe(2);
  });

  it('a tenant retired while the writer runs leaves the join of its next identity run', async () => {
    const { collectWith, ledger, clock } = await tenantsLedger();
    const writer = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'okta', schedule: HOURLY }], clock, logger: silentLogger, retireAfterRuns: 1 });
    clock.t = Date.parse(hour(0)) + 60_000;
    expect(await collectWith(writer, ['a.okta.com', 'b.okta.com'])).toBe(3);
    clock.t = Date.parse(hour(1)) + 60_000;
    expect(await collectWith(writer, ['b.okta.com'])).toBe(3);
    clock.t = Date.parse(hour(2)) + 60_000;
    expect(await collectWith(writer, ['b.okta.com'])).toBe(2);
    expect((await bodies(ledger, ['scope.retired'])).map((r) => r.scope)).toEqual(['a.okta.com']);
  });
});
