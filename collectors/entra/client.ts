// Microsoft Graph client: client-credentials token, @odata.nextLink paging kept on the Graph host, bounded 429/5xx retry
// honouring Retry-After, a timeout on every request, and errors that carry their real cause.
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock, type Clock, type Logger } from '../../src/core/collector.js';
import type { FailureCause } from '../../src/core/types.js';
import { SourceError } from '../../src/core/errors.js';
import { ThrottleNotice } from '../../src/core/throttle-notice.js';
import { MalformedReplyError, causeOfStatus, classifyFailure } from '../../src/core/failure.js';

export class GraphApiError extends SourceError {
  constructor(
    override readonly status: number,
    code: string,
    readonly summary: string,
    operation: string,
    override readonly failureCause: FailureCause,
  ) {
    super(code, `${operation}: ${status ? `HTTP ${status} ` : ''}${code} ${summary}`, { operation, failureCause, ...(status ? { status } : {}) });
    this.name = 'GraphApiError';
  }
}

export interface GraphClientOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  graphUrl: string;
  maxRetries: number;
  requestTimeoutMs: number;
  maxRetryWaitMs: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Told as each request starts, so a collection cut by its deadline names the operation in flight. */
  onOperation?: (operation: string) => void;
  fetch?: typeof fetch;
  /** What "now" is for token expiry and Retry-After dates, and how back-off waits pass. @defaultValue the real clock */
  clock?: Clock;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Plain fetch rather than @azure/identity: MSAL refuses non-https authorities, so the SDK could not reach the emulator,
 * and the client-credentials grant is one form POST.
 */
export class GraphClient {
  apiCalls = 0;
  throttled = 0;
  private token: { value: string; expiresAt: number } | null = null;
  /** A failed token request is remembered: every later operation fails at once with the same cause, not one retry each. */
  private tokenFailure: GraphApiError | null = null;
  private readonly doFetch: typeof fetch;
  private readonly graph: string;
  private readonly clock: Clock;
  private readonly throttle: ThrottleNotice;

  constructor(private readonly o: GraphClientOptions) {
    this.doFetch = o.fetch ?? fetch;
    this.clock = o.clock ?? systemClock;
    this.throttle = new ThrottleNotice(o.logger, 'entra', () => this.clock.now().getTime());
    this.graph = o.graphUrl.replace(/\/+$/, '');
  }

  /** One HTTP exchange, body included, under the request timeout and the collection's signal. */
  private async exchange(url: string, init: RequestInit, operation: string): Promise<{ res: Response; raw: string }> {
    const timeout = AbortSignal.timeout(this.o.requestTimeoutMs);
    const signal = this.o.signal ? AbortSignal.any([this.o.signal, timeout]) : timeout;
    this.apiCalls++;
    try {
      const res = await this.doFetch(url, { ...init, signal });
      return { res, raw: await res.text() };
    } catch (e) {
      if (this.o.signal?.aborted) throw this.o.signal.reason ?? e;
      if (timeout.aborted) throw new GraphApiError(0, 'RequestTimeout', `no complete reply within ${this.o.requestTimeoutMs} ms`, operation, 'timeout');
      throw e;
    }
  }

  private async bearer(): Promise<string> {
    if (this.tokenFailure) throw this.tokenFailure;
    if (this.token && this.token.expiresAt > this.clock.now().getTime() + 60_000) return this.token.value;
    const url = `${this.o.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(this.o.tenantId)}/oauth2/v2.0/token`;
    this.o.onOperation?.('entra:token');
    let got: { res: Response; raw: string };
    try {
      got = await this.exchange(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials', client_id: this.o.clientId, client_secret: this.o.clientSecret, scope: `${this.graph}/.default`,
        }),
      }, 'entra:token');
    } catch (e) {
      if (this.o.signal?.aborted) throw e;
      const cause = e instanceof GraphApiError ? e.failureCause : classifyFailure(e);
      throw (this.tokenFailure = new GraphApiError(0, e instanceof GraphApiError ? e.code : 'TokenRequestFailed', String((e as Error)?.message ?? e).slice(0, 300), 'entra:token', cause));
    }
    const { res, raw } = got;
    type TokenReply = { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    let j: TokenReply | null;
    try {
      const parsed: unknown = JSON.parse(raw);
      j = parsed && typeof parsed === 'object' ? (parsed as TokenReply) : null;
    } catch { j = null; }
    if (res.ok && j && typeof j.access_token === 'string' && j.access_token) {
      const ttl = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 300;
      this.token = { value: j.access_token, expiresAt: this.clock.now().getTime() + ttl * 1000 };
      return this.token.value;
    }
    // No token: whatever the reply (AADSTS error, 5xx, an HTML page), nothing can be read — say so once, fast.
    const code = j && typeof j.error === 'string' ? j.error : res.ok ? 'NoAccessToken' : `HTTP${res.status}`;
    const summary = (j && typeof j.error_description === 'string' ? j.error_description : raw).split('\n')[0]!.slice(0, 300);
    const cause: FailureCause = res.status >= 500 ? 'server_error' : 'unauthenticated';
    throw (this.tokenFailure = new GraphApiError(res.status, code, summary, 'entra:token', cause));
  }

  /** GETs a Graph path (or a nextLink on the Graph host) with bounded retries; returns the parsed JSON and raw text. */
  async get(pathOrUrl: string, operation: string): Promise<{ body: unknown; raw: string }> {
    let url: string;
    if (/^https?:/i.test(pathOrUrl)) {
      // The bearer token is only ever sent to the configured Graph host: a nextLink elsewhere is a malformed reply.
      if (new URL(pathOrUrl).origin !== new URL(this.graph).origin) throw new MalformedReplyError(operation, `@odata.nextLink leaves the Graph host (${new URL(pathOrUrl).origin})`);
      url = pathOrUrl;
    } else url = this.graph + pathOrUrl;
    for (let attempt = 0; ; attempt++) {
      const token = await this.bearer();
      this.o.onOperation?.(operation);
      let got: { res: Response; raw: string };
      try {
        got = await this.exchange(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, operation);
      } catch (e) {
        // A reset or refused connection is retried; a request that timed out is not (a reply that never ends would
        // otherwise hold the worker for maxRetries × timeout).
        if (this.o.signal?.aborted || e instanceof GraphApiError || attempt >= this.o.maxRetries) throw e;
        await this.wait(this.backoff(attempt), operation, 'connection failed');
        continue;
      }
      const { res, raw } = got;
      if (RETRY_STATUSES.has(res.status)) {
        if (res.status === 429) this.throttled++;
        const err = toError(res.status, raw, operation);
        if (attempt >= this.o.maxRetries) throw err;
        const ra = retryAfterMs(res.headers.get('retry-after'), this.clock.now().getTime());
        if (ra !== null && ra > this.o.maxRetryWaitMs) {
          throw new GraphApiError(res.status, err.code, `Retry-After ${Math.ceil(ra / 1000)} s exceeds maxRetryWaitMs ${this.o.maxRetryWaitMs}`, operation, err.failureCause);
        }
        await this.wait(ra ?? this.backoff(attempt), operation, `HTTP ${res.status}`, res.status === 429);
        continue;
      }
      this.throttle.clear();
      if (!res.ok) throw toError(res.status, raw, operation);
      try {
        return { body: JSON.parse(raw) as unknown, raw };
      } catch {
        throw new MalformedReplyError(operation, `HTTP ${res.status} body is not JSON (${raw.length} bytes${raw.trimStart().startsWith('<') ? ', HTML' : ''})`);
      }
    }
  }

  /**
   * Every page of a Graph collection: each reply must be an object with a `value` array; `@odata.nextLink`, when
   * present, must be a string and is followed to the end. `onPage` sees each raw body (for artifacts).
   */
  async list(path: string, operation: string, onPage: (raw: string) => void): Promise<unknown[]> {
    const out: unknown[] = [];
    let next: string | undefined = path;
    // A nextLink that comes back again would be followed until the collection deadline: end it as malformed at once.
    const seen = new Set<string>();
    while (next !== undefined) {
      if (seen.has(next)) throw new MalformedReplyError(operation, '@odata.nextLink repeats an earlier page');
      seen.add(next);
      const { body, raw } = await this.get(next, operation);
      onPage(raw);
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new MalformedReplyError(operation, 'reply is not a JSON object');
      const page = body as { value?: unknown; '@odata.nextLink'?: unknown };
      if (!Array.isArray(page.value)) throw new MalformedReplyError(operation, `reply has no "value" array (${page.value === null ? 'null' : typeof page.value})`);
      out.push(...page.value);
      const link = page['@odata.nextLink'];
      if (link !== undefined && link !== null && typeof link !== 'string') throw new MalformedReplyError(operation, '@odata.nextLink is not a string');
      next = typeof link === 'string' ? link : undefined;
    }
    return out;
  }

  private backoff(attempt: number): number {
    return Math.min(this.o.maxRetryWaitMs, 500 * 2 ** attempt);
  }

  private async wait(ms: number, operation: string, why: string, throttled = false): Promise<void> {
    // A 429 is throttling, said once per spell; other back-offs are logged as they happen.
    if (throttled) this.throttle.waiting(ms, { operation });
    else this.o.logger.warn({ operation, waitMs: ms, why }, 'graph: backing off');
    // A clock that can sleep (a test's) lets the time pass at once; the real one waits on a timer.
    if (this.clock.sleep) await this.clock.sleep(Math.max(0, ms), this.o.signal);
    else await delay(Math.max(0, ms), undefined, this.o.signal ? { signal: this.o.signal } : undefined);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
function retryAfterMs(h: string | null, now: number): number | null {
  if (h === null || h.trim() === '') return null;
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

function toError(status: number, raw: string, operation: string): GraphApiError {
  const cause = causeOfStatus(status) ?? 'server_error';
  try {
    const j = JSON.parse(raw) as { error?: { code?: unknown; message?: unknown } } | null;
    const code = typeof j?.error?.code === 'string' ? j.error.code : `HTTP${status}`;
    return new GraphApiError(status, code, typeof j?.error?.message === 'string' ? j.error.message : '', operation, cause);
  } catch {
    return new GraphApiError(status, `HTTP${status}`, raw.slice(0, 200), operation, cause);
  }
}
