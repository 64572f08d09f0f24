// Local Okta API emulator: users, factors, role assignees, policies, log streams and System Log with Okta's paging,
// error bodies and X-Rate-Limit-* buckets. Tenants are generated (any size) or the demo tenant with known violations.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { systemClock, type Clock } from '../../src/core/collector.js';
import { oktaError, send, serveResource, type OktaEmuState } from './emulator-routes.js';
import { demoOktaTenant, generatedOktaTenant, logEvent, type EmuLogEvent, type EmuUser, type OktaTenant } from './emulator-tenant.js';

export { demoOktaTenant, generatedOktaTenant, type EmuLogEvent, type EmuUser, type OktaTenant };

export interface OktaEmulatorOptions {
  port?: number;
  estate?: 'demo' | { users: number; seed?: number };
  /** SSWS token accepted. @defaultValue 'emulator-ssws-token' */
  apiToken?: string;
  /** OAuth client id accepted at /oauth2/v1/token (signature not verified: the emulator is not a security boundary). */
  clientId?: string;
  /** Scopes the credential lacks: requests needing them get Okta's 403 E0000006. */
  deniedScopes?: string[];
  /** Rate-limit window and per-bucket limits. @defaultValue 60 s; users 600, factors 1200, logs 120, default 1200 */
  rateLimit?: { windowMs?: number; limits?: Partial<Record<string, number>> };
  /** The next N API requests get 429 (as when Okta's 75-concurrent-transaction limit is hit). */
  force429?: number;
  /** Fixed 'now' for generated timestamps (ISO). @defaultValue `clock` at start */
  now?: string;
  /** What "now" is for rate-limit windows and admin actions, so a test can move time instead of waiting. @defaultValue the real clock */
  clock?: Clock;
  /** Largest page the emulator serves for /users (Okta: 200). */
  maxUserPage?: number;
  /** Replies to degrade (also pushable later through `emulator.faults`). */
  faults?: OktaReplyFault[];
}

/**
 * One degraded reply in place of the real one: any status/body/headers (HTML error page, empty body, `{}`, a 429 with or
 * without X-Rate-Limit-* headers), a dropped connection (`reset`), or no answer at all (`hang`).
 */
export interface OktaReplyFault {
  /** How many matching requests it applies to. */
  count: number;
  /** Only requests whose path starts with this (e.g. `/api/v1/users/00u`, `/oauth2/v1/token`). */
  pathPrefix?: string;
  /** Only requests whose path matches this. */
  pathPattern?: RegExp;
  /** Only the request with this sequence number (1-based, every request counted, token requests included). */
  atRequest?: number;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Send headers and half the body, then close the socket. */
  truncate?: boolean;
  reset?: boolean;
  hang?: boolean;
}

export interface OktaEmulator extends RunningEmulator {
  tenant: OktaTenant;
  /** Requests served per bucket, 429s sent, and every request received (degraded ones included; `atRequest` counts these). */
  stats: { requests: number; byBucket: Record<string, number>; rejected429: number; received: number };
  /** Deactivates a user by login, as an admin would: status DEPROVISIONED and a System Log event. */
  /** Degraded replies still to serve; push to add. */
  faults: OktaReplyFault[];
  /** Adds a System Log event as Okta indexes a late one: `published` in the past, readable only from now on. */
  addLogEvent(eventType: string, login: string, published: Date): void;
  deactivateUser(login: string, at?: Date): void;
  suspendUser(login: string, at?: Date): void;
}

const ROUTE_SCOPES: Array<[RegExp, string, string]> = [
  [/^\/api\/v1\/users\/[^/]+\/factors$/, 'okta.users.read', 'users/{id}/factors'],
  [/^\/api\/v1\/users\/[^/]+\/roles$/, 'okta.roles.read', 'users/{id}/roles'],
  [/^\/api\/v1\/users$/, 'okta.users.read', 'users'],
  [/^\/api\/v1\/groups\/[^/]+\/roles$/, 'okta.roles.read', 'groups'],
  [/^\/api\/v1\/groups(\/[^/]+\/users)?$/, 'okta.groups.read', 'groups'],
  [/^\/api\/v1\/iam\/assignees\/users$/, 'okta.roles.read', 'iam'],
  [/^\/api\/v1\/policies(\/[^/]+\/rules)?$/, 'okta.policies.read', 'policies'],
  [/^\/api\/v1\/logStreams$/, 'okta.logStreams.read', 'default'],
  [/^\/api\/v1\/logs$/, 'okta.logs.read', 'logs'],
  [/^\/api\/v1\/api-tokens$/, 'okta.apiTokens.read', 'default'],
];

const DEFAULT_LIMITS: Record<string, number> = { groups: 1200, users: 600, 'users/{id}/factors': 1200, 'users/{id}/roles': 1200, logs: 120, policies: 1200, iam: 1200, default: 1200 };

/** Serves a degraded reply when one matches; true when the request was answered (or deliberately left hanging). */
function degrade(d: { faults: OktaReplyFault[]; stats: OktaEmulator['stats']; hung: Set<ServerResponse> }, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const { faults, stats, hung } = d;
  const seq = ++stats.received;
  const f = faults.find((x) => x.count > 0 && (x.atRequest === undefined || x.atRequest === seq) && (x.pathPrefix === undefined || path.startsWith(x.pathPrefix)) && (x.pathPattern === undefined || x.pathPattern.test(path)));
  if (!f) return false;
  f.count--;
  if (f.hang) { hung.add(res); return true; }
  if (f.reset) { req.socket.destroy(); return true; }
  const body = f.body ?? '';
  res.writeHead(f.status ?? 200, { 'content-type': f.contentType ?? 'application/json', ...(f.headers ?? {}) });
  if (f.truncate) { res.write(body.slice(0, Math.floor(body.length / 2))); req.socket.destroy(); return true; }
  res.end(body);
  return true;
}

/** Okta's client-credentials grant (private_key_jwt): the assertion's issuer must be the client; its signature is not checked. */
function grantToken(res: ServerResponse, body: string, clientId: string, denied: Set<string>, tokens: Map<string, Set<string>>): void {
  const form = new URLSearchParams(body);
  const assertion = form.get('client_assertion') ?? '';
  let iss = '';
  try { iss = (JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()) as { iss?: string }).iss ?? ''; } catch { /* invalid assertion */ }
  if (form.get('grant_type') !== 'client_credentials' || iss !== clientId) {
    return send(res, 401, { error: 'invalid_client', error_description: 'The client_assertion signature is invalid.' });
  }
  const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
  const token = `emu.${randomUUID()}`;
  tokens.set(token, new Set(scopes.filter((s) => !denied.has(s))));
  return send(res, 200, { token_type: 'Bearer', expires_in: 3600, access_token: token, scope: scopes.join(' ') });
}

export async function startOktaEmulator(opts: OktaEmulatorOptions = {}): Promise<OktaEmulator> {
  const clock = opts.clock ?? systemClock;
  const now = opts.now ? Date.parse(opts.now) : clock.now().getTime();
  const tenant = opts.estate === undefined || opts.estate === 'demo'
    ? demoOktaTenant(now)
    : generatedOktaTenant(opts.estate.users, opts.estate.seed ?? 1, now);
  const apiToken = opts.apiToken ?? 'emulator-ssws-token';
  const clientId = opts.clientId ?? '0oaEmulatorClient';
  const denied = new Set(opts.deniedScopes ?? []);
  const windowMs = opts.rateLimit?.windowMs ?? 60_000;
  const limits = { ...DEFAULT_LIMITS, ...(opts.rateLimit?.limits ?? {}) } as Record<string, number>;
  const maxUserPage = opts.maxUserPage ?? 200;
  let force429 = opts.force429 ?? 0;
  const faults: OktaReplyFault[] = [...(opts.faults ?? [])];
  const hung = new Set<ServerResponse>();
  const windows = new Map<string, { start: number; count: number }>();
  const tokens = new Map<string, Set<string>>();
  // Users are mutated in place, never added, so one index serves the whole run.
  const userById = new Map(tenant.users.map((u) => [u.id, u]));
  const stats: OktaEmulator['stats'] = { requests: 0, byBucket: {}, rejected429: 0, received: 0 };
  let base = '';
  const st: OktaEmuState = { tenant, userById, now, maxUserPage, base: '' };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (degrade({ faults, stats, hung }, req, res, path)) return;
    if (req.method === 'POST' && path === '/oauth2/v1/token') return grantToken(res, body, clientId, denied, tokens);
    if (req.method === 'POST' && path.startsWith('/__emulator/users/')) {
      const [, , , login, action] = path.split('/');
      if (action === 'deactivate') api.deactivateUser(decodeURIComponent(login ?? ''));
      else if (action === 'suspend') api.suspendUser(decodeURIComponent(login ?? ''));
      else return send(res, 404, { error: 'unknown action' });
      return send(res, 200, { ok: true });
    }

    const route = ROUTE_SCOPES.find(([re]) => re.test(path));
    if (req.method !== 'GET' || !route) return oktaError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    const [, scope, bucket] = route;

    const auth = req.headers.authorization ?? '';
    let granted: Set<string> | 'all';
    if (auth === `SSWS ${apiToken}`) granted = 'all';
    else if (auth.startsWith('Bearer ') && tokens.has(auth.slice(7))) granted = tokens.get(auth.slice(7))!;
    else return oktaError(res, 401, 'E0000011', 'Invalid token provided');

    // Per-bucket window: Okta's X-Rate-Limit-Reset is the UTC epoch second when the window resets.
    const t = clock.now().getTime();
    let w = windows.get(bucket);
    if (!w || t >= w.start + windowMs) { w = { start: t, count: 0 }; windows.set(bucket, w); }
    const limit = limits[bucket] ?? limits.default ?? 1200;
    const rl = (count: number) => ({
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-remaining': String(Math.max(0, limit - count)),
      'x-rate-limit-reset': String(Math.ceil((w!.start + windowMs) / 1000)),
    });
    if (w.count >= limit || (force429 > 0 && force429--)) {
      stats.rejected429++;
      return oktaError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.', rl(w.count));
    }
    w.count++;
    stats.requests++;
    stats.byBucket[bucket] = (stats.byBucket[bucket] ?? 0) + 1;
    const headers = rl(w.count);

    if ((granted === 'all' && denied.has(scope)) || (granted !== 'all' && !granted.has(scope))) {
      return oktaError(res, 403, 'E0000006', 'You do not have permission to perform the requested action', {
        ...headers, 'www-authenticate': `Bearer authorization_uri="${base}/oauth2/v1/authorize", realm="${base}", scope="${scope}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${path}"`,
      });
    }

    return serveResource(st, res, url, headers);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try { handle(req, res, Buffer.concat(chunks).toString()); } catch (e) { send(res, 500, { errorCode: 'E0000009', errorSummary: String(e) }); }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  st.base = base;

  const find = (login: string) => {
    const u = tenant.users.find((x) => x.profile.login === login.toLowerCase());
    if (!u) throw new Error(`emulator: no user ${login}`);
    return u;
  };
  const api: OktaEmulator = {
    url: base,
    tenant,
    stats,
    faults,
    addLogEvent(eventType, login, published) {
      logEvent(tenant, eventType, find(login), tenant.users[0]!, published);
      tenant.logs.sort((a, b) => a.published.localeCompare(b.published));
    },
    deactivateUser(login, at = clock.now()) {
      const u = find(login);
      u.status = 'DEPROVISIONED';
      u.statusChanged = at.toISOString();
      u.lastUpdated = at.toISOString();
      logEvent(tenant, 'user.lifecycle.deactivate', u, tenant.users[0]!, at);
    },
    suspendUser(login, at = clock.now()) {
      const u = find(login);
      u.status = 'SUSPENDED';
      u.statusChanged = at.toISOString();
      logEvent(tenant, 'user.lifecycle.suspend', u, tenant.users[0]!, at);
    },
    close: () => new Promise<void>((r) => { for (const h of hung) h.destroy(); server.closeAllConnections(); server.close(() => r()); }),
  };
  return api;
}
