// The report's facts checked apart from the exporter: random ledgers exported as Type 2 bundles must equal reference-model.ts, and verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Ledger } from '../../src/ledger/ledger.js';
import { recordRun } from '../../src/pipeline/record.js';
import type { RecordedResult } from '../../src/pipeline/collect-stage.js';
import { approveException, endLeaf, grantLeaf, loadExceptions, rejectException, requestLeaf } from '../../src/exceptions/exceptions.js';
import { silentLogger } from '../../src/core/collector.js';
import { exportBundle } from '../../src/export/bundle.js';
import { buildVerifierScript } from '../../src/export/verifier-script.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import type { FrameworkData } from '../../src/export/report.js';
import { SimClock } from './helpers.js';
import { parseCsv } from '../../src/verify/report-invariants.js';
import { dateIn, referenceReport, referenceType1, type ModelLeaf, type ModelResult } from './reference-model.js';

const RULES = ['r.alpha', 'r.beta'];
const FRAMEWORK: FrameworkData = {
  id: 'soc2',
  title: 'model',
  version: 't',
  criteria: [
    { id: 'CC6.1', title: 'Access', rules: [{ id: 'r.alpha' }, { id: 'r.never' }] },
    { id: 'CC7.2', title: 'Monitoring', rules: [{ id: 'r.beta' }] },
  ],
};
const STATUSES = ['same', 'same', 'same', 'pass', 'fail', 'fail', 'error', 'not_applicable', 'absent'] as const;
const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Europe/London'];

const step = fc.record({
  scopes: fc.array(fc.record({ action: fc.constantFrom('run', 'run', 'run', 'run', 'outage', 'failed'), statuses: fc.array(fc.constantFrom(...STATUSES), { minLength: 6, maxLength: 6 }) }), { minLength: 2, maxLength: 2 }),
  exception: fc.option(fc.record({ kind: fc.constantFrom('grant', 'grant', 'request', 'request', 'approve', 'approve', 'reject', 'revoke', 'expire'), cell: fc.nat(5), hours: fc.integer({ min: 1, max: 60 }) }), { freq: 3 }),
  declared: fc.option(fc.record({ backDays: fc.integer({ min: 0, max: 3 }), toHours: fc.integer({ min: -30, max: 30 }) }), { freq: 8 }),
  /** An operator's declared outage (`vigil gaps declare`): starting this many hours from now (negative: after the fact), lasting so long, of one scope or all. */
  outage: fc.option(fc.record({ startHours: fc.integer({ min: -48, max: 24 }), hours: fc.integer({ min: 1, max: 40 }), allScopes: fc.boolean() }), { freq: 3 }),
});
const scenario = fc.record({
  tz: fc.constantFrom(...ZONES),
  startMinutes: fc.integer({ min: 0, max: 48 * 60 - 1 }),
  every: fc.constantFrom(1, 2, 3, 6),
  scopeCount: fc.integer({ min: 1, max: 2 }),
  /** The second scope stops reporting after this step (an account closed): stale in a later Type 1. */
  retireAfter: fc.option(fc.nat(12), { freq: 2 }),
  /** And the writer retires it (`scope.retired`) this many steps after it stopped: out of scope in a later Type 1. */
  retiredLeafAfter: fc.option(fc.nat(6), { freq: 2 }),
  resources: fc.integer({ min: 1, max: 3 }),
  steps: fc.array(step, { minLength: 6, maxLength: 36 }),
  fromShift: fc.integer({ min: 0, max: 3 }),
  days: fc.integer({ min: 0, max: 3 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** One fixed case besides the random ones: the second account closes early in a long ledger, so Type 1 has a stale scope. */
const STALE_EXAMPLE: Scenario = {
  tz: 'UTC', startMinutes: 75, every: 6, scopeCount: 2, retireAfter: 1, retiredLeafAfter: null, resources: 2, fromShift: 1, days: 2,
  steps: Array.from({ length: 24 }, (_, i) => ({
    scopes: [{ action: 'run', statuses: ['fail', 'same', 'pass', 'same', 'same', 'fail'] }, { action: 'run', statuses: ['same', 'same', 'same', 'same', 'same', 'same'] }],
    exception: i === 2 ? { kind: 'grant', cell: 0, hours: 40 } : null,
    declared: null,
    outage: null,
  })),
};

/** The same ledger with the closed account retired two steps after its last run: in Type 2 with its retirement, out of Type 1. */
const RETIRED_EXAMPLE: Scenario = { ...STALE_EXAMPLE, retiredLeafAfter: 1, retireAfter: 4, days: 3 };

let work: string;
let verifierScript: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vigil-model-'));
  verifierScript = join(work, 'verify.mjs');
  writeFileSync(verifierScript, await buildVerifierScript());
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes the scenario into a fresh ledger through the real writer paths; returns every leaf, the results by hash and the export clock. */
async function buildLedger(sc: Scenario, dataDir: string): Promise<{ leaves: ModelLeaf[]; results: Map<string, ModelResult[]>; clock: SimClock; from: string; to: string }> {
  const t0 = Date.parse('2025-03-01T00:00:00.000Z') + sc.startMinutes * 60_000;
  const clock = new SimClock(t0 - 3_600_000);
  const ledger = await Ledger.open({ dataDir, clock, logger: silentLogger, origin: 'vigil.test/model' });
  await ledger.append(RULES.map((id) => ({ type: 'rule.defined', idempotencyKey: `rule:${id}`, data: { rule: { id, title: id, severity: 'high', logicSha256: id.length.toString(16).repeat(64).slice(0, 64), params: {} } } })));
  const scopes = ['111', '222'].slice(0, sc.scopeCount);
  const state = scopes.map(() => new Map<string, string>());
  const missed = scopes.map((): number[] => []);
  const cells = RULES.flatMap((ruleId) => Array.from({ length: sc.resources }, (_, i) => ({ ruleId, resourceId: `res-${i}` })));
  const every = sc.every * 3_600_000;
  const flushOutage = async (i: number): Promise<void> => {
    const m = missed[i]!;
    if (m.length === 0) return;
    await ledger.append([{ type: 'gap', idempotencyKey: `gap:aws:${scopes[i]}:${m[0]}`, source: 'aws', scope: scopes[i]!, data: { from: new Date(m[0]!).toISOString(), to: new Date(m[m.length - 1]!).toISOString(), slots: m.length, schedule: `0 */${sc.every} * * *`, reason: 'no run recorded for these scheduled slots' } }]);
    missed[i] = [];
  };
  for (let n = 0; n < sc.steps.length; n++) {
    const st = sc.steps[n]!;
    const t = t0 + n * every;
    clock.t = t + 60_000;
    for (let i = 0; i < scopes.length; i++) {
      const a = st.scopes[i]!;
      if (i === 1 && sc.retireAfter !== null && n > sc.retireAfter) continue;
      if (a.action === 'outage') {
        missed[i]!.push(t);
        continue;
      }
      await flushOutage(i);
      const results: RecordedResult[] = [];
      cells.forEach((c, j) => {
        const k = `${c.ruleId}\u0000${c.resourceId}`;
        const pick = a.statuses[j % a.statuses.length]!;
        const status = a.action === 'failed' ? 'error' : pick === 'same' ? state[i]!.get(k) ?? 'pass' : pick;
        if (a.action !== 'failed') state[i]!.set(k, status);
        if (status !== 'absent') results.push({ ruleId: c.ruleId, resourceId: c.resourceId, status: status as RecordedResult['status'], reason: `${status} on ${c.resourceId}` });
      });
      const failed = a.action === 'failed';
      await recordRun(ledger, {
        summary: { source: 'aws', scope: scopes[i]!, slot: new Date(t).toISOString(), startedAt: new Date(t).toISOString(), endedAt: new Date(t + 30_000).toISOString(), ruleSetVersion: 'v1', populationSize: failed ? 0 : sc.resources, apiCalls: 1, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 }, errors: failed ? [{ operation: 'iam:List', code: 'AccessDenied', message: 'denied', inputs: ['aws.iam.user'] }] : [], artifacts: [] },
        results,
      });
    }
    if (sc.scopeCount === 2 && sc.retireAfter !== null && sc.retiredLeafAfter !== null && n === sc.retireAfter + 1 + sc.retiredLeafAfter) {
      clock.t = t + 90_000;
      await ledger.append([{ type: 'scope.retired', idempotencyKey: `scope.retired:aws:222:first`, source: 'aws', scope: '222', data: { why: 'not-seen', reason: 'not seen (model)', lastRun: null, by: 'writer' } }]);
    }
    if (st.declared) {
      const to = t + st.declared.toHours * 3_600_000;
      await ledger.append([{ type: 'gap', idempotencyKey: `gap:declared:${n}`, source: 'aws', scope: scopes[0]!, data: { from: new Date(to - (st.declared.backDays + 1) * 86_400_000).toISOString(), to: new Date(to).toISOString(), declared: true, kind: 'history', slot: new Date(t).toISOString(), reason: 'history no longer returned' } }]);
    }
    if (st.outage) {
      const from = t + st.outage.startHours * 3_600_000 + 1_800_000;
      await ledger.append([{ type: 'outage.declared', source: 'aws', ...(st.outage.allScopes ? {} : { scope: scopes[0]! }), data: { from: new Date(from).toISOString(), to: new Date(from + st.outage.hours * 3_600_000).toISOString(), reason: `maintenance ${n}`, declaredBy: { kind: 'local', name: 'ops@host' } } }]);
    }
    if (st.exception) {
      const book = await loadExceptions(ledger);
      const active = book.active();
      const c = cells[st.exception.cell % cells.length]!;
      if (st.exception.kind === 'grant') {
        await ledger.append([grantLeaf({ id: `exc-${n}`, ruleId: c.ruleId, resourceId: c.resourceId, reason: `accepted, "step" ${n}`, requester: 'eng@example.com', approver: 'ciso@example.com', expiresAt: new Date(t + st.exception.hours * 3_600_000).toISOString(), origin: 'cli' })]);
      } else if (st.exception.kind === 'request') {
        // a two-step exception: requested by a local account, in force only once a token approves it
        const expiresAt = new Date(t + st.exception.hours * 3_600_000).toISOString();
        await ledger.append([requestLeaf({ id: `exc-${n}`, ruleId: c.ruleId, resourceId: c.resourceId, reason: `asked, step ${n}`, expiresAt, origin: 'cli', requestedBy: { kind: 'local', name: 'eng@host' }, ...(n % 2 ? { forced: true } : {}) })]);
      } else if (st.exception.kind === 'approve' || st.exception.kind === 'reject') {
        const pending = [...book.all.values()].find((e) => e.status === 'pending' && Date.parse(e.expiresAt) > clock.t);
        const by = { kind: 'token' as const, name: 'ciso', role: 'approver' };
        if (pending && st.exception.kind === 'approve') await approveException(ledger, pending.id, by, new Date(clock.t));
        if (pending && st.exception.kind === 'reject') await rejectException(ledger, pending.id, by, 'not now');
      } else if (st.exception.kind === 'revoke' && active[0]) {
        const by = { kind: 'token' as const, name: 'ciso', role: 'admin' };
        await ledger.append([n % 2 ? endLeaf('revoked', active[0], 'ciso@example.com', 'fixed') : endLeaf('revoked', active[0], 'token:ciso (admin)', 'fixed', by)]);
      } else if (st.exception.kind === 'expire') {
        const due = active.filter((e) => Date.parse(e.expiresAt) <= clock.t);
        if (due.length > 0) await ledger.append(due.map((e) => endLeaf('expired', e, 'vigil', `expiry ${e.expiresAt} reached`)));
      }
    }
    clock.t = t + 120_000;
    await ledger.checkpoint('hourly');
  }
  clock.t = t0 + sc.steps.length * every;
  for (let i = 0; i < scopes.length; i++) await flushOutage(i);
  await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 1 } }]);
  await ledger.checkpoint('hourly');
  const leaves: ModelLeaf[] = [];
  const results = new Map<string, ModelResult[]>();
  for await (const l of ledger.leaves()) {
    const body = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
    leaves.push({ seq: l.seq, hash: l.hash, body });
    if (body.type === 'run' && !results.has(String(body.resultsSha256))) results.set(String(body.resultsSha256), JSON.parse((await ledger.getBlob(String(body.resultsSha256)))!.toString('utf8')) as ModelResult[]);
  }
  await ledger.close();
  clock.t += 2 * 3_600_000;
  // A period somewhere in the ledger's life, in the scenario's zone, never ending after today.
  const today = dateIn(clock.t, sc.tz);
  const shift = (d: string, n: number): string => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  let from = shift(dateIn(t0, sc.tz), sc.fromShift);
  if (from > today) from = today;
  let to = shift(from, sc.days);
  if (to > today) to = today;
  return { leaves, results, clock, from, to };
}

describe('reference model', () => {
  it('tallies, timeline, deviations, gaps and the risk register of random ledgers (and Type 1 state and rule definitions) equal an independent computation', async () => {
    let n = 0;
    // What the random ledgers exercised, so a property that only ever compared empty files cannot pass.
    const seen = { closed: 0, open: 0, carriedIn: 0, gapKinds: new Set<string>(), clipped: 0, revoked: 0, expired: 0, active: 0, grantedBeforePeriod: 0, activeAtStart: 0, type1Register: 0, declaredAfter: 0, declaredBeforeStart: 0, type1Rules: 0, stale: 0, retiredType1: 0, retiredType2: 0 };
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const dataDir = join(work, `l${n}`);
        const out = join(work, `b${n++}`);
        const { leaves, results, clock, from, to } = await buildLedger(sc, dataDir);
        await exportBundle({ dataDir, type: 2, from, to, tz: sc.tz, framework: FRAMEWORK, out, verifierScript, clock, logger: silentLogger });
        const model = referenceReport({ leaves, results: (sha) => results.get(sha)!, from, to, tz: sc.tz, now: clock.now().toISOString(), frameworkRules: ['r.alpha', 'r.beta', 'r.never'] });
        const csv = (f: string): string[][] => parseCsv(readFileSync(join(out, 'report', f), 'utf8')).slice(1);
        const summary = JSON.parse(readFileSync(join(out, 'report/summary.json'), 'utf8')) as Record<string, any>;
        const sorted = (rows: string[][]): string[][] => [...rows].sort((a, b) => (a.join('\u0001') < b.join('\u0001') ? -1 : 1));
        expect({ start: summary.period.start, end: summary.period.end }).toEqual({ start: model.start, end: model.end });
        expect(csv('timeline.csv')).toEqual(model.timeline);
        expect(summary.rules).toEqual(model.rules);
        expect(summary.evaluations).toEqual(model.totals);
        expect({ runs: summary.runs, scopes: summary.scopes }).toEqual({ runs: model.runs, scopes: model.scopes });
        expect(((summary.retiredScopes ?? []) as Array<{ scope: string; retiredAt: string }>).map((r) => [r.scope, r.retiredAt])).toEqual(model.retired);
        seen.retiredType2 += model.retired.length;
        expect(sorted(csv('deviations.csv'))).toEqual(sorted(model.deviations));
        expect(summary.deviations).toMatchObject({ closed: model.closedDeviations, openAtEnd: model.openDeviations });
        expect(csv('gaps.csv')).toEqual(model.gaps);
        expect(summary.gaps).toBe(model.gaps.length);
        expect(csv('risk-acceptances.csv')).toEqual(model.risk);
        expect(summary.riskAcceptances).toBe(model.risk.length);
        // The bundle verifies, report invariants included (every other scenario: verify costs as much as the export).
        if (n % 2 === 0) expect((await verifyBundle(out, { trustedKeyFile: join(dataDir, 'keys', 'ledger-ed25519.pub.pem') })).faults).toEqual([]);
        if (n % 2 === 1) {
          // Type 1 on the same ledger, as of the period's last day or of today: the latest run of each scope still
          // reporting, and every reported rule's definition.
          const t1 = join(work, `t1-${n}`);
          const asOf = n % 4 === 1 ? to : dateIn(clock.t, sc.tz);
          await exportBundle({ dataDir, type: 1, asOf, tz: sc.tz, framework: FRAMEWORK, out: t1, verifierScript, clock, logger: silentLogger });
          const m1 = referenceType1({ leaves, results: (sha) => results.get(sha)!, asOf, tz: sc.tz, now: clock.now().toISOString(), frameworkRules: ['r.alpha', 'r.beta', 'r.never'] });
          const s1 = JSON.parse(readFileSync(join(t1, 'report/summary.json'), 'utf8')) as Record<string, any>;
          expect(s1.period.at).toBe(m1.at);
          expect(Object.fromEntries(Object.entries(s1.rules as Record<string, any>).map(([id, r]) => [id, { evaluations: r.evaluations, counts: r.counts, first: r.first, last: r.last }]))).toEqual(m1.rules);
          expect({ scopes: s1.scopes, staleScopes: s1.staleScopes, runs: s1.runs }).toEqual({ scopes: m1.scopes, staleScopes: m1.staleScopes, runs: m1.scopes.length });
          expect(((s1.retiredScopes ?? []) as Array<{ scope: string }>).map((r) => r.scope)).toEqual(m1.retiredScopes);
          // The register as of the instant: every exception in force then, however long before it was granted.
          expect(parseCsv(readFileSync(join(t1, 'report/risk-acceptances.csv'), 'utf8')).slice(1)).toEqual(m1.risk);
          seen.type1Register += m1.risk.length;
          seen.retiredType1 += m1.retiredScopes.length;
          const defined = new Set(parseCsv(readFileSync(join(t1, 'report/changes.csv'), 'utf8')).filter((r) => r[2] === 'rule.defined').map((r) => r[3]));
          for (const id of m1.reported) expect(defined.has(id), `definition of ${id} in the Type 1 bundle`).toBe(true);
          seen.type1Rules += m1.reported.length;
          seen.stale += m1.staleScopes.length;
          rmSync(t1, { recursive: true, force: true });
        }
        for (const d of model.deviations) (d[7] === '' ? seen.open++ : seen.closed++), d[12] === 'yes' && seen.carriedIn++;
        for (const g of model.gaps) seen.gapKinds.add(g[7]!), g[8] === 'yes' && seen.clipped++, g[11]! > g[5]! && seen.declaredAfter++, g[11] !== '' && g[11]! < model.start && seen.declaredBeforeStart++;
        for (const r of model.risk) seen[r[9] as 'revoked' | 'expired' | 'active']++, r[5]! < model.start && seen.grantedBeforePeriod++, r[14] === 'yes' && seen.activeAtStart++;
        rmSync(out, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
      }),
      {
        numRuns: 25,
        // Type 1 runs on every other case: the retired example twice, so one of them has a Type 1 (as of today).
        examples: [[STALE_EXAMPLE], [RETIRED_EXAMPLE], [{ ...RETIRED_EXAMPLE, fromShift: 0 }]],
      },
    );
    expect(Math.min(seen.closed, seen.open, seen.carriedIn, seen.clipped, seen.revoked, seen.expired, seen.active, seen.grantedBeforePeriod, seen.activeAtStart, seen.type1Register, seen.declaredAfter, seen.declaredBeforeStart, seen.type1Rules, seen.stale, seen.retiredType1, seen.retiredType2), JSON.stringify({ ...seen, gapKinds: [...seen.gapKinds] })).toBeGreaterThan(0);
    expect([...seen.gapKinds].sort()).toEqual(['collection failed', 'declared outage', 'history out of reach', 'missed slots']);
  }, 120_000);
});
