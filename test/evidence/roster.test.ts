// The HR roster the per-hire check trusts (src/evidence/roster.ts), from run leaf bodies and resources blobs: the latest
// complete read while it is recent; a failed read falls back to the last good one only while that is recent; a stale,
// never-complete or missing roster is an error naming why; no hris source is not configured. And subject resolution.
import { describe, expect, it } from 'vitest';
import { RosterRuns, resolveSubject } from '../../src/evidence/roster.js';
import type { RosterState } from '../../src/rules/on-hire.js';

const employee = (email: string, startDate: string) => ({ type: 'hris.employee', id: email, name: email, attributes: { employeeId: `E-${email[0]}`, workEmail: email, name: email, status: 'active', statusRaw: 'Active', startDate, terminationDate: null, manager: null, department: null, line: 2 } });
const blobs = new Map<string, Buffer>([
  ['sha-1', Buffer.from(JSON.stringify({ inputs: ['hris.employee'], resources: [employee('ann@x.io', '2027-01-10')] }))],
  ['sha-2', Buffer.from(JSON.stringify({ inputs: ['hris.employee'], resources: [employee('ann@x.io', '2027-01-10'), employee('bo@x.io', '2027-03-01')] }))],
  ['sha-eu', Buffer.from(JSON.stringify({ inputs: ['hris.employee'], resources: [employee('cy@x.io', '2027-02-01')] }))],
]);
const source = { getBlob: async (sha: string) => blobs.get(sha) };
const good = (endedAt: string, sha: string, scope = 'roster') => ({ type: 'run', source: 'hris', scope, endedAt, resourcesSha256: sha, errors: [] });
const failed = (endedAt: string) => ({ type: 'run', source: 'hris', scope: 'roster', endedAt, errors: [{ operation: 'hris:ReadRoster', code: 'HrisHttp401', message: 'the export answered 401', inputs: ['hris.employee'] }] });
const fold = (...bodies: Array<Record<string, unknown>>) => {
  const r = new RosterRuns();
  for (const b of bodies) r.leaf(b);
  return r;
};
const NOW = new Date('2027-03-10T12:00:00Z');

describe('the roster the per-hire check trusts', () => {
  it('the latest complete read, with its time', async () => {
    const s = await fold(good('2027-03-09T06:00:00.000Z', 'sha-1'), good('2027-03-10T06:00:00.000Z', 'sha-2')).state(source, NOW, { configured: true });
    expect(s).toEqual({ kind: 'read', readAt: '2027-03-10T06:00:00.000Z', employees: [expect.objectContaining({ workEmail: 'ann@x.io' }), expect.objectContaining({ workEmail: 'bo@x.io', startDate: '2027-03-01' })] });
  });

  it('a failed read after a good one 6 h old: the good one; after one 30 h old: error naming the failure and the age', async () => {
    expect(await fold(good('2027-03-10T06:00:00.000Z', 'sha-2'), failed('2027-03-10T11:00:00.000Z')).state(source, NOW, { configured: true })).toMatchObject({ kind: 'read', readAt: '2027-03-10T06:00:00.000Z' });
    expect(await fold(good('2027-03-09T06:00:00.000Z', 'sha-1'), failed('2027-03-10T11:00:00.000Z')).state(source, NOW, { configured: true })).toEqual({
      kind: 'error',
      reason: 'hris roster: the latest read (run of 2027-03-10T11:00:00.000Z) failed: HrisHttp401: the export answered 401; the last complete read, of 2027-03-09T06:00:00.000Z, is 30.0 h old (more than 26 h)',
    });
  });

  it('a complete read older than 26 h is stale: error; any age is accepted when asked (checking a subject)', async () => {
    const runs = fold(good('2027-03-09T09:59:00.000Z', 'sha-1'));
    expect(await runs.state(source, NOW, { configured: true })).toEqual({ kind: 'error', reason: 'hris roster: the latest complete read, of 2027-03-09T09:59:00.000Z, is 26.0 h old (more than 26 h): hires since may be missing' });
    expect(await runs.state(source, NOW, { configured: true, maxAgeHours: Number.POSITIVE_INFINITY })).toMatchObject({ kind: 'read' });
  });

  it('never read completely, never read, not configured', async () => {
    expect(await fold(failed('2027-03-10T11:00:00.000Z')).state(source, NOW, { configured: true })).toEqual({ kind: 'error', reason: 'hris roster: the roster has never been read completely; the latest read (run of 2027-03-10T11:00:00.000Z) failed: HrisHttp401: the export answered 401' });
    expect(await fold().state(source, NOW, { configured: true })).toMatchObject({ kind: 'error', reason: expect.stringMatching(/^no HR roster has been read/) });
    expect(await fold().state(source, NOW)).toEqual({ kind: 'not-configured' });
    expect(await fold(good('2027-03-10T06:00:00.000Z', 'sha-2')).state(source, NOW, { configured: false })).toEqual({ kind: 'not-configured' });
  });

  it('two rosters: both must be trusted; their employees are joined; a retired roster no longer counts', async () => {
    const both = await fold(good('2027-03-10T06:00:00.000Z', 'sha-2'), good('2027-03-10T05:00:00.000Z', 'sha-eu', 'eu')).state(source, NOW, { configured: true });
    expect(both).toMatchObject({ kind: 'read', readAt: '2027-03-10T05:00:00.000Z' });
    expect((both as { employees: Array<{ workEmail: string }> }).employees.map((e) => e.workEmail).sort()).toEqual(['ann@x.io', 'bo@x.io', 'cy@x.io']);
    const stale = fold(good('2027-03-10T06:00:00.000Z', 'sha-2'), good('2027-03-01T05:00:00.000Z', 'sha-eu', 'eu'));
    expect(await stale.state(source, NOW, { configured: true })).toMatchObject({ kind: 'error', reason: expect.stringMatching(/^hris eu: the latest complete read/) });
    stale.leaf({ type: 'scope.retired', source: 'hris', scope: 'eu' });
    expect(await stale.state(source, NOW, { configured: true })).toMatchObject({ kind: 'read' });
  });
});

describe('resolveSubject', () => {
  const roster: RosterState = { kind: 'read', readAt: '2027-03-10T06:00:00.000Z', employees: [{ employeeId: 'E17', workEmail: 'alice@example.com', name: 'Alice', status: 'active', startDate: '2027-03-01', terminationDate: null }] };
  it('the email in any case or display-name form, or the employee id', () => {
    for (const s of ['alice@example.com', ' ALICE@Example.com ', 'Alice Liddell <alice@example.com>', 'E17']) expect(resolveSubject(s, roster, 'w')).toBe('alice@example.com');
  });
  it('an invisible code point is dropped (NFKC, default-ignorables): the record names the roster text', () => {
    expect(resolveSubject('alice\u200b@example.com', roster, 'w')).toBe('alice@example.com');
  });
  it('refuses look-alikes (Cyrillic а) naming who they look like, strangers, and an untrusted roster', () => {
    expect(() => resolveSubject('\u0430lice@example.com', roster, 'w')).toThrow(/it looks like alice@example\.com but is not the same text/);
    expect(() => resolveSubject('bob@example.com', roster, 'w')).toThrow(/^w: subject "bob@example\.com" is not an employee on the HR roster read 2027-03-10T06:00:00\.000Z \(1 employees; give a work email or employee id\)$/);
    expect(() => resolveSubject('alice@example.com', { kind: 'error', reason: 'hris roster: never read' }, 'w')).toThrow(/cannot be checked against the HR roster: hris roster: never read/);
    expect(() => resolveSubject('alice@example.com', { kind: 'not-configured' }, 'w')).toThrow(/no HR roster source is configured/);
  });
});
