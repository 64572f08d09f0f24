// The GitHub collector over real HTTP against the emulator's documented oddities: null connections, partial GraphQL errors, rate limits, features off, bad replies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createGithubCollector, githubConfigSchema, type GithubSourceConfig } from '../../collectors/github/index.js';
import { DEMO_TOKEN, startGithubEmulator, type RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import { FULL_APP_PERMISSIONS } from '../../collectors/github/emulator/state.js';
import { githubRules } from '../../rules/github/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Result, Snapshot } from '../../src/core/types.js';

const NOW = new Date();
const clock = { now: () => new Date() };
const dir = mkdtempSync(join(tmpdir(), 'vigil-gh-sound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let emu: RunningGithubEmulator | undefined;

/**
 * Errors other than the third-party access lists GitHub never answers to the credential kind in use (fine-grained PAT
 * lists: GitHub Apps only; SSO credential authorizations: classic tokens only). Those are errors by design, asserted
 * in the access-inventory tests; the rest of a healthy read must have none.
 */
const unexpectedErrors = (s: Snapshot) => s.errors.filter((x) => x.code !== 'CredentialKind');
afterEach(async () => { await emu?.close(); emu = undefined; });

async function start(): Promise<RunningGithubEmulator> {
  emu = await startGithubEmulator({ now: NOW, tokens: { github_pat_fine: { login: 'alice', kind: 'fine_grained', permissions: { ...FULL_APP_PERMISSIONS } } } });
  return emu;
}

async function collect(e: RunningGithubEmulator, over: Partial<GithubSourceConfig> = {}, ctx: { signal?: AbortSignal; onOperation?: (op: string) => void } = {}): Promise<Snapshot> {
  const cfg = githubConfigSchema.parse({ org: 'acme-demo', baseUrl: e.url, auth: { token: DEMO_TOKEN }, ...over });
  const c = createGithubCollector(cfg, { logger: silentLogger, clock, configDir: dir }, { retryAfterBaseValue: 5 });
  return c.collect({ scope: 'acme-demo', slot: NOW.toISOString(), clock, logger: silentLogger, ...ctx });
}

function verdicts(s: Snapshot): Map<string, Result> {
  return new Map(evaluateSnapshot(s, githubRules, { now: new Date() }).map((r) => [`${r.ruleId} ${r.resourceId}`, r]));
}

/** Passes of a degraded run must be a subset of the healthy run's. */
function passes(s: Snapshot): Set<string> {
  return new Set([...verdicts(s)].filter(([, r]) => r.status === 'pass').map(([k]) => k));
}

describe('GraphQL nulls and partial errors', () => {
  it('collaborators: null with FORBIDDEN (fine-grained token) is a per-resource error, never "nobody": the ADMIN outsider is not passed', async () => {
    const e = await start();
    e.state.org.repos.find((r) => r.name === 'web')!.collaboratorsHiddenFromFineGrained = true;
    const s = await collect(e, { auth: { token: 'github_pat_fine' } });
    const err = s.errors.find((x) => x.operation === 'graphql repository.collaborators')!;
    expect(err).toMatchObject({ cause: 'denied', inputs: ['github.outside_collaborator'] });
    expect(err.resources).toContain('oscar-agency');
    expect(err.message).toContain('acme-demo/web');
    const v = verdicts(s);
    expect(v.get('github.org.outside_collaborators_governed oscar-agency')?.status).toBe('error');
    expect(v.get('github.org.outside_collaborators_governed oscar-agency')?.reason).toContain('needs permission');
    // The rest of the org is judged normally.
    expect(v.get('github.repo.default_branch_protected acme-demo/web:main')?.status).toBe('fail');
    expect(v.get('github.repo.default_branch_protected acme-demo/api:main')?.status).toBe('pass');
  });

  it('a per-field error with a path errors only that repository’s rules needing the field', async () => {
    const e = await start();
    const healthy = passes(await collect(e));
    e.faults.graphqlFieldError({ repo: 'api', field: 'rulesets' });
    const s = await collect(e);
    expect(s.resources.filter((r) => r.type === 'github.repository')).toHaveLength(5);
    expect(unexpectedErrors(s).map((x) => [x.operation, x.cause, x.resources])).toEqual([['graphql repository.rulesets', 'incomplete', ['acme-demo/api:main']]]);
    const v = verdicts(s);
    expect(v.get('github.repo.pr_review_required acme-demo/api:main')?.status).toBe('error');
    expect(v.get('github.repo.default_branch_protected acme-demo/infra:main')?.status).toBe('pass');
    expect(v.get('github.repo.secret_scanning_enabled acme-demo/api')?.status).toBe('pass');
    for (const p of passes(s)) expect(healthy.has(p), p).toBe(true);
  });

  it('an error whose path names no repository leaves the whole listing in error', async () => {
    const e = await start();
    e.faults.reply({ count: 1, operation: 'OrgRepositories', body: JSON.stringify({ data: { organization: null }, errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration', path: ['organization'] }] }) });
    const s = await collect(e);
    const err = s.errors.find((x) => x.inputs.includes('github.branch_rules'))!;
    expect(err).toMatchObject({ cause: 'denied', code: 'AccessDenied' });
    expect(err.resources).toBeUndefined();
  });

  it('an empty repository (defaultBranchRef null, isEmpty) has no branch to judge; a non-empty one with a null ref is an error', async () => {
    const e = await start();
    e.state.org.repos.find((r) => r.name === 'web')!.empty = true;
    const s = await collect(e);
    expect(s.resources.some((r) => r.id === 'acme-demo/web:main')).toBe(false);
    expect(unexpectedErrors(s)).toEqual([]);
    e.faults.graphqlFieldError({ repo: 'api', field: 'defaultBranchRef' });
    const s2 = await collect(e);
    expect(verdicts(s2).get('github.repo.default_branch_protected acme-demo/api:main')?.status).toBe('error');
  });
});

describe('rate limits', () => {
  it('a primary limit that resets soon is waited for; one that resets in an hour is throttled, retryable, no permission claimed', async () => {
    const e = await start();
    e.faults.primaryRateLimit({ count: 1, resetInSeconds: 1, pathPrefix: '/orgs/acme-demo/members' });
    const ok = await collect(e);
    expect(unexpectedErrors(ok)).toEqual([]);
    expect(ok.metrics!.primaryRateLimited).toBe(1);
    e.faults.primaryRateLimit({ count: 1, resetInSeconds: 3600, pathPrefix: '/orgs/acme-demo/outside_collaborators' });
    const s = await collect(e, { maxRateLimitWaitMs: 1000 });
    const err = s.errors.find((x) => x.operation === 'GET /orgs/{org}/outside_collaborators')!;
    expect(err).toMatchObject({ cause: 'throttled', code: 'RateLimited', retryable: true });
    const r = verdicts(s).get('github.org.outside_collaborators_governed github:acme-demo')!;
    expect(r.status).toBe('error');
    expect(r.reason).toContain('throttled');
    expect(r.reason).not.toContain('needs permission');
  });

  it('a secondary limit (429 retry-after) that outlasts the retries is throttled, not denied', async () => {
    const e = await start();
    e.faults.secondaryRateLimit({ count: 10, status: 429, retryAfter: 1, pathPrefix: '/orgs/acme-demo/installations' });
    const s = await collect(e, { maxRetries: 2 });
    expect(s.errors.find((x) => x.operation === 'GET /orgs/{org}/installations')).toMatchObject({ cause: 'throttled', code: 'SecondaryRateLimit', retryable: true });
    expect(s.metrics!.secondaryRateLimited).toBe(3);
  });

  it('a 403 with the permission message and no rate-limit headers is denied, naming the permission', async () => {
    const e = await start();
    e.faults.reply({ count: 1, pathPrefix: '/orgs/acme-demo/installations', status: 403, body: JSON.stringify({ message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' }) });
    const s = await collect(e);
    expect(s.errors.find((x) => x.operation === 'GET /orgs/{org}/installations')).toMatchObject({ cause: 'denied', code: 'AccessDenied' });
  });
});

describe('alert features', () => {
  it('an org without Advanced Security: code scanning is not_applicable with GitHub’s words; Dependabot and secret scanning are judged', async () => {
    const e = await start();
    e.state.org.codeSecurity = false;
    const s = await collect(e);
    expect(unexpectedErrors(s)).toEqual([]);
    const v = verdicts(s);
    expect(v.get('github.alerts.code_scanning code_scanning:acme-demo')).toMatchObject({ status: 'not_applicable', reason: expect.stringContaining('Advanced Security must be enabled') });
    expect(v.get('github.alerts.dependabot_sla dependabot:acme-demo/web#1')?.status).toBe('fail');
    expect(v.get('github.alerts.secret_scanning_open secret_scanning:acme-demo/web#1')?.status).toBe('fail');
  });

  it('a plain 404 on one alert list errors only that kind', async () => {
    const e = await start();
    e.faults.reply({ count: 1, pathPrefix: '/orgs/acme-demo/code-scanning', status: 404, body: JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }) });
    const v = verdicts(await collect(e));
    expect(v.get('github.alerts.code_scanning code_scanning:acme-demo')?.status).toBe('error');
    expect(v.get('github.alerts.dependabot_sla dependabot:acme-demo')?.status).toBe('fail');
    expect([...v.values()].filter((r) => r.ruleId === 'github.alerts.secret_scanning_open').every((r) => r.status !== 'error')).toBe(true);
  });
});

describe('bad replies', () => {
  const paths = ['/orgs/acme-demo/members', '/orgs/acme-demo/repos', '/orgs/acme-demo/dependabot/alerts', '/orgs/acme-demo/outside_collaborators', '/orgs/acme-demo/installations'];
  const bodies: Array<[string, number, string, string?]> = [
    ['HTML error page', 200, '<!DOCTYPE html><html><body>Unicorn!</body></html>', 'text/html; charset=utf-8'],
    ['empty body', 200, ''],
    ['{} for a list', 200, '{}'],
    ['null', 200, 'null'],
    ['truncated JSON', 200, '[{"login":"al'],
    ['500', 500, '{"message":"Server Error"}'],
  ];
  it.each(bodies)('%s: malformed or server error on that input, and no pass the healthy run lacks', async (_n, status, body, contentType) => {
    const e = await start();
    const healthy = passes(await collect(e));
    for (const p of paths) {
      e.faults.clear();
      e.faults.reply({ count: 4, pathPrefix: p, status, body, ...(contentType ? { contentType } : {}) });
      const s = await collect(e, { maxRetries: 0 });
      const errs = unexpectedErrors(s).filter((x) => x.cause !== undefined);
      expect(errs.length, p).toBeGreaterThan(0);
      expect(errs.every((x) => ['malformed', 'server_error'].includes(x.cause!)), `${p}: ${JSON.stringify(errs)}`).toBe(true);
      for (const k of passes(s)) expect(healthy.has(k), `${p}: ${k}`).toBe(true);
    }
  });

  it('a Link header pointing off the API host is refused as malformed', async () => {
    const e = await start();
    e.faults.reply({ count: 1, pathPrefix: '/orgs/acme-demo/members', body: '[]', headers: { link: '<https://evil.example.com/orgs/acme-demo/members?page=2>; rel="next"' } });
    const s = await collect(e);
    expect(s.errors.find((x) => x.operation === 'GET /orgs/{org}/members')).toMatchObject({ cause: 'malformed' });
  });

  it('a reply that never ends is cut by requestTimeoutMs and named timeout; the collection still ends', async () => {
    const e = await start();
    e.faults.reply({ count: 1, operation: 'OrgSamlIdentities', hang: true });
    const s = await collect(e, { requestTimeoutMs: 300, maxRetries: 0 });
    expect(s.errors.find((x) => x.operation === 'graphql organization.samlIdentityProvider')).toMatchObject({ cause: 'timeout', retryable: true });
    expect(verdicts(s).get('github.org.saml_sso_enforced github:acme-demo')?.status).toBe('error');
  });

  it('an aborted collection stops promptly and names the operations it started', async () => {
    const e = await start();
    e.faults.reply({ count: 5, pathPrefix: '/orgs/acme-demo/repos', hang: true });
    const ac = new AbortController();
    const ops: string[] = [];
    const done = collect(e, {}, { signal: ac.signal, onOperation: (op) => { ops.push(op); if (op.includes('organization.repositories')) setImmediate(() => ac.abort(new DOMException('deadline', 'TimeoutError'))); } });
    const s = await done;
    expect(ops).toContain('github:GET /orgs/{org}');
    expect(s.errors.some((x) => x.cause === 'timeout')).toBe(true);
  });

  it('rejects requestTimeoutMs and rate-limit waits outside their bounds, naming them', () => {
    expect(() => githubConfigSchema.parse({ org: 'acme', auth: { token: 'x' }, requestTimeoutMs: 0 })).toThrow(/between 100 and 300000/);
    expect(() => githubConfigSchema.parse({ org: 'acme', auth: { token: 'x' }, maxRateLimitWaitMs: 86_400_000 })).toThrow(/maxRateLimitWaitMs must be between/);
    expect(githubConfigSchema.parse({ org: 'acme', auth: { token: 'x' } }).requestTimeoutMs).toBe(30_000);
  });
});
