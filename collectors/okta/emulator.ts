// Local Okta API emulator: users, factors, role assignees, policies, log streams and System Log with Okta's paging,
// error bodies and X-Rate-Limit-* buckets. Tenants are generated (any size) or the demo tenant with known violations.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

export interface EmuUser {
  id: string;
  status: string;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: { login: string; email: string; firstName: string; lastName: string };
  factors: Array<{ id: string; factorType: string; provider: string; vendorName: string; status: string; created: string; lastUpdated: string }>;
  roles: Array<{ id: string; type: string; label: string; status: string; created: string; lastUpdated: string; assignmentType: 'USER' | 'GROUP' }>;
}

export interface EmuLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  severity: string;
  actor: { id: string; type: string; alternateId: string; displayName: string };
  target: Array<{ id: string; type: string; alternateId: string; displayName: string }>;
  outcome: { result: string };
}

export interface OktaTenant {
  users: EmuUser[];
  policies: Array<{ id: string; type: string; name: string; status: string; priority: number; system: boolean; settings?: unknown; rules: unknown[] }>;
  logStreams: Array<{ id: string; type: string; name: string; status: string }>;
  logs: EmuLogEvent[];
  apiTokens: Array<{ id: string; name: string; userId: string; clientName: string; tokenWindow: string; network: { connection: string; include?: string[] }; created: string; lastUpdated: string; expiresAt: string }>;
}

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
  /** Fixed 'now' for generated timestamps (ISO). @defaultValue the real clock at start */
  now?: string;
  /** Largest page the emulator serves for /users (Okta: 200). */
  maxUserPage?: number;
}

export interface OktaEmulator extends RunningEmulator {
  tenant: OktaTenant;
  /** Requests served per bucket, 429s sent, and the current in-window counts. */
  stats: { requests: number; byBucket: Record<string, number>; rejected429: number };
  /** Deactivates a user by login, as an admin would: status DEPROVISIONED and a System Log event. */
  deactivateUser(login: string, at?: Date): void;
  suspendUser(login: string, at?: Date): void;
}

const DAY = 86_400_000;

const rng = mulberry32;

const FACTOR_KINDS: Record<string, { factorType: string; provider: string; vendorName: string }> = {
  push: { factorType: 'push', provider: 'OKTA', vendorName: 'OKTA' },
  totp: { factorType: 'token:software:totp', provider: 'OKTA', vendorName: 'OKTA' },
  google: { factorType: 'token:software:totp', provider: 'GOOGLE', vendorName: 'GOOGLE' },
  sms: { factorType: 'sms', provider: 'OKTA', vendorName: 'OKTA' },
  call: { factorType: 'call', provider: 'OKTA', vendorName: 'OKTA' },
  email: { factorType: 'email', provider: 'OKTA', vendorName: 'OKTA' },
  webauthn: { factorType: 'webauthn', provider: 'FIDO', vendorName: 'FIDO' },
  fastpass: { factorType: 'signed_nonce', provider: 'OKTA', vendorName: 'OKTA' },
};

function oktaId(prefix: string, n: number): string {
  return `${prefix}${n.toString(36).padStart(8, '0')}Emu5d7`.slice(0, 20);
}

function makeUser(n: number, login: string, first: string, last: string, now: number, o: {
  status?: string; createdDaysAgo?: number; lastLoginDaysAgo?: number | null; factors?: string[]; roles?: string[]; statusChangedDaysAgo?: number;
}): EmuUser {
  const created = new Date(now - (o.createdDaysAgo ?? 400) * DAY).toISOString();
  const status = o.status ?? 'ACTIVE';
  return {
    id: oktaId('00u', n),
    status,
    created,
    activated: status === 'STAGED' ? null : created,
    statusChanged: o.statusChangedDaysAgo === undefined ? created : new Date(now - o.statusChangedDaysAgo * DAY).toISOString(),
    lastLogin: o.lastLoginDaysAgo === null ? null : new Date(now - (o.lastLoginDaysAgo ?? 1) * DAY).toISOString(),
    lastUpdated: created,
    passwordChanged: created,
    profile: { login, email: login, firstName: first, lastName: last },
    factors: (o.factors ?? []).map((k, i) => ({
      id: oktaId(k === 'webauthn' ? 'fwf' : 'opf', n * 10 + i),
      ...(FACTOR_KINDS[k] ?? FACTOR_KINDS.push!),
      status: 'ACTIVE', created, lastUpdated: created,
    })),
    roles: (o.roles ?? []).map((type, i) => ({
      id: oktaId('ra1', n * 10 + i), type, label: type.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' '),
      status: 'ACTIVE', created, lastUpdated: created, assignmentType: 'USER' as const,
    })),
  };
}

function basePolicies(demo: boolean): OktaTenant['policies'] {
  return [
    {
      id: '00pPasswordDefault01', type: 'PASSWORD', name: 'Default Policy', status: 'ACTIVE', priority: 1, system: true,
      settings: {
        password: {
          complexity: { minLength: demo ? 8 : 14, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: demo ? 0 : 1, excludeUsername: true, dictionary: { common: { exclude: true } } },
          age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: demo ? 0 : 5 },
          lockout: { maxAttempts: demo ? 0 : 5, autoUnlockMinutes: 0, showLockoutFailures: false },
        },
        recovery: { factors: { okta_email: { status: 'ACTIVE' } } },
        delegation: { options: { skipUnlock: false } },
      },
      rules: [],
    },
    {
      id: '00pSignOnDefault001', type: 'OKTA_SIGN_ON', name: 'Default Policy', status: 'ACTIVE', priority: 1, system: true,
      rules: [{
        id: '0prSignOnDefault01', name: 'Default Rule', status: 'ACTIVE', priority: 1, system: true, type: 'SIGN_ON',
        conditions: { people: { users: { exclude: [] } }, network: { connection: 'ANYWHERE' } },
        actions: {
          signon: {
            access: 'ALLOW', requireFactor: !demo, factorPromptMode: 'ALWAYS', rememberDeviceByDefault: false,
            session: { usePersistentCookie: false, maxSessionIdleMinutes: demo ? 120 : 15, maxSessionLifetimeMinutes: demo ? 0 : 720 },
          },
        },
      }],
    },
    {
      id: '00pAccessAdminCons1', type: 'ACCESS_POLICY', name: 'Okta Admin Console', status: 'ACTIVE', priority: 1, system: false,
      rules: [{
        id: '0prAdminConsole001', name: 'Admin Console rule', status: 'ACTIVE', priority: 0, system: false, type: 'ACCESS_POLICY',
        conditions: null,
        actions: { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: '2FA', type: 'ASSURANCE', reauthenticateIn: 'PT2H', constraints: [{ possession: { phishingResistant: 'REQUIRED', deviceBound: 'REQUIRED' } }] } } },
      }],
    },
    {
      id: '00pAccessDashboard1', type: 'ACCESS_POLICY', name: 'Okta Dashboard', status: 'ACTIVE', priority: 2, system: false,
      rules: [{
        id: '0prDashboard00001', name: 'Dashboard rule', status: 'ACTIVE', priority: 0, system: false, type: 'ACCESS_POLICY',
        conditions: null,
        actions: { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: demo ? '1FA' : '2FA', type: 'ASSURANCE', reauthenticateIn: 'PT12H', constraints: [] } } },
      }],
    },
  ];
}

/** The demo tenant: each named user carries one known violation (see docs/identity.md). */
export function demoOktaTenant(now: number): OktaTenant {
  const users = [
    makeUser(1, 'alice@example.com', 'Alice', 'Admin', now, { factors: ['webauthn', 'push'], roles: ['SUPER_ADMIN'] }),
    makeUser(2, 'bob@example.com', 'Bob', 'Builder', now, { factors: ['sms'], roles: ['ORG_ADMIN'] }),
    makeUser(3, 'carol@example.com', 'Carol', 'NoMfa', now, { factors: [] }),
    makeUser(4, 'dave@example.com', 'Dave', 'Leaver', now, { status: 'DEPROVISIONED', factors: ['push'], statusChangedDaysAgo: 2, lastLoginDaysAgo: 3 }),
    makeUser(5, 'erin@example.com', 'Erin', 'Idle', now, { factors: ['push'], lastLoginDaysAgo: 120 }),
    makeUser(6, 'frank@example.com', 'Frank', 'Never', now, { factors: ['totp'], lastLoginDaysAgo: null, createdDaysAgo: 60 }),
    makeUser(7, 'grace@example.com', 'Grace', 'Suspended', now, { status: 'SUSPENDED', factors: ['push'], statusChangedDaysAgo: 10 }),
    makeUser(8, 'heidi@example.com', 'Heidi', 'Good', now, { factors: ['fastpass', 'push'] }),
  ];
  const t: OktaTenant = { users, policies: basePolicies(true), logStreams: [], logs: [], apiTokens: [apiToken('00Tdemo0001', 'terraform', users[0]!.id, 'ANYWHERE', now)] };
  const admin = users[0]!;
  logEvent(t, 'user.lifecycle.suspend', users[6]!, admin, new Date(now - 10 * DAY));
  logEvent(t, 'user.lifecycle.deactivate', users[3]!, admin, new Date(now - 2 * DAY));
  logEvent(t, 'user.account.privilege.grant', users[1]!, admin, new Date(now - 30 * DAY));
  t.logs.sort((a, b) => a.published.localeCompare(b.published));
  return t;
}

/** A generated tenant of `n` users with realistic proportions of weak, missing and strong factors. */
export function generatedOktaTenant(n: number, seed: number, now: number): OktaTenant {
  const r = rng(seed);
  const users: EmuUser[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const status = x < 0.03 ? 'DEPROVISIONED' : x < 0.05 ? 'SUSPENDED' : x < 0.06 ? 'STAGED' : 'ACTIVE';
    const f = r();
    const factors = f < 0.04 ? [] : f < 0.1 ? ['sms'] : f < 0.2 ? ['webauthn', 'push'] : f < 0.6 ? ['push'] : ['push', 'totp'];
    const roles = i < 3 ? ['SUPER_ADMIN'] : i < 15 ? ['ORG_ADMIN'] : i < 30 ? ['READ_ONLY_ADMIN'] : [];
    users.push(makeUser(i + 1, `user${i + 1}@example.com`, 'User', String(i + 1), now, {
      status, factors, roles, lastLoginDaysAgo: r() < 0.05 ? null : Math.floor(r() * 150), createdDaysAgo: 200 + Math.floor(r() * 500),
    }));
  }
  const t: OktaTenant = {
    users, policies: basePolicies(false), logStreams: [{ id: '0oxStream0001', type: 'aws_eventbridge', name: 'SIEM', status: 'ACTIVE' }], logs: [],
    apiTokens: [apiToken('00Tgen00001', 'provisioning', users[Math.min(5, users.length - 1)]!.id, 'ZONE', now)],
  };
  for (const u of users.filter((u) => u.status === 'DEPROVISIONED')) logEvent(t, 'user.lifecycle.deactivate', u, users[0]!, new Date(now - Math.floor(r() * 60) * DAY));
  t.logs.sort((a, b) => a.published.localeCompare(b.published));
  return t;
}

function apiToken(id: string, name: string, userId: string, connection: string, now: number): OktaTenant['apiTokens'][number] {
  const created = new Date(now - 100 * DAY).toISOString();
  return {
    id, name, userId, clientName: 'Okta API', tokenWindow: 'P30D', created, lastUpdated: created, expiresAt: new Date(now + 20 * DAY).toISOString(),
    network: connection === 'ZONE' ? { connection, include: ['nzoCorpNetwork01'] } : { connection },
  };
}

function logEvent(t: OktaTenant, eventType: string, target: EmuUser, actor: EmuUser, at: Date): void {
  t.logs.push({
    uuid: randomUUID(), published: at.toISOString(), eventType, displayMessage: eventType, severity: 'INFO',
    actor: { id: actor.id, type: 'User', alternateId: actor.profile.login, displayName: `${actor.profile.firstName} ${actor.profile.lastName}` },
    target: [{ id: target.id, type: 'User', alternateId: target.profile.login, displayName: `${target.profile.firstName} ${target.profile.lastName}` }],
    outcome: { result: 'SUCCESS' },
  });
}

const ROUTE_SCOPES: Array<[RegExp, string, string]> = [
  [/^\/api\/v1\/users\/[^/]+\/factors$/, 'okta.users.read', 'users/{id}/factors'],
  [/^\/api\/v1\/users\/[^/]+\/roles$/, 'okta.roles.read', 'users/{id}/roles'],
  [/^\/api\/v1\/users$/, 'okta.users.read', 'users'],
  [/^\/api\/v1\/iam\/assignees\/users$/, 'okta.roles.read', 'iam'],
  [/^\/api\/v1\/policies(\/[^/]+\/rules)?$/, 'okta.policies.read', 'policies'],
  [/^\/api\/v1\/logStreams$/, 'okta.logStreams.read', 'default'],
  [/^\/api\/v1\/logs$/, 'okta.logs.read', 'logs'],
  [/^\/api\/v1\/api-tokens$/, 'okta.apiTokens.read', 'default'],
];

const DEFAULT_LIMITS: Record<string, number> = { users: 600, 'users/{id}/factors': 1200, 'users/{id}/roles': 1200, logs: 120, policies: 1200, iam: 1200, default: 1200 };

export async function startOktaEmulator(opts: OktaEmulatorOptions = {}): Promise<OktaEmulator> {
  const now = opts.now ? Date.parse(opts.now) : Date.now();
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
  const windows = new Map<string, { start: number; count: number }>();
  const tokens = new Map<string, Set<string>>();
  // Users are mutated in place, never added, so one index serves the whole run.
  const userById = new Map(tenant.users.map((u) => [u.id, u]));
  const stats: OktaEmulator['stats'] = { requests: 0, byBucket: {}, rejected429: 0 };
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };
  const oktaError = (res: ServerResponse, status: number, code: string, summary: string, headers: Record<string, string> = {}) =>
    send(res, status, { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${randomUUID().replace(/-/g, '').slice(0, 19)}`, errorCauses: [] }, headers);

  const userJson = (u: EmuUser) => ({
    id: u.id, status: u.status, created: u.created, activated: u.activated, statusChanged: u.statusChanged, lastLogin: u.lastLogin,
    lastUpdated: u.lastUpdated, passwordChanged: u.passwordChanged, type: { id: 'oty1EmulatorDefault' },
    profile: { ...u.profile, mobilePhone: null, secondEmail: null },
    credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${base}/api/v1/users/${u.id}` } },
  });

  /** Cursor paging as Okta does it: `after` is the id of the last item of the previous page. */
  const page = <T>(res: ServerResponse, items: T[], idOf: (t: T) => string, url: URL, max: number, rl: Record<string, string>, render: (t: T) => unknown = (t) => t) => {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? max) || max, max);
    const after = url.searchParams.get('after');
    let start = 0;
    if (after) {
      const i = items.findIndex((t) => idOf(t) === after);
      start = i < 0 ? items.length : i + 1;
    }
    const slice = items.slice(start, start + limit);
    const self = `<${base}${url.pathname}${url.search}>; rel="self"`;
    const links = [self];
    if (start + limit < items.length && slice.length > 0) {
      const nu = new URL(url.pathname + url.search, base);
      nu.searchParams.set('after', idOf(slice[slice.length - 1]!));
      nu.searchParams.set('limit', String(limit));
      links.push(`<${nu.toString()}>; rel="next"`);
    }
    send(res, 200, slice.map(render), { ...rl, link: links.join(', ') });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (req.method === 'POST' && path === '/oauth2/v1/token') {
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
    const t = Date.now();
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

    const userId = /^\/api\/v1\/users\/([^/]+)\//.exec(path)?.[1];
    if (path === '/api/v1/users') {
      const search = url.searchParams.get('search');
      const m = search ? /^status eq "([A-Z_]+)"$/.exec(search) : null;
      if (search && !m) return oktaError(res, 400, 'E0000031', 'Invalid search.');
      const list = m ? tenant.users.filter((u) => u.status === m[1]) : tenant.users.filter((u) => u.status !== 'DEPROVISIONED');
      return page(res, list, (u) => u.id, url, maxUserPage, headers, userJson);
    }
    if (userId) {
      const u = userById.get(decodeURIComponent(userId));
      if (!u) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${userId} (User)`, headers);
      if (path.endsWith('/factors')) {
        return send(res, 200, u.factors.map((f) => ({ ...f, profile: {}, _links: { self: { href: `${base}/api/v1/users/${u.id}/factors/${f.id}` } } })), headers);
      }
      return send(res, 200, u.roles, headers);
    }
    if (path === '/api/v1/iam/assignees/users') {
      const admins = tenant.users.filter((u) => u.roles.length > 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 200);
      const after = url.searchParams.get('after');
      const start = after ? admins.findIndex((u) => u.id === after) + 1 : 0;
      const slice = admins.slice(start, start + limit);
      const links: Record<string, { href: string }> = { self: { href: `${base}${path}${url.search}` } };
      if (start + limit < admins.length && slice.length) links.next = { href: `${base}${path}?limit=${limit}&after=${slice[slice.length - 1]!.id}` };
      return send(res, 200, {
        value: slice.map((u) => ({ id: u.id, orn: `orn:okta:directory:emulator:users:${u.id}`, _links: { roles: { href: `${base}/api/v1/users/${u.id}/roles` } } })),
        _links: links,
      }, headers);
    }
    if (path.startsWith('/api/v1/policies')) {
      const rulesOf = /^\/api\/v1\/policies\/([^/]+)\/rules$/.exec(path)?.[1];
      if (rulesOf) {
        const p = tenant.policies.find((x) => x.id === rulesOf);
        if (!p) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${rulesOf} (Policy)`, headers);
        return send(res, 200, p.rules, headers);
      }
      const type = url.searchParams.get('type');
      if (!type) return oktaError(res, 400, 'E0000001', 'Api validation failed: type', headers);
      return send(res, 200, tenant.policies.filter((p) => p.type === type).map(({ rules: _r, ...p }) => ({
        ...p, conditions: null, created: new Date(now - 400 * DAY).toISOString(), lastUpdated: new Date(now - 400 * DAY).toISOString(),
        _links: { self: { href: `${base}/api/v1/policies/${p.id}` }, rules: { href: `${base}/api/v1/policies/${p.id}/rules` } },
      })), headers);
    }
    if (path === '/api/v1/logStreams') return send(res, 200, tenant.logStreams, headers);
    if (path === '/api/v1/api-tokens') return send(res, 200, tenant.apiTokens.map((t) => ({ ...t, _links: { self: { href: `${base}/api/v1/api-tokens/${t.id}` } } })), headers);
    if (path === '/api/v1/logs') {
      const since = url.searchParams.get('since');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 1000);
      const filter = url.searchParams.get('filter');
      const wanted = filter ? new Set([...filter.matchAll(/eventType eq "([^"]+)"/g)].map((m) => m[1])) : null;
      const after = url.searchParams.get('after');
      // `after` is an opaque position: here the index just past the last event returned.
      const startIdx = after ? Number(after) : 0;
      const events: Array<{ ev: EmuLogEvent; idx: number }> = [];
      for (let i = startIdx; i < tenant.logs.length && events.length < limit; i++) {
        const ev = tenant.logs[i]!;
        if (since && ev.published < since) continue;
        if (wanted && !wanted.has(ev.eventType)) continue;
        events.push({ ev, idx: i });
      }
      const nextIdx = events.length ? events[events.length - 1]!.idx + 1 : Math.max(startIdx, tenant.logs.length);
      const nu = new URL('/api/v1/logs', base);
      for (const [k, v] of url.searchParams) if (k !== 'after') nu.searchParams.set(k, v);
      nu.searchParams.set('after', String(nextIdx));
      // Ascending polling always carries a next link, even when the page is empty.
      return send(res, 200, events.map((e) => ({ ...e.ev, legacyEventType: null, version: '0', client: null, transaction: { type: 'WEB', id: 'emu' } })), {
        ...headers, link: `<${base}${path}${url.search}>; rel="self", <${nu.toString()}>; rel="next"`,
      });
    }
    return oktaError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method', headers);
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

  const find = (login: string) => {
    const u = tenant.users.find((x) => x.profile.login === login.toLowerCase());
    if (!u) throw new Error(`emulator: no user ${login}`);
    return u;
  };
  const api: OktaEmulator = {
    url: base,
    tenant,
    stats,
    deactivateUser(login, at = new Date()) {
      const u = find(login);
      u.status = 'DEPROVISIONED';
      u.statusChanged = at.toISOString();
      u.lastUpdated = at.toISOString();
      logEvent(tenant, 'user.lifecycle.deactivate', u, tenant.users[0]!, at);
    },
    suspendUser(login, at = new Date()) {
      const u = find(login);
      u.status = 'SUSPENDED';
      u.statusChanged = at.toISOString();
      logEvent(tenant, 'user.lifecycle.suspend', u, tenant.users[0]!, at);
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return api;
}
