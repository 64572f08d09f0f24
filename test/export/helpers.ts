// A hand-made ledger for export/verify tests: a few days of runs through the real recordRun, with changes, a gap, an exception and checkpoints.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { recordRun } from '../../src/pipeline/record.js';
import { grantLeaf } from '../../src/exceptions/exceptions.js';
import type { RecordedResult } from '../../src/pipeline/collect-stage.js';
import type { FrameworkData } from '../../src/export/report.js';
import { silentLogger, type Clock } from '../../src/core/collector.js';
import { recordEvidence, recordWithdrawal } from '../../src/evidence/evidence.js';

export class SimClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
}

export const FRAMEWORK: FrameworkData = {
  id: 'soc2',
  title: 'SOC 2 test',
  version: 'test',
  criteria: [
    { id: 'CC6.1', title: 'Logical access', rules: [{ id: 'aws.iam.root_mfa_enabled', evidence: 'direct' }, { id: 'aws.iam.user_mfa_enabled', evidence: 'direct' }] },
    // The prose form bundles from before issue 15 carry: still read, as one requirement.
    { id: 'CC7.2', title: 'Monitoring', rules: [{ id: 'aws.iam.user_mfa_enabled', evidence: 'supporting' }], manual: 'Monitoring runbook and triaged alert samples.' },
    {
      id: 'CC1.1',
      title: 'Integrity and ethics',
      rules: [],
      manual: [
        { id: 'code-of-conduct', title: 'Code of conduct acknowledgements', cadence: '12mo', owner: 'hr' },
        { id: 'background-checks', title: 'Background checks of new hires', cadence: 'on-hire:30d', owner: 'hr' },
      ],
    },
    { id: 'CC6.6', title: 'External threats', rules: [], manual: [{ id: 'penetration-test', title: 'External penetration test', cadence: '12mo', owner: 'security' }] },
  ],
};

/**
 * What `evidence: true` records on day 1 at 06:00: the code of conduct (open), a penetration test (confidential), and a
 * wrong file for the code of conduct, withdrawn at 12:00 the same day.
 */
export const EVIDENCE_FILES = { coc: Buffer.from('Code of conduct 2025, acknowledged by 3 of 3 staff.\n'), pentest: Buffer.from('%PDF-1.7 penetration test report (confidential)\n'), wrong: Buffer.from('Code of conduct 2019 (superseded)\n'), check: Buffer.from('Background check of hana: clear\n') };

async function appendEvidence(ledger: Ledger, at: Date): Promise<void> {
  const base = { framework: 'soc2', owner: 'hr', ownerName: 'people-ops@example.com', uploader: { kind: 'local' as const, name: 'alice@laptop' }, size: 0, sha256: '' };
  const day = at.toISOString().slice(0, 10);
  await recordEvidence(ledger, EVIDENCE_FILES.coc, { ...base, id: 'ev_000000000001', criterion: 'CC1.1', requirement: 'code-of-conduct', title: 'Code of conduct 2025', mediaType: 'text/plain', fileName: 'coc.txt', effectiveAt: `${day}T00:00:00.000Z`, expiresAt: '2026-03-01T00:00:00.000Z', confidential: false });
  await recordEvidence(ledger, EVIDENCE_FILES.wrong, { ...base, id: 'ev_000000000003', criterion: 'CC1.1', requirement: 'code-of-conduct', title: 'Code of conduct 2019', mediaType: 'text/plain', fileName: 'coc-2019.txt', effectiveAt: `${day}T00:00:00.000Z`, expiresAt: '2026-03-01T00:00:00.000Z', confidential: false });
  await recordEvidence(ledger, EVIDENCE_FILES.pentest, { ...base, id: 'ev_000000000002', criterion: 'CC6.6', requirement: 'penetration-test', title: 'Pen test 2025', mediaType: 'application/pdf', fileName: 'pentest.pdf', effectiveAt: `${day}T00:00:00.000Z`, expiresAt: null, owner: 'security', ownerName: null, confidential: true });
}

/**
 * What `evidence: true` reads as the HR roster on day 2 at 06:00: hana hired on day 1 (her background check recorded,
 * effective that day), jo hired on day 2 (none yet: pending), ivan hired long before (not in the period).
 */
async function appendRoster(ledger: Ledger, at: Date): Promise<void> {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const person = (email: string, id: string, startDate: string) => ({ type: 'hris.employee', id, name: email, source: 'hris', scope: 'roster', attributes: { employeeId: id, workEmail: email, name: email.split('@')[0], status: 'active', statusRaw: 'Active', startDate, terminationDate: null, manager: null, department: null, line: 2 } });
  const resources = [person('hana@x.io', 'E7', day(new Date(at.getTime() - 86_400_000))), person('jo@x.io', 'E8', day(at)), person('ivan@x.io', 'E2', '2024-01-10')];
  const blob = await ledger.putBlob(Buffer.from(JSON.stringify({ inputs: ['hris.employee'], resources })), 'application/json');
  const iso = at.toISOString();
  await recordRun(ledger, { summary: { source: 'hris', scope: 'roster', slot: iso, startedAt: iso, endedAt: iso, ruleSetVersion: 'v1', populationSize: 3, apiCalls: 0, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 }, errors: [], artifacts: [], resourcesSha256: blob.sha256 }, results: [] });
  const base = { framework: 'soc2', owner: 'hr', ownerName: 'people-ops@example.com', uploader: { kind: 'local' as const, name: 'alice@laptop' }, size: 0, sha256: '' };
  await recordEvidence(ledger, EVIDENCE_FILES.check, { ...base, id: 'ev_000000000004', criterion: 'CC1.1', requirement: 'background-checks', title: 'Background check: hana', mediaType: 'text/plain', fileName: 'check-hana.txt', effectiveAt: `${day(new Date(at.getTime() - 86_400_000))}T12:00:00.000Z`, expiresAt: null, confidential: false, subject: 'hana@x.io' });
}

export interface DemoLedger {
  dataDir: string;
  clock: SimClock;
}

/**
 * Builds runs every `everyHours` from `startIso` for `days` days; user bob fails MFA on day 2 and is fixed on day 3;
 * the slots of day 2 from 12:00 to 18:00 are missing and declared as a gap; sealed daily, checkpointed hourly.
 * `retiredScope`: one more AWS account that reports once, at the first slot, and never again.
 * `retires`: one more AWS account that reports at every slot before `at`, and is retired (`scope.retired`) at `at`.
 */
export async function buildDemoLedger(opts: { startIso?: string; days?: number; everyHours?: number; users?: number; retiredScope?: string; retires?: { scope: string; at: string }; /** Slots (ISO) after whose run the key is rotated. */ rotateAt?: string[]; evidence?: boolean } = {}): Promise<DemoLedger> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
  const start = Date.parse(opts.startIso ?? '2025-03-01T00:00:00.000Z');
  const days = opts.days ?? 4;
  const every = opts.everyHours ?? 3;
  const users = opts.users ?? 3;
  const clock = new SimClock(start - 3600_000);
  const ledger = await Ledger.open({ dataDir, clock, logger: silentLogger, origin: 'vigil.test/export' });
  await ledger.append([
    { type: 'agent.started', data: { version: '0.1.0', roles: ['writer'] } },
    { type: 'rule.defined', idempotencyKey: 'rule:a', data: { rule: { id: 'aws.iam.root_mfa_enabled', title: 'Root MFA', severity: 'critical', logicSha256: 'a'.repeat(64), params: {} } } },
    { type: 'rule.defined', idempotencyKey: 'rule:b', data: { rule: { id: 'aws.iam.user_mfa_enabled', title: 'User MFA', severity: 'high', logicSha256: 'b'.repeat(64), params: {} } } },
  ]);
  await ledger.checkpoint('start');
  let lastDay = '';
  for (let t = start; t < start + days * 86_400_000; t += every * 3600_000) {
    clock.t = t + 60_000;
    const day = new Date(t).toISOString().slice(0, 10);
    if (lastDay && day !== lastDay) await ledger.sealDay(lastDay);
    lastDay = day;
    const hour = new Date(t).getUTCHours();
    const dayIndex = Math.floor((t - start) / 86_400_000);
    if (dayIndex === 1 && hour >= 12 && hour <= 18) {
      if (hour === 12) {
        await ledger.append([{ type: 'gap', idempotencyKey: `gap:${t}`, source: 'aws', scope: '111122223333', data: { from: new Date(t).toISOString(), to: new Date(t + 6 * 3600_000).toISOString(), slots: 3, reason: 'agent down' } }]);
      }
      continue;
    }
    const results: RecordedResult[] = [{ ruleId: 'aws.iam.root_mfa_enabled', resourceId: 'root', status: 'pass', reason: 'root has MFA' }];
    for (let u = 0; u < users; u++) {
      const failing = u === 1 && dayIndex === 1;
      results.push({ ruleId: 'aws.iam.user_mfa_enabled', resourceId: `user-${u}`, status: failing ? 'fail' : 'pass', reason: failing ? 'no MFA device, "console" login' : 'MFA device' });
    }
    const scopes = opts.retiredScope !== undefined && t === start ? ['111122223333', opts.retiredScope] : ['111122223333'];
    const retires = opts.retires;
    if (retires && t < Date.parse(retires.at)) scopes.push(retires.scope);
    if (retires && t >= Date.parse(retires.at) && t - every * 3600_000 < Date.parse(retires.at)) {
      clock.t = Date.parse(retires.at);
      const last = await ledger.lastLeaf({ type: 'run', source: 'aws', scope: retires.scope });
      await ledger.append([{ type: 'scope.retired', source: 'aws', scope: retires.scope, data: { why: 'removed-from-config', reason: 'removed from config (test)', lastRun: last ? { seq: last.seq, slot: last.body.slot, at: last.body.observedAt } : null, by: 'writer' } }]);
      clock.t = t + 60_000;
    }
    for (const scope of scopes) await recordRun(ledger, {
      summary: {
        source: 'aws',
        scope,
        slot: new Date(t).toISOString(),
        startedAt: new Date(t).toISOString(),
        endedAt: new Date(t + 30_000).toISOString(),
        ruleSetVersion: 'v1',
        populationSize: users + 1,
        apiCalls: 3,
        counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 },
        errors: [],
        artifacts: [],
      },
      results,
    });
    if (opts.evidence && dayIndex === 0 && hour === 6) await appendEvidence(ledger, new Date(t));
    if (opts.evidence && dayIndex === 1 && hour === 6) await appendRoster(ledger, new Date(t));
    if (opts.evidence && dayIndex === 0 && hour === 12) {
      await recordWithdrawal(ledger, { id: 'ev_000000000003', framework: 'soc2', criterion: 'CC1.1', requirement: 'code-of-conduct', reason: 'the 2019 code, uploaded by mistake', by: { kind: 'token', name: 'admin-token', role: 'admin' } });
    }
    if (dayIndex === 1 && hour === 6) {
      await ledger.append([grantLeaf({ id: 'ex-1', ruleId: 'aws.iam.user_mfa_enabled', resourceId: 'user-1', requester: 'bob@example.com', approver: 'ciso@example.com', expiresAt: '2025-04-01T00:00:00.000Z', reason: 'hardware key on order', origin: 'cli' })]);
    }
    clock.t = t + 120_000;
    await ledger.checkpoint('hourly');
    if (opts.rotateAt?.includes(new Date(t).toISOString())) await ledger.rotateKey({ kind: 'local', name: 'ops@host' });
  }
  clock.t = start + days * 86_400_000 + 60_000;
  await ledger.sealDay(lastDay);
  await ledger.close();
  clock.t = start + days * 86_400_000 + 3 * 3600_000;
  return { dataDir, clock };
}
