// Local Microsoft Graph + token endpoint emulator for Entra ID: users, registration details, roles, Conditional Access,
// directory audits, role-assignable groups with transitive members, PIM schedule instances, with @odata.nextLink paging,
// Graph error bodies, licence/permission 403s (and PIM's 400 AadPremiumLicenseRequired), 429 Retry-After, and a reply
// hook for tests that degrade one reply.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { systemClock, type Clock } from '../../src/core/collector.js';
import { replyOverrides, type EmulatorReply, type ReplyHook } from '../../src/core/emulator-reply.js';
import { serveGraph } from './emulator-routes.js';
import { audit, demoEntraTenant, generatedEntraTenant, type EmuEntraUser, type EntraTenant } from './emulator-tenants.js';

export type { EmuEntraUser, EntraTenant } from './emulator-tenants.js';
export { demoEntraTenant, generatedEntraTenant } from './emulator-tenants.js';

export interface EntraEmulatorOptions {
  port?: number;
  estate?: 'demo' | { users: number; seed?: number };
  clientId?: string;
  clientSecret?: string;
  /**
   * `free` makes signInActivity, registration details and Conditional Access answer Graph's licence 403; below `P2` the
   * PIM schedule-instance lists and role management policies answer 400 AadPremiumLicenseRequired, as Graph does. @defaultValue 'P2'
   */
  licence?: 'free' | 'P1' | 'P2';
  /** Application permissions the app lacks. */
  deniedPermissions?: string[];
  /** Requests allowed per window before 429 with Retry-After. @defaultValue 100000 per 10 s */
  throttle?: { windowMs?: number; limit?: number };
  /** Largest page served (Graph: 999 for users). */
  maxPage?: number;
  /** Fixed 'now' for generated timestamps (ISO). @defaultValue `clock` at start */
  now?: string;
  /** What "now" is for throttle windows, error dates and admin actions, so a test can move time instead of waiting. @defaultValue the real clock */
  clock?: Clock;
  /**
   * Test hook: called for every request (token included, before any other handling) with its path and how many times that path was asked before;
   * a returned reply is sent instead of the real one ('hang' accepts and never answers, 'reset' drops the socket).
   */
  reply?: ReplyHook;
}

export type { EmulatorReply };

export interface EntraEmulator extends RunningEmulator {
  tenant: EntraTenant;
  stats: { requests: number; byPath: Record<string, number>; rejected429: number };
  /** Disables a user by UPN and writes the 'Disable account' audit event. */
  disableUser(upn: string, at?: Date): void;
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
  [/^\/v1\.0\/policies\/(authorizationPolicy|adminConsentRequestPolicy)$/, 'Policy.Read.All', false],
  [/^\/v1\.0\/policies\/roleManagementPolicyAssignments$/, 'RoleManagement.Read.Directory', false],
  [/^\/v1\.0\/identityGovernance\/accessReviews\/definitions(\/[^/]+\/instances)?$/, 'AccessReview.Read.All', false],
];

export async function startEntraEmulator(opts: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const clock = opts.clock ?? systemClock;
  const now = opts.now ? Date.parse(opts.now) : clock.now().getTime();
  const tenant = opts.estate === undefined || opts.estate === 'demo' ? demoEntraTenant(now) : generatedEntraTenant(opts.estate.users, opts.estate.seed ?? 1, now);
  const clientId = opts.clientId ?? 'emulator-client-id';
  const clientSecret = opts.clientSecret ?? 'emulator-client-secret';
  const licence = opts.licence ?? 'P2';
  const overridden = replyOverrides(opts.reply, 'application/json');
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
    send(res, status, { error: { code, message, innerError: { date: clock.now().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } }, headers);

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
    if (overridden(url, res)) return;
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

    const t = clock.now().getTime();
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
    if ((/ScheduleInstances$/.test(path) || path.endsWith('/roleManagementPolicyAssignments')) && licence !== 'P2') {
      return graphError(res, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    }
    // Identity governance answers 403 NoLicense on a tenant without P2 or ID Governance.
    if (path.includes('/identityGovernance/') && licence !== 'P2') {
      return graphError(res, 403, 'NoLicense', 'User is not authorized to perform the operation. Reason: Tenant does not meet license requirement!');
    }
    return serveGraph({ tenant, base, send, graphError, paged }, res, url, select);
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
    disableUser(upn, at = clock.now()) {
      const u = tenant.users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
      if (!u) throw new Error(`emulator: no user ${upn}`);
      u.accountEnabled = false;
      audit(tenant, 'Disable account', u, at);
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return api;
}
