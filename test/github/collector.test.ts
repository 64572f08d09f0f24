// The GitHub collector over real HTTP against the emulator: demo resources, pagination, 304s, cursors, retries, missing permissions.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createGithubCollector, githubConfigSchema, githubSource, type GithubSourceConfig, PR_CURSOR } from '../../collectors/github/index.js';
import { githubDemo } from '../../collectors/github/demo.js';
import { DEMO_TOKEN, startGithubEmulator, type RunningGithubEmulator, type GithubEmulatorOptions } from '../../collectors/github/emulator/server.js';
import { githubRules } from '../../rules/github/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { silentLogger, type Clock } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';

const NOW = new Date();
const clock = { now: () => new Date() };
const dir = mkdtempSync(join(tmpdir(), 'vigil-gh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let emu: RunningGithubEmulator | undefined;

/**
 * Errors other than the third-party access lists GitHub never answers to the credential kind in use (fine-grained PAT
 * lists: GitHub Apps only; SSO credential authorizations: classic tokens only). Those are errors by design, asserted
 * in the access-inventory tests; the rest of a healthy read must have none.
 */
const unexpectedErrors = (s: Snapshot) => s.errors.filter((x) => x.code !== 'CredentialKind');
afterEach(async () => { await emu?.close(); emu = undefined; });

async function start(opts: GithubEmulatorOptions = {}): Promise<RunningGithubEmulator> {
  emu = await startGithubEmulator({ now: NOW, ...opts });
  return emu;
}

function collector(config: Partial<GithubSourceConfig> & { auth?: GithubSourceConfig['auth'] }, url: string) {
  const cfg = githubConfigSchema.parse({ org: 'acme-demo', baseUrl: url, auth: { token: DEMO_TOKEN }, ...config });
  return createGithubCollector(cfg, { logger: silentLogger, clock, configDir: dir }, { retryAfterBaseValue: 5 });
}

async function collect(c: ReturnType<typeof collector>, cursors?: Record<string, string>, at: Clock = clock): Promise<Snapshot> {
  return c.collect({ scope: 'acme-demo', slot: NOW.toISOString(), clock: at, logger: silentLogger, ...(cursors ? { cursors } : {}) });
}

function byType(s: Snapshot, type: string): Map<string, Record<string, unknown>> {
  return new Map(s.resources.filter((r) => r.type === type).map((r) => [r.id, r.attributes]));
}

describe('demo organization', () => {
  it('collects every resource type with the seeded facts, at the request floor, with no secrets in artifacts', async () => {
    const e = await start();
    const s = await collect(collector({}, e.url));
    expect(unexpectedErrors(s)).toEqual([]);
    expect(Object.keys(s.inputs).sort()).toEqual([
      'github.access_feed', 'github.access_grant', 'github.alert', 'github.alert_feed', 'github.app_installation', 'github.audit_event', 'github.audit_log', 'github.branch_rules',
      'github.member', 'github.org', 'github.outside_collaborator', 'github.pull_request', 'github.repository']);
    // The classic demo token cannot read the fine-grained PAT lists (GitHub answers them to Apps only): not even sent.
    expect(s.errors.map((x) => [x.operation, x.code, x.resources])).toEqual([
      ['GET /orgs/{org}/personal-access-tokens', 'CredentialKind', ['pat_grant:acme-demo']], ['GET /orgs/{org}/personal-access-token-requests', 'CredentialKind', ['pat_request:acme-demo']]]);
    expect(e.calls.filter((c) => c.path.includes('personal-access-token'))).toEqual([]);
    // The audit log: dave's only event in 180 days is 170 days old, outside the 90 days read; erin was added 15 days ago.
    const activity = byType(s, 'github.audit_log').get('activity:acme-demo')!;
    expect(Object.keys(activity.lastActivity as object)).toEqual(['alice', 'bob', 'carol']);
    expect(Object.keys(activity.addedAt as object)).toEqual(['erin']);
    expect(activity).toMatchObject({ state: 'listed', plan: 'enterprise', events: 7 });
    // Protection: the override 250 days ago is past GitHub's retention; protected_branch.create is not an override.
    expect([...byType(s, 'github.audit_event').keys()].sort()).toEqual(['dmo-0003', 'dmo-0005', 'dmo-0008']);
    expect(byType(s, 'github.audit_event').get('dmo-0008')).toEqual({ action: 'protected_branch.policy_override', actor: 'alice', repository: 'acme-demo/api', target: 'main', createdAt: expect.stringMatching(/Z$/) as string });
    expect(s.cursors?.['github.audit_log.protectionUntil']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s.declaredGaps?.map((g) => g.reason)).toEqual([expect.stringContaining('GitHub keeps 180 days of organization audit log') as string]);
    expect([...byType(s, 'github.access_grant').keys()].sort()).toEqual(['credential_authorization:161195', 'credential_authorization:161196']);
    const org = byType(s, 'github.org').get('acme-demo')!;
    expect(org).toMatchObject({ twoFactorRequirementEnabled: false, defaultRepositoryPermission: 'write', ownerCount: 1, memberCount: 5, saml: { configured: true, linkedIdentities: 4 } });
    expect(org.actions).toEqual({ enabledRepositories: 'all', allowedActions: 'all', defaultWorkflowPermissions: 'write', canApprovePullRequestReviews: true });
    expect(byType(s, 'github.member').get('dave')).toEqual({ login: 'dave', role: 'member', twoFactorDisabled: true, samlLinked: false });
    expect(byType(s, 'github.member').get('alice')).toMatchObject({ role: 'admin', twoFactorDisabled: false });
    expect(byType(s, 'github.outside_collaborator').get('oscar-agency')).toEqual({ login: 'oscar-agency', twoFactorDisabled: true, repositories: [{ repository: 'acme-demo/web', permission: 'ADMIN' }] });
    expect(byType(s, 'github.repository').size).toBe(5);
    expect(byType(s, 'github.repository').get('acme-demo/web')).toMatchObject({ visibility: 'public', secretScanning: false, dependabotAlerts: false, codeownersPath: null });
    const infra = byType(s, 'github.branch_rules').get('acme-demo/infra:main')!;
    expect(infra).toMatchObject({ classicProtection: false, protected: true, requiredApprovingReviewCount: 1, requireCodeOwnerReview: true, dismissStaleReviews: false, forcePushBlocked: true, deletionBlocked: true, adminsIncluded: false, requiredStatusChecks: ['ci/plan'] });
    expect((infra.rulesets as Array<{ name: string; enforcement: string }>).map((r) => `${r.name}:${r.enforcement}`)).toEqual(['infra-default-branch:ACTIVE', 'evaluate-only:EVALUATE']);
    expect(byType(s, 'github.branch_rules').get('acme-demo/tooling:main')).toMatchObject({ classicProtection: true, forcePushBlocked: false, enforceAdmins: false, requiredStatusChecks: [] });
    expect([...byType(s, 'github.alert').keys()].sort()).toEqual([
      'code_scanning:acme-demo/api#1', 'code_scanning:acme-demo/tooling#2', 'dependabot:acme-demo/api#2', 'dependabot:acme-demo/api#3', 'dependabot:acme-demo/web#1',
      'secret_scanning:acme-demo/api#2', 'secret_scanning:acme-demo/web#1',
    ]);
    expect(byType(s, 'github.app_installation').size).toBe(3);
    const prs = byType(s, 'github.pull_request');
    expect(prs.size).toBe(5);
    expect(prs.get('acme-demo/tooling#9')).toMatchObject({ toDefaultBranch: false, baseRef: 'release' });
    expect(prs.get('acme-demo/infra#3')).toMatchObject({ approvers: ['alice', 'carol'], author: 'alice' });
    expect(s.cursors?.[PR_CURSOR]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s.apiCalls).toBe(s.minApiCalls);
    expect(s.metrics).toMatchObject({ graphqlRequests: 3, rest304: 0, secondaryRateLimited: 0 });
    expect(s.metrics!.graphqlPoints).toBeGreaterThan(3);
    expect(s.apiCalls).toBe(e.calls.length);
    const blob = Buffer.concat(s.artifacts.map((a) => a.body)).toString('utf8');
    expect(blob).toContain('aws_access_key_id');
    expect(blob).not.toContain('AKIAZZZZZZZZZZZZZZZZ');
    expect(blob).not.toContain('hooks.slack.com/services');
    expect(blob).toContain('credential_authorized_at');
    expect(blob).not.toContain('ab12cd34');
    expect(blob).not.toContain(DEMO_TOKEN);
  });

  it('gives every rule its seeded verdict', async () => {
    const e = await start();
    const s = await collect(collector({}, e.url));
    const results = evaluateSnapshot(s, githubRules, { now: new Date() });
    const verdict = (rule: string, id: string): string | undefined => results.find((r) => r.ruleId === `github.${rule}` && r.resourceId === id)?.status;
    expect(verdict('org.two_factor_enforced', 'acme-demo')).toBe('fail');
    expect(verdict('org.member_privileges_restricted', 'acme-demo')).toBe('fail');
    expect(verdict('org.admin_counts', 'acme-demo')).toBe('fail');
    expect(verdict('org.saml_sso_enforced', 'acme-demo')).toBe('fail');
    expect(verdict('org.outside_collaborators_governed', 'oscar-agency')).toBe('fail');
    expect(verdict('org.outside_collaborators_governed', 'olivia-contractor')).toBe('pass');
    expect(verdict('repo.default_branch_protected', 'acme-demo/api:main')).toBe('pass');
    expect(verdict('repo.default_branch_protected', 'acme-demo/web:main')).toBe('fail');
    expect(verdict('repo.default_branch_protected', 'acme-demo/docs:main')).toBeUndefined();
    expect(verdict('repo.no_admin_bypass', 'acme-demo/infra:main')).toBe('fail');
    expect(verdict('repo.history_protected', 'acme-demo/tooling:main')).toBe('fail');
    expect(verdict('repo.merged_changes_reviewed', 'acme-demo/api#42')).toBe('fail');
    expect(verdict('repo.merged_changes_reviewed', 'acme-demo/infra#3')).toBe('pass');
    expect(verdict('alerts.dependabot_sla', 'dependabot:acme-demo/web#1')).toBe('fail');
    expect(verdict('alerts.secret_scanning_open', 'secret_scanning:acme-demo/web#1')).toBe('fail');
    expect(verdict('org.inactive_members', 'dave')).toBe('fail');
    expect(verdict('org.inactive_members', 'erin')).toBe('pass');
    expect(verdict('org.inactive_members', 'alice')).toBe('pass');
    expect(verdict('repo.protection_overrides', 'dmo-0008')).toBe('fail');
    expect(verdict('repo.protection_overrides', 'dmo-0003')).toBe('pass');
    expect(verdict('repo.protection_overrides', 'protection:acme-demo')).toBe('pass');
    expect(verdict('org.third_party_access_inventory', 'app:7003')).toBe('fail');
    expect(verdict('org.third_party_access_inventory', 'credential_authorization:161196')).toBe('fail');
    expect(verdict('org.third_party_access_inventory', 'credential_authorization:161195')).toBe('pass');
    // The only errors: the two PAT lists GitHub does not answer to the classic demo token.
    expect(results.filter((r) => r.status === 'error').map((r) => r.resourceId)).toEqual(['pat_grant:acme-demo', 'pat_request:acme-demo']);
    // Unchanged state, later evaluation the same day: byte-identical reasons.
    const again = evaluateSnapshot(await collect(collector({}, e.url)), githubRules, { now: new Date() });
    expect(again.map((r) => `${r.ruleId} ${r.resourceId} ${r.status} ${r.reason}`)).toEqual(results.map((r) => `${r.ruleId} ${r.resourceId} ${r.status} ${r.reason}`));
  });

  it('costs only 304s for REST on a second run of the same collector, with the same artifact hashes, and reads PRs from the cursor', async () => {
    const e = await start();
    const c = collector({}, e.url);
    const first = await collect(c);
    const second = await collect(c, first.cursors);
    // Only the three protection-override queries are new: the window moves once from GitHub's retention edge to today.
    expect(second.metrics!.rest304).toBe(second.metrics!.restRequests! - 3);
    expect(e.calls.slice(-second.apiCalls).filter((c) => c.status === 200 && c.method === 'GET').map((c) => decodeURIComponent(c.path).replace(/.*phrase=(action:\S+).*/, '$1')).sort())
      .toEqual(['action:protected_branch.destroy', 'action:protected_branch.policy_override', 'action:repository_ruleset']);
    expect(second.metrics!.restRequests).toBe(first.metrics!.restRequests);
    const shas = new Set(first.artifacts.map((a) => a.sha256));
    const fresh = second.artifacts.filter((a) => !shas.has(a.sha256) && !a.label.includes('MergedPullRequests'));
    expect(fresh.map((a) => a.label)).toEqual([]);
    expect(second.resources.filter((r) => r.type === 'github.pull_request')).toEqual([]);
    expect(e.usage(DEMO_TOKEN).core).toBe(first.metrics!.restRequests! + 3);
    // A change shows up: a new merge after the cursor, and a repo losing protection.
    e.state.org.pulls.push({ repo: 'api', number: 43, author: 'carol', mergedBy: 'carol', mergedAt: new Date(Date.now() + 1500).toISOString(), baseRef: 'main', approvers: ['erin'] });
    e.state.org.repos.find((r) => r.name === 'api')!.secretScanning = false;
    // The next run happens 2.1 s later on its clock, so the merge (1.5 s from now) lies inside its window.
    const third = await collect(c, second.cursors, { now: () => new Date(Date.now() + 2100) });
    expect([...byType(third, 'github.pull_request').keys()]).toEqual(['acme-demo/api#43']);
    expect(byType(third, 'github.repository').get('acme-demo/api')).toMatchObject({ secretScanning: false });
    expect(third.metrics!.rest304).toBe((third.metrics!.restRequests ?? 0) - 1);
  });

  it('keeps ETags in a cache file across collector instances when configured', async () => {
    const e = await start();
    const file = join(dir, 'etags.json');
    await collect(collector({ etagCacheFile: file }, e.url));
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain('AKIAZZZZZZZZZZZZZZZZ');
    const s = await collect(collector({ etagCacheFile: file }, e.url));
    expect(s.metrics!.rest304).toBe(s.metrics!.restRequests);
  });
});

describe('large organizations', () => {
  it('follows REST Link pages and GraphQL cursors to the end, at exactly the fewest pages', async () => {
    const e = await start({ estate: { generate: { repos: 230, members: 250, outsideCollaborators: 120, alertsPerKind: 150, pulls: 130 } } });
    const s = await collect(collector({ org: 'gen-org' }, e.url));
    expect(unexpectedErrors(s)).toEqual([]);
    expect(byType(s, 'github.repository').size).toBe(230);
    expect(byType(s, 'github.branch_rules').size).toBe(230);
    expect(byType(s, 'github.member').size).toBe(250);
    expect(byType(s, 'github.outside_collaborator').size).toBe(120);
    expect(byType(s, 'github.alert').size).toBe(450);
    expect(byType(s, 'github.pull_request').size).toBe(130);
    const paths = e.calls.map((c) => c.path);
    expect(paths.filter((p) => p.startsWith('/orgs/gen-org/members?') && p.includes('role=all'))).toHaveLength(3);
    expect(paths.filter((p) => p.startsWith('/orgs/gen-org/repos?'))).toHaveLength(3);
    expect(paths.filter((p) => p.startsWith('/orgs/gen-org/dependabot/alerts')).some((p) => p.includes('after='))).toBe(true);
    expect(e.calls.filter((c) => c.operation === 'OrgRepositories')).toHaveLength(3);
    expect(e.calls.filter((c) => c.operation === 'MergedPullRequests')).toHaveLength(2);
    expect(s.apiCalls).toBe(s.minApiCalls);
  });

  it('splits a merged-PR window holding more than 1,000 results', async () => {
    const e = await start({ estate: { generate: { repos: 50, members: 20, pulls: 1500 } } });
    const s = await collect(collector({ org: 'gen-org' }, e.url));
    expect(byType(s, 'github.pull_request').size).toBe(1500);
    expect(unexpectedErrors(s)).toEqual([]);
  });
});

describe('faults and permissions', () => {
  it('retries secondary rate limits (403 and 429 with retry-after) and counts every attempt', async () => {
    const e = await start();
    e.faults.secondaryRateLimit({ count: 2, status: 403, retryAfter: 1, pathPrefix: '/orgs/acme-demo/members' });
    e.faults.secondaryRateLimit({ count: 1, status: 429, retryAfter: 1, pathPrefix: '/graphql' });
    const s = await collect(collector({}, e.url));
    expect(unexpectedErrors(s)).toEqual([]);
    expect(s.metrics!.secondaryRateLimited).toBe(3);
    expect(s.apiCalls).toBe(s.minApiCalls! + 3);
    expect(byType(s, 'github.member').size).toBe(5);
  });

  it('a classic token without read:org turns org and member rules into errors naming read:org', async () => {
    const e = await start({ tokens: { ghp_noreadorg: { login: 'alice', kind: 'classic', scopes: ['repo', 'security_events'] } } });
    const s = await collect(collector({ auth: { token: 'ghp_noreadorg' } }, e.url));
    const perms = s.errors.map((x) => `${x.operation} ${x.permission}`);
    expect(perms).toContain('GET /orgs/{org} read:org (as an organization owner)');
    expect(perms).toContain('GET /orgs/{org}/members read:org');
    expect(e.calls.some((c) => c.path.startsWith('/orgs/acme-demo/members'))).toBe(false);
    const results = evaluateSnapshot(s, githubRules, { now: new Date() });
    for (const id of ['github.org.two_factor_enforced', 'github.org.admin_counts', 'github.org.member_privileges_restricted', 'github.org.outside_collaborators_governed']) {
      const rs = results.filter((r) => r.ruleId === id);
      expect(rs.map((r) => r.status), id).toEqual(['error']);
      expect(rs[0]!.reason, id).toContain('read:org');
    }
    expect(results.filter((r) => r.ruleId === 'github.repo.default_branch_protected' && r.status !== 'error').length).toBe(4);
  });

  it('a classic token without repo or security_events names those scopes', async () => {
    const e = await start({ tokens: { ghp_orgonly: { login: 'alice', kind: 'classic', scopes: ['read:org', 'admin:org'] } } });
    const s = await collect(collector({ auth: { token: 'ghp_orgonly' } }, e.url));
    const results = evaluateSnapshot(s, githubRules, { now: new Date() });
    const status = (id: string) => results.filter((r) => r.ruleId === id).map((r) => `${r.status} ${r.reason.includes('repo') ? 'repo' : ''}`);
    expect(status('github.repo.default_branch_protected')).toEqual(['error repo']);
    expect(status('github.repo.merged_changes_reviewed')).toEqual(['error repo']);
    expect(results.find((r) => r.ruleId === 'github.alerts.code_scanning')).toMatchObject({ status: 'error', reason: expect.stringContaining('security_events') });
    // Org settings were readable, so rules on github.org alone still judge.
    expect(results.find((r) => r.ruleId === 'github.org.member_privileges_restricted')?.status).toBe('fail');
  });

  it('a member (not admin) token cannot see classic protection: branch rules are error, never pass', async () => {
    const e = await start({ tokens: { ghp_member: { login: 'bob', kind: 'classic', scopes: ['repo', 'read:org', 'security_events'] } } });
    const s = await collect(collector({ auth: { token: 'ghp_member' } }, e.url));
    const results = evaluateSnapshot(s, githubRules, { now: new Date() });
    const branch = results.filter((r) => r.ruleId === 'github.repo.history_protected');
    expect(branch.length).toBeGreaterThan(0);
    expect(branch.every((r) => r.status === 'error' && /admin on the repository/.test(r.reason))).toBe(true);
    expect(results.find((r) => r.ruleId === 'github.org.two_factor_enforced')?.status).toBe('error');
  });

  it('authenticates as a GitHub App installation, and names App permissions when one is missing', async () => {
    const e = await start();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const c = collector({ auth: { appId: 301, installationId: 7001, privateKey } }, e.url);
    const s = await collect(c);
    expect(unexpectedErrors(s)).toEqual([]);
    expect(s.metrics!.authRequests).toBe(1);
    expect(s.apiCalls).toBe(s.minApiCalls);
    expect(JSON.stringify(s.artifacts.map((a) => a.body.toString()))).not.toMatch(/ghs_[0-9a-f]{10}/);
    const app = e.state.apps.get(301)!;
    delete app.permissions.members;
    delete app.permissions.vulnerability_alerts;
    const s2 = await collect(collector({ auth: { appId: '301' as unknown as number, installationId: 7001, privateKey } }, e.url));
    const byOp = Object.fromEntries(s2.errors.map((x) => [x.operation, x.permission]));
    expect(byOp['GET /orgs/{org}/members']).toBe('Members: read');
    expect(byOp['GET /orgs/{org}/dependabot/alerts']).toBe('Dependabot alerts: read');
  });

  it('a GitHub App id or installation that is wrong fails at once with the auth error, never hangs (issue 17)', async () => {
    const e = await start();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const cases = [
      { auth: { appId: 999, installationId: 7001, privateKey }, says: 'cannot read organization acme-demo: A JSON web token could not be decoded' },
      { auth: { appId: 301, installationId: 9999, privateKey }, says: 'cannot read organization acme-demo: Not Found' },
    ];
    for (const { auth, says } of cases) {
      const started = Date.now();
      await expect(collect(collector({ auth }, e.url))).rejects.toThrow(says);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('throws a clear error when the org does not exist or the credential is bad', async () => {
    const e = await start();
    await expect(collect(collector({ org: 'no-such-org' }, e.url))).rejects.toMatchObject({ code: 'GITHUB_ORG_NOT_FOUND' });
    await expect(collect(collector({ auth: { token: 'ghp_wrong' } }, e.url))).rejects.toMatchObject({ code: 'GITHUB_BAD_CREDENTIALS' });
  });

  it('the plug-in starts its demo emulator and points a working config at it', async () => {
    const running = await githubDemo.startEmulator({ estate: 'demo' });
    try {
      const { config } = githubDemo.demoConfig(running);
      const c = githubSource.createCollector(githubSource.configSchema.parse(config), { logger: silentLogger, clock, configDir: dir });
      expect(await c.scopes()).toEqual(['acme-demo']);
      const s = await c.collect({ scope: 'acme-demo', slot: NOW.toISOString(), clock, logger: silentLogger });
      expect(unexpectedErrors(s)).toEqual([]);
      expect(s.resources.length).toBeGreaterThan(20);
    } finally {
      await running.close();
    }
  });

  it('rejects bad config with the field named', () => {
    expect(() => githubConfigSchema.parse({ org: 'acme', auth: { token: 'x' }, extra: 1 })).toThrow(/extra/);
    expect(() => githubConfigSchema.parse({ org: 'acme', auth: { appId: 1, installationId: 2 } })).toThrow();
    expect(githubConfigSchema.parse({ org: 'acme', auth: { token: 'x' } }).baseUrl).toBe('https://api.github.com');
  });
});
