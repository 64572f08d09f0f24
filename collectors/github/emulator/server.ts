// A local GitHub API (REST + GraphQL) over node:http for tests, the demo and benchmarks: pagination, rate limits, ETags, scopes, faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../../src/core/collector.js';
import { demoOrg, generateOrg, FULL_APP_PERMISSIONS, FULL_CLASSIC_SCOPES, type EmuAlert, type EmuOrg, type EmuRepo, type EmuUser, type EmuState, type EmuToken, type GenerateOptions } from './state.js';
import { DOCS, ROUTES, graphqlCaller, refusal, restReply } from './rest-routes.js';
import { resolveGraphql, type GraphqlFieldFault } from './graphql.js';
import { auditLogThrottle } from './audit-log.js';

export interface CallRecord {
  method: string;
  /** Path and query string as received. */
  path: string;
  status: number;
  /** GraphQL operation name for POST /graphql. */
  operation?: string;
  ifNoneMatch: boolean;
}

export interface SecondaryLimitFault {
  /** How many of the next matching requests are refused. */
  count: number;
  /** @defaultValue 403 (GitHub also uses 429) */
  status?: 403 | 429;
  /** Seconds sent in retry-after. @defaultValue 1 */
  retryAfter?: number;
  /** Only requests whose path starts with this. */
  pathPrefix?: string;
}

/** GitHub's primary limit: 403 (or 429) with `x-ratelimit-remaining: 0` and the reset instant in `x-ratelimit-reset`. */
export interface PrimaryLimitFault {
  count: number;
  /** @defaultValue 403 */
  status?: 403 | 429;
  /** Seconds until `x-ratelimit-reset`. @defaultValue 3600 */
  resetInSeconds?: number;
  pathPrefix?: string;
}

/** Any reply in place of the real one (HTML error page, empty body, wrong shape, off-host Link), or none at all (`hang`). */
export interface ReplyFault {
  count: number;
  pathPrefix?: string;
  /** GraphQL operation name, for POST /graphql. */
  operation?: string;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Accept the request and never answer. */
  hang?: boolean;
}

export interface GithubEmulatorOptions {
  port?: number;
  /** `demo` (default) or a generated org. */
  estate?: 'demo' | { generate: GenerateOptions };
  /** Extra tokens; by default `ghp_demo…` (classic, all scopes, owner alice) is accepted. */
  tokens?: Record<string, EmuToken>;
  /** Fixed 'now' for the generated org. @defaultValue `clock` at start */
  now?: Date;
  /** What "now" is for rate-limit resets and token expiry, so a test can move time instead of waiting. @defaultValue the real clock */
  clock?: Clock;
  /** Primary limits per hour. @defaultValue 5000 */
  rateLimit?: number;
  /** Audit-log queries per token per hour (GitHub: 1,750 per user and IP); beyond it a 403 secondary limit. @defaultValue 1750 */
  auditLogRateLimit?: number;
}

export interface RunningGithubEmulator {
  url: string;
  close(): Promise<void>;
  /** Every request received, in order. */
  calls: CallRecord[];
  /** The org being served; mutate it to change what the next request sees. */
  state: EmuState;
  faults: {
    secondaryRateLimit(f: SecondaryLimitFault): void;
    primaryRateLimit(f: PrimaryLimitFault): void;
    reply(f: ReplyFault): void;
    graphqlFieldError(f: GraphqlFieldFault): void;
    clear(): void;
  };
  /** Points and requests charged against each token, as GitHub's x-ratelimit-used would show. */
  usage(token: string): { core: number; graphql: number };
  addToken(token: string, t: EmuToken): void;
}

/** The classic token the demo config uses: all scopes, held by the org owner `alice`. Fake. */
export const DEMO_TOKEN = 'ghp_DemoVigilEmulatorToken0000000000000000';
export const DEMO_APP_ID = 301;
export const DEMO_INSTALLATION_ID = 7001;

function etagOf(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('hex').slice(0, 40)}"`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3; format=json', 'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(), ...headers });
  res.end(text);
}

/** A primary (reset in `x-ratelimit-reset`) or secondary (`retry-after`) rate-limit fault due on this request, if any. */
function limitFault(primary: PrimaryLimitFault[], faults: SecondaryLimitFault[], matches: (f: { pathPrefix?: string }) => boolean, url: URL, limit: number, clock: Clock):
  { status: number; body: unknown; headers: Record<string, string> } | undefined {
  const p = primary.find((f) => f.count > 0 && matches(f));
  if (p) {
    p.count--;
    const reset = Math.floor(clock.now().getTime() / 1000) + (p.resetInSeconds ?? 3600);
    return { status: p.status ?? 403, body: { message: 'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
      headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-used': String(limit), 'x-ratelimit-reset': String(reset), 'x-ratelimit-resource': url.pathname === '/graphql' ? 'graphql' : 'core' } };
  }
  const fault = faults.find((f) => f.count > 0 && matches(f));
  if (fault) {
    fault.count--;
    return { status: fault.status ?? 403, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' }, headers: { 'retry-after': String(fault.retryAfter ?? 1) } };
  }
  return undefined;
}

/** GitHub's x-ratelimit-* headers for a token's use of one resource. */
function rateHeadersOf(usage: Map<string, { core: number; graphql: number }>, limit: number, resetEpoch: number, token: string, resource: 'core' | 'graphql'): Record<string, string> {
  const u = usage.get(token) ?? { core: 0, graphql: 0 };
  return { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(Math.max(0, limit - u[resource])), 'x-ratelimit-used': String(u[resource]), 'x-ratelimit-reset': String(resetEpoch), 'x-ratelimit-resource': resource };
}

/** Sends a reply fault due on this request (or leaves it hanging); true when one was. */
function replyFault(replies: ReplyFault[], matches: (f: { pathPrefix?: string }) => boolean, record: CallRecord, res: ServerResponse, op?: string): boolean {
  const f = replies.find((x) => x.count > 0 && matches(x) && (x.operation === undefined || x.operation === op));
  if (!f) return false;
  f.count--;
  if (f.hang) { record.status = -1; return true; }
  record.status = f.status ?? 200;
  res.writeHead(f.status ?? 200, { 'content-type': f.contentType ?? 'application/json; charset=utf-8', ...(f.headers ?? {}) });
  res.end(f.body ?? '');
  return true;
}

/** POST /app/installations/{id}/access_tokens with a GitHub App JWT (payload names the app in `iss`; signature not checked). */
function installationToken(state: EmuState, bearer: string | undefined, url: URL, clock: Clock): { status: number; body: unknown } {
  // A GitHub App JWT: three base64url parts whose payload names the app id in `iss`.
  const parts = bearer?.split('.') ?? [];
  let iss: number | undefined;
  try { iss = Number(JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')).iss); } catch { iss = undefined; }
  const app = iss === undefined ? undefined : state.apps.get(iss);
  const instId = Number(/(\d+)/.exec(url.pathname)![1]);
  if (parts.length !== 3 || !app) return { status: 401, body: { message: 'A JSON web token could not be decoded', documentation_url: DOCS } };
  if (app.installationId !== instId) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  state.tokens.set(token, { login: `app-${iss}[bot]`, kind: 'app', permissions: app.permissions });
  return { status: 201, body: { token, expires_at: new Date(clock.now().getTime() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), permissions: app.permissions, repository_selection: 'all' } };
}

/** The org served (demo or generated), the demo token held by its owner plus the caller's tokens, and the demo App. */
function initialState(opts: GithubEmulatorOptions, now: Date): EmuState {
  const org: EmuOrg = opts.estate === undefined || opts.estate === 'demo' ? demoOrg(now) : generateOrg({ now, ...opts.estate.generate });
  const owner = org.members.find((m) => m.role === 'admin')?.login ?? 'owner';
  const state: EmuState = {
    org,
    tokens: new Map<string, EmuToken>([[DEMO_TOKEN, { login: owner, kind: 'classic', scopes: [...FULL_CLASSIC_SCOPES] }]]),
    apps: new Map([[DEMO_APP_ID, { installationId: DEMO_INSTALLATION_ID, permissions: { ...FULL_APP_PERMISSIONS } }]]),
  };
  for (const [k, v] of Object.entries(opts.tokens ?? {})) state.tokens.set(k, v);
  return state;
}

export async function startGithubEmulator(opts: GithubEmulatorOptions = {}): Promise<RunningGithubEmulator> {
  const clock = opts.clock ?? systemClock;
  const now = opts.now ?? clock.now();
  const state = initialState(opts, now);
  const org = state.org;
  const calls: CallRecord[] = [];
  const usage = new Map<string, { core: number; graphql: number }>();
  const auditThrottle = auditLogThrottle(opts.auditLogRateLimit ?? 1750);
  let faults: SecondaryLimitFault[] = [];
  let primary: PrimaryLimitFault[] = [];
  let replies: ReplyFault[] = [];
  let fieldFaults: GraphqlFieldFault[] = [];
  const limit = opts.rateLimit ?? 5000;
  const resetEpoch = Math.floor(clock.now().getTime() / 1000) + 3600;

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `emulator error: ${(e as Error).message}`, documentation_url: DOCS });
    });
  });

  const rateHeaders = (token: string, resource: 'core' | 'graphql'): Record<string, string> => rateHeadersOf(usage, limit, resetEpoch, token, resource);
  const charge = (token: string, resource: 'core' | 'graphql', n: number): void => {
    const u = usage.get(token) ?? { core: 0, graphql: 0 };
    u[resource] += n;
    usage.set(token, u);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const record: CallRecord = { method: req.method ?? 'GET', path: url.pathname + url.search, status: 0, ifNoneMatch: req.headers['if-none-match'] !== undefined };
    calls.push(record);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => { record.status = status; send(res, status, body, headers); };

    const matches = (f: { pathPrefix?: string }): boolean => f.pathPrefix === undefined || url.pathname.startsWith(f.pathPrefix);
    const limited = limitFault(primary, faults, matches, url, limit, clock);
    if (limited) return reply(limited.status, limited.body, limited.headers);

    const override = (op?: string): boolean => replyFault(replies, matches, record, res, op);
    if (url.pathname !== '/graphql' && override()) return;

    const auth = req.headers.authorization ?? '';
    const m = /^(?:token|bearer) (\S+)$/i.exec(auth);
    if (req.method === 'POST' && /^\/app\/installations\/(\d+)\/access_tokens$/.test(url.pathname)) {
      const out = installationToken(state, m?.[1], url, clock);
      return reply(out.status, out.body);
    }
    const tokenValue = m?.[1];
    const token = tokenValue === undefined ? undefined : state.tokens.get(tokenValue);
    if (!tokenValue || !token) return reply(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    const isOwner = token.kind === 'app' || org.members.some((x) => x.login === token.login && x.role === 'admin');
    const scopeHeaders: Record<string, string> = token.kind === 'classic' ? { 'x-oauth-scopes': (token.scopes ?? []).join(', ') } : {};

    if (url.pathname === '/graphql' && req.method === 'POST') {
      let parsed: { query?: unknown; variables?: unknown; operationName?: unknown };
      try { parsed = JSON.parse(await readBody(req)) as typeof parsed; } catch { return reply(400, { message: 'Problems parsing JSON', documentation_url: DOCS }); }
      if (typeof parsed.query !== 'string') return reply(400, { message: 'A query attribute must be specified and must be a string.', documentation_url: DOCS });
      const caller = graphqlCaller(token, isOwner);
      const u = usage.get(tokenValue) ?? { core: 0, graphql: 0 };
      const out = resolveGraphql(org, caller, parsed.query, typeof parsed.operationName === 'string' ? parsed.operationName : undefined,
        (parsed.variables ?? {}) as Record<string, unknown>, { remaining: limit - u.graphql, resetAt: new Date(resetEpoch * 1000).toISOString() }, fieldFaults);
      record.operation = /query\s+(\w+)/.exec(parsed.query)?.[1];
      if (override(record.operation)) return;
      charge(tokenValue, 'graphql', out.cost);
      return reply(200, out.body, { ...scopeHeaders, ...rateHeaders(tokenValue, 'graphql') });
    }

    if (req.method !== 'GET') return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const hit = ROUTES.find(([re]) => re.test(url.pathname));
    const orgName = hit ? hit[0].exec(url.pathname)![1] : undefined;
    if (!hit || orgName !== org.login) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, rateHeaders(tokenValue, 'core'));
    const route = hit[1];
    const refused = refusal(route, token, isOwner, scopeHeaders, org.plan);
    if (refused) {
      charge(tokenValue, 'core', 1);
      return reply(refused.status, refused.body, { ...refused.headers, ...rateHeaders(tokenValue, 'core') });
    }
    const auditLimited = route.kind === 'audit_log' ? auditThrottle(tokenValue) : undefined;
    if (auditLimited) return reply(auditLimited.status, auditLimited.body, auditLimited.headers);
    const out = restReply({ route, url, base: `http://${req.headers.host ?? '127.0.0.1'}`, org, token, isOwner, scopeHeaders, now: clock.now() });
    if (out.kind === 'error') return reply(out.status, out.body, { ...out.headers, ...rateHeaders(tokenValue, 'core') });
    return replyCached(req, res, record, tokenValue, out.body, out.headers);
  }

  /** 304 when If-None-Match matches: GitHub does not charge those against the primary limit. */
  function replyCached(req: IncomingMessage, res: ServerResponse, record: CallRecord, token: string, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    const etag = etagOf(text + (headers.link ?? ''));
    const base = { etag, 'cache-control': 'private, max-age=60, s-maxage=60', vary: 'Accept, Authorization, Cookie, X-GitHub-OTP', ...headers };
    if (req.headers['if-none-match'] === etag) {
      record.status = 304;
      res.writeHead(304, { ...base, ...rateHeaders(token, 'core') });
      res.end();
      return;
    }
    charge(token, 'core', 1);
    record.status = 200;
    send(res, 200, body, { ...base, ...rateHeaders(token, 'core') });
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => { server.closeAllConnections(); server.close((e) => (e ? reject(e) : resolve())); }),
    calls, state,
    faults: {
      secondaryRateLimit: (f) => { faults.push({ ...f }); },
      primaryRateLimit: (f) => { primary.push({ ...f }); },
      reply: (f) => { replies.push({ ...f }); },
      graphqlFieldError: (f) => { fieldFaults.push({ ...f }); },
      clear: () => { faults = []; primary = []; replies = []; fieldFaults = []; },
    },
    usage: (t) => usage.get(t) ?? { core: 0, graphql: 0 },
    addToken: (t, v) => { state.tokens.set(t, v); },
  };
}
