// Builds the Octokit client: throttling and retry plugins, App or token auth, and a fetch that counts requests, keeps ETags and strips secrets.
import { clockSleep } from '../../src/core/abortable-sleep.js';
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import { paginateGraphQL } from '@octokit/plugin-paginate-graphql';
import { createAppAuth } from '@octokit/auth-app';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { systemClock, type Clock, type Logger } from '../../src/core/collector.js';
import { redactSecrets } from '../../src/core/errors.js';
import { ThrottleNotice } from '../../src/core/throttle-notice.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, MalformedReplyError } from '../../src/core/failure.js';
import type { Artifact } from '../../src/core/types.js';

export const VigilOctokit = Octokit.plugin(throttling, retry, paginateGraphQL);
export type VigilOctokitClient = InstanceType<typeof VigilOctokit>;

/** Per-run request accounting, written into Snapshot.apiCalls / metrics. */
export interface RequestStats {
  restRequests: number;
  rest304: number;
  graphqlRequests: number;
  graphqlPoints: number;
  secondaryRateLimited: number;
  primaryRateLimited: number;
  serverErrors: number;
  authRequests: number;
}

export function emptyStats(): RequestStats {
  return { restRequests: 0, rest304: 0, graphqlRequests: 0, graphqlPoints: 0, secondaryRateLimited: 0, primaryRateLimited: 0, serverErrors: 0, authRequests: 0 };
}

interface CachedReply {
  etag: string;
  body: string;
  link: string | null;
}

/**
 * ETag cache for REST GETs, keyed by full URL. In memory for the life of the collector instance (a long-running
 * worker reuses it run after run); optionally persisted to a JSON file so one-shot CLI runs get 304s too.
 * Bodies are stored after secret stripping, so the file holds nothing the evidence store would not.
 */
export class EtagCache {
  private readonly entries = new Map<string, CachedReply>();
  constructor(private readonly file?: string, logger?: Logger) {
    if (!file) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, CachedReply>;
      for (const [k, v] of Object.entries(raw)) this.entries.set(k, v);
    } catch (e) {
      // A missing cache is the first run; a corrupt one only costs full requests, but the operator should know why.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn({ file, err: (e as Error).message }, 'github: ETag cache file unreadable; starting with an empty cache');
    }
  }
  get(url: string): CachedReply | undefined { return this.entries.get(url); }
  set(url: string, r: CachedReply): void { this.entries.set(url, r); }
  get size(): number { return this.entries.size; }
  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries)), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/**
 * Secret-scanning alerts carry the leaked secret itself, and SSO credential authorizations the last eight characters
 * of each token; drop them before anything else can see the body.
 */
export function stripSecrets(pathname: string, body: string): string {
  const field = /\/secret-scanning\/alerts$/.test(pathname) ? 'secret' : /\/credential-authorizations$/.test(pathname) ? 'token_last_eight' : null;
  if (field === null) return body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed)) for (const a of parsed) if (a && typeof a === 'object') delete (a as Record<string, unknown>)[field];
    return redactSecrets(JSON.stringify(parsed));
  } catch {
    return redactSecrets(body);
  }
}

export interface ClientOptions {
  baseUrl: string;
  auth: { token: string } | { appId: number; privateKey: string; installationId: number };
  logger: Logger;
  stats: RequestStats;
  cache: EtagCache;
  /** Raw replies captured as artifacts (secrets stripped); GraphQL `rateLimit` removed so unchanged data hashes the same. */
  artifacts: Artifact[];
  /** Milliseconds per second of a rate-limit or back-off wait; tests shrink it. @defaultValue 1000 */
  retryAfterBaseValue?: number;
  /** Retries of one request (5xx, reset connection, rate limit). @defaultValue 3 */
  maxRetries?: number;
  /** Timeout of each request, body included. @defaultValue DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
  /** Longest single rate-limit wait; a limit resetting later is given up on at once (`throttled`). @defaultValue 60000 */
  maxRateLimitWaitMs?: number;
  /** The collection's signal: aborting it ends every request and every wait at once. */
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** What "now" is against a rate-limit reset, and how waits pass (a test clock lets them pass at once). @defaultValue the real clock */
  clock?: Clock;
}

function toArtifact(label: string, body: string): Artifact {
  const buf = Buffer.from(body, 'utf8');
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType: 'application/json', size: buf.length, label, body: buf };
}

/** A constructed Response has an empty `url`; Octokit's paginator reads it, so carry the request URL over. */
function withUrl(r: Response, url: string): Response {
  Object.defineProperty(r, 'url', { value: url });
  return r;
}


/** Header GitHub's throttling reply carries, set on the reply we hand back after giving up, so the failure names `throttled`. */
export const THROTTLED_HEADER = 'x-vigil-throttled';

/**
 * GitHub's documented rate-limit replies: primary (403/429 with `x-ratelimit-remaining: 0`, wait until
 * `x-ratelimit-reset`; GraphQL also answers 200 with an error of type RATE_LIMITED) and secondary (403/429 with
 * `retry-after`, or the "secondary rate limit" message without it: wait at least a minute).
 */
export function rateLimitOf(status: number, headers: Headers, body: string, nowMs: number): { kind: 'primary' | 'secondary'; seconds: number } | null {
  const graphqlLimited = status === 200 && /"type"\s*:\s*"RATE_LIMITED"/.test(body);
  if (status !== 403 && status !== 429 && !graphqlLimited) return null;
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const n = Number(retryAfter);
    return { kind: 'secondary', seconds: Number.isFinite(n) && n >= 0 ? n : 60 };
  }
  if (headers.get('x-ratelimit-remaining') === '0' || graphqlLimited) {
    const reset = Number(headers.get('x-ratelimit-reset'));
    // No reset time: we cannot know how long to wait, so do not wait at all.
    return { kind: 'primary', seconds: Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - nowMs / 1000) : Number.POSITIVE_INFINITY };
  }
  if (/secondary rate limit/i.test(body)) return { kind: 'secondary', seconds: 60 };
  if (status === 429) return { kind: 'secondary', seconds: 60 };
  return null;
}

/** Pagination links must stay on the configured API host: a Link elsewhere would send the credential to it. */
function checkLinkHost(link: string | null, origin: string, label: string): void {
  if (!link) return;
  for (const m of link.matchAll(/<([^>]*)>/g)) {
    let ok = false;
    try { ok = new URL(m[1]!).origin === origin; } catch { ok = false; }
    if (!ok) throw new MalformedReplyError(label, `Link header points outside ${origin}: ${m[1]!.slice(0, 200)}`);
  }
}

export function createClient(o: ClientOptions): VigilOctokitClient {
  const baseFetch = o.fetchImpl ?? fetch;
  const baseUrl = o.baseUrl.replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const apiPrefix = new URL(baseUrl).pathname.replace(/\/+$/, '');
  const gqlPages = new Map<string, number>();
  const unit = o.retryAfterBaseValue ?? 1000;
  const maxRetries = o.maxRetries ?? 3;
  const timeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxWaitMs = o.maxRateLimitWaitMs ?? 60_000;
  const clock = o.clock ?? systemClock;
  const throttle = new ThrottleNotice(o.logger, 'github', () => clock.now().getTime());

  const countingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const u = new URL(url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const isGraphql = u.pathname.endsWith('/graphql');
    const isAuth = method === 'POST' && /\/app\/installations\/\d+\/access_tokens$/.test(u.pathname);
    const label = `${method} ${u.pathname.slice(apiPrefix.length) || '/'}${u.search}`;
    if (u.origin !== origin) throw new MalformedReplyError(label, `request to ${u.origin}, outside the configured ${origin}`);
    const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
    const cached = method === 'GET' ? o.cache.get(url) : undefined;
    if (cached) headers.set('if-none-match', cached.etag);
    for (let attempt = 0; ; attempt++) {
      if (isGraphql) o.stats.graphqlRequests++;
      else if (isAuth) o.stats.authRequests++;
      else o.stats.restRequests++;
      // One timeout covers the whole exchange, body included: a reply that never ends is cut like one that never starts.
      const signals = [AbortSignal.timeout(timeoutMs), ...(o.signal ? [o.signal] : []), ...(init?.signal ? [init.signal] : [])];
      const signal = AbortSignal.any(signals);
      let res: Response;
      let body: string;
      try {
        res = await baseFetch(url, { ...init, headers, signal });
        body = await res.text();
      } catch (e) {
        const reset = /fetch failed|ECONNRESET|socket|other side closed/i.test(`${(e as Error).message} ${String((e as { cause?: { code?: string } }).cause?.code ?? '')}`);
        if (reset && attempt < maxRetries && !o.signal?.aborted) { await clockSleep(clock, unit * 2 ** attempt, o.signal); continue; }
        throw e;
      }
      const limit = rateLimitOf(res.status, res.headers, isGraphql || res.status !== 200 ? body : '', clock.now().getTime());
      if (limit) {
        if (limit.kind === 'secondary') o.stats.secondaryRateLimited++;
        else o.stats.primaryRateLimited++;
        const waitMs = limit.seconds * unit;
        if (attempt < maxRetries && waitMs <= maxWaitMs) {
          throttle.waiting(waitMs, { route: label, kind: limit.kind });
          await clockSleep(clock, waitMs, o.signal);
          continue;
        }
        // Recorded as a `throttled` collection error of the run; the throttling itself was said once, when it began.
        o.logger.debug({ source: 'github', route: label, kind: limit.kind, waitMs }, 'GitHub rate limit; giving up on this read');
        const h = new Headers(res.headers);
        h.set(THROTTLED_HEADER, limit.kind);
        // A GraphQL RATE_LIMITED reply is a 200; hand it back as the 429 it means, so it is never read as data.
        return withUrl(new Response(body, { status: res.status === 200 ? 429 : res.status, statusText: res.statusText, headers: h }), url);
      }
      throttle.clear();
      if (res.status >= 500) {
        o.stats.serverErrors++;
        if (attempt < maxRetries) { await clockSleep(clock, unit * 2 ** attempt, o.signal); continue; }
      }
      if (res.status === 304 && cached) {
        o.stats.rest304++;
        o.artifacts.push(toArtifact(label, cached.body));
        checkLinkHost(cached.link, origin, label);
        const h = new Headers(res.headers);
        h.set('content-type', 'application/json; charset=utf-8');
        if (cached.link) h.set('link', cached.link);
        return withUrl(new Response(cached.body, { status: 200, headers: h }), url);
      }
      if (res.status !== 200 || isAuth) return withUrl(new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers }), url);
      checkLinkHost(res.headers.get('link'), origin, label);
      const kept = stripSecrets(u.pathname, body);
      if (isGraphql) recordGraphql(o, gqlPages, kept, init);
      else {
        o.artifacts.push(toArtifact(label, kept));
        const etag = res.headers.get('etag');
        // Only a reply that parses is worth a 304 later: a cached truncated body would be replayed as if it were fresh.
        if (method === 'GET' && etag && parses(kept)) o.cache.set(url, { etag, body: kept, link: res.headers.get('link') });
      }
      return withUrl(new Response(kept, { status: res.status, statusText: res.statusText, headers: res.headers }), url);
    }
  };

  const authOptions = 'token' in o.auth
    ? { auth: o.auth.token }
    : { authStrategy: createAppAuth, auth: { appId: o.auth.appId, privateKey: o.auth.privateKey, installationId: o.auth.installationId } };
  const noDelay = { key: () => ({ schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(fn(...args)) }) };
  return new VigilOctokit({
    baseUrl,
    ...authOptions,
    userAgent: 'vigil-compliance-agent',
    request: { fetch: countingFetch, ...(o.signal ? { signal: o.signal } : {}) },
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => o.logger.warn({ source: 'github' }, redactSecrets(m)),
      error: (m: string) => o.logger.error({ source: 'github' }, redactSecrets(m)),
    },
    // Retries and rate-limit waits happen in countingFetch, where they are bounded and end when the collection is
    // aborted; the plugins' own waits (Bottleneck timers) cannot be cancelled, so they never wait here.
    retry: { enabled: false },
    throttle: {
      id: `vigil-${Math.random().toString(36).slice(2)}`,
      retryAfterBaseValue: unit,
      // The plugin spaces "write" requests 1 s apart and counts GraphQL as writes; every query we send is a read, and our
      // GraphQL pages are already sequential, so that spacing would only add 1 s per page.
      write: noDelay,
      onSecondaryRateLimit: () => false,
      onRateLimit: () => false,
    },
  });
}

/** A GraphQL page as an artifact (its `rateLimit` removed, so unchanged data hashes the same), and its point cost counted. */
function recordGraphql(o: ClientOptions, gqlPages: Map<string, number>, body: string, init?: RequestInit): void {
  let op = 'graphql';
  try {
    const parsed = JSON.parse(body) as { data?: { rateLimit?: { cost?: unknown } } | null };
    const cost = parsed.data?.rateLimit?.cost;
    if (typeof cost === 'number') o.stats.graphqlPoints += cost;
    const reqBody = typeof init?.body === 'string' ? init.body : '';
    op = /query\s+(\w+)/.exec(reqBody)?.[1] ?? op;
    if (parsed.data) delete parsed.data.rateLimit;
    const n = (gqlPages.get(op) ?? 0) + 1;
    gqlPages.set(op, n);
    o.artifacts.push(toArtifact(`POST /graphql ${op}#${n}`, JSON.stringify(parsed)));
  } catch {
    // Not JSON: the reader reports it as malformed; nothing to record.
  }
}

function parses(body: string): boolean {
  try { JSON.parse(body); return true; } catch { return false; }
}
