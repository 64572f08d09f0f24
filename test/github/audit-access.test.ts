// The audit-log and third-party access reads over real HTTP against the emulator: plans with and without the endpoints,
// the credential kinds GitHub answers, the protection cursor and GitHub's 180-day retention, paging and the query limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createGithubCollector, githubConfigSchema, type GithubSourceConfig } from '../../collectors/github/index.js';
import { DEMO_TOKEN, startGithubEmulator, type GithubEmulatorOptions, type RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import { FULL_APP_PERMISSIONS } from '../../collectors/github/emulator/state.js';
import { AUDIT_CURSOR } from '../../collectors/github/audit-log.js';
import { githubRules } from '../../rules/github/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { silentLogger, type Clock } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';

const NOW = new Date();
const clock: Clock = { now: () => new Date() };
const dir = mkdtempSync(join(tmpdir(), 'vigil-gh-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const APP_TOKEN = 'ghs_emulatedInstallationToken000000000000';

let emu: RunningGithubEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

async function start(opts: GithubEmulatorOptions = {}): Promise<RunningGithubEmulator> {
  emu = await startGithubEmulator({ now: NOW, tokens: { [APP_TOKEN]: { login: 'vigil[bot]', kind: 'app', permissions: { ...FULL_APP_PERMISSIONS } } }, ...opts });
  return emu;
}

async function collect(e: RunningGithubEmulator, over: Partial<GithubSourceConfig> = {}, cursors?: Record<string, string>, at: Clock = clock): Promise<Snapshot> {
  const cfg = githubConfigSchema.parse({ org: 'acme-demo', baseUrl: e.url, auth: { token: DEMO_TOKEN }, maxRateLimitWaitMs: 200, ...over });
  const c = createGithubCollector(cfg, { logger: silentLogger, clock: at, configDir: dir }, { retryAfterBaseValue: 1 });
  return c.collect({ scope: 'acme-demo', slot: NOW.toISOString(), clock: at, logger: silentLogger, ...(cursors ? { cursors } : {}) });
}

const attrs = (s: Snapshot, type: string, id: string) => s.resources.find((r) => r.type === type && r.id === id)?.attributes;
const verdicts = (s: Snapshot, rule: string) => evaluateSnapshot(s, githubRules.filter((r) => r.id === rule), { now: new Date() }).map((r) => [r.resourceId, r.status]);

describe('a plan without the audit log and credential authorizations (Team)', () => {
  it('GitHub answers 404: both audit-log rules are error naming Enterprise Cloud, credential authorizations not applicable, nothing passes', async () => {
    const e = await start();
    e.state.org.plan = 'team';
    const s = await collect(e);
    expect(e.calls.filter((c) => c.path.startsWith('/orgs/acme-demo/audit-log') || c.path.startsWith('/orgs/acme-demo/credential-authorizations')).map((c) => c.status)).toEqual([404, 404, 404]);
    expect(attrs(s, 'github.audit_log', 'activity:acme-demo')).toMatchObject({ state: 'not_available', plan: 'team', lastActivity: {} });
    expect(attrs(s, 'github.audit_log', 'protection:acme-demo')).toMatchObject({ state: 'not_available' });
    expect(s.cursors?.[AUDIT_CURSOR]).toBeUndefined();
    expect(s.declaredGaps).toBeUndefined();
    expect(verdicts(s, 'github.org.inactive_members')).toEqual([['activity:acme-demo', 'error']]);
    expect(verdicts(s, 'github.repo.protection_overrides')).toEqual([['protection:acme-demo', 'error']]);
    const reason = evaluateSnapshot(s, githubRules.filter((r) => r.id === 'github.org.inactive_members'), { now: new Date() })[0]!.reason;
    expect(reason).toMatch(/^not assessable from GitHub: GitHub answered 404 Not Found: the organization audit-log API exists on Enterprise Cloud only \(plan team\)/);
    expect(verdicts(s, 'github.org.third_party_access_inventory').filter(([id]) => String(id).endsWith(':acme-demo')))
      .toEqual([['credential_authorization:acme-demo', 'not_applicable'], ['pat_grant:acme-demo', 'error'], ['pat_request:acme-demo', 'error']]);
  });
});

describe('credential kinds', () => {
  it('a GitHub App reads the PAT grants and requests but is never sent to the credential-authorization list', async () => {
    const e = await start();
    const s = await collect(e, { auth: { token: APP_TOKEN } });
    expect(s.errors.map((x) => [x.operation, x.code])).toEqual([['GET /orgs/{org}/credential-authorizations', 'CredentialKind']]);
    expect(e.calls.some((c) => c.path.startsWith('/orgs/acme-demo/credential-authorizations'))).toBe(false);
    expect(attrs(s, 'github.access_grant', 'pat_grant:25382')).toEqual({
      kind: 'pat_grant', owner: 'dave', name: 'old-migration', repositorySelection: 'all', permissions: ['organization:members=read', 'repository:administration=write'],
      since: expect.stringMatching(/Z$/) as string, expiresAt: null, expired: false, lastUsedAt: expect.stringMatching(/Z$/) as string, credentialType: null,
    });
    expect(attrs(s, 'github.access_grant', 'pat_request:25390')).toMatchObject({ kind: 'pat_request', owner: 'carol', name: 'metrics-export', lastUsedAt: null });
    expect(verdicts(s, 'github.org.third_party_access_inventory')).toEqual([
      ['app:7001', 'pass'], ['app:7002', 'pass'], ['app:7003', 'fail'], ['credential_authorization:acme-demo', 'error'],
      ['pat_grant:25381', 'pass'], ['pat_grant:25382', 'fail'], ['pat_grant:acme-demo', 'pass'], ['pat_request:25390', 'fail'], ['pat_request:acme-demo', 'pass']]);
  });

  it('the emulator refuses the PAT lists to a classic token and credential authorizations to an App, as GitHub does', async () => {
    const e = await start();
    const get = async (path: string, token: string) => {
      const r = await fetch(`${e.url}${path}`, { headers: { authorization: `token ${token}` } });
      return [r.status, ((await r.json()) as { message?: string }).message ?? 'list'];
    };
    expect(await get('/orgs/acme-demo/personal-access-tokens', DEMO_TOKEN)).toEqual([403, 'Resource not accessible by personal access token']);
    expect(await get('/orgs/acme-demo/credential-authorizations', APP_TOKEN)).toEqual([403, 'Resource not accessible by integration']);
    expect(await get('/orgs/acme-demo/personal-access-tokens', APP_TOKEN)).toEqual([200, 'list']);
    e.addToken('ghs_noPat', { login: 'x[bot]', kind: 'app', permissions: { organization_administration: 'read' } });
    const r = await fetch(`${e.url}/orgs/acme-demo/personal-access-tokens`, { headers: { authorization: 'token ghs_noPat' } });
    expect([r.status, r.headers.get('x-accepted-github-permissions')]).toEqual([403, 'organization_personal_access_tokens=read']);
  });

  it('a classic token without read:audit_log or admin:org is not sent to the audit log; both streams are error naming the scope', async () => {
    // Without admin:org the SAML read fails too, which leaves github.member (and so inactive_members) in error as a whole.
    const e = await start();
    e.addToken('ghp_noAudit', { login: 'alice', kind: 'classic', scopes: ['repo', 'read:org', 'security_events'] });
    const s = await collect(e, { auth: { token: 'ghp_noAudit' } });
    expect(e.calls.some((c) => c.path.startsWith('/orgs/acme-demo/audit-log'))).toBe(false);
    expect(s.errors.find((x) => x.operation === 'GET /orgs/{org}/audit-log')).toMatchObject({ code: 'MissingScope', cause: 'denied', resources: ['activity:acme-demo', 'protection:acme-demo'] });
    expect(verdicts(s, 'github.org.inactive_members')).toEqual([['github:acme-demo', 'error']]);
    expect(verdicts(s, 'github.repo.protection_overrides')).toEqual([['protection:acme-demo', 'error']]);
  });
});

describe('protection overrides over time', () => {
  it('the next run reads from the cursor and judges a new override once; a failed read keeps the cursor', async () => {
    const e = await start();
    const first = await collect(e);
    const cursor = first.cursors![AUDIT_CURSOR]!;
    e.state.org.auditLog.push({ id: 'new-1', action: 'protected_branch.destroy', actor: 'bob', createdAt: new Date(Date.now() - 60 * 60_000).toISOString(), repo: 'acme-demo/web', branch: 'main' });
    const second = await collect(e, {}, first.cursors);
    expect(second.declaredGaps).toBeUndefined();
    expect(second.resources.filter((r) => r.type === 'github.audit_event').map((r) => r.id)).toEqual(['new-1']);
    expect(verdicts(second, 'github.repo.protection_overrides')).toEqual([['new-1', 'fail'], ['protection:acme-demo', 'pass']]);
    e.faults.reply({ count: 3, pathPrefix: '/orgs/acme-demo/audit-log', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    const failed = await collect(e, { maxRetries: 0 }, { [AUDIT_CURSOR]: cursor });
    expect(failed.cursors?.[AUDIT_CURSOR]).toBe(cursor);
    expect(verdicts(failed, 'github.repo.protection_overrides')).toEqual([['protection:acme-demo', 'error']]);
  });

  it('a cursor older than the 180 days GitHub keeps: the lost span is declared and the run is error naming it', async () => {
    const e = await start();
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const s = await collect(e, {}, { [AUDIT_CURSOR]: old });
    const feed = attrs(s, 'github.audit_log', 'protection:acme-demo')!;
    expect(feed.lostFrom).toBe(old);
    expect(s.declaredGaps).toEqual([{ from: `${old.slice(0, 10)}T00:00:00Z`, to: feed.lostTo, reason: expect.stringContaining('which GitHub no longer keeps (180 days)') as string }]);
    const out = evaluateSnapshot(s, githubRules.filter((r) => r.id === 'github.repo.protection_overrides'), { now: new Date() });
    expect(out.find((r) => r.resourceId === 'protection:acme-demo')).toMatchObject({ status: 'error', reason: expect.stringContaining(`no run read the audit log between ${old}`) as string });
  });
});

describe('activity paging and limits', () => {
  it('reads every cursor page of a large audit log at the fewest pages', async () => {
    const e = await start({ estate: { generate: { repos: 10, members: 320 } } });
    const s = await collect(e, { org: 'gen-org' });
    const activity = attrs(s, 'github.audit_log', 'activity:gen-org')!;
    // Member i acted (i * 7) % 150 days ago. The read starts at midnight 90 days back, so 195 of the 320 are in it;
    // the rule's cutoff is exactly 90 days, so the two who acted 90 days ago (at the emulator's start) are inactive.
    const ages = Array.from({ length: 320 }, (_, i) => (i * 7) % 150);
    const expected = ages.filter((d) => d <= 90).length;
    expect([expected, ages.filter((d) => d < 90).length]).toEqual([195, 193]);
    expect(Object.keys(activity.lastActivity as object)).toHaveLength(expected);
    const pages = e.calls.filter((c) => c.path.startsWith('/orgs/gen-org/audit-log') && decodeURIComponent(c.path).includes('phrase=created'));
    expect(pages.length).toBe(Math.ceil(expected / 100));
    expect(pages.slice(1).every((c) => c.path.includes('after='))).toBe(true);
    expect(s.apiCalls).toBe(s.minApiCalls);
    expect(verdicts(s, 'github.org.inactive_members').filter(([, st]) => st === 'fail')).toHaveLength(320 - 193);
  });

  it('past GitHub’s audit-log query limit the read is throttled, never denied or passed', async () => {
    const e = await start({ auditLogRateLimit: 2 });
    const s = await collect(e, { maxRetries: 0 });
    const errs = s.errors.filter((x) => x.operation.startsWith('GET /orgs/{org}/audit-log'));
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.every((x) => x.cause === 'throttled')).toBe(true);
    expect(verdicts(s, 'github.repo.protection_overrides').some(([, st]) => st === 'pass')).toBe(false);
  });

  it('a window shorter than the rule looks back is error, never a verdict on members', async () => {
    const e = await start();
    const s = await collect(e, { auditLogActivityDays: 30 });
    expect(verdicts(s, 'github.org.inactive_members')).toEqual([['activity:acme-demo', 'error']]);
  });
});
