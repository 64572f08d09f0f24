// The GitHub emulator against GitHub's own OpenAPI response schemas, plus its pagination, ETag, rate-limit and permission behaviour.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { DEMO_TOKEN, startGithubEmulator, type RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import { ORG_REPOSITORIES_QUERY } from '../../collectors/github/queries.js';

const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/openapi-schemas.json', import.meta.url), 'utf8')) as { endpoints: Record<string, object> };
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

let emu: RunningGithubEmulator;
beforeAll(async () => { emu = await startGithubEmulator(); });
afterAll(async () => { await emu.close(); });

async function get(path: string, token = DEMO_TOKEN, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emu.url}${path}`, { headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', ...headers } });
}

describe('REST replies match the OpenAPI response schemas', () => {
  const cases: Array<[string, string]> = [
    ['GET /orgs/{org}', '/orgs/acme-demo'],
    ['GET /orgs/{org}/members', '/orgs/acme-demo/members?per_page=100'],
    ['GET /orgs/{org}/outside_collaborators', '/orgs/acme-demo/outside_collaborators?per_page=100'],
    ['GET /orgs/{org}/repos', '/orgs/acme-demo/repos?per_page=100'],
    ['GET /orgs/{org}/actions/permissions', '/orgs/acme-demo/actions/permissions'],
    ['GET /orgs/{org}/actions/permissions/workflow', '/orgs/acme-demo/actions/permissions/workflow'],
    ['GET /orgs/{org}/installations', '/orgs/acme-demo/installations'],
    ['GET /orgs/{org}/dependabot/alerts', '/orgs/acme-demo/dependabot/alerts?state=open&per_page=100'],
    ['GET /orgs/{org}/secret-scanning/alerts', '/orgs/acme-demo/secret-scanning/alerts?state=open&per_page=100'],
    ['GET /orgs/{org}/code-scanning/alerts', '/orgs/acme-demo/code-scanning/alerts?state=open&per_page=100'],
  ];
  it.each(cases)('%s', async (op, path) => {
    const schema = fixture.endpoints[op];
    expect(schema, `${op} missing from the fixture; rerun extract.mjs`).toBeDefined();
    const res = await get(path);
    expect(res.status).toBe(200);
    const body = (await res.json()) as unknown;
    const validate = ajv.compile(schema!);
    const ok = validate(body);
    expect(ok, JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    if (Array.isArray(body)) expect(body.length).toBeGreaterThan(0);
  });

  it('catches drift: a reply missing a required field or with a wrong type fails validation', async () => {
    const validate = ajv.compile(fixture.endpoints['GET /orgs/{org}/repos']!);
    const body = (await (await get('/orgs/acme-demo/repos?per_page=1')).json()) as Array<Record<string, unknown>>;
    expect(validate(body)).toBe(true);
    const { full_name: _dropped, ...withoutName } = body[0]!;
    expect(validate([withoutName])).toBe(false);
    expect(validate([{ ...body[0], private: 'no' }])).toBe(false);
  });

  it('an App installation token reply matches POST /app/installations/{installation_id}/access_tokens', async () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 301 })).toString('base64url')}.sig`;
    const res = await fetch(`${emu.url}/app/installations/7001/access_tokens`, { method: 'POST', headers: { authorization: `bearer ${jwt}` } });
    expect(res.status).toBe(201);
    const validate = ajv.compile(fixture.endpoints['POST /app/installations/{installation_id}/access_tokens']!);
    expect(validate(await res.json()), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('GitHub behaviour', () => {
  it('pages with Link headers and per_page, and gives each page an ETag that yields 304 without charging the limit', async () => {
    const p1 = await get('/orgs/acme-demo/members?per_page=2');
    expect((await p1.json() as unknown[]).length).toBe(2);
    const link = p1.headers.get('link')!;
    expect(link).toMatch(/page=2&?.*rel="next"/);
    expect(link).toMatch(/page=3.*rel="last"/);
    const used = Number(p1.headers.get('x-ratelimit-used'));
    const again = await get('/orgs/acme-demo/members?per_page=2', DEMO_TOKEN, { 'if-none-match': p1.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(Number(again.headers.get('x-ratelimit-used'))).toBe(used);
    const last = await get('/orgs/acme-demo/members?per_page=2&page=3');
    expect((await last.json() as unknown[]).length).toBe(1);
    expect(last.headers.get('link')).not.toMatch(/rel="next"/);
  });

  it('answers bad credentials with 401 and a GitHub error body', async () => {
    const res = await get('/orgs/acme-demo', 'ghp_nope');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: 'Bad credentials', documentation_url: expect.stringContaining('docs.github.com') });
  });

  it('hides owner-only org fields and members from a token without read:org, and says which scopes it has', async () => {
    emu.addToken('ghp_noreadorg', { login: 'alice', kind: 'classic', scopes: ['repo'] });
    const org = await get('/orgs/acme-demo', 'ghp_noreadorg');
    expect(org.headers.get('x-oauth-scopes')).toBe('repo');
    const body = (await org.json()) as Record<string, unknown>;
    expect(body.login).toBe('acme-demo');
    expect(body).not.toHaveProperty('two_factor_requirement_enabled');
    expect(await (await get('/orgs/acme-demo/members', 'ghp_noreadorg')).json()).toEqual([]);
    const outside = await get('/orgs/acme-demo/outside_collaborators', 'ghp_noreadorg');
    expect(outside.status).toBe(403);
    expect(outside.headers.get('x-accepted-oauth-scopes')).toContain('read:org');
  });

  it('refuses App tokens without the permission with "Resource not accessible by integration"', async () => {
    emu.addToken('ghs_limited', { login: 'app[bot]', kind: 'app', permissions: { metadata: 'read' } });
    const res = await get('/orgs/acme-demo/dependabot/alerts', 'ghs_limited');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ message: 'Resource not accessible by integration' });
    expect(res.headers.get('x-accepted-github-permissions')).toBe('vulnerability_alerts=read');
  });

  it('injects secondary rate limits with retry-after', async () => {
    emu.faults.secondaryRateLimit({ count: 1, status: 429, retryAfter: 7, pathPrefix: '/orgs/acme-demo/repos' });
    const res = await get('/orgs/acme-demo/repos');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    expect((await get('/orgs/acme-demo/repos')).status).toBe(200);
  });

  it('resolves the collector GraphQL documents with cursors and costs, and rejects anything else', async () => {
    const post = async (body: unknown): Promise<{ data?: any; errors?: Array<{ type: string }> }> =>
      (await (await fetch(`${emu.url}/graphql`, { method: 'POST', headers: { authorization: `bearer ${DEMO_TOKEN}` }, body: JSON.stringify(body) })).json()) as never;
    const r = await post({ query: ORG_REPOSITORIES_QUERY, variables: { org: 'acme-demo' } });
    expect(r.data.organization.repositories.totalCount).toBe(5);
    expect(r.data.organization.repositories.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    expect(r.data.rateLimit.cost).toBeGreaterThan(1);
    expect((await post({ query: ORG_REPOSITORIES_QUERY, variables: { org: 'acme-demo', cursor: 'bogus' } })).errors?.[0]?.type).toBe('INVALID_CURSOR_ARGUMENTS');
    expect((await post({ query: 'query Other { viewer { login } }' })).errors?.[0]?.type).toBe('UNKNOWN_OPERATION');
    expect((await post({ query: ORG_REPOSITORIES_QUERY.replace('isArchived', 'isArchived isFork'), variables: { org: 'acme-demo' } })).errors?.[0]?.type).toBe('UNEXPECTED_DOCUMENT');
    const missing = await post({ query: ORG_REPOSITORIES_QUERY, variables: { org: 'nope' } });
    expect(missing.data.organization).toBeNull();
    expect(missing.errors?.[0]?.type).toBe('NOT_FOUND');
  });
});
