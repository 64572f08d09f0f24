// Local Google Admin SDK emulator: OAuth JWT-bearer token endpoint with domain-wide delegation scopes, Directory users,
// roles, role assignments (to users and to groups), group members, Reports activities (late deliveries too), with pageToken
// paging, empty lists omitted as Google omits them, Google error bodies, quota errors and per-request reply overrides.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { systemClock, type Clock } from '../../src/core/collector.js';
import { replyOverrides, type EmulatorReply, type ReplyHook } from '../../src/core/emulator-reply.js';
import { GOOGLE_WORKSPACE_SCOPES } from './config.js';

export interface EmuGwsUser {
  id: string; primaryEmail: string; name: { givenName: string; familyName: string; fullName: string }; isAdmin: boolean; isDelegatedAdmin: boolean;
  lastLoginTime: string; creationTime: string; suspended: boolean; archived: boolean; isEnrolledIn2Sv: boolean; isEnforcedIn2Sv: boolean; orgUnitPath: string;
}
export interface EmuActivity {
  kind: 'admin#reports#activity';
  id: { time: string; uniqueQualifier: string; applicationName: string; customerId: string };
  actor: { email: string; profileId: string; callerType: 'USER' };
  ipAddress: string;
  events: Array<{ type: string; name: string; parameters: Array<{ name: string; value?: string; boolValue?: boolean }> }>;
}
export interface GwsTenant {
  customerId: string;
  users: EmuGwsUser[];
  roles: Array<{ roleId: string; roleName: string; roleDescription: string; isSystemRole: boolean; isSuperAdminRole: boolean }>;
  /** assigneeType as the reference spells it: USER or GROUP (assignedTo is then a group id). */
  roleAssignments: Array<{ roleAssignmentId: string; roleId: string; assignedTo: string; assigneeType: 'USER' | 'GROUP'; scopeType: 'CUSTOMER' | 'ORG_UNIT'; orgUnitId?: string }>;
  /** Groups by id; a member is a user id (type USER), a group id (type GROUP, nested) or `CUSTOMER`. */
  groups: Array<{ id: string; email: string; members: Array<{ type: 'USER' | 'GROUP' | 'CUSTOMER' | 'EXTERNAL'; id: string; email?: string }> }>;
  activities: EmuActivity[];
  /** The OU tree: ids without the `id:` prefix; the root has path `/` and no parent. */
  orgUnits: Array<{ id: string; name: string; path: string; parentId: string | null }>;
  /** Cloud Identity Policy API policies: a setting type (without `settings/`) and value bound to an OU, optionally a group. */
  policies: Array<{ id: string; type: string; value: Record<string, unknown>; orgUnitId: string; groupId?: string; sortOrder: number }>;
}

export type { EmulatorReply };

export interface GwsEmulatorOptions {
  port?: number;
  estate?: 'demo' | { users: number; seed?: number };
  /** Service-account client email accepted at the token endpoint. */
  clientEmail?: string;
  /** Scopes not authorised under domain-wide delegation: tokens asking for them get `unauthorized_client`. */
  deniedScopes?: string[];
  /** Requests per window before 429 RESOURCE_EXHAUSTED (or 403 userRateLimitExceeded when `rateLimit403`). */
  quota?: { windowMs?: number; limit?: number; as403?: boolean };
  /** Fixed 'now' for generated timestamps (ISO). @defaultValue `clock` at start */
  now?: string;
  /** What "now" is for quota windows and admin actions, so a test can move time instead of waiting. @defaultValue the real clock */
  clock?: Clock;
  /** Replaces the reply to a request (n counts earlier requests to the same path), for degradation tests. */
  reply?: ReplyHook;
}

export interface GwsEmulator extends RunningEmulator {
  tenant: GwsTenant;
  stats: { requests: number; byPath: Record<string, number>; rejected: number; tokens: number };
  /** Suspends a user by email and writes the SUSPEND_USER admin activity. */
  suspendUser(email: string, at?: Date): void;
  /** Writes an activity now visible to the Reports API, with its own (possibly past) event time: a late delivery. */
  recordActivity(app: 'admin' | 'login', actor: string, type: string, name: string, params: Record<string, string>, at: Date): void;
}

const DAY = 86_400_000;

function mkUser(n: number, email: string, full: string, now: number, o: { enrolled?: boolean; enforced?: boolean; superAdmin?: boolean; delegated?: boolean; suspended?: boolean; lastDays?: number | null; createdDays?: number }): EmuGwsUser {
  const [givenName = '', familyName = ''] = full.split(' ');
  return {
    id: `1${String(n * 7919).padStart(20, '0')}`, primaryEmail: email, name: { givenName, familyName, fullName: full },
    isAdmin: !!o.superAdmin, isDelegatedAdmin: !!o.delegated,
    lastLoginTime: o.lastDays === null ? '1970-01-01T00:00:00.000Z' : new Date(now - (o.lastDays ?? 1) * DAY).toISOString(),
    creationTime: new Date(now - (o.createdDays ?? 400) * DAY).toISOString(), suspended: !!o.suspended, archived: false,
    isEnrolledIn2Sv: o.enrolled ?? true, isEnforcedIn2Sv: o.enforced ?? true, orgUnitPath: '/',
  };
}

const ROLES: GwsTenant['roles'] = [
  { roleId: '91447453409034240', roleName: '_SEED_ADMIN_ROLE', roleDescription: 'Google Apps Administrator Seed Role', isSystemRole: true, isSuperAdminRole: true },
  { roleId: '91447453409034241', roleName: '_USER_MANAGEMENT_ADMIN_ROLE', roleDescription: 'User Management Administrator', isSystemRole: true, isSuperAdminRole: false },
  { roleId: '91447453409034242', roleName: '_HELP_DESK_ADMIN_ROLE', roleDescription: 'Help Desk Administrator', isSystemRole: true, isSuperAdminRole: false },
];

function activity(t: GwsTenant, app: 'admin' | 'login', actor: string, type: string, name: string, params: Record<string, string>, at: Date): void {
  t.activities.push({
    kind: 'admin#reports#activity', id: { time: at.toISOString(), uniqueQualifier: String(BigInt.asIntN(64, BigInt(Math.floor(Math.random() * 2 ** 52)))), applicationName: app, customerId: 'C03az79cb' },
    actor: { email: actor, profileId: '100000000000000000001', callerType: 'USER' }, ipAddress: '203.0.113.7',
    events: [{ type, name, parameters: Object.entries(params).map(([k, v]) => ({ name: k, value: v })) }],
  });
}

const ROOT_OU = '03ph8a2z1enx4lx';

/** Security settings as an admin sets them at the root: 2SV enforced without SMS, strong passwords, 12 h sessions. */
function rootPolicies(o: { superAdminRecovery: boolean; factorSet: string; inactiveAlerts: string[] }): GwsTenant['policies'] {
  const p = (n: number, type: string, value: Record<string, unknown>) => ({ id: `policies/ahv4hg7qc24kvaghb7zihwf4rie${n}a`, type, value, orgUnitId: ROOT_OU, sortOrder: 1 });
  return [
    p(1, 'security.two_step_verification_enforcement', { enforcedFrom: '2024-02-16T23:22:21.732Z' }),
    p(2, 'security.two_step_verification_enforcement_factor', { allowedSignInFactorSet: o.factorSet }),
    p(3, 'security.two_step_verification_grace_period', { enrollmentGracePeriod: '604800s' }),
    p(4, 'security.two_step_verification_enrollment', { allowEnrollment: true }),
    p(5, 'security.password', { allowedStrength: 'STRONG', minimumLength: 12, maximumLength: 100, enforceRequirementsAtLogin: true, allowReuse: false, expirationDuration: '0s' }),
    p(6, 'security.session_controls', { webSessionDuration: '43200s' }),
    p(7, 'security.super_admin_account_recovery', { enableAccountRecovery: o.superAdminRecovery }),
    p(8, 'security.user_account_recovery', { enableAccountRecovery: false }),
    ...SYSTEM_ALERTS.map((name, i) => ({
      id: `policies/ahv4hg7qc24kvaghb7zihwf4rial${i}a`, type: 'rule.system_defined_alerts', orgUnitId: ROOT_OU, sortOrder: 1,
      value: { displayName: name, description: `${name} (system-defined alert)`, state: o.inactiveAlerts.includes(name) ? 'INACTIVE' : 'ACTIVE' },
    })),
  ];
}

/** Some of Google's system-defined alert rules (Admin console › Rules, type System defined). */
const SYSTEM_ALERTS = ['Government-backed attacks', 'Leaked password', 'Suspicious login', 'User granted Admin privilege', 'Suspended user made active'];

export function demoGwsTenant(now: number): GwsTenant {
  const users = [
    mkUser(1, 'alice@example.com', 'Alice Admin', now, { superAdmin: true }),
    mkUser(2, 'bob@example.com', 'Bob Builder', now, { delegated: true, enrolled: false, enforced: false }),
    mkUser(3, 'carol@example.com', 'Carol NoMfa', now, { enrolled: false, enforced: false }),
    mkUser(4, 'dave@example.com', 'Dave Leaver', now, { suspended: true, lastDays: 3 }),
    mkUser(5, 'erin@example.com', 'Erin Idle', now, { lastDays: 120 }),
    mkUser(6, 'frank@example.com', 'Frank Never', now, { lastDays: null, createdDays: 60 }),
    mkUser(7, 'heidi@example.com', 'Heidi Good', now, {}),
  ];
  const t: GwsTenant = {
    customerId: 'C03az79cb', users, roles: ROLES,
    roleAssignments: [
      { roleAssignmentId: '9144745340903424001', roleId: ROLES[0]!.roleId, assignedTo: users[0]!.id, assigneeType: 'USER', scopeType: 'CUSTOMER' },
      { roleAssignmentId: '9144745340903424002', roleId: ROLES[1]!.roleId, assignedTo: users[1]!.id, assigneeType: 'USER', scopeType: 'CUSTOMER' },
      // Help desk through a group: carol directly, heidi through a nested group (only derived membership finds her).
      { roleAssignmentId: '9144745340903424003', roleId: ROLES[2]!.roleId, assignedTo: '03as4poj1qd1lqb', assigneeType: 'GROUP', scopeType: 'CUSTOMER' },
    ],
    groups: [
      { id: '03as4poj1qd1lqb', email: 'helpdesk@example.com', members: [{ type: 'USER', id: users[2]!.id }, { type: 'GROUP', id: '01ci93xb3tmzcaq' }] },
      { id: '01ci93xb3tmzcaq', email: 'helpdesk-emea@example.com', members: [{ type: 'USER', id: users[6]!.id }] },
    ],
    activities: [],
    orgUnits: [
      { id: ROOT_OU, name: 'example.com', path: '/', parentId: null },
      { id: '03ph8a2z23yjui6', name: 'Engineering', path: '/Engineering', parentId: ROOT_OU },
      { id: '03ph8a2z3k0bq1d', name: 'Contractors', path: '/Contractors', parentId: ROOT_OU },
    ],
    // Seeded weaknesses: contractors are exempt from 2SV and may use SMS, engineering sessions last 14 days, super
    // admins can recover their own accounts, and admins (at the root) are not held to security keys.
    policies: [
      ...rootPolicies({ superAdminRecovery: true, factorSet: 'NO_TELEPHONY', inactiveAlerts: ['Leaked password'] }),
      { id: 'policies/ahv4hg7qc24kvaghb7zihwf4rie9a', type: 'security.two_step_verification_enforcement', value: {}, orgUnitId: '03ph8a2z3k0bq1d', sortOrder: 1 },
      { id: 'policies/ahv4hg7qc24kvaghb7zihwf4rie10a', type: 'security.two_step_verification_enforcement_factor', value: { allowedSignInFactorSet: 'ALL' }, orgUnitId: '03ph8a2z3k0bq1d', sortOrder: 1 },
      { id: 'policies/ahv4hg7qc24kvaghb7zihwf4rie11a', type: 'security.session_controls', value: { webSessionDuration: '1209600s' }, orgUnitId: '03ph8a2z23yjui6', sortOrder: 1 },
    ],
  };
  activity(t, 'admin', 'alice@example.com', 'DELEGATED_ADMIN_SETTINGS', 'ASSIGN_ROLE', { ROLE_NAME: '_USER_MANAGEMENT_ADMIN_ROLE', USER_EMAIL: 'bob@example.com' }, new Date(now - 20 * DAY));
  activity(t, 'admin', 'alice@example.com', 'USER_SETTINGS', 'SUSPEND_USER', { USER_EMAIL: 'dave@example.com' }, new Date(now - 2 * DAY));
  activity(t, 'login', 'heidi@example.com', 'login', 'login_success', { login_type: 'google_password' }, new Date(now - 1 * DAY));
  activity(t, 'login', 'carol@example.com', 'login', 'login_failure', { login_type: 'google_password', login_failure_type: 'login_failure_invalid_password' }, new Date(now - 1 * DAY));
  return t;
}

export function generatedGwsTenant(n: number, seed: number, now: number): GwsTenant {
  let s = seed >>> 0;
  const r = () => { s = (Math.imul(s ^ (s >>> 13), 1274126177) + 0x6d2b79f5) >>> 0; return s / 4294967296; };
  const users: EmuGwsUser[] = [];
  for (let i = 0; i < n; i++) {
    users.push(mkUser(i + 1, `user${i + 1}@example.com`, `User ${i + 1}`, now, {
      superAdmin: i < 3, delegated: i >= 3 && i < 15, enrolled: r() > 0.05, suspended: r() < 0.03, lastDays: r() < 0.05 ? null : Math.floor(r() * 150),
    }));
  }
  const t: GwsTenant = {
    customerId: 'C0generated', users, roles: ROLES,
    roleAssignments: [
      ...users.slice(0, 15).map((u, i) => ({ roleAssignmentId: String(9144745340903425000 + i), roleId: ROLES[i < 3 ? 0 : 1]!.roleId, assignedTo: u.id, assigneeType: 'USER' as const, scopeType: 'CUSTOMER' as const })),
      // Help desk held through a group, as larger tenants usually grant delegated roles.
      ...(n > 15 ? [{ roleAssignmentId: '9144745340903426000', roleId: ROLES[2]!.roleId, assignedTo: '03helpdeskgen00', assigneeType: 'GROUP' as const, scopeType: 'CUSTOMER' as const }] : []),
    ],
    groups: n > 15 ? [{ id: '03helpdeskgen00', email: 'helpdesk@example.com', members: users.slice(15, Math.min(n, 25)).map((u) => ({ type: 'USER' as const, id: u.id })) }] : [],
    activities: [],
    orgUnits: [{ id: ROOT_OU, name: 'example.com', path: '/', parentId: null }, { id: '03ph8a2z23yjui6', name: 'Staff', path: '/Staff', parentId: ROOT_OU }],
    policies: rootPolicies({ superAdminRecovery: false, factorSet: 'PASSKEY_ONLY', inactiveAlerts: [] }),
  };
  for (const u of users.filter((x) => x.suspended)) activity(t, 'admin', users[0]!.primaryEmail, 'USER_SETTINGS', 'SUSPEND_USER', { USER_EMAIL: u.primaryEmail }, new Date(now - Math.floor(r() * 25) * DAY));
  for (let i = 0; i < Math.ceil(n / 10); i++) {
    activity(t, 'login', users[i]!.primaryEmail, 'login', i % 10 === 0 ? 'login_failure' : 'login_success', { login_type: 'google_password' }, new Date(now - Math.floor(r() * 20) * DAY));
  }
  return t;
}

/** Splits a `fields` selector at top-level commas: `kind,users(id,name/fullName)` → [`kind`, `users(id,name/fullName)`]. */
function splitTop(sel: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    cur += ch;
  }
  if (cur) out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** Google's partial response: only the selected fields come back (`a/b` a sub-field, `list(x,y)` fields of each entry). */
export function partial(v: unknown, sel: string): unknown {
  if (Array.isArray(v)) return v.map((x) => partial(x, sel));
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of splitTop(sel)) {
    const paren = /^([^(/]+)\((.*)\)$/.exec(f);
    const [head, rest] = paren ? [paren[1]!, paren[2]!] : f.includes('/') ? [f.slice(0, f.indexOf('/')), f.slice(f.indexOf('/') + 1)] : [f, undefined];
    if (!(head in o)) continue;
    const picked = rest === undefined ? o[head] : partial(o[head], rest);
    const prev = out[head];
    out[head] = prev && typeof prev === 'object' && !Array.isArray(prev) && picked && typeof picked === 'object' ? { ...prev, ...picked } : picked;
  }
  return out;
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' });
  res.end(JSON.stringify(body));
};

/** Google's error body: usage-limit reasons in domain `usageLimits`, the rest in `global`. */
const gError = (res: ServerResponse, status: number, reason: string, message: string, statusText?: string) =>
  send(res, status, { error: { code: status, message, errors: [{ message, domain: reason.includes('RateLimit') || reason === 'rateLimitExceeded' ? 'usageLimits' : 'global', reason }], ...(statusText ? { status: statusText } : {}) } });

/** The service account's JWT-bearer grant: issuer must be the client email, each scope authorised for delegation; signature not checked. */
function grantToken(res: ServerResponse, body: string, clientEmail: string, denied: Set<string>, tokens: Map<string, Set<string>>): void {
  const f = new URLSearchParams(body);
  let claims: { iss?: string; sub?: string; scope?: string; aud?: string } = {};
  try { claims = JSON.parse(Buffer.from((f.get('assertion') ?? '').split('.')[1] ?? '', 'base64url').toString()); } catch { /* invalid */ }
  if (f.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || claims.iss !== clientEmail) {
    return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
  }
  const scopes = (claims.scope ?? '').split(' ').filter(Boolean);
  if (!claims.sub || scopes.some((s) => denied.has(s))) {
    return send(res, 401, { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' });
  }
  const tok = `ya29.emu-${randomUUID()}`;
  tokens.set(tok, new Set(scopes));
  return send(res, 200, { access_token: tok, expires_in: 3599, token_type: 'Bearer' });
}

/** A group's members as the Directory API lists them; with `derived`, members of nested groups too (each once). */
function groupMembers(tenant: GwsTenant, g: GwsTenant['groups'][number], derived: boolean): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  const walk = (grp: GwsTenant['groups'][number]) => {
    for (const m of grp.members) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      const u = tenant.users.find((x) => x.id === m.id);
      out.push({ kind: 'admin#directory#member', etag: '"m"', id: m.id, ...(u ? { email: u.primaryEmail } : m.email ? { email: m.email } : {}), role: 'MEMBER', type: m.type, status: 'ACTIVE' });
      const sub = m.type === 'GROUP' ? tenant.groups.find((x) => x.id === m.id) : undefined;
      if (derived && sub) walk(sub);
    }
  };
  walk(g);
  return out;
}

/** Directory orgunits.list (one reply, no paging): type=all_including_parent includes the root; the default lists its children. */
function serveOrgUnits(res: ServerResponse, url: URL, tenant: GwsTenant): void {
  const all = url.searchParams.get('type') === 'all_including_parent';
  const ous = tenant.orgUnits.filter((o) => (all ? true : o.parentId === tenant.orgUnits[0]!.id)).map((o) => ({
    kind: 'admin#directory#orgUnit', etag: '"ou"', name: o.name, description: '', orgUnitPath: o.path, orgUnitId: `id:${o.id}`,
    ...(o.parentId ? { parentOrgUnitPath: tenant.orgUnits.find((p) => p.id === o.parentId)?.path ?? '/', parentOrgUnitId: `id:${o.parentId}` } : {}),
  }));
  send(res, 200, { kind: 'admin#directory#orgUnits', etag: `"${randomUUID()}"`, ...(ous.length ? { organizationUnits: ous } : {}) });
}

/**
 * Cloud Identity policies.list: `filter` as `setting.type.matches('<RE2>')` (optionally `&& customer == "customers/…"`),
 * pageSize 1–100 (default 50). After the last page of policies one blank page (no `policies`, a nextPageToken) is sent,
 * as the real API does (ScubaGoggles' policy_api.py: "only one page of actual content … with 2 blank pages").
 */
function servePolicies(res: ServerResponse, url: URL, tenant: GwsTenant): void {
  const filter = url.searchParams.get('filter') ?? '';
  let re: RegExp | null = null;
  if (filter) {
    const m = /setting\.type\.matches\('([^']*)'\)/.exec(filter);
    if (!m) return gError(res, 400, 'badRequest', `Invalid filter: ${filter}`, 'INVALID_ARGUMENT');
    try { re = new RegExp(m[1]!); } catch { return gError(res, 400, 'badRequest', `Invalid regular expression in filter: ${m[1]}`, 'INVALID_ARGUMENT'); }
  }
  const size = Math.min(Number(url.searchParams.get('pageSize') ?? 50) || 50, 100);
  const items = tenant.policies.filter((p) => !re || re.test(`settings/${p.type}`)).map((p) => ({
    name: p.id, customer: `customers/${tenant.customerId}`,
    policyQuery: { orgUnit: `orgUnits/${p.orgUnitId}`, ...(p.groupId ? { group: `groups/${p.groupId}` } : {}), query: p.groupId ? `entity.groups.exists(group, group.group_id == groupId('${p.groupId}'))` : `entity.org_units.exists(org_unit, org_unit.org_unit_id == orgUnitId('${p.orgUnitId}'))`, sortOrder: p.sortOrder },
    setting: { type: `settings/${p.type}`, value: p.value }, type: 'ADMIN',
  }));
  const tok = url.searchParams.get('pageToken');
  const start = tok ? Number(Buffer.from(tok, 'base64url').toString()) : 0;
  if (tok && !Number.isInteger(start)) return gError(res, 400, 'badRequest', 'Invalid page token', 'INVALID_ARGUMENT');
  const slice = items.slice(start, start + size);
  const body: Record<string, unknown> = slice.length ? { policies: slice } : {};
  // The blank page sits at offset items.length; the page after it ends the list.
  if (start + size < items.length) body.nextPageToken = Buffer.from(String(start + size)).toString('base64url');
  else if (start < items.length) body.nextPageToken = Buffer.from(String(items.length)).toString('base64url');
  else if (start === items.length) body.nextPageToken = Buffer.from(String(items.length + 1)).toString('base64url');
  send(res, 200, body);
}

export async function startGwsEmulator(opts: GwsEmulatorOptions = {}): Promise<GwsEmulator> {
  const clock = opts.clock ?? systemClock;
  const now = opts.now ? Date.parse(opts.now) : clock.now().getTime();
  const tenant = opts.estate === undefined || opts.estate === 'demo' ? demoGwsTenant(now) : generatedGwsTenant(opts.estate.users, opts.estate.seed ?? 1, now);
  const clientEmail = opts.clientEmail ?? 'vigil@vigil-emulator.iam.gserviceaccount.com';
  const denied = new Set(opts.deniedScopes ?? []);
  const windowMs = opts.quota?.windowMs ?? 60_000;
  const limit = opts.quota?.limit ?? 1_000_000;
  const tokens = new Map<string, Set<string>>();
  const stats: GwsEmulator['stats'] = { requests: 0, byPath: {}, rejected: 0, tokens: 0 };
  let win = { start: 0, count: 0 };
  const overridden = replyOverrides(opts.reply, 'application/json; charset=UTF-8');
  let base = '';

  const paged = <T>(res: ServerResponse, url: URL, items: T[], kind: string, field: string, max: number, fields?: string | null) => {
    const n = Math.min(Number(url.searchParams.get('maxResults') ?? max) || max, max);
    const tok = url.searchParams.get('pageToken');
    const start = tok ? Number(Buffer.from(tok, 'base64url').toString()) : 0;
    if (tok && !Number.isInteger(start)) return gError(res, 400, 'invalid', 'Invalid Input: pageToken');
    const slice = items.slice(start, start + n);
    // Google leaves an empty list out of the JSON altogether.
    const body: Record<string, unknown> = { kind, etag: `"${randomUUID()}"`, ...(slice.length ? { [field]: slice } : {}) };
    if (start + n < items.length) body.nextPageToken = Buffer.from(String(start + n)).toString('base64url');
    send(res, 200, fields ? partial(body, fields) : body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (overridden(url, res)) return;
    if (req.method === 'POST' && path === '/token') {
      stats.tokens++;
      return grantToken(res, body, clientEmail, denied, tokens);
    }
    if (req.method === 'POST' && path.startsWith('/__emulator/users/')) {
      const [, , , email, action] = path.split('/');
      if (action !== 'suspend') return send(res, 404, {});
      api.suspendUser(decodeURIComponent(email ?? ''));
      return send(res, 200, { ok: true });
    }
    const auth = req.headers.authorization ?? '';
    const granted = auth.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (!granted) return gError(res, 401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'UNAUTHENTICATED');
    const t = clock.now().getTime();
    if (t >= win.start + windowMs) win = { start: t, count: 0 };
    if (win.count >= limit) {
      stats.rejected++;
      return opts.quota?.as403
        ? gError(res, 403, 'userRateLimitExceeded', 'Quota exceeded for quota metric \'Queries\' and limit \'Queries per minute per user\'')
        : gError(res, 429, 'rateLimitExceeded', 'Quota exceeded for quota metric \'Queries\' and limit \'Queries per minute\'', 'RESOURCE_EXHAUSTED');
    }
    win.count++;
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    const need = (scope: string) => {
      if (granted.has(scope)) return true;
      gError(res, 403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', 'PERMISSION_DENIED');
      return false;
    };
    if (path === '/admin/directory/v1/users') {
      if (!need(GOOGLE_WORKSPACE_SCOPES.users)) return;
      const c = url.searchParams.get('customer');
      if (c !== 'my_customer' && c !== tenant.customerId) return gError(res, 400, 'badRequest', 'Bad Request');
      return paged(res, url, tenant.users.map((u) => ({ kind: 'admin#directory#user', ...u, customerId: tenant.customerId, agreedToTerms: true, changePasswordAtNextLogin: false, ipWhitelisted: false, includeInGlobalAddressList: true, isMailboxSetup: true })), 'admin#directory#users', 'users', 500, url.searchParams.get('fields'));
    }
    const cm = /^\/admin\/directory\/v1\/customer\/([^/]+)\/(roles|roleassignments)$/.exec(path);
    if (cm) {
      if (!need(GOOGLE_WORKSPACE_SCOPES.roles)) return;
      return cm[2] === 'roles'
        ? paged(res, url, tenant.roles.map((r) => ({ kind: 'admin#directory#role', etag: '"r"', ...r, rolePrivileges: [] })), 'admin#directory#roles', 'items', 100)
        : paged(res, url, tenant.roleAssignments.map((a) => ({ kind: 'admin#directory#roleAssignment', etag: '"a"', ...a })), 'admin#directory#roleAssignments', 'items', 200);
    }
    const gm = /^\/admin\/directory\/v1\/groups\/([^/]+)\/members$/.exec(path);
    if (gm) {
      if (!need(GOOGLE_WORKSPACE_SCOPES.groups)) return;
      const key = decodeURIComponent(gm[1]!);
      const g = tenant.groups.find((x) => x.id === key || x.email === key);
      if (!g) return gError(res, 404, 'notFound', 'Resource Not Found: groupKey');
      const derived = url.searchParams.get('includeDerivedMembership') === 'true';
      const out = groupMembers(tenant, g, derived);
      return paged(res, url, out, 'admin#directory#members', 'members', 200);
    }
    if (/^\/admin\/directory\/v1\/customer\/[^/]+\/orgunits$/.test(path)) return need(GOOGLE_WORKSPACE_SCOPES.orgunits) ? serveOrgUnits(res, url, tenant) : undefined;
    if (path === '/v1/policies') return need(GOOGLE_WORKSPACE_SCOPES.policies) ? servePolicies(res, url, tenant) : undefined;
    const rm = /^\/admin\/reports\/v1\/activity\/users\/all\/applications\/([a-z_]+)$/.exec(path);
    if (rm) {
      if (!need(GOOGLE_WORKSPACE_SCOPES.reports)) return;
      const start = url.searchParams.get('startTime');
      if (start && Number.isNaN(Date.parse(start))) return gError(res, 400, 'invalid', 'Invalid value for: startTime');
      const list = tenant.activities
        .filter((a) => a.id.applicationName === rm[1] && (!start || Date.parse(a.id.time) >= Date.parse(start)))
        .filter((a) => !url.searchParams.get('eventName') || a.events.some((e) => e.name === url.searchParams.get('eventName')))
        .sort((a, b) => b.id.time.localeCompare(a.id.time));
      return paged(res, url, list, 'admin#reports#activities', 'items', 1000);
    }
    return gError(res, 404, 'notFound', 'Not Found');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try { handle(req, res, Buffer.concat(chunks).toString()); } catch (e) { gError(res, 500, 'backendError', String(e)); }
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: GwsEmulator = {
    url: base, tenant, stats,
    suspendUser(email, at = clock.now()) {
      const u = tenant.users.find((x) => x.primaryEmail === email.toLowerCase());
      if (!u) throw new Error(`emulator: no user ${email}`);
      u.suspended = true;
      activity(tenant, 'admin', tenant.users[0]!.primaryEmail, 'USER_SETTINGS', 'SUSPEND_USER', { USER_EMAIL: u.primaryEmail }, at);
    },
    recordActivity(app, actor, type, name, params, at) { activity(tenant, app, actor, type, name, params, at); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return api;
}
