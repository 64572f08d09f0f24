// The HR roster in the person view: HR status joined by work email, orphaned access of HR leavers and accounts with no
// HR record (xsys.hr_reconciliation), offboarding measured from the HR termination date; tables, then over the emulators.
import { afterEach, describe, expect, it } from 'vitest';
import type { Resource, Snapshot, SourceId } from '../../src/core/types.js';
import { joinPeople, newHires } from '../../rules/identity/people.js';
import { evaluatePeople } from '../../rules/identity/xsys.js';
import { oktaSource } from '../../collectors/okta/index.js';
import { oktaDemo, startOktaEmulator, type OktaEmulator } from '../../collectors/okta/demo.js';
import { githubSource } from '../../collectors/github/index.js';
import { githubDemo } from '../../collectors/github/demo.js';
import { startGithubEmulator, type RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import { entraSource } from '../../collectors/entra/index.js';
import { entraDemo } from '../../collectors/entra/demo.js';
import { hrisSource } from '../../collectors/hris/index.js';
import { hrisDemo, startHrisEmulator, type HrisEmulator } from '../../collectors/hris/demo.js';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { ctx, deps } from '../identity/helpers.js';

const T = '2026-11-20T10:00:00.000Z';
function snap(source: SourceId, scope: string, resources: Array<Partial<Resource> & { type: string; id: string; attributes: Record<string, unknown> }>, endedAt = T): Snapshot {
  return {
    source, scope, slot: endedAt, startedAt: endedAt, endedAt, inputs: {}, artifacts: [], errors: [], apiCalls: 0,
    resources: resources.map((r) => ({ source, scope, name: r.id, observedAt: endedAt, ...r })),
  };
}
const idpUser = (email: string, active: boolean, statusChanged: string | null = null) => ({
  type: 'okta.user', id: email, attributes: { email, login: email, status: active ? 'ACTIVE' : 'DEPROVISIONED', active, statusChanged, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: [], phishingResistant: null, lastLogin: null, lastLoginKnown: true, created: null, displayName: email },
});
const member = (login: string) => ({ type: 'github.member', id: login, attributes: { login, role: 'member' } });
let line = 1;
const employee = (email: string, status: 'active' | 'leave' | 'terminated', terminationDate: string | null = null, startDate = '2022-01-10') => ({
  type: 'hris.employee', id: `E-${email}`,
  attributes: { employeeId: `E-${email}`, workEmail: email, name: email, status, statusRaw: status, startDate, terminationDate, manager: null, department: 'Eng', line: ++line },
});

describe('HR in the person view (tables)', () => {
  const cases: Array<{ name: string; idp: ReturnType<typeof idpUser>[]; gh: string[]; hr?: ReturnType<typeof employee>[]; mapping?: unknown; hrConfigured?: boolean; want: Record<string, string> }> = [
    { name: 'an active employee with accounts passes', idp: [idpUser('ann@x.io', true)], gh: ['ann'], hr: [employee('ann@x.io', 'active')], want: { 'person:ann@x.io': 'pass' } },
    { name: 'an HR leaver still active in the IdP is orphaned access, even with nothing downstream', idp: [idpUser('bo@x.io', true)], gh: [], hr: [employee('bo@x.io', 'terminated', '2026-11-01')], want: { 'person:bo@x.io': 'fail' } },
    { name: 'an HR leaver deactivated in the IdP but still in GitHub is orphaned access', idp: [idpUser('bo@x.io', false, T)], gh: ['bo'], hr: [employee('bo@x.io', 'terminated', '2026-11-01')], want: { 'person:bo@x.io': 'fail' } },
    { name: 'an HR leaver whose IdP account is gone still matches GitHub by the roster email', idp: [], gh: ['bo'], hr: [employee('bo@x.io', 'terminated', '2026-11-01')], want: { 'person:bo@x.io': 'fail' } },
    { name: 'an HR leaver with every account off passes', idp: [idpUser('bo@x.io', false, T)], gh: [], hr: [employee('bo@x.io', 'terminated', '2026-11-01')], want: { 'person:bo@x.io': 'pass' } },
    { name: 'an employee on leave keeps access', idp: [idpUser('cy@x.io', true)], gh: [], hr: [employee('cy@x.io', 'leave')], want: { 'person:cy@x.io': 'pass' } },
    { name: 'an active IdP account with no HR record fails', idp: [idpUser('ghost@x.io', true)], gh: [], hr: [employee('ann@x.io', 'active')], want: { 'person:ghost@x.io': 'fail' } },
    { name: 'a declared IdP service account is not asked for an HR record', idp: [idpUser('it-bot@x.io', true)], gh: [], hr: [employee('ann@x.io', 'active')], mapping: { serviceAccounts: { idp: ['it-bot@x.io'] } }, want: {} },
    { name: 'a joiner with no accounts yet is not judged', idp: [], gh: [], hr: [employee('new@x.io', 'active', null, '2026-11-25')], want: {} },
    { name: 'no HR source configured: the rule records nothing', idp: [idpUser('ann@x.io', true)], gh: [], want: {} },
    { name: 'HR configured but not joined: could not tell', idp: [idpUser('ann@x.io', true)], gh: [], hrConfigured: true, want: { 'input:hris': 'error' } },
  ];
  it.each(cases)('$name', ({ idp, gh, hr, mapping, hrConfigured, want }) => {
    const snaps = [snap('okta', 'o', idp), snap('github', 'acme', gh.map(member)), ...(hr ? [snap('hris', 'roster', hr)] : [])];
    const view = joinPeople(snaps, mapping);
    const results = evaluatePeople(view, { now: new Date(T), ...(hrConfigured !== undefined ? { hrConfigured } : {}) }).filter((r) => r.ruleId === 'xsys.hr_reconciliation');
    expect(Object.fromEntries(results.map((r) => [r.resourceId, r.status]))).toEqual(want);
  });

  it('joins HR status, dates, manager and department to the person by work email', () => {
    const view = joinPeople([snap('okta', 'o', [idpUser('ann@x.io', true)]), snap('hris', 'roster', [employee('ann@x.io', 'terminated', '2026-11-18')])]);
    const ann = view.people.find((p) => p.email === 'ann@x.io')!;
    expect(ann.hr).toMatchObject({ employeeId: 'E-ann@x.io', status: 'terminated', terminationDate: '2026-11-18', department: 'Eng', scope: 'roster' });
    expect(ann).toMatchObject({ leaver: true, offboardingBasis: 'hr', offboardingFrom: '2026-11-19T00:00:00.000Z', holdsAccess: true });
    expect(view.hrJoined).toBe(true);
    const orphan = evaluatePeople(view, { now: new Date(T) }).find((r) => r.ruleId === 'xsys.hr_reconciliation')!;
    expect(orphan.reason).toBe('orphaned access: ann@x.io (employee E-ann@x.io) was terminated in HR on 2026-11-18 but still holds okta account ann@x.io (ACTIVE)');
  });

  it('measures offboarding from the HR termination date, not the later IdP deactivation', () => {
    // Terminated in HR on Nov 10 (ends Nov 11 00:00Z); IdP deactivated Nov 14; GitHub removed, seen Nov 14 12:00.
    const hr = [employee('bo@x.io', 'terminated', '2026-11-10')];
    const at = (iso: string, idpActive: boolean, gh: string[]) => joinPeople([
      snap('okta', 'o', [idpUser('bo@x.io', idpActive, idpActive ? null : '2026-11-14T09:00:00.000Z')], iso), snap('github', 'acme', gh.map(member), iso), snap('hris', 'roster', hr, iso),
    ]);
    const history = [{ observedAt: '2026-11-12T08:00:00.000Z', view: at('2026-11-12T08:00:00.000Z', true, ['bo']) }, { observedAt: '2026-11-14T10:00:00.000Z', view: at('2026-11-14T10:00:00.000Z', false, ['bo']) }];
    const now = '2026-11-14T12:00:00.000Z';
    const r = evaluatePeople(at(now, false, []), { now: new Date(now), history }).find((x) => x.ruleId === 'xsys.offboarding_timeliness')!;
    expect(r).toMatchObject({ status: 'fail', details: { basis: 'hr', terminationDate: '2026-11-10', offboardingFrom: '2026-11-11T00:00:00.000Z', offboardingHours: 84, lastSeenWithAccess: '2026-11-14T10:00:00.000Z' } });
    expect(r.reason).toContain('84 h after the end of the HR termination date 2026-11-10');
    // The same history without the roster: measured from the IdP deactivation, within the SLA.
    const strip = (v: ReturnType<typeof at>, iso: string) => joinPeople([snap('okta', 'o', v.people[0]!.idp.map((a) => idpUser(a.login, a.active, a.statusChanged)), iso), snap('github', 'acme', v.people[0]!.github.map((g) => member(g.login)), iso)]);
    const noHr = evaluatePeople(strip(at(now, false, []), now), { now: new Date(now), history: history.map((h) => ({ ...h, view: strip(h.view, h.observedAt) })) }).find((x) => x.ruleId === 'xsys.offboarding_timeliness')!;
    expect(noHr).toMatchObject({ status: 'pass', details: { basis: 'idp', deactivatedAt: '2026-11-14T09:00:00.000Z' } });
  });

  it('a leaver still active in the IdP is pending within the SLA, then overdue', () => {
    const view = joinPeople([snap('okta', 'o', [idpUser('bo@x.io', true)]), snap('hris', 'roster', [employee('bo@x.io', 'terminated', '2026-11-19')])]);
    const off = (now: string) => evaluatePeople(view, { now: new Date(now) }).find((x) => x.ruleId === 'xsys.offboarding_timeliness')!;
    expect(off('2026-11-20T10:00:00.000Z')).toMatchObject({ status: 'pass', details: { pending: true } });
    expect(off('2026-11-21T10:00:00.000Z')).toMatchObject({ status: 'fail', reason: expect.stringContaining('still holds okta account bo@x.io (ACTIVE)') });
  });

  it('lists new hires whose start date falls in a window, the population onboarding evidence is checked for', () => {
    const view = joinPeople([snap('hris', 'roster', [employee('a@x.io', 'active', null, '2026-10-01'), employee('b@x.io', 'active', null, '2026-11-02'), employee('c@x.io', 'terminated', '2026-11-20', '2026-11-15'), employee('d@x.io', 'active', null, '2026-12-01')])]);
    expect(newHires(view, '2026-11-01', '2026-11-30').map((h) => h.workEmail)).toEqual(['b@x.io', 'c@x.io']);
  });
});

describe('the HR roster joined to the emulated IdPs', () => {
  const running: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
  });

  it("finds the demo roster's leavers still holding access in Okta, Entra and GitHub, measured from their termination dates", async () => {
    const okta: OktaEmulator = await startOktaEmulator();
    const gh: RunningGithubEmulator = await startGithubEmulator();
    const entra = await entraDemo.startEmulator();
    const hr: HrisEmulator = await startHrisEmulator();
    running.push(okta, gh, entra, hr);
    const collectors = [
      oktaSource.createCollector(oktaDemo.demoConfig(okta).config, deps),
      githubSource.createCollector(githubSource.configSchema.parse(githubDemo.demoConfig(gh).config), deps),
      entraSource.createCollector(entraSource.configSchema.parse(entraDemo.demoConfig(entra).config), deps),
      hrisSource.createCollector(hrisSource.configSchema.parse(hrisDemo.demoConfig(hr).config), deps),
    ];
    const snaps = await Promise.all(collectors.map(async (c) => c.collect(ctx((await c.scopes())[0]!))));
    for (const s of snaps) expect(s.errors.filter((e) => e.inputs.some((i) => ['okta.user', 'github.member', 'entra.user', 'hris.employee'].includes(i))), s.source).toEqual([]);
    const view = joinPeople(snaps);
    const results = evaluatePeople(view, { now: new Date() });
    const status = (rule: string, email: string) => results.find((r) => r.ruleId === rule && r.resourceId === `person:${email}`);
    // erin left 10 days ago and is active in Okta, Entra and GitHub; leo left 30 days ago and is enabled in Entra.
    expect(status('xsys.hr_reconciliation', 'erin@example.com')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/okta account erin@example\.com \(ACTIVE\).*entra account erin@example\.com.*GitHub acme-demo\/erin/) });
    expect(status('xsys.hr_reconciliation', 'leo@example.com')).toMatchObject({ status: 'fail' });
    expect(status('xsys.offboarding_timeliness', 'erin@example.com')).toMatchObject({ status: 'fail', details: { basis: 'hr' } });
    // dave left 3 days ago; the IdPs were told a day later but GitHub still has him: measured from the HR date.
    expect(status('xsys.offboarding_timeliness', 'dave@example.com')).toMatchObject({ status: 'fail', details: { basis: 'hr', pending: true } });
    // the active employees pass; grace is on leave and suspended in Okta: no active access, nothing to judge.
    for (const e of ['alice', 'bob', 'heidi', 'ivan']) expect(status('xsys.hr_reconciliation', `${e}@example.com`)?.status, e).toBe('pass');
    expect(view.people.find((p) => p.email === 'grace@example.com')!.hr).toMatchObject({ status: 'leave', statusRaw: 'Leave of Absence' });
    expect(status('xsys.hr_reconciliation', 'grace@example.com')).toBeUndefined();
    // the Entra B2B guest is on no roster
    expect(results.filter((r) => r.ruleId === 'xsys.hr_reconciliation' && r.status === 'fail' && r.reason.includes('no record on the HR roster')).map((r) => r.resourceId)).toEqual([expect.stringContaining('partner')]);
    // nina starts next week and has no accounts: on the roster, not judged
    expect(view.people.find((p) => p.email === 'nina@example.com')!.hr!.status).toBe('active');
    expect(status('xsys.hr_reconciliation', 'nina@example.com')).toBeUndefined();
  }, 60_000);
});
