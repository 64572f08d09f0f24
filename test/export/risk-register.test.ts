// The risk-acceptance register names the principals of a two-step exception (who asked, who approved, who revoked),
// keeps typed-name grants (exceptions.yaml, older grants) as they were, and leaves out requests never approved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { Ledger } from '../../src/ledger/ledger.js';
import { approveException, grantLeaf, rejectException, requestException, revokeException, validateGrant, validateRequest } from '../../src/exceptions/exceptions.js';
import { ReportOut } from '../../src/export/report/csv.js';
import { RiskRegister, RISK_FILE } from '../../src/export/report/risk-acceptances.js';
import { CRIT, openLedger, settableClock, tempDir } from '../alerts/helpers.js';

describe('risk-acceptances.csv', () => {
  let dir: string;
  let ledger: Ledger;
  const clock = settableClock('2026-03-01T10:00:00Z');
  beforeAll(async () => {
    dir = tempDir('vigil-register-');
    ledger = await openLedger(dir, clock);
  });
  afterAll(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows requester and approver principals, origin, requested and forced; a rejected request is no row', async () => {
    const now = clock.now();
    const local = { kind: 'local' as const, name: 'ann@laptop' };
    const ciso = { kind: 'token' as const, name: 'ciso', role: 'approver' };
    const req = (id: string, forced?: boolean) => validateRequest({ id, ruleId: CRIT.id, resourceId: 'b', reason: `why ${id}`, expires: '2026-06-01', origin: 'cli', requestedBy: local, forced }, now);
    await requestException(ledger, req('exc-a', true));
    clock.advance(60_000);
    await approveException(ledger, 'exc-a', ciso, clock.now());
    await requestException(ledger, req('exc-b'));
    await rejectException(ledger, 'exc-b', ciso, 'not needed');
    await ledger.append([grantLeaf(validateGrant({ id: 'file-1', ruleId: CRIT.id, resourceId: 'c', reason: 'vendor', requester: 'eng@example.com', approver: 'ciso@example.com', expires: '2026-06-01', origin: 'file:/etc/vigil/exceptions.yaml' }, now))]);
    clock.advance(60_000);
    await revokeException(ledger, 'exc-a', { kind: 'token', name: 'secops', role: 'admin' }, 'fixed');

    const chunks: string[] = [];
    const out = new ReportOut({ write: (_p: string, t: string) => void chunks.push(t) } as never);
    const reg = new RiskRegister(out, '2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z');
    for await (const l of ledger.readLeaves({ types: ['exception.granted', 'exception.requested', 'exception.approved', 'exception.rejected', 'exception.revoked', 'exception.expired'] })) {
      reg.leaf({ seq: l.seq, hash: '', body: l.body as unknown as Record<string, unknown> }, String(l.body.type), String(l.body.observedAt));
    }
    reg.finish();
    const [header, ...rows] = chunks.join('').trimEnd().split('\r\n').map((r) => r.split(','));
    const col = (row: string[], name: string) => row[header!.indexOf(name)];
    expect(RISK_FILE).toBe('report/risk-acceptances.csv');
    expect(rows.map((r) => col(r, 'id'))).toEqual(['exc-a', 'file-1']);
    const [a, f] = rows as [string[], string[]];
    expect([col(a, 'requester'), col(a, 'approver'), col(a, 'status'), col(a, 'ended_by'), col(a, 'origin'), col(a, 'requested'), col(a, 'forced'), col(a, 'granted')]).toEqual([
      'local:ann@laptop',
      'token:ciso (approver)',
      'revoked',
      'token:secops (admin)',
      'cli',
      '2026-03-01T10:00:00.000Z',
      'yes',
      '2026-03-01T10:01:00.000Z',
    ]);
    expect([col(f, 'requester'), col(f, 'approver'), col(f, 'status'), col(f, 'origin'), col(f, 'requested'), col(f, 'forced')]).toEqual(['eng@example.com', 'ciso@example.com', 'active', 'file:/etc/vigil/exceptions.yaml', '', '']);
    expect(reg.records).toBe(3); // the approval, the file grant and the revocation; not the requests or the rejection
  });
});
