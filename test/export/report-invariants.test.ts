// Report invariants in the verifier: each fires on a crafted bundle and names the file and row; an exporter's own intact bundle passes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportInvariants } from '../../src/verify/report-invariants.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { exportBundle } from '../../src/export/bundle.js';
import { listFiles, manifestNoteText } from '../../src/export/files.js';
import { loadLedgerKey } from '../../src/ledger/keys.js';
import { ed25519Signer, signNote } from '../../src/ledger/note.js';
import { silentLogger } from '../../src/core/collector.js';
import type { LeafRecord } from '../../src/export/report.js';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';

const REGISTER = 'id,rule,resource,requester,approver,granted,expires,revoked,reason,status,granted_seq,ended_seq,ended_by,end_reason\r\n';
const DEVIATIONS = 'rule,resource,source,scope,first_detected_seq,first_detected_at,opened_at,closed_seq,closed_at,duration_hours,sla_hours,within_sla,carried_in,carried_out\r\n';
const GAPS = 'seq,leaf_hash,source,scope,from,to,slots,kind,clipped,detail\r\n';
const START = '2025-03-01T00:00:00.000Z';

function summary(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 2,
    period: { start: START, end: '2025-03-04T00:00:00.000Z' },
    evaluations: { pass: 3, fail: 1, error: 0, not_applicable: 0 },
    rules: { 'r.a': { evaluations: 4, counts: { pass: 3, fail: 1, error: 0, not_applicable: 0 } } },
    gaps: 0,
    deviations: { closed: 1, openAtEnd: 0 },
    riskAcceptances: 1,
    ...over,
  });
}

const GOOD_REGISTER = `${REGISTER}ex-1,r.a,res-1,ann@example.com,ciso@example.com,2025-03-02T06:00:00.000Z,2025-04-01T00:00:00.000Z,,key on order,active,12,,,\r\n`;
const GOOD_DEVIATIONS = `${DEVIATIONS}r.a,res-1,aws,111,11,2025-03-02T06:00:00.000Z,2025-03-02T06:00:00.000Z,20,2025-03-03T06:00:00.000Z,24,720,yes,no,no\r\n`;

const leaves: LeafRecord[] = [
  { seq: 10, hash: 'h10', body: { type: 'run', source: 'aws', scope: '111', observedAt: '2025-03-01T03:00:00.000Z' } },
  { seq: 11, hash: 'h11', body: { type: 'change', source: 'aws', scope: '111', ruleId: 'r.a', resourceId: 'res-1', to: 'fail', observedAt: '2025-03-02T06:00:00.000Z' } },
  { seq: 15, hash: 'h15', body: { type: 'outage.declared', source: 'aws', observedAt: '2025-03-02T09:00:00.000Z', from: '2025-03-01T08:00:00.000Z', to: '2025-03-01T12:00:00.000Z', reason: 'patching', declaredBy: { kind: 'local', name: 'ops@h' } } },
  { seq: 20, hash: 'h20', body: { type: 'change', source: 'aws', scope: '111', ruleId: 'r.a', resourceId: 'res-1', to: 'pass', observedAt: '2025-03-03T06:00:00.000Z' } },
];

async function check(files: Record<string, string>): Promise<Array<{ file: string; message: string; seq?: number }>> {
  const inv = new ReportInvariants((p) => (files[p] === undefined ? undefined : Buffer.from(files[p]!)));
  for await (const _ of inv.tap((async function* () { yield* leaves; })())) void _;
  return inv.check();
}

const OTHER_FILES = Object.fromEntries(['coverage.csv', 'changes.csv', 'oscal-assessment-results.json', 'report.html', 'timeline.csv'].map((f) => [`report/${f}`, '']));
const base: Record<string, string> = { ...OTHER_FILES, 'report/summary.json': summary(), 'report/risk-acceptances.csv': GOOD_REGISTER, 'report/deviations.csv': GOOD_DEVIATIONS, 'report/gaps.csv': GAPS };

describe('report invariants', () => {
  it('hold on a consistent report', async () => {
    expect(await check(base)).toEqual([]);
  });

  it('a report file every report has is named when missing (the old name of deviations.csv does not stand in for it)', async () => {
    const without = (...names: string[]): Record<string, string> => Object.fromEntries(Object.entries(base).filter(([k]) => !names.includes(k)));
    expect(await check({ ...without('report/deviations.csv'), 'report/exceptions.csv': GOOD_DEVIATIONS, 'report/summary.json': summary({ deviations: { closed: 0, openAtEnd: 0 } }) })).toEqual([{ code: 'REPORT_INVARIANT', file: 'report/deviations.csv', message: 'is missing: every report has it' }]);
    expect(await check({ ...without('report/deviations.csv', 'report/timeline.csv', 'report/gaps.csv'), 'report/summary.json': summary({ type: 1 }) })).toEqual([]);
  });

  it('a register row with an empty required field is named by row, id and the missing columns', async () => {
    const faults = await check({ ...base, 'report/risk-acceptances.csv': `${GOOD_REGISTER}ex-2,,,,,2025-03-02T07:00:00.000Z,,2025-03-03T00:00:00.000Z,,revoked,,30,ciso,done\r\n`, 'report/summary.json': summary({ riskAcceptances: 2 }) });
    expect(faults).toEqual([{ code: 'REPORT_INVARIANT', file: 'report/risk-acceptances.csv', message: 'row 2 (line 3, id "ex-2") has no rule, resource, requester, approver, expires, reason' }]);
  });

  it('a register row marked active at the period start must have been in force then, and one granted before it and not ended in it must be so marked', async () => {
    const head = REGISTER.replace('end_reason', 'end_reason,active_at_start');
    const good = `${head}ex-0,r.a,res-1,ann@example.com,ciso@example.com,2025-02-20T06:00:00.000Z,2025-03-10T00:00:00.000Z,,known,active,3,,,,yes\r\nex-1,r.a,res-1,ann@example.com,ciso@example.com,2025-03-02T06:00:00.000Z,2025-04-01T00:00:00.000Z,,key on order,active,12,,,,no\r\n`;
    expect(await check({ ...base, 'report/risk-acceptances.csv': good, 'report/summary.json': summary({ riskAcceptances: 2 }) })).toEqual([]);
    const bad = `${head}ex-0,r.a,res-1,ann@example.com,ciso@example.com,2025-02-20T06:00:00.000Z,2025-03-10T00:00:00.000Z,,known,active,3,,,,no\r\nex-1,r.a,res-1,ann@example.com,ciso@example.com,2025-03-02T06:00:00.000Z,2025-04-01T00:00:00.000Z,,key on order,active,12,,,,yes\r\n`;
    expect((await check({ ...base, 'report/risk-acceptances.csv': bad, 'report/summary.json': summary({ riskAcceptances: 2 }) })).map((f) => f.message)).toEqual([
      `row 1 (line 2, id "ex-0") was granted 2025-02-20T06:00:00.000Z, before the start ${START}, and has no end leaf in the period, yet is not marked active at the start`,
      `row 2 (line 3, id "ex-1") is marked active at the start ${START}, but was granted 2025-03-02T06:00:00.000Z and expires 2025-04-01T00:00:00.000Z`,
    ]);
  });

  it('a declared-outage gap row must lie inside the declaration it names, recorded before the end at the time it says; other rows name none', async () => {
    const head = GAPS.replace('detail', 'detail,declared_seq,declared_at,declared_by,declared_reason');
    const row = (from: string, to: string, kind: string, declared: string) => `14,h14,aws,111,${from},${to},5,${kind},yes,no run,${declared}\r\n`;
    const good = `${head}${row('2025-03-01T06:00:00.000Z', '2025-03-01T08:00:00.000Z', 'missed slots', ',,,')}${row('2025-03-01T08:00:00.000Z', '2025-03-01T12:00:00.000Z', 'declared outage', '15,2025-03-02T09:00:00.000Z,local:ops@h,patching')}`;
    expect(await check({ ...base, 'report/gaps.csv': good, 'report/summary.json': summary({ gaps: 2 }) })).toEqual([]);
    const bad = `${head}${row('2025-03-01T06:00:00.000Z', '2025-03-01T08:00:00.000Z', 'missed slots', '15,,,')}${row('2025-03-01T07:00:00.000Z', '2025-03-01T12:00:00.000Z', 'declared outage', '15,2025-03-01T09:00:00.000Z,local:ops@h,patching')}${row('2025-03-01T08:00:00.000Z', '2025-03-01T09:00:00.000Z', 'declared outage', '11,,,')}`;
    expect((await check({ ...base, 'report/gaps.csv': bad, 'report/summary.json': summary({ gaps: 3 }) })).map((f) => f.message)).toEqual([
      'row 1 (line 2, leaf 14, missed slots) names declaration 15 but is not a declared outage',
      'row 2 (line 3, leaf 14, declared outage) [2025-03-01T07:00:00.000Z, 2025-03-01T12:00:00.000Z] of aws/111 is not inside declaration 15 (aws/* [2025-03-01T08:00:00.000Z, 2025-03-01T12:00:00.000Z])',
      'row 2 (line 3, leaf 14, declared outage) says declared at 2025-03-01T09:00:00.000Z; declaration 15 was recorded at 2025-03-02T09:00:00.000Z, and must be before the period end 2025-03-04T00:00:00.000Z',
      'row 3 (line 4, leaf 14, declared outage) names declaration "11", which is no outage.declared leaf of the slice',
    ]);
  });

  it('a deviation that opens before its first observation, or names a leaf outside the slice or one that saw something else, is named', async () => {
    const early = GOOD_DEVIATIONS.replace('11,2025-03-02T06:00:00.000Z,2025-03-02T06:00:00.000Z', '11,2025-03-02T06:00:00.000Z,2025-03-01T00:00:00.000Z');
    expect(await check({ ...base, 'report/deviations.csv': early })).toEqual([
      { code: 'REPORT_INVARIANT', file: 'report/deviations.csv', seq: 11, message: 'row 1 (line 2, r.a on res-1) opens at 2025-03-01T00:00:00.000Z, but its first observation (leaf 11) is at 2025-03-02T06:00:00.000Z' },
    ]);
    const outside = GOOD_DEVIATIONS.replace(',111,11,', ',111,3,');
    expect((await check({ ...base, 'report/deviations.csv': outside }))[0]).toMatchObject({ file: 'report/deviations.csv', seq: 3, message: expect.stringMatching(/^row 1 \(line 2, r\.a on res-1\) starts at leaf 3, before the slice's first leaf 10/) });
    const closing = GOOD_DEVIATIONS.replace(',111,11,', ',111,20,');
    expect((await check({ ...base, 'report/deviations.csv': closing }))[0]).toMatchObject({ seq: 20, message: expect.stringContaining('names leaf 20 (change of aws/111), which did not observe this failure') });
    const carriedIn = `${DEVIATIONS}r.a,res-1,aws,111,10,2025-03-01T03:00:00.000Z,2025-03-01T03:00:00.000Z,20,2025-03-03T06:00:00.000Z,51,720,yes,yes,no\r\n`;
    expect(await check({ ...base, 'report/deviations.csv': carriedIn })).toEqual([]);
    const beforePeriod = carriedIn.replace('2025-03-01T03:00:00.000Z', '2025-02-28T23:00:00.000Z').replace('2025-03-01T03:00:00.000Z', '2025-02-28T23:00:00.000Z');
    const leaf10 = leaves[0]!.body.observedAt;
    leaves[0]!.body.observedAt = '2025-02-28T23:00:00.000Z';
    try {
      expect(await check({ ...base, 'report/deviations.csv': beforePeriod })).toEqual([
        { code: 'REPORT_INVARIANT', file: 'report/deviations.csv', seq: 10, message: `row 1 (line 2, r.a on res-1) opens at 2025-02-28T23:00:00.000Z, before the period start ${START}` },
      ]);
    } finally {
      leaves[0]!.body.observedAt = leaf10;
    }
  });

  it('summary totals that differ from the rows or counts they sum are named', async () => {
    const faults = await check({
      ...base,
      'report/summary.json': summary({ evaluations: { pass: 3, fail: 2, error: 0, not_applicable: 0 }, gaps: 1, deviations: { closed: 0, openAtEnd: 2 }, riskAcceptances: 4, rules: { 'r.a': { evaluations: 5, counts: { pass: 3, fail: 1, error: 0, not_applicable: 0 } } } }),
    });
    expect(faults.map((f) => `${f.file}: ${f.message}`)).toEqual([
      "report/summary.json: evaluations.fail is 2, but the rules' fail counts add up to 1",
      'report/summary.json: rules.r.a.evaluations is 5, but its counts add up to 4',
      'report/summary.json: riskAcceptances is 4, but risk-acceptances.csv has 1 rows',
      'report/summary.json: gaps is 1, but gaps.csv has 0 rows',
      'report/summary.json: deviations.closed is 0, but deviations.csv has 1 closed rows',
      'report/summary.json: deviations.openAtEnd is 2, but deviations.csv has 0 open rows',
    ]);
  });
});

describe('report invariants in vigil verify', () => {
  let demo: DemoLedger;
  let work: string;
  beforeAll(async () => {
    demo = await buildDemoLedger({ days: 3 });
    work = mkdtempSync(join(tmpdir(), 'vigil-inv-'));
    await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-02', framework: FRAMEWORK, out: join(work, 'b'), clock: demo.clock, logger: silentLogger });
  }, 60_000);
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(demo.dataDir, { recursive: true, force: true });
  });

  it('an intact bundle passes them; a register row blanked by the key holder is named beside the recomputation mismatch', async () => {
    const keyPem = join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem');
    expect((await verifyBundle(join(work, 'b'), { trustedKeyFile: keyPem })).faults).toEqual([]);
    const dir = join(work, 'forged');
    cpSync(join(work, 'b'), dir, { recursive: true });
    const p = join(dir, 'report/risk-acceptances.csv');
    writeFileSync(p, readFileSync(p, 'utf8').replace('ciso@example.com', ''));
    // Re-sum and re-sign, as an insider holding the key would.
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    writeFileSync(join(dir, 'SHA256SUMS'), listFiles(dir).filter((f) => f !== 'SHA256SUMS' && f !== 'manifest.note').map((f) => `${sha(join(dir, f))}  ${f}\n`).join(''));
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const key = await loadLedgerKey(demo.dataDir, { create: false });
    writeFileSync(join(dir, 'manifest.note'), signNote(manifestNoteText({ origin: m.origin, start: m.report.start, end: m.report.end, startSize: m.tree.startSize, endSize: m.tree.endSize, sumsSha256: sha(join(dir, 'SHA256SUMS')) }), [ed25519Signer(m.origin, key!.privateKey!)]));
    const r = await verifyBundle(dir, { trustedKeyFile: keyPem });
    expect(r.ok).toBe(false);
    expect(r.faults).toContainEqual({ code: 'REPORT_INVARIANT', file: 'report/risk-acceptances.csv', message: 'row 1 (line 2, id "ex-1") has no approver' });
  });
});
