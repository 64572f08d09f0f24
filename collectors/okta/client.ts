// Okta REST client: SSWS or OAuth private_key_jwt auth, per-endpoint X-Rate-Limit-* pacing, bounded retries, per-request
// timeouts and abort. Every loop here is bounded in count and in time; nothing waits past ctx.signal.
import { setTimeout as delay } from 'node:timers/promises';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { systemClock, type Clock, type Logger } from '../../src/core/collector.js';
import { SourceError } from '../../src/core/errors.js';
import { ThrottleNotice } from '../../src/core/throttle-notice.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { FailureCause } from '../../src/core/types.js';

/** An Okta error reply (or a reply Vigil refuses, such as a next link off the org host), with the cause it stands for. */
export class OktaApiError extends SourceError {
  constructor(
    override readonly status: number,
    readonly errorCode: string,
    readonly summary: string,
    operation: string,
    readonly cause_: FailureCause,
  ) {
    super(errorCode, `${operation}: HTTP ${status} ${errorCode} ${summary}`, { operation, status, failureCause: cause_ });
    this.name = 'OktaApiError';
  }
}

export type OktaAuth =
  | { type: 'ssws'; token: string }
  | { type: 'oauth'; clientId: string; privateKeyPem: string; keyId?: string; scopes: string[] };

export interface OktaClientOptions {
  orgUrl: string;
  auth: OktaAuth;
  logger: Logger;
  maxRetries: number;
  rateLimitReserve: number;
  requestTimeoutMs: number;
  maxRateLimitWaitMs: number;
  signal?: AbortSignal;
  onOperation?: (operation: string) => void;
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
  /** What "now" is for rate-limit windows and token expiry, and how back-off waits pass. @defaultValue the real clock */
  clock?: Clock;
}

export interface OktaPage<T> {
  items: T;
  /** Path and query of the `rel="next"` link on the org host; null on the last page. */
  next: string | null;
  raw: string;
}

interface Bucket {
  limit: number;
  remaining: number;
  /** Requests sent and not yet answered: the server has not counted them in the remaining it reports. */
  inFlight: number;
  resetAt: number;
}

/** Rounds of waiting on a spent bucket (for its replies in flight, or for its reset): bounded, then proceed. */
const MAX_ACQUIRE_ROUNDS = 50;

/** Waits on the clock when it can sleep (a test's lets the time pass at once), on a real timer otherwise. */
const sleep = (clock: Clock, ms: number, signal?: AbortSignal) =>
  clock.sleep ? clock.sleep(Math.max(0, ms), signal) : delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);

/** Okta meters each endpoint family separately; key the local view the same way. */
export function oktaBucket(path: string): string {
  const p = path.split('?')[0] ?? path;
  if (/^\/api\/v1\/users\/[^/]+\/factors/.test(p)) return 'users/{id}/factors';
  if (/^\/api\/v1\/users\/[^/]+\/roles/.test(p)) return 'users/{id}/roles';
  if (p === '/api/v1/users') return 'users';
  if (p.startsWith('/api/v1/groups')) return 'groups';
  if (p.startsWith('/api/v1/logs')) return 'logs';
  if (p.startsWith('/api/v1/policies')) return 'policies';
  if (p.startsWith('/api/v1/iam')) return 'iam';
  return 'default';
}

/**
 * The `rel="next"` target as path and query. A link to another host or scheme is refused (the token is only ever sent
 * to the configured org) and, since following it is the only way to read the rest, the read is malformed, not short.
 */
export function parseNextLink(link: string | null, orgUrl: string, operation = 'okta'): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) {
      const u = new URL(m[1], orgUrl);
      if (u.origin !== new URL(orgUrl).origin) throw new MalformedReplyError(operation, `next link points off the org host (${u.host})`);
      return u.pathname + u.search;
    }
  }
  return null;
}

function errorFromReply(status: number, text: string, operation: string): OktaApiError {
  let code = `HTTP${status}`;
  let summary = text.slice(0, 200);
  try {
    const j = JSON.parse(text) as { errorCode?: unknown; errorSummary?: unknown };
    if (typeof j.errorCode === 'string') code = j.errorCode;
    if (typeof j.errorSummary === 'string') summary = j.errorSummary;
  } catch { /* an HTML or empty error page: keep its first bytes */ }
  // E0000011 "Invalid token provided" is Okta's 401 for a bad or revoked SSWS/Bearer token.
  const cause: FailureCause = status === 401 ? 'unauthenticated' : status === 403 ? 'denied' : status === 404 || status === 410 ? 'not_found'
    : status === 429 ? 'throttled' : status === 501 ? 'unimplemented' : status >= 500 ? 'server_error' : 'malformed';
  return new OktaApiError(status, code, summary, operation, cause);
}

export class OktaClient {
  apiCalls = 0;
  throttled = 0;
  private readonly buckets = new Map<string, Bucket>();
  /** Buckets whose first reply is awaited: others wait for it instead of fanning out blind. */
  private readonly probes = new Map<string, Promise<void>>();
  /** Callers waiting for every request in flight on a spent bucket to settle. */
  private readonly drainWaiters = new Map<string, Array<() => void>>();
  private readonly base: string;
  private accessToken: { value: string; expiresAt: number } | null = null;
  /** A rejected client assertion is final for this run: every later request fails at once, as the first did. */
  private tokenFailure: OktaApiError | null = null;
  private tokenRequest: Promise<string> | null = null;
  private readonly doFetch: typeof fetch;
  private readonly clock: Clock;
  private readonly throttle: ThrottleNotice;

  constructor(private readonly opts: OktaClientOptions) {
    this.base = opts.orgUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
    this.clock = opts.clock ?? systemClock;
    this.throttle = new ThrottleNotice(opts.logger, 'okta', () => this.clock.now().getTime());
  }

  /** The run's signal joined with a fresh per-request timeout; the timeout covers reading the body too. */
  private requestSignal(): AbortSignal {
    const t = AbortSignal.timeout(this.opts.requestTimeoutMs);
    return this.opts.signal ? AbortSignal.any([this.opts.signal, t]) : t;
  }

  private async authorization(): Promise<string> {
    const a = this.opts.auth;
    if (a.type === 'ssws') return `SSWS ${a.token}`;
    if (this.tokenFailure) throw this.tokenFailure;
    if (this.accessToken && this.accessToken.expiresAt > this.clock.now().getTime() + 60_000) return `Bearer ${this.accessToken.value}`;
    // Concurrent callers share one token request.
    this.tokenRequest ??= this.requestToken(a).finally(() => { this.tokenRequest = null; });
    return this.tokenRequest;
  }

  private async requestToken(a: Extract<OktaAuth, { type: 'oauth' }>): Promise<string> {
    const op = 'okta:oauth2/v1/token';
    this.opts.onOperation?.(op);
    const aud = `${this.base}/oauth2/v1/token`;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', ...(a.keyId ? { kid: a.keyId } : {}) };
    const claims = { iss: a.clientId, sub: a.clientId, aud, iat: now, exp: now + 300, jti: randomUUID() };
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc(header)}.${enc(claims)}`;
    const sig = sign('RSA-SHA256', Buffer.from(input), createPrivateKey(a.privateKeyPem)).toString('base64url');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: a.scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: `${input}.${sig}`,
    });
    this.apiCalls++;
    const signal = this.requestSignal();
    const res = await this.doFetch(aud, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, signal,
    });
    const text = await res.text();
    if (!res.ok) {
      let code = `HTTP${res.status}`;
      let summary = text.slice(0, 200);
      try {
        const j = JSON.parse(text) as { error?: unknown; error_description?: unknown };
        if (typeof j.error === 'string') code = j.error;
        if (typeof j.error_description === 'string') summary = j.error_description;
      } catch { /* non-JSON error body: keep the text */ }
      // 400/401 (invalid_client, invalid_scope, invalid_grant) mean these credentials will not work: fail the run fast.
      const final = res.status >= 400 && res.status < 500 && res.status !== 429;
      const err = new OktaApiError(res.status, code, summary, op, final ? 'unauthenticated' : res.status === 429 ? 'throttled' : 'server_error');
      if (final) this.tokenFailure = err;
      throw err;
    }
    let j: { access_token?: unknown; expires_in?: unknown };
    try { j = JSON.parse(text) as typeof j; } catch { throw new MalformedReplyError(op, 'token reply is not JSON'); }
    if (typeof j?.access_token !== 'string' || typeof j.expires_in !== 'number') throw new MalformedReplyError(op, 'token reply lacks access_token or expires_in');
    this.accessToken = { value: j.access_token, expiresAt: this.clock.now().getTime() + j.expires_in * 1000 };
    return `Bearer ${j.access_token}`;
  }

  /**
   * Waits while the endpoint's bucket is spent, so the org never sees a 429 from us in steady state. Bounded: at most
   * `maxRateLimitWaitMs` per window and MAX_ACQUIRE_ROUNDS rounds, then the request goes out and a 429 speaks for itself.
   */
  private async acquire(bucket: string, operation: string): Promise<(() => void) | undefined> {
    for (let round = 0; round < MAX_ACQUIRE_ROUNDS; round++) {
      const b = this.buckets.get(bucket);
      if (!b) {
        const probe = this.probes.get(bucket);
        if (probe) { await probe; continue; }
        // The caller probes the bucket: whatever its outcome (headers, none, error), the others are released after it.
        // Set here, before any await, so concurrent callers see it.
        let release!: () => void;
        this.probes.set(bucket, new Promise<void>((r) => { release = r; }));
        return () => { this.probes.delete(bucket); release(); };
      }
      const now = this.clock.now().getTime();
      if (now >= b.resetAt) {
        // A new window has begun but no reply has told us its end yet: allow `limit` requests, then wait for replies.
        b.remaining = b.limit;
        b.resetAt = Number.POSITIVE_INFINITY;
      }
      if (b.remaining > this.opts.rateLimitReserve) {
        b.remaining--;
        b.inFlight++;
        return undefined;
      }
      if (!Number.isFinite(b.resetAt) && b.inFlight === 0) {
        // Spent, nothing in flight to tell us the window: forget the bucket and probe again rather than wait forever.
        this.buckets.delete(bucket);
        continue;
      }
      if (b.inFlight > 0) {
        // Spent with requests in flight: their replies are the freshest word on this window (and the server counts
        // them in it), so wait for them rather than guess, then look again.
        await this.drained(bucket);
        continue;
      }
      const wait = b.resetAt - now + 20;
      if (wait > this.opts.maxRateLimitWaitMs) throw new OktaApiError(429, 'RATE_LIMIT_WAIT', `bucket ${bucket} resets in ${Math.round(wait / 1000)} s, beyond maxRateLimitWaitMs`, operation, 'throttled');
      await sleep(this.clock, wait, this.opts.signal);
    }
    return undefined;
  }

  private note(bucket: string, h: Headers): void {
    const limit = Number(h.get('x-rate-limit-limit'));
    const remaining = Number(h.get('x-rate-limit-remaining'));
    const reset = Number(h.get('x-rate-limit-reset'));
    if (!h.has('x-rate-limit-remaining') || !h.has('x-rate-limit-reset') || !Number.isFinite(remaining) || !Number.isFinite(reset) || remaining < 0) return;
    const resetAt = reset * 1000;
    const prev = this.buckets.get(bucket);
    // The reply's own request is no longer in flight; the others were not yet counted by the server.
    const others = prev ? Math.max(0, prev.inFlight - 1) : 0;
    if (prev && prev.resetAt === resetAt) {
      // Concurrent replies arrive out of order: within one window, the smallest remaining is the truest.
      prev.remaining = Math.min(prev.remaining, remaining - others);
    } else if (prev && Number.isFinite(prev.resetAt) && resetAt < prev.resetAt) {
      // A late reply from an older window says nothing about this one.
    } else {
      this.buckets.set(bucket, {
        limit: Number.isFinite(limit) && limit > 0 ? limit : Math.max(1, remaining),
        remaining: Math.max(0, remaining - others),
        resetAt,
        inFlight: prev?.inFlight ?? 0,
      });
    }
  }

  private settle(bucket: string): void {
    const b = this.buckets.get(bucket);
    if (b && b.inFlight > 0) b.inFlight--;
    if (b && b.inFlight > 0) return;
    const waiting = this.drainWaiters.get(bucket);
    this.drainWaiters.delete(bucket);
    for (const w of waiting ?? []) w();
  }

  /** Resolves when no request on `bucket` is in flight (each settles, by reply, error or timeout), or rejects on abort. */
  private drained(bucket: string): Promise<void> {
    const signal = this.opts.signal;
    return new Promise<void>((resolve, reject) => {
      // An abort rejects as a wait on the clock does, so the caller sees the same error whichever wait it was in.
      const onAbort = (): void => void sleep(this.clock, 0, signal).catch(reject);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.drainWaiters.get(bucket) ?? [];
      list.push(() => { signal?.removeEventListener('abort', onAbort); resolve(); });
      this.drainWaiters.set(bucket, list);
    });
  }

  /** Backoff for a retry without a usable reset header: exponential, capped, and never past the wait bound. */
  private backoff(attempt: number): number {
    return Math.min(this.opts.maxRateLimitWaitMs, 30_000, 500 * 2 ** attempt) + Math.floor(Math.random() * 100);
  }

  /** One GET of a JSON document; retries 429, 5xx and dropped connections at most `maxRetries` times. */
  async get<T>(pathAndQuery: string, operation: string): Promise<OktaPage<T>> {
    const bucket = oktaBucket(pathAndQuery);
    this.opts.onOperation?.(operation);
    for (let attempt = 0; ; attempt++) {
      let release = await this.acquire(bucket, operation);
      const done = () => { if (release) { this.probes.delete(bucket); release(); release = undefined; } };
      let res: Response;
      let text: string;
      try {
        const auth = await this.authorization();
        this.apiCalls++;
        res = await this.doFetch(this.base + pathAndQuery, { headers: { authorization: auth, accept: 'application/json' }, signal: this.requestSignal() });
        this.note(bucket, res.headers);
        text = await res.text();
      } catch (e) {
        this.settle(bucket);
        done();
        // Our own deadline or a timeout is not retried (a second hung reply would double the wait); a reset is.
        const name = (e as { name?: string })?.name;
        if (e instanceof OktaApiError || e instanceof MalformedReplyError || this.opts.signal?.aborted || name === 'TimeoutError' || name === 'AbortError' || attempt >= this.opts.maxRetries) throw e;
        await sleep(this.clock, this.backoff(attempt), this.opts.signal);
        continue;
      }
      this.settle(bucket);
      done();
      if (res.status === 429 || res.status >= 500) {
        if (attempt >= this.opts.maxRetries) throw errorFromReply(res.status, text, operation);
        this.throttled += res.status === 429 ? 1 : 0;
        const reset = Number(res.headers.get('x-rate-limit-reset'));
        const untilReset = reset * 1000 - this.clock.now().getTime();
        let wait = this.backoff(attempt);
        if (res.status === 429 && res.headers.has('x-rate-limit-reset') && Number.isFinite(reset) && reset > 0) {
          if (untilReset > this.opts.maxRateLimitWaitMs) throw errorFromReply(429, text, operation);
          wait = Math.max(0, untilReset) + 50 + Math.floor(Math.random() * 100);
        }
        // A 429 is throttling, said once per spell; a 5xx back-off is logged as it happens.
        if (res.status === 429) this.throttle.waiting(wait, { operation });
        else this.opts.logger.warn({ operation, status: res.status, waitMs: wait }, 'okta: backing off');
        await sleep(this.clock, wait, this.opts.signal);
        continue;
      }
      this.throttle.clear();
      if (!res.ok) throw errorFromReply(res.status, text, operation);
      let items: T;
      try {
        items = JSON.parse(text) as T;
      } catch {
        throw new MalformedReplyError(operation, text.length === 0 ? 'empty body' : `not JSON (${JSON.stringify(text.slice(0, 40))}…)`);
      }
      return { items, next: parseNextLink(res.headers.get('link'), this.base, operation), raw: text };
    }
  }
}
