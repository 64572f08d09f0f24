// Per-hire evidence (`on-hire:30d`) judged by hand-written expectations: hires, dates, evidence, the deadline at exactly
// N days (date-only and zoned starts), pre-boarding evidence, leavers, withdrawals, an untrusted roster, the due list.
import { describe, expect, it } from 'vitest';
import { hireDueBy, judgeHire, judgeOnHire, type HireEvidence, type RosterEmployee, type RosterState } from '../../src/rules/on-hire.js';
import { dueStates, requirementCoverage } from '../../src/rules/manual-evidence.js';

const emp = (email: string, startDate: string, extra: Partial<RosterEmployee> = {}): RosterEmployee => ({ employeeId: `E-${email.split('@')[0]}`, workEmail: email, name: email.split('@')[0]!, status: 'active', startDate, terminationDate: null, ...extra });
const ev = (id: string, subject: string, effectiveAt: string, extra: Partial<HireEvidence> = {}): HireEvidence => ({ id, criterion: 'CC1.4', requirement: 'security-training', subject, effectiveAt, recordedAt: effectiveAt, ...extra });
const at = (iso: string) => Date.parse(iso);

describe('the deadline: N days after the hire', () => {
  it('a date-only start counts whole UTC days: hired 2027-03-01 + 30d → any time on 2027-03-31', () => {
    expect(new Date(hireDueBy('2027-03-01', 30)).toISOString()).toBe('2027-03-31T23:59:59.999Z');
    // Across a month end and a leap day: 2028-02-01 + 30d = 2028-03-02 (February 2028 has 29 days).
    expect(new Date(hireDueBy('2028-02-01', 30)).toISOString()).toBe('2028-03-02T23:59:59.999Z');
  });

  it('a zoned start counts exactly N × 24 h from the instant written', () => {
    // 09:00 in UTC-8 is 17:00Z.
    expect(new Date(hireDueBy('2027-03-01T09:00:00-08:00', 30)).toISOString()).toBe('2027-03-31T17:00:00.000Z');
    expect(new Date(hireDueBy('2027-03-01T09:00:00+09:00', 30)).toISOString()).toBe('2027-03-31T00:00:00.000Z');
  });

  it('evidence effective on the last day passes, the next day fails (date-only)', () => {
    const alice = emp('alice@example.com', '2027-03-01');
    const onTime = judgeHire(alice, 'CC1.4', 'security-training', 30, [ev('ev_a', 'alice@example.com', '2027-03-31T23:59:59.999Z')], at('2027-05-01T00:00:00Z'));
    expect(onTime).toEqual({ email: 'alice@example.com', name: 'alice', employeeId: 'E-alice', hired: '2027-03-01', dueBy: '2027-03-31T23:59:59.999Z', status: 'pass', evidence: ['ev_a'], reason: 'evidenced by ev_a' });
    const late = judgeHire(alice, 'CC1.4', 'security-training', 30, [ev('ev_a', 'alice@example.com', '2027-04-01T00:00:00.000Z')], at('2027-05-01T00:00:00Z'));
    expect(late).toMatchObject({ status: 'fail', evidence: [], reason: 'no evidence effective by 2027-03-31T23:59:59.999Z (30 days after hire)' });
  });

  it('zoned: effective at the deadline instant passes, 1 ms later fails', () => {
    const bob = emp('bob@example.com', '2027-03-01T09:00:00-08:00');
    const judge = (eff: string) => judgeHire(bob, 'CC1.4', 'security-training', 30, [ev('ev_b', 'bob@example.com', eff)], at('2027-06-01T00:00:00Z')).status;
    expect(judge('2027-03-31T17:00:00.000Z')).toBe('pass');
    expect(judge('2027-03-31T17:00:00.001Z')).toBe('fail');
    // Pre-boarding: up to N days before the hire instant (2027-01-30T17:00Z), not before.
    expect(judge('2027-01-30T17:00:00.000Z')).toBe('pass');
    expect(judge('2027-01-30T16:59:59.999Z')).toBe('fail');
  });
});

describe('one hire over time', () => {
  const carol = emp('carol@example.com', '2027-03-01');
  it('without evidence: pending up to the deadline, failing from 1 ms after it', () => {
    expect(judgeHire(carol, 'CC1.4', 'security-training', 30, [], at('2027-03-31T23:59:59.999Z'))).toMatchObject({ status: 'pending', reason: 'due by 2027-03-31T23:59:59.999Z' });
    expect(judgeHire(carol, 'CC1.4', 'security-training', 30, [], at('2027-04-01T00:00:00.000Z'))).toMatchObject({ status: 'fail' });
  });

  it('evidence recorded later with an in-time effective date counts once recorded, not before', () => {
    const late = [ev('ev_c', 'carol@example.com', '2027-03-20T00:00:00.000Z', { recordedAt: '2027-04-10T12:00:00.000Z' })];
    expect(judgeHire(carol, 'CC1.4', 'security-training', 30, late, at('2027-04-05T00:00:00Z')).status).toBe('fail');
    expect(judgeHire(carol, 'CC1.4', 'security-training', 30, late, at('2027-04-10T12:00:00Z')).status).toBe('pass');
  });

  it('evidence of another person, another requirement or withdrawn does not count', () => {
    const recs = [
      ev('ev_x', 'dave@example.com', '2027-03-10T00:00:00.000Z'),
      { ...ev('ev_y', 'carol@example.com', '2027-03-10T00:00:00.000Z'), requirement: 'policy-acknowledgement' },
      ev('ev_z', 'carol@example.com', '2027-03-10T00:00:00.000Z', { withdrawn: { at: '2027-03-15T00:00:00.000Z' } }),
    ];
    expect(judgeHire(carol, 'CC1.4', 'security-training', 30, recs, at('2027-03-14T00:00:00Z'))).toMatchObject({ status: 'pass', evidence: ['ev_z'] });
    expect(judgeHire(carol, 'CC1.4', 'security-training', 30, recs, at('2027-05-01T00:00:00Z'))).toMatchObject({ status: 'fail', evidence: [] });
  });

  it('a leaver who left before the deadline without evidence is not applicable; one who left after it fails', () => {
    const gone = emp('erin@example.com', '2027-03-01', { status: 'terminated', terminationDate: '2027-03-10' });
    expect(judgeHire(gone, 'CC1.4', 'security-training', 30, [], at('2027-05-01T00:00:00Z'))).toMatchObject({ status: 'not_applicable', reason: 'left 2027-03-10 before the deadline 2027-03-31T23:59:59.999Z' });
    const later = emp('erin@example.com', '2027-03-01', { status: 'terminated', terminationDate: '2027-04-15' });
    expect(judgeHire(later, 'CC1.4', 'security-training', 30, [], at('2027-05-01T00:00:00Z')).status).toBe('fail');
  });
});

describe('the requirement over a window', () => {
  const roster: RosterState = {
    kind: 'read',
    readAt: '2027-06-30T06:00:00.000Z',
    employees: [
      emp('old@example.com', '2025-01-10'), // hired long before: outside every window below
      emp('alice@example.com', '2027-03-01'),
      emp('bob@example.com', '2027-04-15'),
      emp('carol@example.com', '2027-06-20'),
    ],
  };
  const recs = [ev('ev_a', 'alice@example.com', '2027-03-05T00:00:00.000Z')];

  it('over a period (Type 2): the hires in it, judged at its end; one overdue → missing', () => {
    const j = judgeOnHire('CC1.4', 'security-training', 30, recs, roster, { start: '2027-04-01T00:00:00.000Z', end: '2027-07-01T00:00:00.000Z' });
    expect(j.hires.map((h) => [h.email, h.status])).toEqual([
      ['bob@example.com', 'fail'],
      ['carol@example.com', 'pending'],
    ]);
    expect(j).toMatchObject({ state: 'missing', due: 'overdue', evidence: [] });
    expect(j.reason).toBe('2 hires in the period (roster read 2027-06-30T06:00:00.000Z): 0 evidenced, 1 overdue, 1 pending; overdue: bob@example.com (hired 2027-04-15, due by 2027-05-15)');
  });

  it('at an instant: the hires of the year before; all evidenced or pending → evidenced, due while one is pending', () => {
    const withBob = [...recs, ev('ev_b', 'bob@example.com', '2027-05-15T10:00:00.000Z')];
    const j = judgeOnHire('CC1.4', 'security-training', 30, withBob, roster, { at: '2027-06-30T12:00:00.000Z' });
    expect(j.hires.map((h) => [h.email, h.status])).toEqual([
      ['alice@example.com', 'pass'],
      ['bob@example.com', 'pass'],
      ['carol@example.com', 'pending'],
    ]);
    expect(j).toMatchObject({ state: 'evidenced', due: 'due', evidence: ['ev_a', 'ev_b'] });
  });

  it('no hire in the window, on a trusted roster: evidenced and current, saying so', () => {
    const j = judgeOnHire('CC1.4', 'security-training', 30, [], roster, { start: '2026-01-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' });
    expect(j).toEqual({ state: 'evidenced', due: 'current', reason: '0 hires in the period (roster read 2027-06-30T06:00:00.000Z): 0 evidenced, 0 overdue, 0 pending', hires: [], evidence: [] });
  });

  it('a roster that cannot be trusted is error naming why; no roster source is not assessed', () => {
    expect(judgeOnHire('CC1.4', 'security-training', 30, recs, { kind: 'error', reason: 'hris roster: stale' }, { at: '2027-06-30T00:00:00.000Z' })).toMatchObject({ state: 'error', due: 'error', reason: 'per new hire: cannot judge: hris roster: stale' });
    expect(judgeOnHire('CC1.4', 'security-training', 30, recs, { kind: 'not-configured' }, { at: '2027-06-30T00:00:00.000Z' })).toMatchObject({ state: 'not-assessed', due: 'not-assessed' });
  });

  it('flows into requirementCoverage and dueStates (the hires judged on named for the alert key)', () => {
    const reqs = [{ id: 'security-training', title: 'Security training within 30 days of hire', cadence: 'on-hire:30d', owner: 'hr' }];
    const records = recs.map(({ withdrawn: _w, ...r }, i) => ({ ...r, framework: 'soc2', title: 't', sha256: '', size: 1, mediaType: 'text/plain', fileName: 'f', expiresAt: null, owner: null, ownerName: null, uploader: { kind: 'local' as const, name: 'x' }, confidential: false, seq: i + 1 }));
    expect(requirementCoverage('CC1.4', reqs, records, { start: '2027-04-01T00:00:00.000Z', end: '2027-07-01T00:00:00.000Z' }, roster)[0]).toMatchObject({ state: 'missing', evidence: [], hires: [{ email: 'bob@example.com', status: 'fail' }, { email: 'carol@example.com', status: 'pending' }] });
    // Without a roster handed in (older callers, pre-roster bundles): not assessed, as before.
    expect(requirementCoverage('CC1.4', reqs, records, { at: '2027-06-30T00:00:00.000Z' })[0]).toMatchObject({ state: 'not-assessed' });
    const due = dueStates([{ id: 'CC1.4', manual: reqs }], records, new Date('2027-06-30T12:00:00Z'), 30, roster);
    expect(due).toEqual([expect.objectContaining({ criterion: 'CC1.4', requirement: 'security-training', state: 'overdue', hires: ['bob@example.com'] })]);
  });
});
