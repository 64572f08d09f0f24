// The ledger view (src/report/ledger-view.ts) against a fresh derivation from the ledger written here apart from it:
// after random sequences of runs (statuses flipping, reasons changing, resources coming and going), retirements,
// reinstatements, days passing, and restarts (a clean close, a crash that keeps an older save, a corrupt save, another
// ledger's save), the latest run per scope, every finding with its first-seen time, and the trend of every day match.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { RecordedResult } from '../../src/pipeline/collect-stage.js';
import { recordRun } from '../../src/pipeline/record.js';
import { LedgerView } from '../../src/report/ledger-view.js';
import { VIEW_FILE } from '../../src/report/ledger-view-file.js';
import { listFindings } from '../../src/api/findings.js';
import { postureTrend } from '../../src/api/dashboard-data.js';
import { assessCriterion, ruleOutcome } from '../../src/rules/coverage.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { mulberry32 } from '../../src/core/seeded-random.js';
import { silentLogger } from '../../src/core/collector.js';
import { openLedger, settableClock, tempDir } from '../alerts/helpers.js';

const RULES = ['aws.v.one', 'aws.v.two', 'aws.v.three'];
const SCOPES = ['111111111111', '222222222222', '333333333333'];
const framework = {
  id: 'soc2',
  title: 'SOC 2',
  version: 'test',
  criteria: [
    { id: 'CC6.1', title: 'a', rules: [{ id: 'aws.v.one', evidence: 'direct' }, { id: 'aws.v.two', evidence: 'direct' }] },
    { id: 'CC7.2', title: 'b', rules: [{ id: 'aws.v.three', evidence: 'direct' }] },
  ],
} as unknown as Framework;
const DAY = 86_400_000;

type Leaf = { seq: number; type: string; at: number; observedAt: string; body: Record<string, unknown> };

async function allLeaves(ledger: Ledger): Promise<Leaf[]> {
  const out: Leaf[] = [];
  for await (const l of ledger.leaves()) out.push({ seq: l.seq, type: l.type, at: Date.parse(l.observedAt), observedAt: l.observedAt, body: JSON.parse(l.body.toString('utf8')) as Record<string, unknown> });
  return out;
}

/** The trend's latest run per scope from the leaves before `end` (and at or after `notBefore`); a retirement drops the scope until its next run. */
function latestBefore(leaves: Leaf[], end = Infinity, notBefore = -Infinity): Map<string, Leaf> {
  const m = new Map<string, Leaf>();
  for (const l of leaves) {
    if (l.at >= end) break;
    const key = `${String(l.body.source)}|${String(l.body.scope)}`;
    if (l.type === 'run') m.set(key, l);
    if (l.type === 'scope.retired') m.delete(key);
  }
  for (const [k, l] of m) if (l.at < notBefore) m.delete(k);
  return m;
}

/** Posture's and findings' latest run per scope: a retired scope stays out, its runs included, until reinstated. */
function latestInScope(leaves: Leaf[]): Map<string, Leaf> {
  const m = new Map<string, Leaf>();
  const retired = new Set<string>();
  for (const l of leaves) {
    const key = `${String(l.body.source)}|${String(l.body.scope)}`;
    if (l.type === 'run') m.set(key, l);
    if (l.type === 'scope.retired') retired.add(key);
    if (l.type === 'scope.reinstated') retired.delete(key);
  }
  for (const k of retired) m.delete(k);
  return m;
}

/** The reference findings: every result of each scope's latest run, first seen at the last change leaf to its status. */
async function referenceFindings(ledger: Ledger, leaves: Leaf[], now: Date) {
  const latest = [...latestInScope(leaves).values()].sort((a, b) => a.seq - b.seq);
  const out: Array<Record<string, unknown>> = [];
  for (const run of latest) {
    const results = JSON.parse((await ledger.getBlob(String(run.body.resultsSha256)))!.toString('utf8')) as RecordedResult[];
    for (const r of results) {
      const change = leaves.filter((l) => l.type === 'change' && l.body.scope === run.body.scope && l.body.ruleId === r.ruleId && l.body.resourceId === r.resourceId).pop();
      const firstSeen = change && change.body.to === r.status ? change.observedAt : undefined;
      out.push({ ruleId: r.ruleId, resourceId: r.resourceId, scope: run.body.scope, status: r.status, reason: r.reason, runSeq: run.seq, ...(firstSeen ? { firstSeen, durationMs: now.getTime() - Date.parse(firstSeen) } : {}) });
    }
  }
  return out;
}

/** The reference trend: per day, tallies counted straight from the blobs of the runs in force at the day's end. */
async function referenceTrend(ledger: Ledger, leaves: Leaf[], days: number, now: Date): Promise<string[][]> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const ends = Array.from({ length: days }, (_, i) => today - (days - 1 - i) * DAY + DAY);
  const states: string[][] = framework.criteria.map(() => []);
  for (const end of ends) {
    const counts = new Map<string, { pass: number; fail: number; error: number; notApplicable: number }>();
    for (const run of latestBefore(leaves, end, ends[0]! - 9 * DAY).values()) {
      for (const r of JSON.parse((await ledger.getBlob(String(run.body.resultsSha256)))!.toString('utf8')) as RecordedResult[]) {
        const c = counts.get(r.ruleId) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 };
        if (r.status === 'not_applicable') c.notApplicable++;
        else c[r.status]++;
        counts.set(r.ruleId, c);
      }
    }
    framework.criteria.forEach((cr, i) => states[i]!.push(assessCriterion(cr, (id) => ruleOutcome({ ...(counts.get(id) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 }), inScope: true })).state));
  }
  return states;
}

const STATUSES = ['pass', 'fail', 'error', 'not_applicable'] as const;

describe('ledger view', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`matches a fresh derivation after random runs, retirements and restarts (seed ${seed})`, async () => {
      const rand = mulberry32(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const dir = tempDir('vigil-view-');
      dirs.push(dir);
      const viewDir = join(dir, 'views');
      const clock = settableClock('2026-01-01T00:00:00Z');
      const ledger = await openLedger(dir, clock);
      const newView = () => new LedgerView(ledger, { dir: viewDir, logger: silentLogger, clock, saveEveryMs: 3 * 3600_000 });
      let view = newView();
      const state = new Map<string, Map<string, RecordedResult>>();
      const retired = new Set<string>();
      const runOf = async (scope: string) => {
        const rs = state.get(scope) ?? new Map<string, RecordedResult>();
        state.set(scope, rs);
        for (let i = 0; i < 6; i++) {
          const rule = pick(RULES);
          const res = `r${Math.floor(rand() * 8)}`;
          const k = `${rule}|${res}`;
          const roll = rand();
          if (roll < 0.15) rs.delete(k);
          else rs.set(k, { ruleId: rule, resourceId: res, status: pick(STATUSES), reason: roll < 0.5 ? 'because' : `reason ${Math.floor(rand() * 3)}` });
        }
        const results = [...rs.values()].map((r) => ({ ...r }));
        const counts = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
        for (const r of results) counts[r.status]++;
        const slot = clock.now().toISOString();
        await recordRun(ledger, { summary: { source: 'aws', scope, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 't', populationSize: results.length, apiCalls: 1, counts, errors: [], artifacts: [] }, results });
      };
      for (let step = 0; step < 70; step++) {
        clock.advance(Math.floor(rand() * 30 * 3600_000) + 60_000);
        const op = rand();
        const scope = pick(SCOPES);
        if (op < 0.7) await runOf(scope);
        else if (op < 0.78 && !retired.has(scope) && state.has(scope)) {
          await ledger.append([{ type: 'scope.retired', source: 'aws', scope, data: { why: 'operator', reason: 'test', lastRun: null, by: 'test' } }]);
          retired.add(scope);
        } else if (op < 0.84 && retired.has(scope)) {
          await ledger.append([{ type: 'scope.reinstated', source: 'aws', scope, data: { from: clock.now().toISOString(), reason: 'test', retiredSeq: 0, by: 'test' } }]);
          retired.delete(scope);
        } else if (op < 0.9) {
          await view.close(); // a clean restart: saved, then loaded
          view = newView();
        } else if (op < 0.95) {
          view = newView(); // a crash: the last periodic save (or none) is loaded
        } else {
          writeFileSync(join(viewDir, VIEW_FILE), pick(['{"format":1', '{"format":1,"origin":"other","next":1,"lastHash":"00","scopes":[],"retirements":[],"since":[],"trendLatest":[],"closes":[],"tallies":[]}']));
          view = newView();
        }
        if (step % 5 !== 4) continue;
        await view.refresh();
        const leaves = await allLeaves(ledger);
        const now = clock.now();
        expect([...view.scopes()].map(([k, s]) => [k, s.seq]).sort()).toEqual([...latestInScope(leaves)].map(([k, l]) => [k, l.seq]).sort());
        const got = await listFindings(ledger, { limit: 100_000 }, now, { firstSeenOf: (...a) => view.firstSeen(...a), latestRuns: async () => view.scopes() });
        expect(got.findings.map(({ ruleId, resourceId, scope, status, reason, runSeq, firstSeen, durationMs }) => ({ ruleId, resourceId, scope, status, reason, runSeq, ...(firstSeen ? { firstSeen, durationMs } : {}) }))).toEqual(await referenceFindings(ledger, leaves, now));
        const days = 1 + Math.floor(rand() * 40);
        const trend = await postureTrend(view, framework, ['aws'], days, now);
        expect(trend.criteria.map((c) => c.states)).toEqual(await referenceTrend(ledger, leaves, days, now));
      }
      await view.close();
      await ledger.close();
    });
  }

  it('a restart loads the saved view and folds only the leaves appended after it', async () => {
    const dir = tempDir('vigil-view-');
    dirs.push(dir);
    const clock = settableClock('2026-01-01T00:00:00Z');
    const ledger = await openLedger(dir, clock);
    const slot = clock.now().toISOString();
    await recordRun(ledger, { summary: { source: 'aws', scope: SCOPES[0]!, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 't', populationSize: 1, apiCalls: 1, counts: { pass: 1, fail: 0, error: 0, not_applicable: 0 }, errors: [], artifacts: [] }, results: [{ ruleId: RULES[0]!, resourceId: 'x', status: 'pass', reason: 'ok' }] });
    const first = new LedgerView(ledger, { dir: join(dir, 'views'), logger: silentLogger, clock });
    await first.refresh();
    await first.close();
    const read: number[] = [];
    const leavesOf = ledger.leaves.bind(ledger);
    ledger.leaves = (o?: Parameters<Ledger['leaves']>[0]) => {
      read.push(o?.fromSeq ?? 0);
      return leavesOf(o);
    };
    const second = new LedgerView(ledger, { dir: join(dir, 'views'), logger: silentLogger, clock });
    await second.refresh();
    // One read of the leaf the save ended on (its hash), then the fold from the next seq: never from 0.
    expect(read).toEqual([first.size - 1, first.size]);
    expect([...second.scopes().keys()]).toEqual([`aws|${SCOPES[0]}`]);
    ledger.leaves = leavesOf;
    await second.close();
    await ledger.close();
  });
});
