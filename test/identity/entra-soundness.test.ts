// Entra collector soundness over real HTTP: each degraded Graph reply turns passes into errors (never the reverse),
// per-resource gaps stay per resource, PIM and group holders are read, and every wait is bounded and abortable.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEntraEmulator, type EntraEmulator, type EntraEmulatorOptions } from '../../collectors/entra/demo.js';
import type { EmulatorReply } from '../../src/core/emulator-reply.js';
import { createEntraCollector } from '../../collectors/entra/collector.js';
import { entraConfigSchema } from '../../collectors/entra/config.js';
import { entraRules } from '../../rules/entra/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import type { CollectContext } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { byType, ctx, degradeEachReply, deps, statusOf } from './helpers.js';
import { TestClock } from '../support/test-clock.js';

let emu: EntraEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

async function collect(o: EntraEmulatorOptions = {}, extra: Record<string, unknown> = {}, c: Partial<CollectContext> = {}): Promise<Snapshot> {
  emu = await startEntraEmulator(o);
  const config = entraConfigSchema.parse({
    tenantId: emu.tenant.tenantId, clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret', authorityHost: emu.url, graphUrl: emu.url,
    maxRetries: 1, maxRetryWaitMs: 0, ...extra,
  });
  return createEntraCollector(config, deps).collect({ ...ctx(emu.tenant.tenantId), ...c });
}
const results = (s: Snapshot) => evaluateSnapshot(s, entraRules, { now: new Date() });
const passes = (s: Snapshot) => new Set(results(s).filter((r) => r.status === 'pass').map((r) => `${r.ruleId}|${r.resourceId}`));
const idOf = (s: Snapshot, upn: string) => byType(s, 'entra.user').find((u) => u.name === upn)!.id;
const json = (body: unknown, status = 200): EmulatorReply => ({ status, body: JSON.stringify(body) });

describe('entra degradation property', () => {
  it('degrading any one reply never adds a pass, never crashes, never hangs', async () => {
    const healthy = await collect();
    expect(healthy.errors).toEqual([]);
    const good = passes(healthy);
    const paths = Object.keys(emu!.stats.byPath).concat(`/${healthy.scope}/oauth2/v2.0/token`);
    await emu!.close();
    emu = undefined;
    const kinds: Array<[string, EmulatorReply]> = [
      ['empty', { status: 200, body: '' }], ['{}', json({})], ['[]', json([])], ['null', json(null)], ['value null', json({ value: null })],
      ['html', { status: 200, body: '<html><body>Service unavailable</body></html>', headers: { 'content-type': 'text/html' } }],
      ['truncated', { status: 200, body: '{"value":[{"id":"00000000-0000' }], ['401', json({ error: { code: 'InvalidAuthenticationToken', message: 'x' } }, 401)],
      ['403', json({ error: { code: 'Authorization_RequestDenied', message: 'x' } }, 403)], ['404', json({ error: { code: 'Request_ResourceNotFound', message: 'x' } }, 404)],
      ['429', { status: 429, body: '', headers: { 'retry-after': '0' } }], ['500', json({ error: { code: 'InternalServerError', message: 'x' } }, 500)],
      ['reset', 'reset'], ['hang', 'hang'],
    ];
    const replays = await degradeEachReply({
      paths, kinds, good, passes,
      collect: (reply) => collect({ reply }, { requestTimeoutMs: 300 }),
      close: async () => { await emu!.close(); emu = undefined; },
    });
    console.log(`entra degradation property: ${replays} degraded replays over ${paths.length} request paths`);
    expect(replays).toBeGreaterThanOrEqual(11 * kinds.length);
  }, 120_000);
});

describe('entra completeness', () => {
  it('a 403 on signInActivity makes entra.users.inactive error naming the permission, never pass', async () => {
    const snap = await collect({ deniedPermissions: ['AuditLog.Read.All'] });
    const inactive = results(snap).filter((r) => r.ruleId === 'entra.users.inactive');
    expect(inactive.map((r) => r.status)).toEqual(['error']);
    expect(inactive[0]!.reason).toContain('entra:ListUsers(signInActivity) failed: access denied by the source (Authorization_RequestDenied); needs permission AuditLog.Read.All');
    expect(byType(snap, 'entra.user')).toHaveLength(12);
  });

  it('a reply without the value array is malformed: the input is error, never an empty list', async () => {
    const snap = await collect({ reply: (r) => (r.path === '/v1.0/users' ? json({ '@odata.context': 'x' }) : undefined) });
    expect(snap.errors[0]).toMatchObject({ operation: 'entra:ListUsers', cause: 'malformed', inputs: ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity'] });
    expect(results(snap).filter((r) => r.ruleId === 'entra.users.inactive').map((r) => r.status)).toEqual(['error']);
  });

  it('an @odata.nextLink off the Graph host is malformed and gets no request (the token stays home)', async () => {
    let hits = 0;
    const other = createServer((_q, res) => { hits++; res.end('{"value":[]}'); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1.0/users?$skiptoken=x`;
    try {
      const snap = await collect({ reply: (r) => (r.path === '/v1.0/roleManagement/directory/roleDefinitions' ? json({ value: [], '@odata.nextLink': elsewhere }) : undefined) });
      expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListRoleDefinitions', cause: 'malformed', inputs: ['entra.role_assignment'] })]);
      expect(hits).toBe(0);
      expect(statusOf(results(snap), 'entra.roles.global_admin_bounded', `entra:${snap.scope}`)).toBe('error');
    } finally { other.close(); }
  });

  it('an @odata.nextLink that repeats a page is malformed at once, not followed until the deadline', async () => {
    let hits = 0;
    const snap = await collect({
      reply: (r) => {
        if (r.path !== '/v1.0/roleManagement/directory/roleDefinitions') return undefined;
        hits++;
        return json({ value: [], '@odata.nextLink': `${emu!.url}/v1.0/roleManagement/directory/roleDefinitions?$skiptoken=again` });
      },
    });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListRoleDefinitions', cause: 'malformed', inputs: ['entra.role_assignment'] })]);
    expect(hits).toBe(2);
  });

  it('a user missing from userRegistrationDetails is error for that user only', async () => {
    let alice = '';
    const snap = await collect({
      reply: (r) => {
        if (r.path !== '/v1.0/reports/authenticationMethods/userRegistrationDetails') return undefined;
        const rows = emu!.tenant.users.filter((u) => u.userPrincipalName !== 'heidi@example.com').map((u) => ({ id: u.id, isMfaRegistered: true, isMfaCapable: true, methodsRegistered: u.methods }));
        alice = emu!.tenant.users[0]!.id;
        return json({ value: rows });
      },
    });
    expect(snap.errors).toEqual([expect.objectContaining({ code: 'NoRegistrationRow', cause: 'incomplete', resources: [idOf(snap, 'heidi@example.com')] })]);
    const r = results(snap);
    expect(statusOf(r, 'entra.users.mfa_registered', idOf(snap, 'heidi@example.com'))).toBe('error');
    expect(statusOf(r, 'entra.users.mfa_registered', alice)).toBe('pass');
  });

  it('a user row with accountEnabled null is a per-resource error, not a default', async () => {
    const snap = await collect({
      reply: (r) => {
        if (r.path !== '/v1.0/users') return undefined;
        const value = emu!.tenant.users.map((u) => ({ ...u, methods: undefined, accountEnabled: u.userPrincipalName === 'heidi@example.com' ? null : u.accountEnabled }));
        return json({ value });
      },
    });
    const heidi = emu!.tenant.users.find((u) => u.userPrincipalName === 'heidi@example.com')!.id;
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListUsers', cause: 'incomplete', inputs: ['entra.user'], resources: [heidi] })]);
    const r = results(snap).filter((x) => x.resourceId === heidi);
    expect(r.length).toBeGreaterThan(0);
    expect(r.every((x) => x.status === 'error' || x.status === 'fail')).toBe(true);
  });
  it('a user row without onPremisesSyncEnabled is a per-resource error: a synced Global Administrator never reads as cloud-only', async () => {
    const snap = await collect({
      reply: (r) => {
        if (r.path !== '/v1.0/users') return undefined;
        const value = emu!.tenant.users.map(({ onPremisesSyncEnabled, ...u }) => ({ ...u, methods: undefined, ...(u.userPrincipalName === 'ivan@example.com' ? {} : { onPremisesSyncEnabled }) }));
        return json({ value });
      },
    });
    const ivan = emu!.tenant.users.find((u) => u.userPrincipalName === 'ivan@example.com')!.id;
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListUsers', cause: 'incomplete', resources: [ivan] })]);
    expect(statusOf(results(snap), 'entra.roles.global_admin_bounded', ivan)).toBe('error');
  });
});

describe('entra Conditional Access completeness', () => {
  it('a policy without its exclusion lists is malformed: no CA rule passes on "no exclusions"', async () => {
    const healthy = await collect({ estate: { users: 20, seed: 3 } });
    expect(statusOf(results(healthy), 'entra.ca.admins_phishing_resistant', healthy.scope)).toBe('pass');
    await emu!.close();
    // The policies as stored, without the empty collections Graph always serializes (excludeRoles, excludeUsers, …).
    const snap = await collect({ estate: { users: 20, seed: 3 }, reply: (r) => (r.path === '/v1.0/identity/conditionalAccess/policies' ? json({ value: emu!.tenant.caPolicies }) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListConditionalAccessPolicies', cause: 'malformed', inputs: ['entra.ca_policy'] })]);
    for (const rule of ['entra.ca.admins_phishing_resistant', 'entra.ca.mfa_required_all_users', 'entra.ca.legacy_auth_blocked']) {
      expect(statusOf(results(snap), rule, `entra:${snap.scope}`), rule).toBe('error');
    }
  });
});

describe('entra role holders', () => {
  it('a failed group-membership read errors the role inputs: no group-held admin is judged a non-admin', async () => {
    const snap = await collect({ reply: (r) => (r.path.endsWith('/transitiveMembers') ? json({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } }, 403) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListGroupTransitiveMembers', cause: 'denied', permission: 'GroupMember.Read.All', inputs: ['entra.role_assignment'] })]);
    const r = results(snap);
    // A missing input errors the whole rule on the scope: no per-user mfa verdict for ivan at all, so no pass.
    expect(statusOf(r, 'entra.roles.global_admin_bounded', `entra:${snap.scope}`)).toBe('error');
    expect(statusOf(r, 'entra.users.mfa_registered', `entra:${snap.scope}`)).toBe('error');
    expect(r.some((x) => x.resourceId === idOf(snap, 'ivan@example.com') && x.ruleId !== 'entra.users.inactive' && x.status === 'pass')).toBe(false);
  });

  it('reads PIM eligibility with $expand=principal and counts eligible holders', async () => {
    const snap = await collect();
    const eligible = byType(snap, 'entra.role_assignment').filter((a) => a.attributes.assignment === 'eligible');
    expect(eligible.map((a) => [a.id, a.attributes.principalName, a.attributes.roleName])).toEqual([['es-ga-judy', 'judy@example.com', 'Global Administrator']]);
    expect(emu!.stats.byPath['/v1.0/roleManagement/directory/roleEligibilityScheduleInstances']).toBe(1);
    expect(emu!.stats.byPath['/v1.0/roleManagement/directory/roleAssignmentScheduleInstances']).toBe(1);
    const viaGroup = byType(snap, 'entra.role_assignment').filter((a) => a.attributes.viaGroupId);
    expect(viaGroup.map((a) => [a.attributes.principalName, a.attributes.viaGroupName])).toEqual([['ivan@example.com', 'Tier0 Admins']]);
  });

  it('a PIM activation listed only as a schedule instance counts as an active holder', async () => {
    const snap = await collect({
      reply: (r) => {
        if (r.path !== '/v1.0/roleManagement/directory/roleAssignmentScheduleInstances') return undefined;
        const heidi = emu!.tenant.users.find((u) => u.userPrincipalName === 'heidi@example.com')!;
        return json({ value: [{ id: 'ai-heidi', principalId: heidi.id, roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/', appScopeId: null,
          startDateTime: new Date(Date.now() - 3_600_000).toISOString(), endDateTime: new Date(Date.now() + 3_600_000).toISOString(), assignmentType: 'Activated', memberType: 'Direct',
          principal: { '@odata.type': '#microsoft.graph.user', id: heidi.id, userPrincipalName: heidi.userPrincipalName, displayName: heidi.displayName } }] });
      },
    });
    const ga = results(snap).find((r) => r.ruleId === 'entra.roles.global_admin_bounded' && r.resourceId === snap.scope)!;
    expect(ga.reason).toContain('heidi@example.com');
    expect(ga.reason).toMatch(/^4 Global Administrators/);
  });

  it('a tenant without P2 has no PIM: Graph\'s AadPremiumLicenseRequired on role holders is recorded, not an error', async () => {
    const snap = await collect({ licence: 'P1' });
    // Only the PIM policies (who must approve an activation) stay unread; the holders are complete without P2.
    expect(snap.errors.map((e) => [e.operation, e.inputs])).toEqual([
      ['entra:ListRoleManagementPolicyAssignments', ['entra.role_policy']], ['entra:ListAccessReviewDefinitions', ['entra.access_review']],
    ]);
    expect(byType(snap, 'entra.tenant')[0]!.attributes.pimLicensed).toBe(false);
    expect(statusOf(results(snap), 'entra.roles.global_admin_bounded', snap.scope)).toBe('pass'); // alice and ivan
  });

  it('an eligibility instance without its expanded principal is malformed', async () => {
    const snap = await collect({
      reply: (r) => (r.path === '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances'
        ? json({ value: [{ id: 'e1', principalId: 'p1', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/', principal: null }] }) : undefined),
    });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListRoleEligibilityScheduleInstances', cause: 'malformed', inputs: ['entra.role_assignment'] })]);
  });
});

describe('entra deadlines and causes', () => {
  it('a Retry-After beyond maxRetryWaitMs ends the read as throttled at once', async () => {
    const clock = new TestClock(Date.now());
    const snap = await collect({ reply: (r) => (r.path === '/v1.0/identity/conditionalAccess/policies' ? { status: 429, body: '', headers: { 'retry-after': '3600' } } : undefined) },
      { maxRetries: 6, maxRetryWaitMs: 1000 }, { clock });
    expect(clock.sleeps).toEqual([]);
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListConditionalAccessPolicies', cause: 'throttled', retryable: true })]);
    expect(snap.errors[0]!.permission).toBeUndefined();
  });

  it('a reply that never ends times out after requestTimeoutMs, naming the operation', async () => {
    const ops: string[] = [];
    const snap = await collect({ reply: (r) => (r.path === '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy' ? 'hang' : undefined) }, { requestTimeoutMs: 200 },
      { onOperation: (op) => ops.push(op) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:GetSecurityDefaults', cause: 'timeout', code: 'RequestTimeout' })]);
    expect(ops).toContain('entra:GetSecurityDefaults');
    expect(ops[0]).toBe('entra:token');
  });

  it('an aborted collection stops promptly', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const run = collect({ reply: (r) => { if (r.path === '/v1.0/users') { setImmediate(() => ac.abort(new Error('deadline'))); return 'hang'; } return undefined; } },
      {}, { signal: ac.signal });
    await expect(run).rejects.toThrow('deadline');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a failing token endpoint is one unauthenticated error, fast, and nothing else is asked', async () => {
    const snap = await collect({ reply: (r) => (r.path.endsWith('/oauth2/v2.0/token') ? json({ error: 'invalid_client', error_description: 'AADSTS7000222: The provided client secret keys are expired.' }, 401) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:token', cause: 'unauthenticated', code: 'invalid_client' })]);
    expect(snap.apiCalls).toBe(1);
    expect(results(snap).every((r) => r.status === 'error')).toBe(true);
  });

  it('a corrupt saved audit cursor is logged and kept when the read fails', async () => {
    const warnings: string[] = [];
    const logger = { ...deps.logger, warn: (_o: object | string, msg?: string) => { warnings.push(msg ?? ''); } };
    const snap = await collect({ reply: (r) => (r.path === '/v1.0/auditLogs/directoryAudits' ? json({}, 500) : undefined) }, { maxRetries: 0 },
      { cursors: { 'entra.directoryAudits': '{"t":"yesterday"' }, logger });
    expect(warnings).toContain('entra: saved audit cursor is corrupt; reading from the lookback window');
    expect(snap.metrics?.corruptCursor).toBe(1);
    expect(snap.cursors?.['entra.directoryAudits']).toBe('{"t":"yesterday"');
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListDirectoryAudits', cause: 'server_error' })]);
  });

  it('config rejects timeouts and waits outside their bounds, naming them', () => {
    const base = { tenantId: 't', clientId: 'c', clientSecret: 's' };
    expect(entraConfigSchema.parse(base).requestTimeoutMs).toBe(30_000);
    expect(() => entraConfigSchema.parse({ ...base, requestTimeoutMs: 50 })).toThrow('requestTimeoutMs must be between 100 and 300000 ms');
    expect(() => entraConfigSchema.parse({ ...base, maxRetryWaitMs: 86_400_000 })).toThrow('maxRetryWaitMs must be between 0 and 300000 ms');
    expect(() => entraConfigSchema.parse({ ...base, maxRetries: 100 })).toThrow('maxRetries must be between 0 and 10');
  });
});

describe('entra tenant and PIM policies completeness', () => {
  const AUTH = '/v1.0/policies/authorizationPolicy';
  const POL = '/v1.0/policies/roleManagementPolicyAssignments';
  const scopeStatus = (s: Snapshot, rule: string) => statusOf(results(s), rule, `entra:${s.scope}`);

  it('an authorization policy without permissionGrantPoliciesAssigned is malformed, not "no user consent"', async () => {
    const auth = { id: 'authorizationPolicy', allowInvitesFrom: 'none', guestUserRoleId: '2af84b1e-32c8-42b7-82bc-daa82404023b', defaultUserRolePermissions: { allowedToCreateApps: false } };
    const snap = await collect({ estate: { users: 5, seed: 3 }, reply: (r) => (r.path === AUTH ? json(auth) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:GetAuthorizationPolicy', cause: 'malformed', inputs: ['entra.authorization_policy'] })]);
    expect(snap.errors[0]!.message).toContain('permissionGrantPoliciesAssigned');
    expect(scopeStatus(snap, 'entra.policy.external_access_restricted')).toBe('error');
  });

  it('an admin consent policy without isEnabled is malformed', async () => {
    const snap = await collect({ reply: (r) => (r.path === '/v1.0/policies/adminConsentRequestPolicy' ? json({ reviewers: [] }) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:GetAdminConsentRequestPolicy', cause: 'malformed', inputs: ['entra.authorization_policy'] })]);
  });

  it('role policies listed without their expanded rules, or as an empty list, are malformed: approval is never assumed', async () => {
    const bare = await collect({ reply: (r) => (r.path === POL ? json({ value: [{ id: 'x', policyId: 'p', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', scopeId: '/', scopeType: 'DirectoryRole' }] }) : undefined) });
    expect(bare.errors).toEqual([expect.objectContaining({ operation: 'entra:ListRoleManagementPolicyAssignments', cause: 'malformed', inputs: ['entra.role_policy'] })]);
    expect(scopeStatus(bare, 'entra.roles.no_standing_privilege')).toBe('error');
    await emu!.close();
    const empty = await collect({ reply: (r) => (r.path === POL ? json({ value: [] }) : undefined) });
    expect(empty.errors[0]).toMatchObject({ operation: 'entra:ListRoleManagementPolicyAssignments', cause: 'malformed' });
  });

  it('the role policies request carries the filter Graph requires; without it the emulator answers 400 as Graph does', async () => {
    await collect();
    expect(emu!.stats.byPath[POL]).toBe(1);
    const tok = await (await fetch(`${emu!.url}/${emu!.tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'emulator-client-id', client_secret: 'emulator-client-secret', scope: 'x' }),
    })).json() as { access_token: string };
    const res = await fetch(`${emu!.url}${POL}`, { headers: { authorization: `Bearer ${tok.access_token}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BadRequest');
  });

  it('an active schedule instance without assignmentType errors the role input: a standing grant never reads as an activation', async () => {
    const snap = await collect({
      reply: (r) => (r.path === '/v1.0/roleManagement/directory/roleAssignmentScheduleInstances'
        ? json({ value: [{ id: 'i1', principalId: 'p', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/', principal: { '@odata.type': '#microsoft.graph.user', id: 'p' }, endDateTime: null }] })
        : undefined),
    });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListRoleAssignmentScheduleInstances', cause: 'malformed', inputs: ['entra.role_assignment'] })]);
    expect(scopeStatus(snap, 'entra.roles.no_standing_privilege')).toBe('error');
  });
});

describe('entra access reviews completeness', () => {
  it('an instance without endDateTime is malformed: a review is never taken as completed on a guess', async () => {
    const snap = await collect({ reply: (r) => (r.path.endsWith('/instances') ? json({ value: [{ id: 'i', status: 'Completed', startDateTime: '2026-01-01T00:00:00Z' }] }) : undefined) });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListAccessReviewInstances', cause: 'malformed', inputs: ['entra.access_review'] })]);
    expect(statusOf(results(snap), 'entra.governance.access_reviews_configured', `entra:${snap.scope}`)).toBe('error');
  });

  it('a 403 other than NoLicense names the permission', async () => {
    const snap = await collect({ deniedPermissions: ['AccessReview.Read.All'] });
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'entra:ListAccessReviewDefinitions', cause: 'denied', permission: 'AccessReview.Read.All' })]);
  });
});
