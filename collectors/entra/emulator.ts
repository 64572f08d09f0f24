// Local Microsoft Graph + token endpoint emulator for Entra ID: users, registration details, roles, Conditional Access,
// directory audits, role-assignable groups with transitive members, PIM schedule instances, with @odata.nextLink paging,
// Graph error bodies, licence/permission 403s (and PIM's 400 AadPremiumLicenseRequired), 429 Retry-After, and a reply
// hook for tests that degrade one reply.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { GLOBAL_ADMIN_TEMPLATE_ID, PHISHING_RESISTANT_STRENGTH_ID } from './types.js';

export interface EmuEntraUser {
  id: string; userPrincipalName: string; mail: string | null; displayName: string; accountEnabled: boolean; userType: string;
  createdDateTime: string; onPremisesSyncEnabled: boolean | null;
  signInActivity: { lastSignInDateTime: string | null; lastNonInteractiveSignInDateTime: string | null; lastSuccessfulSignInDateTime: string | null };
  methods: string[];
}

export interface EntraTenant {
  tenantId: string;
  users: EmuEntraUser[];
  roleDefinitions: Array<{ id: string; displayName: string; templateId: string; isBuiltIn: boolean }>;
  /** Permanent (or currently activated) assignments; principalId may be a user, a service principal or a group. */
  roleAssignments: Array<{ id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string }>;
  /** PIM eligibilities (served as roleEligibilityScheduleInstances, P2 only). */
  eligibilities: Array<{ id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string; startDateTime: string; endDateTime: string | null }>;
  /** PIM time-bound active assignments not listed in roleAssignments (served as roleAssignmentScheduleInstances). */
  pimActive: Array<{ id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string; startDateTime: string; endDateTime: string | null }>;
  groups: Array<{ id: string; displayName: string; isAssignableToRole: boolean; members: string[] }>;
  servicePrincipals: Array<{ id: string; displayName: string; appId: string }>;
  caPolicies: Array<Record<string, unknown> & { id: string; displayName: string }>;
  securityDefaults: boolean;
  audits: Array<Record<string, unknown> & { id: string; activityDateTime: string; activityDisplayName: string }>;
}

export interface EntraEmulatorOptions {
  port?: number;
  estate?: 'demo' | { users: number; seed?: number };
  clientId?: string;
  clientSecret?: string;
  /**
   * `free` makes signInActivity, registration details and Conditional Access answer Graph's licence 403; below `P2` the
   * PIM schedule-instance lists answer 400 AadPremiumLicenseRequired, as Graph does. @defaultValue 'P2'
   */
  licence?: 'free' | 'P1' | 'P2';
  /** Application permissions the app lacks. */
  deniedPermissions?: string[];
  /** Requests allowed per window before 429 with Retry-After. @defaultValue 100000 per 10 s */
  throttle?: { windowMs?: number; limit?: number };
  /** Largest page served (Graph: 999 for users). */
  maxPage?: number;
  now?: string;
  /**
   * Test hook: called for every request (token included, before any other handling) with its path and how many times that path was asked before;
   * a returned reply is sent instead of the real one ('hang' accepts and never answers, 'reset' drops the socket).
   */
  reply?: (req: { path: string; url: URL; n: number }) => EmulatorReply | undefined;
}

export type EmulatorReply = { status: number; body: string; headers?: Record<string, string> } | 'hang' | 'reset';

export interface EntraEmulator extends RunningEmulator {
  tenant: EntraTenant;
  stats: { requests: number; byPath: Record<string, number>; rejected429: number };
  /** Disables a user by UPN and writes the 'Disable account' audit event. */
  disableUser(upn: string, at?: Date): void;
}

const DAY = 86_400_000;
const ROLE_IDS = {
  globalAdmin: GLOBAL_ADMIN_TEMPLATE_ID,
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
};

function guid(n: number, salt: number): string {
  const h = (n * 2654435761 + salt * 97) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-${(n & 0xffff).toString(16).padStart(4, '0')}-4${(salt & 0xfff).toString(16).padStart(3, '0')}-8000-${n.toString(16).padStart(12, '0')}`;
}

interface UserOpts {
  enabled?: boolean; methods?: string[]; lastDays?: number | null; createdDays?: number; guest?: boolean; synced?: boolean;
  /** Days since the last failed interactive attempt (recorded in lastSignInDateTime when newer than the last success). */
  failedDays?: number;
  /** Days since the last non-interactive attempt, successful or not. */
  nonInteractiveDays?: number | null;
}

function user(n: number, upn: string, name: string, now: number, o: UserOpts): EmuEntraUser {
  const iso = (d: number | null | undefined) => (d === null || d === undefined ? null : new Date(now - d * DAY).toISOString());
  const success = o.lastDays === null ? null : (o.lastDays ?? 1);
  // lastSignInDateTime and lastNonInteractiveSignInDateTime record attempts, failed ones included (Graph signInActivity
  // docs); only lastSuccessfulSignInDateTime says the account was really used.
  const interactive = o.failedDays !== undefined && (success === null || o.failedDays < success) ? o.failedDays : success;
  const nonInteractive = o.nonInteractiveDays === undefined ? (success === null ? null : success + 0.5) : o.nonInteractiveDays;
  return {
    id: guid(n, 1), userPrincipalName: upn, mail: o.guest ? upn.split('#EXT#')[0]!.replace('_', '@') : upn, displayName: name,
    accountEnabled: o.enabled ?? true, userType: o.guest ? 'Guest' : 'Member', createdDateTime: new Date(now - (o.createdDays ?? 400) * DAY).toISOString(),
    onPremisesSyncEnabled: o.synced ? true : null,
    signInActivity: { lastSignInDateTime: iso(interactive), lastNonInteractiveSignInDateTime: iso(nonInteractive), lastSuccessfulSignInDateTime: iso(success) },
    methods: o.methods ?? [],
  };
}

function roleDefs(): EntraTenant['roleDefinitions'] {
  return [
    { id: ROLE_IDS.globalAdmin, displayName: 'Global Administrator', templateId: ROLE_IDS.globalAdmin, isBuiltIn: true },
    { id: ROLE_IDS.userAdmin, displayName: 'User Administrator', templateId: ROLE_IDS.userAdmin, isBuiltIn: true },
    { id: ROLE_IDS.globalReader, displayName: 'Global Reader', templateId: ROLE_IDS.globalReader, isBuiltIn: true },
  ];
}

function caPolicies(demo: boolean): EntraTenant['caPolicies'] {
  const common = { createdDateTime: '2025-01-10T09:00:00Z', modifiedDateTime: '2025-01-10T09:00:00Z', templateId: null, sessionControls: null };
  return [
    {
      id: 'a1f0c2d3-0000-4000-8000-00000000ca01', displayName: 'Require MFA for all users', ...common,
      state: demo ? 'enabledForReportingButNotEnforced' : 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] }, applications: { includeApplications: ['All'], excludeApplications: [] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [] },
    },
    {
      id: 'a1f0c2d3-0000-4000-8000-00000000ca02', displayName: 'Block legacy authentication', ...common, state: 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['exchangeActiveSync', 'other'] },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    },
    ...(demo ? [] : [{
      id: 'a1f0c2d3-0000-4000-8000-00000000ca03', displayName: 'Phishing-resistant MFA for admins', ...common, state: 'enabled',
      conditions: { users: { includeRoles: [ROLE_IDS.globalAdmin, ROLE_IDS.userAdmin] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID, displayName: 'Phishing-resistant MFA' } },
    }]),
  ];
}

function audit(t: EntraTenant, activity: string, target: EmuEntraUser, at: Date): void {
  t.audits.push({
    id: `Directory_${randomUUID()}`, category: activity.includes('role') ? 'RoleManagement' : 'UserManagement', correlationId: randomUUID(),
    result: 'success', resultReason: '', activityDisplayName: activity, activityDateTime: at.toISOString(), loggedByService: 'Core Directory',
    operationType: activity.startsWith('Add') ? 'Assign' : 'Update',
    initiatedBy: { app: null, user: { id: t.users[0]!.id, displayName: t.users[0]!.displayName, userPrincipalName: t.users[0]!.userPrincipalName, ipAddress: '' } },
    targetResources: [{ id: target.id, displayName: target.displayName, type: 'User', userPrincipalName: target.userPrincipalName, groupType: null,
      modifiedProperties: activity === 'Disable account' ? [{ displayName: 'AccountEnabled', oldValue: '[true]', newValue: '[false]' }] : [] }],
    additionalDetails: [],
  });
}

export function demoEntraTenant(now: number): EntraTenant {
  const users = [
    user(1, 'alice@example.com', 'Alice Admin', now, { methods: ['fido2', 'microsoftAuthenticatorPush'] }),
    user(2, 'bob@example.com', 'Bob Builder', now, { methods: ['mobilePhone'] }),
    user(3, 'carol@example.com', 'Carol NoMfa', now, { methods: [] }),
    user(4, 'dave@example.com', 'Dave Leaver', now, { enabled: false, methods: ['microsoftAuthenticatorPush'], lastDays: 3 }),
    user(5, 'erin@example.com', 'Erin Idle', now, { methods: ['softwareOneTimePasscode'], lastDays: 120 }),
    user(6, 'frank@example.com', 'Frank Never', now, { methods: ['microsoftAuthenticatorPush'], lastDays: null, createdDays: 60 }),
    user(7, 'partner_example.net#EXT#@example.onmicrosoft.com', 'Partner Guest', now, { guest: true, methods: ['email'], lastDays: 5 }),
    user(8, 'heidi@example.com', 'Heidi Good', now, { methods: ['windowsHelloForBusiness', 'microsoftAuthenticatorPush'], failedDays: 0.2 }),
    // Global Administrator only through the role-assignable group below, synced from on-premises, push only.
    user(9, 'ivan@example.com', 'Ivan Tier0', now, { methods: ['microsoftAuthenticatorPush'], synced: true }),
    // PIM-eligible Global Administrator, push only.
    user(10, 'judy@example.com', 'Judy Eligible', now, { methods: ['microsoftAuthenticatorPush'] }),
    // Dormant for 200 days but under password spraying: failed attempts yesterday, none succeeded.
    user(11, 'kim@example.com', 'Kim Sprayed', now, { methods: ['microsoftAuthenticatorPush'], lastDays: 200, failedDays: 1, nonInteractiveDays: 2 }),
    // Created long ago, never a successful sign-in recorded, failed attempts last week.
    user(12, 'leo@example.com', 'Leo Probed', now, { methods: ['microsoftAuthenticatorPush'], lastDays: null, failedDays: 6, nonInteractiveDays: null, createdDays: 900 }),
  ];
  const tier0 = { id: 'c0ffee00-0000-4000-8000-0000000000a1', displayName: 'Tier0 Admins', isAssignableToRole: true, members: [users[8]!.id] };
  const t: EntraTenant = {
    tenantId: '3f0c1b4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', users, roleDefinitions: roleDefs(),
    roleAssignments: [
      { id: 'ra-ga-alice', principalId: users[0]!.id, roleDefinitionId: ROLE_IDS.globalAdmin, directoryScopeId: '/' },
      { id: 'ra-ua-bob', principalId: users[1]!.id, roleDefinitionId: ROLE_IDS.userAdmin, directoryScopeId: '/' },
      { id: 'ra-ga-tier0', principalId: tier0.id, roleDefinitionId: ROLE_IDS.globalAdmin, directoryScopeId: '/' },
    ],
    eligibilities: [
      { id: 'es-ga-judy', principalId: users[9]!.id, roleDefinitionId: ROLE_IDS.globalAdmin, directoryScopeId: '/', startDateTime: new Date(now - 30 * DAY).toISOString(), endDateTime: null },
    ],
    pimActive: [], groups: [tier0], servicePrincipals: [],
    caPolicies: caPolicies(true), securityDefaults: false, audits: [],
  };
  audit(t, 'Add member to role', users[1]!, new Date(now - 20 * DAY));
  audit(t, 'Disable account', users[3]!, new Date(now - 2 * DAY));
  return t;
}

export function generatedEntraTenant(n: number, seed: number, now: number): EntraTenant {
  let s = seed >>> 0;
  const r = () => { s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0; return s / 4294967296; };
  const users: EmuEntraUser[] = [];
  for (let i = 0; i < n; i++) {
    const m = r();
    const methods = m < 0.05 ? [] : m < 0.1 ? ['mobilePhone'] : m < 0.25 ? ['fido2', 'microsoftAuthenticatorPush'] : ['microsoftAuthenticatorPush', 'softwareOneTimePasscode'];
    users.push(user(i + 1, `user${i + 1}@example.com`, `User ${i + 1}`, now, { enabled: r() > 0.03, methods, lastDays: r() < 0.05 ? null : Math.floor(r() * 150) }));
  }
  const t: EntraTenant = {
    tenantId: '9a8b7c6d-0000-4000-8000-00000000beef', users, roleDefinitions: roleDefs(),
    roleAssignments: users.slice(0, 30).map((u, i) => ({ id: `ra-${i}`, principalId: u.id, roleDefinitionId: i < 3 ? ROLE_IDS.globalAdmin : i < 12 ? ROLE_IDS.userAdmin : ROLE_IDS.globalReader, directoryScopeId: '/' })),
    eligibilities: [], pimActive: [], groups: [], servicePrincipals: [],
    caPolicies: caPolicies(false), securityDefaults: false, audits: [],
  };
  for (const u of users.filter((u) => !u.accountEnabled)) audit(t, 'Disable account', u, new Date(now - Math.floor(r() * 25) * DAY));
  return t;
}

/** A policy as Graph serializes it: every collection of conditionalAccessUsers/Applications present, empty when unused. */
function caPolicyOut(p: EntraTenant['caPolicies'][number]): unknown {
  const c = (p.conditions ?? {}) as { users?: Record<string, unknown>; applications?: Record<string, unknown>; clientAppTypes?: string[] };
  const list = (o: Record<string, unknown> | undefined, k: string) => (Array.isArray(o?.[k]) ? o![k] : []);
  const users = Object.fromEntries(['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles'].map((k) => [k, list(c.users, k)]));
  const applications = Object.fromEntries(['includeApplications', 'excludeApplications', 'includeUserActions', 'includeAuthenticationContextClassReferences'].map((k) => [k, list(c.applications, k)]));
  const g = p.grantControls as Record<string, unknown> | null | undefined;
  return {
    ...p,
    conditions: { userRiskLevels: [], signInRiskLevels: [], platforms: null, locations: null, ...c, users, applications, clientAppTypes: c.clientAppTypes ?? ['all'] },
    grantControls: g ? { operator: 'OR', customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null, ...g, builtInControls: Array.isArray(g.builtInControls) ? g.builtInControls : [] } : null,
  };
}

/** Permission each path needs, and whether it needs a premium (P1) licence. */
const ROUTES: Array<[RegExp, string, boolean]> = [
  [/^\/v1\.0\/users$/, 'User.Read.All', false],
  [/^\/v1\.0\/reports\/authenticationMethods\/userRegistrationDetails$/, 'AuditLog.Read.All', true],
  [/^\/v1\.0\/roleManagement\/directory\/role(Definitions|Assignments|EligibilityScheduleInstances|AssignmentScheduleInstances)$/, 'RoleManagement.Read.Directory', false],
  [/^\/v1\.0\/groups\/[^/]+\/transitiveMembers$/, 'GroupMember.Read.All', false],
  [/^\/v1\.0\/identity\/conditionalAccess\/policies$/, 'Policy.Read.All', true],
  [/^\/v1\.0\/policies\/identitySecurityDefaultsEnforcementPolicy$/, 'Policy.Read.All', false],
  [/^\/v1\.0\/auditLogs\/directoryAudits$/, 'AuditLog.Read.All', false],
];

export async function startEntraEmulator(opts: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const now = opts.now ? Date.parse(opts.now) : Date.now();
  const tenant = opts.estate === undefined || opts.estate === 'demo' ? demoEntraTenant(now) : generatedEntraTenant(opts.estate.users, opts.estate.seed ?? 1, now);
  const clientId = opts.clientId ?? 'emulator-client-id';
  const clientSecret = opts.clientSecret ?? 'emulator-client-secret';
  const licence = opts.licence ?? 'P2';
  const asked: Record<string, number> = {};
  const denied = new Set(opts.deniedPermissions ?? []);
  const windowMs = opts.throttle?.windowMs ?? 10_000;
  const limit = opts.throttle?.limit ?? 100_000;
  const maxPage = opts.maxPage ?? 999;
  const tokens = new Set<string>();
  const stats: EntraEmulator['stats'] = { requests: 0, byPath: {}, rejected429: 0 };
  let win = { start: 0, count: 0 };
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', 'request-id': randomUUID(), ...headers });
    res.end(JSON.stringify(body));
  };
  const graphError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } }, headers);

  const paged = <T>(res: ServerResponse, url: URL, items: T[], context: string, map: (t: T) => unknown = (t) => t) => {
    const top = Math.min(Number(url.searchParams.get('$top') ?? 100) || 100, maxPage);
    const skip = Number(Buffer.from(url.searchParams.get('$skiptoken') ?? '', 'base64url').toString() || 0);
    const slice = items.slice(skip, skip + top);
    const body: Record<string, unknown> = { '@odata.context': `${base}/v1.0/$metadata#${context}`, value: slice.map(map) };
    if (skip + top < items.length) {
      const nu = new URL(url.pathname + url.search, base);
      nu.searchParams.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
      body['@odata.nextLink'] = nu.toString();
    }
    send(res, 200, body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (!path.startsWith('/__emulator/')) {
      const n = asked[path] ?? 0;
      asked[path] = n + 1;
      const override = opts.reply?.({ path, url, n });
      if (override === 'hang') return;
      if (override === 'reset') { res.socket?.destroy(); return; }
      if (override) { res.writeHead(override.status, { 'content-type': 'application/json', ...override.headers }); res.end(override.body); return; }
    }
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (req.method === 'POST' && tokenPath) {
      const f = new URLSearchParams(body);
      if (decodeURIComponent(tokenPath[1]!) !== tenant.tenantId) {
        return send(res, 400, { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${tokenPath[1]}' not found.`, error_codes: [90002] });
      }
      if (f.get('client_id') !== clientId || f.get('client_secret') !== clientSecret) {
        return send(res, 401, { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${f.get('client_id')}'.`, error_codes: [7000215] });
      }
      const tok = `eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ tid: tenant.tenantId, roles: [] })).toString('base64url')}.${randomUUID()}`;
      tokens.add(tok);
      return send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: tok });
    }
    if (req.method === 'POST' && path.startsWith('/__emulator/users/')) {
      const [, , , upn, action] = path.split('/');
      if (action !== 'disable') return send(res, 404, {});
      api.disableUser(decodeURIComponent(upn ?? ''));
      return send(res, 200, { ok: true });
    }
    const route = ROUTES.find(([re]) => re.test(path));
    if (req.method !== 'GET' || !route) return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');

    const t = Date.now();
    if (t >= win.start + windowMs) win = { start: t, count: 0 };
    if (win.count >= limit) {
      stats.rejected429++;
      return graphError(res, 429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(Math.max(1, Math.ceil((win.start + windowMs - t) / 1000))) });
    }
    win.count++;
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;

    const [, permission, premium] = route;
    const select = (url.searchParams.get('$select') ?? '').split(',').filter(Boolean);
    const wantsSignIn = path === '/v1.0/users' && select.includes('signInActivity');
    if ((premium || wantsSignIn) && licence === 'free') {
      return graphError(res, 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
    }
    if (denied.has(permission) || (wantsSignIn && denied.has('AuditLog.Read.All'))) {
      return graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    // PIM needs Entra ID P2 (or ID Governance); Graph answers 400, not 403, on a tenant without it.
    if (/ScheduleInstances$/.test(path) && licence !== 'P2') {
      return graphError(res, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    }
    const principalOf = (id: string): Record<string, unknown> | null => {
      const u = tenant.users.find((x) => x.id === id);
      if (u) return { '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName };
      const g = tenant.groups.find((x) => x.id === id);
      if (g) return { '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName, isAssignableToRole: g.isAssignableToRole };
      const sp = tenant.servicePrincipals.find((x) => x.id === id);
      if (sp) return { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, displayName: sp.displayName, appId: sp.appId };
      return null;
    };
    const expand = <T extends { principalId: string }>(a: T): T & { principal?: unknown } => (url.searchParams.get('$expand') === 'principal' ? { ...a, principal: principalOf(a.principalId) } : a);
    const groupMembers = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers$/.exec(path);
    if (groupMembers) {
      const g = tenant.groups.find((x) => x.id === decodeURIComponent(groupMembers[1]!));
      if (!g) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${groupMembers[1]}' does not exist or one of its queried reference-property objects are not present.`);
      return paged(res, url, g.members, 'directoryObjects', (id) => principalOf(id));
    }

    const userOut = (u: EmuEntraUser) => {
      const full: Record<string, unknown> = { ...u };
      delete full.methods;
      const s = u.signInActivity;
      // A user with no recorded sign-in attempt has no signInActivity in the reply.
      if (!s.lastSignInDateTime && !s.lastNonInteractiveSignInDateTime && !s.lastSuccessfulSignInDateTime) delete full.signInActivity;
      else full.signInActivity = { ...s, lastSignInRequestId: randomUUID(), lastNonInteractiveSignInRequestId: randomUUID(), lastSuccessfulSignInRequestId: randomUUID() };
      if (select.length === 0) { delete full.signInActivity; return full; }
      return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
    };
    switch (path) {
      case '/v1.0/users': return paged(res, url, tenant.users, `users(${select.join(',')})`, userOut);
      case '/v1.0/reports/authenticationMethods/userRegistrationDetails':
        return paged(res, url, tenant.users, 'reports/authenticationMethods/userRegistrationDetails', (u) => {
          const admin = tenant.roleAssignments.some((a) => a.principalId === u.id);
          const mfa = u.methods.some((m) => m !== 'email' && m !== 'securityQuestion');
          return {
            id: u.id, userPrincipalName: u.userPrincipalName, userDisplayName: u.displayName, userType: u.userType === 'Guest' ? 'guest' : 'member',
            isAdmin: admin, isSsprRegistered: u.methods.length > 0, isSsprEnabled: true, isSsprCapable: u.methods.length > 0,
            isMfaRegistered: mfa, isMfaCapable: mfa, isPasswordlessCapable: u.methods.includes('fido2') || u.methods.includes('windowsHelloForBusiness'),
            methodsRegistered: u.methods, isSystemPreferredAuthenticationMethodEnabled: false, systemPreferredAuthenticationMethods: [],
            userPreferredMethodForSecondaryAuthentication: u.methods[0] ?? 'none', lastUpdatedDateTime: u.createdDateTime,
          };
        });
      case '/v1.0/roleManagement/directory/roleDefinitions': return paged(res, url, tenant.roleDefinitions, 'roleManagement/directory/roleDefinitions');
      case '/v1.0/roleManagement/directory/roleAssignments':
        return paged(res, url, tenant.roleAssignments, 'roleManagement/directory/roleAssignments(principal())', expand);
      case '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances':
        return paged(res, url, tenant.eligibilities, 'roleManagement/directory/roleEligibilityScheduleInstances(principal())', (e) => expand({
          ...e, appScopeId: null, memberType: 'Direct', roleEligibilityScheduleId: `${e.id}-schedule`,
        }));
      case '/v1.0/roleManagement/directory/roleAssignmentScheduleInstances': {
        // Every active assignment has an instance: the permanent ones ('Assigned', no end) and PIM activations ('Activated').
        const all = [
          ...tenant.roleAssignments.map((a) => ({ ...a, startDateTime: null, endDateTime: null, assignmentType: 'Assigned' })),
          ...tenant.pimActive.map((a) => ({ ...a, assignmentType: 'Activated' })),
        ];
        return paged(res, url, all, 'roleManagement/directory/roleAssignmentScheduleInstances(principal())', (a) => expand({
          ...a, appScopeId: null, memberType: 'Direct', roleAssignmentOriginId: a.id, roleAssignmentScheduleId: `${a.id}-schedule`,
        }));
      }
      case '/v1.0/identity/conditionalAccess/policies': return paged(res, url, tenant.caPolicies, 'identity/conditionalAccess/policies', caPolicyOut);
      case '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy':
        return send(res, 200, { '@odata.context': `${base}/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`, id: '00000000-0000-0000-0000-000000000005', displayName: 'Security Defaults', description: 'Security defaults is a set of basic identity security mechanisms recommended by Microsoft.', isEnabled: tenant.securityDefaults });
      case '/v1.0/auditLogs/directoryAudits': {
        const filter = url.searchParams.get('$filter') ?? '';
        const ge = /activityDateTime ge ([0-9T:.Z-]+)/.exec(filter)?.[1];
        const names = new Set([...filter.matchAll(/activityDisplayName eq '([^']+)'/g)].map((m) => m[1]));
        const list = tenant.audits
          .filter((a) => (!ge || Date.parse(a.activityDateTime) >= Date.parse(ge)) && (names.size === 0 || names.has(a.activityDisplayName)))
          .sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
        return paged(res, url, list, 'auditLogs/directoryAudits');
      }
    }
    return graphError(res, 400, 'BadRequest', 'Unsupported');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try { handle(req, res, Buffer.concat(chunks).toString()); } catch (e) { graphError(res, 500, 'InternalServerError', String(e)); }
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: EntraEmulator = {
    url: base, tenant, stats,
    disableUser(upn, at = new Date()) {
      const u = tenant.users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
      if (!u) throw new Error(`emulator: no user ${upn}`);
      u.accountEnabled = false;
      audit(tenant, 'Disable account', u, at);
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return api;
}
