// The person join and cross-source identity rules: tables over hand-built snapshots, and end to end over the Okta,
// GitHub and AWS emulators (a leaver deactivated in Okta who keeps GitHub membership and an AWS key, then is removed).
import { afterEach, describe, expect, it } from 'vitest';
import type { Resource, Snapshot, SourceId } from '../../src/core/types.js';
import { joinPeople } from '../../rules/identity/people.js';
import { evaluatePeople } from '../../rules/identity/xsys.js';
import { oktaSource } from '../../collectors/okta/index.js';
import { oktaDemo, startOktaEmulator, type OktaEmulator } from '../../collectors/okta/demo.js';
import { githubSource } from '../../collectors/github/index.js';
import { githubDemo } from '../../collectors/github/demo.js';
import { startGithubEmulator, type RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import { awsSource } from '../../collectors/aws/index.js';
import { awsDemo } from '../../collectors/aws/demo.js';
import { startAwsEmulator, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { ctx, deps, removeFromGithubAndAws } from './helpers.js';

const T = '2026-11-20T10:00:00.000Z';
function snap(source: SourceId, scope: string, resources: Array<Partial<Resource> & { type: string; id: string; attributes: Record<string, unknown> }>, endedAt = T): Snapshot {
  return {
    source, scope, slot: endedAt, startedAt: endedAt, endedAt, inputs: {}, artifacts: [], errors: [], apiCalls: 0,
    resources: resources.map((r) => ({ source, scope, name: r.id, observedAt: endedAt, ...r })),
  };
}
const idpUser = (id: string, email: string, active: boolean, statusChanged: string | null = null) => ({
  type: 'okta.user', id, attributes: { email, login: email, status: active ? 'ACTIVE' : 'DEPROVISIONED', active, statusChanged, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: [], phishingResistant: null, lastLogin: null, lastLoginKnown: true, created: null, displayName: email },
});
const member = (login: string) => ({ type: 'github.member', id: login, attributes: { login, role: 'member' } });
const iamUser = (name: string, activeKeys: number, password = false) => ({
  type: 'aws.iam.user', id: `arn:aws:iam::111122223333:user/${name}`, name,
  attributes: { passwordEnabled: password, accessKeys: Array.from({ length: activeKeys }, (_, i) => ({ slot: i + 1, active: true })) },
});

describe('joinPeople and the cross-source rules (tables)', () => {
  const cases: Array<{ name: string; idp: ReturnType<typeof idpUser>[]; gh: string[]; aws: ReturnType<typeof iamUser>[]; mapping?: unknown; want: Record<string, string> }> = [
    { name: 'active person with accounts passes', idp: [idpUser('1', 'ann@x.io', true)], gh: ['ann'], aws: [iamUser('ann@x.io', 1)], want: { 'person:ann@x.io': 'pass' } },
    { name: 'deactivated person with GitHub and a key is orphaned', idp: [idpUser('1', 'ann@x.io', false, T)], gh: ['ann'], aws: [iamUser('ann', 1)], want: { 'person:ann@x.io': 'fail' } },
    { name: 'deactivated person whose IAM user has no credentials is not orphaned', idp: [idpUser('1', 'ann@x.io', false, T)], gh: [], aws: [iamUser('ann', 0)], want: { 'person:ann@x.io': 'pass' } },
    { name: 'unknown GitHub login is unmatched', idp: [idpUser('1', 'ann@x.io', true)], gh: ['ghost'], aws: [], want: { 'github:acme/ghost': 'fail' } },
    { name: 'mapping wins over the local part', idp: [idpUser('1', 'ann@x.io', true), idpUser('2', 'bo@x.io', false, T)], gh: ['ann'], aws: [], mapping: { people: [{ email: 'bo@x.io', github: ['ann'] }] }, want: { 'person:bo@x.io': 'fail' } },
    { name: 'ambiguous local part never matches', idp: [idpUser('1', 'ann@x.io', true), idpUser('2', 'ann@y.io', true)], gh: ['ann'], aws: [], want: { 'github:acme/ann': 'fail' } },
    { name: 'declared service accounts are skipped', idp: [], gh: ['ci-bot'], aws: [iamUser('deployer', 1)], mapping: { serviceAccounts: { github: ['ci-bot'], aws: ['deployer'] } }, want: {} },
  ];
  it.each(cases)('$name', ({ idp, gh, aws, mapping, want }) => {
    const view = joinPeople([snap('okta', 'o', idp), snap('github', 'acme', gh.map(member)), snap('aws', '111122223333', aws)], mapping);
    const results = evaluatePeople(view, { now: new Date(T) }).filter((r) => r.ruleId === 'xsys.identity_reconciliation');
    expect(Object.fromEntries(results.map((r) => [r.resourceId, r.status]))).toEqual(want);
  });

  it('measures offboarding time from IdP deactivation to the first view without downstream access', () => {
    const deact = '2026-11-20T10:00:00.000Z';
    const idp = [idpUser('1', 'ann@x.io', false, deact)];
    const at = (h: number) => new Date(Date.parse(deact) + h * 3_600_000).toISOString();
    const view = (h: number, gh: string[]) => joinPeople([snap('okta', 'o', idp, at(h)), snap('github', 'acme', gh.map(member), at(h))]);
    const history = [{ observedAt: at(1), view: view(1, ['ann']) }, { observedAt: at(6), view: view(6, ['ann']) }];
    const within = evaluatePeople(view(12, []), { now: new Date(at(12)), history }).find((r) => r.ruleId === 'xsys.offboarding_timeliness')!;
    expect(within).toMatchObject({ status: 'pass', details: { offboardingHours: 12, lastSeenWithAccess: at(6) } });
    const late = evaluatePeople(view(30, []), { now: new Date(at(30)), history }).find((r) => r.ruleId === 'xsys.offboarding_timeliness')!;
    expect(late).toMatchObject({ status: 'fail', details: { offboardingHours: 30 } });
    const pending = evaluatePeople(view(30, ['ann']), { now: new Date(at(30)), history }).find((r) => r.ruleId === 'xsys.offboarding_timeliness')!;
    expect(pending.status).toBe('fail');
    expect(pending.reason).toContain('beyond the 24 h SLA');
  });
});

describe('orphaned access end to end over the emulators', () => {
  let okta: OktaEmulator | undefined;
  let gh: RunningGithubEmulator | undefined;
  let aws: AwsEmulator | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await Promise.all([okta?.close(), gh?.close(), aws?.close()]);
    process.env = { ...saved };
  });

  it('reports a leaver still in GitHub with an active AWS key and password, then the offboarding time once removed', async () => {
    okta = await startOktaEmulator();
    gh = await startGithubEmulator();
    aws = await startAwsEmulator({ reportDelayMs: 1 });
    Object.assign(process.env, awsDemo.demoConfig(aws).env ?? {});
    const collectors = [
      oktaSource.createCollector(oktaDemo.demoConfig(okta).config, deps),
      githubSource.createCollector(githubSource.configSchema.parse(githubDemo.demoConfig(gh).config), deps),
      awsSource.createCollector(awsSource.configSchema.parse(awsDemo.demoConfig(aws).config), deps),
    ];
    const collectAll = async () => Promise.all(collectors.map(async (c) => c.collect(ctx((await c.scopes())[0]!))));

    const before = joinPeople(await collectAll());
    const t0 = before.sources.map((s) => s.observedAt).sort().pop()!;
    okta.deactivateUser('erin@example.com');
    const during = joinPeople(await collectAll());
    const orphan = evaluatePeople(during, { now: new Date() }).find((r) => r.ruleId === 'xsys.identity_reconciliation' && r.resourceId === 'person:erin@example.com')!;
    expect(orphan.status).toBe('fail');
    expect(orphan.reason).toMatch(/okta erin@example\.com \(DEPROVISIONED\)/);
    expect(orphan.reason).toContain('GitHub acme-demo/erin');
    expect(orphan.reason).toMatch(/AWS user arn:aws:iam::\d{12}:user\/erin with 1 active access key/);

    removeFromGithubAndAws(gh, aws, 'erin');
    const afterView = joinPeople(await collectAll());
    const results = evaluatePeople(afterView, { now: new Date(), history: [{ observedAt: t0, view: before }, { observedAt: during.sources.map((s) => s.observedAt).sort().pop()!, view: during }] });
    expect(results.find((r) => r.ruleId === 'xsys.identity_reconciliation' && r.resourceId === 'person:erin@example.com')!.status).toBe('pass');
    const off = results.find((r) => r.ruleId === 'xsys.offboarding_timeliness' && r.resourceId === 'person:erin@example.com')!;
    expect(off.status).toBe('pass');
    expect(typeof (off.details as { offboardingHours: number }).offboardingHours).toBe('number');
    // dave was deprovisioned in Okta two days ago and still has GitHub membership and an AWS console password.
    expect(results.find((r) => r.ruleId === 'xsys.offboarding_timeliness' && r.resourceId === 'person:dave@example.com')!.status).toBe('fail');
  }, 60_000);
});

describe('xsys.github_inactive_members: row 51 falls back to IdP sign-ins where GitHub has no audit log', () => {
  const NOW = new Date(T);
  const ago = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
  const okta = (id: string, email: string, o: Record<string, unknown>) => ({ ...idpUser(id, email, true), attributes: { ...idpUser(id, email, true).attributes, ...o } });
  const feed = (state: string) => ({ type: 'github.audit_log', id: 'activity:acme', attributes: { stream: 'activity', state } });
  const judge = (ghResources: Array<ReturnType<typeof member> | ReturnType<typeof feed>>, idp: Array<ReturnType<typeof okta>>) =>
    evaluatePeople(joinPeople([snap('okta', 'acme.okta.com', idp), snap('github', 'acme', ghResources)]), { now: NOW })
      .filter((r) => r.ruleId === 'xsys.github_inactive_members').map((r) => [r.resourceId, r.status]);

  it('judges each member by the person’s IdP sign-in when the org’s audit log is not available', () => {
    const idp = [
      okta('1', 'ann@x.io', { lastLogin: ago(3) }), okta('2', 'bob@x.io', { lastLogin: ago(90) }), okta('3', 'cat@x.io', { lastLogin: ago(91) }),
      okta('4', 'dan@x.io', { lastLogin: null }), okta('5', 'eve@x.io', { lastLogin: null, lastLoginKnown: false }),
      { ...idpUser('6', 'fay@x.io', false, ago(2)) },
    ];
    const gh = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'ghost'].map(member);
    expect(judge([...gh, feed('not_available')], idp)).toEqual([
      ['github:acme/ann', 'pass'], ['github:acme/bob', 'pass'], ['github:acme/cat', 'fail'], ['github:acme/dan', 'fail'],
      ['github:acme/eve', 'error'], ['github:acme/fay', 'fail'], ['github:acme/ghost', 'error'],
    ]);
    // An unread audit log (or a snapshot from before it was read) falls back the same way.
    expect(judge([member('cat'), feed('unread')], idp)).toEqual([['github:acme/cat', 'fail']]);
    expect(judge([member('ann')], idp)).toEqual([['github:acme/ann', 'pass']]);
  });

  it('records nothing for an org whose audit log was read: github.org.inactive_members judges those members', () => {
    expect(judge([member('cat'), member('ghost'), feed('listed')], [okta('3', 'cat@x.io', { lastLogin: ago(200) })])).toEqual([]);
  });
});
