// Google Admin SDK client: service-account JWT bearer grant with domain-wide delegation, one token per scope, per-request timeouts, bounded backoff on quota errors.
import { setTimeout as delay } from 'node:timers/promises';
import { createPrivateKey, sign } from 'node:crypto';
import { systemClock, type Clock, type Logger } from '../../src/core/collector.js';
import type { FailureCause } from '../../src/core/types.js';
import { SourceError } from '../../src/core/errors.js';
import { ThrottleNotice } from '../../src/core/throttle-notice.js';
import { MalformedReplyError, causeOfStatus } from '../../src/core/failure.js';

export class GoogleApiError extends SourceError {
  constructor(override readonly status: number, code: string, readonly summary: string, operation: string, readonly failure: FailureCause) {
    super(code, `${operation}: HTTP ${status} ${code} ${summary}`, { operation, status, failureCause: failure });
    this.name = 'GoogleApiError';
  }
}

export interface GoogleClientOptions {
  clientEmail: string;
  privateKeyPem: string;
  privateKeyId?: string;
  subject: string;
  tokenUrl: string;
  rootUrl: string;
  maxRetries: number;
  backoffMs: number;
  /** Longest single wait, whatever `Retry-After` or the exponential schedule asks for. */
  maxBackoffMs: number;
  requestTimeoutMs: number;
  logger: Logger;
  signal?: AbortSignal;
  onOperation?: (operation: string) => void;
  fetch?: typeof fetch;
  /** What "now" is for token expiry, and how back-off waits pass. @defaultValue the real clock */
  clock?: Clock;
}

const RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded']);

/**
 * Plain fetch with a locally signed JWT rather than googleapis' JWT client: the token endpoint must be configurable for
 * the emulator, and signing one RS256 assertion with node:crypto is all the client does.
 */
export class GoogleClient {
  apiCalls = 0;
  throttled = 0;
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();
  /** A scope whose grant was refused stays refused for this collection: one token call, not one per request. */
  private readonly tokenFailures = new Map<string, GoogleApiError>();
  private tokenEndpointHung: unknown;
  private readonly doFetch: typeof fetch;
  private readonly root: string;
  private readonly clock: Clock;
  private readonly throttle: ThrottleNotice;

  constructor(private readonly o: GoogleClientOptions) {
    this.doFetch = o.fetch ?? fetch;
    this.clock = o.clock ?? systemClock;
    this.throttle = new ThrottleNotice(o.logger, 'google-workspace', () => this.clock.now().getTime());
    this.root = o.rootUrl.replace(/\/+$/, '');
  }

  /** The collection's abort signal joined with this request's timeout, so a hung reply (headers or body) ends. */
  private requestSignal(): AbortSignal {
    const t = AbortSignal.timeout(this.o.requestTimeoutMs);
    return this.o.signal ? AbortSignal.any([this.o.signal, t]) : t;
  }

  private async sleep(ms: number): Promise<void> {
    const wait = Math.max(0, Math.min(ms, this.o.maxBackoffMs));
    // A clock that can sleep (a test's) lets the time pass at once; the real one waits on a timer.
    if (this.clock.sleep) await this.clock.sleep(wait, this.o.signal);
    else await delay(wait, undefined, this.o.signal ? { signal: this.o.signal } : undefined);
  }

  /** One token per scope, so a scope missing from domain-wide delegation only fails the API that needs it. Never retried: a bad key stays bad. */
  private async token(scope: string): Promise<string> {
    const refused = this.tokenFailures.get(scope);
    if (refused) throw refused;
    const cached = this.tokens.get(scope);
    if (cached && cached.expiresAt > this.clock.now().getTime() + 60_000) return cached.value;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const enc = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const head = enc({ alg: 'RS256', typ: 'JWT', ...(this.o.privateKeyId ? { kid: this.o.privateKeyId } : {}) });
    const claims = enc({ iss: this.o.clientEmail, sub: this.o.subject, scope, aud: this.o.tokenUrl, iat: now, exp: now + 3600 });
    const sig = sign('RSA-SHA256', Buffer.from(`${head}.${claims}`), createPrivateKey(this.o.privateKeyPem)).toString('base64url');
    if (this.tokenEndpointHung) throw this.tokenEndpointHung;
    let res: Response;
    let text: string;
    for (let attempt = 0; ; attempt++) {
      this.apiCalls++;
      this.o.onOperation?.('google:token');
      try {
        res = await this.doFetch(this.o.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${head}.${claims}.${sig}` }),
          signal: this.requestSignal(),
        });
        text = await res.text();
        break;
      } catch (e) {
        // A token endpoint that timed out once is not asked again this collection: every scope would wait the full timeout.
        if ((e as { name?: string }).name === 'TimeoutError') { this.tokenEndpointHung = e; throw e; }
        // One retry for a reset connection; a second failure is the endpoint's state, not a blip.
        if (this.o.signal?.aborted || attempt >= Math.min(1, this.o.maxRetries)) throw e;
      }
    }
    let j: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try { const parsed: unknown = JSON.parse(text); if (parsed && typeof parsed === 'object') j = parsed as typeof j; } catch { /* not JSON: reported below */ }
    if (res.ok && typeof j.access_token === 'string' && j.access_token) {
      const ttl = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 300;
      this.tokens.set(scope, { value: j.access_token, expiresAt: this.clock.now().getTime() + ttl * 1000 });
      return j.access_token;
    }
    const code = typeof j.error === 'string' ? j.error : `HTTP${res.status}`;
    const summary = typeof j.error_description === 'string' ? j.error_description : text.slice(0, 200);
    // unauthorized_client: the key is fine but this scope is not granted under domain-wide delegation — a denial the admin can fix.
    const cause: FailureCause = res.ok ? 'malformed' : code === 'unauthorized_client' || code === 'access_denied' ? 'denied'
      : res.status >= 500 ? 'server_error' : res.status === 429 ? 'throttled' : 'unauthenticated';
    const err = new GoogleApiError(res.status, code, summary, 'google:token', cause);
    if (cause === 'denied' || cause === 'unauthenticated') this.tokenFailures.set(scope, err);
    throw err;
  }

  /** GET one page (a path under rootUrl, or an absolute URL of another Google API); the body is returned parsed but unchecked (the caller knows its shape). Throws GoogleApiError, MalformedReplyError or the fetch error. */
  async get(path: string, scope: string, operation: string): Promise<{ body: Record<string, unknown>; raw: string }> {
    for (let attempt = 0; ; attempt++) {
      const tok = await this.token(scope);
      this.apiCalls++;
      this.o.onOperation?.(operation);
      let res: Response;
      let raw: string;
      try {
        res = await this.doFetch(/^https?:\/\//i.test(path) ? path : this.root + path, { headers: { authorization: `Bearer ${tok}`, accept: 'application/json' }, signal: this.requestSignal() });
        raw = await res.text();
      } catch (e) {
        // A timeout is not retried: a server that hung once will likely hang again, and the collection deadline is finite.
        const timedOut = (e as { name?: string }).name === 'TimeoutError';
        if (this.o.signal?.aborted || timedOut || attempt >= this.o.maxRetries) throw e;
        await this.sleep(this.o.backoffMs * 2 ** attempt);
        continue;
      }
      if (!(res.status === 429 || res.status === 403)) this.throttle.clear();
      if (res.ok) {
        let body: unknown;
        try { body = JSON.parse(raw); } catch { throw new MalformedReplyError(operation, `HTTP ${res.status} body is not JSON (${raw.length} bytes)`); }
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new MalformedReplyError(operation, 'reply is not a JSON object');
        return { body: body as Record<string, unknown>, raw };
      }
      const err = toError(res.status, raw, operation);
      const rate = err.failure === 'throttled';
      if ((rate || res.status >= 500) && attempt < this.o.maxRetries) {
        if (rate) this.throttled++;
        const ra = Number(res.headers.get('retry-after'));
        // A Retry-After beyond the cap is honoured by not retrying early: the read fails now as throttled.
        if (Number.isFinite(ra) && ra * 1000 > this.o.maxBackoffMs) throw err;
        // Google asks for truncated exponential backoff with jitter on quota errors; the wait is capped by maxBackoffMs.
        const wait = Number.isFinite(ra) && ra > 0 ? ra * 1000 : this.o.backoffMs * 2 ** attempt + Math.floor(Math.random() * this.o.backoffMs);
        // Throttling is said once per spell; a 5xx back-off is logged as it happens.
        if (rate) this.throttle.waiting(Math.min(wait, this.o.maxBackoffMs), { operation });
        else this.o.logger.warn({ operation, status: res.status, waitMs: Math.min(wait, this.o.maxBackoffMs) }, 'google: backing off');
        await this.sleep(wait);
        continue;
      }
      throw err;
    }
  }
}

function toError(status: number, raw: string, operation: string): GoogleApiError {
  let reason = `HTTP${status}`;
  let message = raw.slice(0, 200);
  try {
    const j = JSON.parse(raw) as { error?: { message?: unknown; errors?: Array<{ reason?: unknown }>; status?: unknown } };
    const r = j?.error?.errors?.[0]?.reason ?? j?.error?.status;
    if (typeof r === 'string') reason = r;
    if (typeof j?.error?.message === 'string') message = j.error.message;
  } catch { /* an HTML error page: keep the status */ }
  const rate = status === 429 || (status === 403 && RATE_REASONS.has(reason));
  const cause: FailureCause = rate ? 'throttled' : causeOfStatus(status) ?? 'internal';
  return new GoogleApiError(status, reason, message, operation, cause);
}
