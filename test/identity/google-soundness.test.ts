// Google Workspace soundness over real HTTP: degraded replies never add a pass, group-held roles are judged per person,
// late Reports events are read once, missing fields are per-user errors, and every request is timed out and abortable.
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorPrivateKey, startGwsEmulator, type GwsEmulator, type GwsEmulatorOptions } from '../../collectors/google-workspace/demo.js';
import type { EmulatorReply } from '../../src/core/emulator-reply.js';
import { createGoogleWorkspaceCollector } from '../../collectors/google-workspace/collector.js';
import { GOOGLE_WORKSPACE_SCOPES, googleWorkspaceConfigSchema } from '../../collectors/google-workspace/config.js';
import { reportCursorKey } from '../../collectors/google-workspace/reports.js';
import { googleWorkspaceRules } from '../../rules/google-workspace/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import type { CollectContext, Logger } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { byType, ctx, degradeEachReply, deps, statusOf } from './helpers.js';
import { TestClock } from '../support/test-clock.js';

let emu: GwsEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

const config = (e: GwsEmulator, extra: Record<string, unknown> = {}) => googleWorkspaceConfigSchema.parse({
  subject: 'reader@example.com', serviceAccount: { clientEmail: 'vigil@vigil-emulator.iam.gserviceaccount.com', privateKey: emulatorPrivateKey() },
  tokenUrl: `${e.url}/token`, rootUrl: e.url, policyRootUrl: e.url, backoffMs: 1, maxRetries: 1, ...extra,
});
async function collect(o: GwsEmulatorOptions = {}, extra: Record<string, unknown> = {}, c: Partial<CollectContext> = {}): Promise<Snapshot> {
  emu = await startGwsEmulator(o);
  return createGoogleWorkspaceCollector(config(emu, extra), deps).collect({ ...ctx('my_customer'), ...c });
}
const results = (s: Snapshot) => evaluateSnapshot(s, googleWorkspaceRules, { now: new Date() });
const passes = (s: Snapshot) => new Set(results(s).filter((r) => r.status === 'pass').map((r) => `${r.ruleId}|${r.resourceId}`));
const idOf = (s: Snapshot, email: string) => byType(s, 'google-workspace.user').find((u) => u.name === email)!.id;
const json = (body: unknown, status = 200): EmulatorReply => ({ status, body: JSON.stringify(body) });
const gErr = (status: number, reason: string) => json({ error: { code: status, message: reason, errors: [{ message: reason, domain: 'global', reason }] } }, status);
/** The healthy reply of a path, rewritten: lets a test drop one field of one user, as a partial reply would. */
async function fetchHealthy(e: GwsEmulator, path: string, scope: string): Promise<Record<string, unknown>> {
  const tok = await (await fetch(`${e.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `x.${Buffer.from(JSON.stringify({ iss: 'vigil@vigil-emulator.iam.gserviceaccount.com', sub: 'a@example.com', scope })).toString('base64url')}.y` }) })).json() as { access_token: string };
  return (await fetch(`${e.url}${path}`, { headers: { authorization: `Bearer ${tok.access_token}` } })).json() as Promise<Record<string, unknown>>;
}

describe('google workspace degradation property', () => {
  it('degrading any one reply never adds a pass, never crashes, never hangs', async () => {
    const healthy = await collect();
    expect(healthy.errors).toEqual([]);
    const good = passes(healthy);
    const paths = Object.keys(emu!.stats.byPath).concat('/token');
    expect(paths).toContain('/admin/directory/v1/groups/03as4poj1qd1lqb/members');
    await emu!.close();
    emu = undefined;
    const kinds: Array<[string, EmulatorReply]> = [
      ['empty', { status: 200, body: '' }], ['{}', json({})], ['[]', json([])], ['null', json(null)],
      ['list null', json({ kind: 'admin#directory#users', users: null, items: null, members: null })],
      ['list key missing', json({ kind: 'admin#directory#users' })],
      ['html', { status: 200, body: '<html><body>Service unavailable</body></html>', headers: { 'content-type': 'text/html' } }],
      ['truncated', { status: 200, body: '{"kind":"admin#directory#users","users":[{"id":"1000' }],
      ['401', gErr(401, 'authError')], ['403', gErr(403, 'forbidden')], ['404', gErr(404, 'notFound')],
      ['429', { status: 429, body: '', headers: { 'retry-after': '0' } }], ['500', { status: 500, body: '<html>Internal error</html>' }],
      ['reset', 'reset'], ['hang', 'hang'],
    ];
    const replays = await degradeEachReply({
      paths, kinds, good, passes,
      collect: (reply) => collect({ reply }, { requestTimeoutMs: 300 }),
      close: async () => { await emu!.close(); emu = undefined; },
    });
    console.log(`google-workspace degradation property: ${replays} degraded replays over ${paths.length} request paths`);
    expect(replays).toBe(paths.length * kinds.length);
  }, 120_000);
});

describe('google workspace admin roles held through groups', () => {
  it('expands a group assignment (nested groups included) so each member is judged as an admin', async () => {
    const snap = await collect();
    const r = results(snap);
    const asg = byType(snap, 'google-workspace.admin_role_assignment').find((a) => a.attributes.assigneeType === 'GROUP')!;
    // The nested group itself is not a person; its member heidi comes from derived membership in the same read.
    expect(asg.attributes.memberIds).toEqual([idOf(snap, 'carol@example.com'), idOf(snap, 'heidi@example.com')]);
    expect(byType(snap, 'google-workspace.user').find((u) => u.name === 'heidi@example.com')!.attributes).toMatchObject({ isAdmin: true, adminRoles: ['_HELP_DESK_ADMIN_ROLE'] });
    expect(statusOf(r, 'google-workspace.admins.super_admin_bounded', idOf(snap, 'carol@example.com'))).toBe('fail');
    expect(statusOf(r, 'google-workspace.admins.super_admin_bounded', idOf(snap, 'heidi@example.com'))).toBe('pass');
    expect(emu!.stats.byPath['/admin/directory/v1/groups/01ci93xb3tmzcaq/members']).toBeUndefined();
  });

  it('a group whose members cannot be read leaves the admin rule in error (needs the group scope), other rules judged', async () => {
    const snap = await collect({ deniedScopes: [GOOGLE_WORKSPACE_SCOPES.groups] });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'admin.directory.members.list(03as4poj1qd1lqb) (token)', cause: 'denied', inputs: ['google-workspace.admin_role_assignment'] })]);
    const r = results(snap);
    expect(new Set(r.filter((x) => x.ruleId === 'google-workspace.admins.super_admin_bounded').map((x) => x.status))).toEqual(new Set(['error']));
    expect(r.find((x) => x.ruleId === 'google-workspace.admins.super_admin_bounded')!.reason).toContain('needs permission https://www.googleapis.com/auth/admin.directory.group.member.readonly');
    expect(statusOf(r, 'google-workspace.users.2sv_enrolled', idOf(snap, 'heidi@example.com'))).toBe('pass');
  });

  it('an empty group comes back without a members key (Google omits empty lists): nobody holds its role, no error', async () => {
    emu = await startGwsEmulator();
    emu.tenant.groups[0]!.members = [];
    const snap = await createGoogleWorkspaceCollector(config(emu), deps).collect(ctx('my_customer'));
    expect(snap.errors).toEqual([]);
    expect(byType(snap, 'google-workspace.admin_role_assignment').find((a) => a.attributes.assigneeType === 'GROUP')!.attributes.memberIds).toEqual([]);
    expect(statusOf(results(snap), 'google-workspace.admins.super_admin_bounded', idOf(snap, 'carol@example.com'))).toBeUndefined();
  });

  it('an external member holding a role is named and makes the customer row error, never a pass', async () => {
    const snap = await collect({
      reply: (q) => (q.path.endsWith('/members') ? json({ kind: 'admin#directory#members', members: [{ kind: 'admin#directory#member', id: '1099', email: 'x@gmail.com', type: 'EXTERNAL', role: 'MEMBER' }] }) : undefined),
    });
    expect(snap.errors).toEqual([expect.objectContaining({ code: 'UNJUDGED_ROLE_HOLDERS', cause: 'incomplete', resources: ['my_customer'] })]);
    expect(statusOf(results(snap), 'google-workspace.admins.super_admin_bounded', 'my_customer')).not.toBe('pass');
  });
});

describe('google workspace completeness', () => {
  it('a users page without the users key is malformed: the user input errors, never an empty customer', async () => {
    const snap = await collect({ reply: (q) => (q.path === '/admin/directory/v1/users' ? json({ kind: 'admin#directory#users', etag: '"e"' }) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'admin.directory.users.list', cause: 'malformed', inputs: ['google-workspace.customer', 'google-workspace.user'] })]);
    // Every rule reading users errors; the OU-wide policy rule reads no users and keeps its verdicts.
    expect(new Set(results(snap).filter((x) => x.ruleId !== 'google-workspace.policy.password_session_recovery').map((x) => x.status))).toEqual(new Set(['error']));
  });

  it('a Reports page with its kind and no items is an empty window (Google omits empty lists); without kind it is malformed', async () => {
    const empty = await collect({ reply: (q) => (q.path.includes('/applications/admin') ? json({ kind: 'admin#reports#activities', etag: '"e"' }) : undefined) });
    expect(empty.errors).toEqual([]);
    expect(empty.inputs['google-workspace.activity']).toBeDefined();
    await emu!.close();
    const bad = await collect({ reply: (q) => (q.path.includes('/applications/admin') ? json({ etag: '"e"' }) : undefined) });
    expect(bad.errors).toEqual([expect.objectContaining({ operation: 'admin.reports.activities.list(admin)', cause: 'malformed' })]);
    expect(bad.inputs['google-workspace.activity']).toBeUndefined();
  });

  it('a user without isEnrolledIn2Sv or lastLoginTime is a per-user error; the others are judged', async () => {
    emu = await startGwsEmulator();
    const page = await fetchHealthy(emu, '/admin/directory/v1/users?customer=my_customer', GOOGLE_WORKSPACE_SCOPES.users);
    const users = page.users as Array<Record<string, unknown>>;
    const heidi = users.find((u) => u.primaryEmail === 'heidi@example.com')!;
    delete heidi.isEnrolledIn2Sv;
    delete heidi.lastLoginTime;
    await emu.close();
    const snap = await collect({ reply: (q) => (q.path === '/admin/directory/v1/users' ? json(page) : undefined) });
    const id = heidi.id as string;
    expect(snap.errors).toEqual([expect.objectContaining({ code: 'MISSING_FIELDS', cause: 'incomplete', resources: [id], inputs: ['google-workspace.user'] })]);
    expect(snap.errors[0]!.message).toContain('lastLoginTime, isEnrolledIn2Sv');
    const r = results(snap);
    expect(statusOf(r, 'google-workspace.users.2sv_enrolled', id)).toBe('error');
    expect(statusOf(r, 'google-workspace.users.inactive', id)).toBe('error');
    expect(statusOf(r, 'google-workspace.admins.super_admin_bounded', id)).toBe('error');
    expect(statusOf(r, 'google-workspace.users.2sv_enrolled', idOf(snap, 'carol@example.com'))).toBe('fail');
    expect(statusOf(r, 'google-workspace.admins.super_admin_bounded', idOf(snap, 'alice@example.com'))).toBe('pass');
  });

  it('a super admin without suspended is a per-user error and makes the super-admin count error: it was counted as active', async () => {
    emu = await startGwsEmulator();
    // dave is suspended; as a second super admin with `suspended` dropped, he made the count 2 (within 2–4) and passed.
    emu.tenant.users.find((u) => u.primaryEmail === 'dave@example.com')!.isAdmin = true;
    const page = await fetchHealthy(emu, '/admin/directory/v1/users?customer=my_customer', GOOGLE_WORKSPACE_SCOPES.users);
    const dave = (page.users as Array<Record<string, unknown>>).find((u) => u.primaryEmail === 'dave@example.com')!;
    delete dave.suspended;
    await emu.close();
    const snap = await collect({ reply: (q) => (q.path === '/admin/directory/v1/users' ? json(page) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ code: 'MISSING_FIELDS', resources: [dave.id, 'my_customer'] })]);
    expect(statusOf(results(snap), 'google-workspace.admins.super_admin_bounded', 'my_customer')).toBe('error');
  });

  it('the emulator answers a fields mask as Google does (only what was selected), and the collector selects kind', async () => {
    emu = await startGwsEmulator();
    const body = await fetchHealthy(emu, `/admin/directory/v1/users?customer=my_customer&fields=${encodeURIComponent('users(id,name/fullName)')}`, GOOGLE_WORKSPACE_SCOPES.users);
    expect(Object.keys(body)).toEqual(['users']);
    expect((body.users as Array<Record<string, unknown>>)[0]).toEqual({ id: expect.any(String), name: { fullName: 'Alice Admin' } });
    await emu.close();
    expect((await collect()).errors).toEqual([]);
  });

  it('a nextPageToken that repeats is malformed, not followed forever', async () => {
    const snap = await collect({ reply: (q) => (q.path.includes('/applications/admin') ? json({ kind: 'admin#reports#activities', nextPageToken: 'again' }) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'admin.reports.activities.list(admin)', cause: 'malformed' })]);
  });

  it('a refused token is unauthenticated, asked once per scope, not retried', async () => {
    const snap = await collect({ reply: (q) => (q.path === '/token' ? json({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, 400) : undefined) });
    expect(new Set(snap.errors.map((e) => e.cause))).toEqual(new Set(['unauthenticated']));
    expect(emu!.stats.tokens).toBe(0);
    // One refused token request per scope asked before anything else could fail: roles, users, org units, reports.
    expect(snap.apiCalls).toBe(4);
    expect(results(snap).find((x) => x.ruleId === 'google-workspace.users.2sv_enrolled')!.reason).toContain('no valid credentials (invalid_grant)');
  });
});

describe('google workspace Reports: late deliveries', () => {
  it('reads an event delivered after a later one was read, once, and never re-reads the others', async () => {
    emu = await startGwsEmulator();
    const collector = createGoogleWorkspaceCollector(config(emu), deps);
    const first = await collector.collect(ctx('my_customer'));
    const saved = JSON.parse(first.cursors![reportCursorKey('admin')]!) as { t: string };
    // Happened 10 minutes before the newest admin event already read, but only now visible to the API.
    emu.recordActivity('admin', 'alice@example.com', 'USER_SETTINGS', 'CHANGE_PASSWORD', { USER_EMAIL: 'erin@example.com' }, new Date(Date.parse(saved.t) - 10 * 60_000));
    const second = await collector.collect(ctx('my_customer', first.cursors));
    expect(byType(second, 'google-workspace.activity').map((a) => a.name)).toEqual(['CHANGE_PASSWORD']);
    const third = await collector.collect(ctx('my_customer', second.cursors));
    expect(byType(third, 'google-workspace.activity')).toHaveLength(0);
  });

  it('without an overlap window the late event is missed — the window is what reads it', async () => {
    emu = await startGwsEmulator();
    const collector = createGoogleWorkspaceCollector(config(emu, { reportsOverlapMinutes: 0 }), deps);
    const first = await collector.collect(ctx('my_customer'));
    const saved = JSON.parse(first.cursors![reportCursorKey('admin')]!) as { t: string };
    emu.recordActivity('admin', 'alice@example.com', 'USER_SETTINGS', 'CHANGE_PASSWORD', { USER_EMAIL: 'erin@example.com' }, new Date(Date.parse(saved.t) - 10 * 60_000));
    expect(byType(await collector.collect(ctx('my_customer', first.cursors)), 'google-workspace.activity')).toHaveLength(0);
  });

  it('a corrupt saved cursor is logged and the stream read again from the lookback window', async () => {
    const logged: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_o, m) => { logged.push(String(m)); } };
    const snap = await collect({}, {}, { logger, cursors: { [reportCursorKey('admin')]: '{"t":"not a time"' } });
    expect(logged).toEqual([expect.stringContaining('saved Reports cursor is corrupt')]);
    expect(snap.metrics?.cursorResets).toBe(1);
    expect(byType(snap, 'google-workspace.activity').map((a) => a.name)).toContain('SUSPEND_USER');
  });
});

describe('google workspace deadlines', () => {
  it('a reply that never ends times out at requestTimeoutMs, naming the operation, with cause timeout', async () => {
    const ops: string[] = [];
    const snap = await collect({ reply: (q) => (q.path === '/admin/directory/v1/users' ? 'hang' : undefined) }, { requestTimeoutMs: 200 }, { onOperation: (o) => ops.push(o) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'admin.directory.users.list', cause: 'timeout' })]);
    expect(ops).toContain('admin.directory.users.list');
    expect(ops).toContain('admin.reports.activities.list(login:login_failure)');
  });

  it('a token endpoint that never answers is asked once: every input errors as timeout within about one request timeout', async () => {
    const t0 = Date.now();
    const snap = await collect({ reply: (q) => (q.path === '/token' ? 'hang' : undefined) }, { requestTimeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(snap.apiCalls).toBe(1);
    expect(new Set(snap.errors.map((e) => e.cause))).toEqual(new Set(['timeout']));
    expect(new Set(results(snap).map((r) => r.status))).toEqual(new Set(['error']));
  });

  it('an aborted collection stops promptly', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const pending = collect({ reply: (q) => (q.path.includes('/roles') ? 'hang' : undefined) }, { requestTimeoutMs: 60_000 }, { signal: ac.signal, onOperation: (o) => { if (o.includes('roles')) setImmediate(() => ac.abort()); } });
    const snap = await pending;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(snap.errors.length).toBeGreaterThan(0);
    expect(snap.errors.every((e) => e.cause !== undefined)).toBe(true);
  });

  it('a Retry-After beyond maxBackoffMs fails the read at once as throttled instead of retrying early', async () => {
    const clock = new TestClock(Date.now());
    const snap = await collect({ reply: (q) => (q.path === '/admin/directory/v1/users' ? { status: 429, body: '', headers: { 'retry-after': '3600' } } : undefined) }, { maxRetries: 5, maxBackoffMs: 1000 }, { clock });
    expect(clock.sleeps).toEqual([]);
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'admin.directory.users.list', cause: 'throttled', retryable: true })]);
    expect(emu!.stats.byPath['/admin/directory/v1/users']).toBeUndefined();
  });

  it('rejects a request timeout or backoff outside their bounds, naming them', () => {
    const base = { subject: 'a@example.com', serviceAccount: { clientEmail: 'a@example.com', privateKey: 'k' } };
    expect(() => googleWorkspaceConfigSchema.parse({ ...base, requestTimeoutMs: 0 })).toThrow(/100–300000/);
    expect(() => googleWorkspaceConfigSchema.parse({ ...base, maxBackoffMs: 86_400_000 })).toThrow(/1–300000/);
    expect(googleWorkspaceConfigSchema.parse(base).requestTimeoutMs).toBe(30_000);
  });
});

describe('google workspace Policy API completeness', () => {
  const POL = '/v1/policies';
  const scopeStatus = (s: Snapshot, rule: string) => results(s).filter((r) => r.ruleId === rule).map((r) => r.status);

  it('an empty policy list is malformed, not "nothing set": no rule falls back to a passing default', async () => {
    const snap = await collect({ reply: (r) => (r.path === POL ? json({}) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'cloudidentity.policies.list', cause: 'malformed', inputs: ['google-workspace.org_unit', 'google-workspace.policy'] })]);
    expect(scopeStatus(snap, 'google-workspace.policy.password_session_recovery')).toEqual(['error']);
    expect(scopeStatus(snap, 'google-workspace.policy.2sv_enforced')).toEqual(['error']);
  });

  it('a policy without its setting value is malformed', async () => {
    const snap = await collect({ reply: (r) => (r.path === POL && r.n === 0 ? json({ policies: [{ name: 'policies/x', policyQuery: { orgUnit: 'orgUnits/03ph8a2z1enx4lx', sortOrder: 1 }, setting: { type: 'settings/security.password' } }] }) : undefined) });
    expect(snap.errors[0]).toMatchObject({ operation: 'cloudidentity.policies.list', cause: 'malformed' });
    expect(snap.errors[0]!.message).toContain('setting.value');
  });

  it('a blank page that carries a nextPageToken is followed, as the Policy API sends them, and the OU list must hold the root', async () => {
    const healthy = await collect();
    expect(healthy.errors).toEqual([]);
    expect(emu!.stats.byPath[POL]).toBe(3);
    expect(byType(healthy, 'google-workspace.policy')).toHaveLength(16);
    await emu!.close();
    const noRoot = await collect({ reply: (r) => (r.path.endsWith('/orgunits') ? json({ kind: 'admin#directory#orgUnits', organizationUnits: [{ orgUnitId: 'id:03ph8a2z23yjui6', orgUnitPath: '/Engineering', parentOrgUnitId: 'id:03ph8a2z1enx4lx' }] }) : undefined) });
    expect(noRoot.errors[0]).toMatchObject({ operation: 'admin.directory.orgunits.list', cause: 'malformed' });
  });

  it('the emulator refuses a filter it cannot read, as the API does (INVALID_ARGUMENT)', async () => {
    await collect();
    const body = await fetchHealthy(emu!, `${POL}?filter=${encodeURIComponent('setting.type == 1')}`, 'https://www.googleapis.com/auth/cloud-identity.policies.readonly');
    expect(body).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });
});
