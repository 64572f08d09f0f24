// Okta REST client: SSWS or OAuth private_key_jwt auth, Link-header paging, per-endpoint X-Rate-Limit-* buckets, 429 retry.
import { setTimeout as delay } from 'node:timers/promises';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import type { Logger } from '../../src/core/collector.js';

export class OktaApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly summary: string,
    readonly operation: string,
  ) {
    super(`${operation}: HTTP ${status} ${errorCode} ${summary}`);
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
  signal?: AbortSignal;
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
}

export interface OktaPage<T> {
  items: T;
  /** Path and query of the `rel="next"` link, resolved against the org URL; null on the last page. */
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

const sleep = (ms: number, signal?: AbortSignal) => delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);

/** Okta meters each endpoint family separately; key the local view the same way. */
export function oktaBucket(path: string): string {
  const p = path.split('?')[0] ?? path;
  if (/^\/api\/v1\/users\/[^/]+\/factors/.test(p)) return 'users/{id}/factors';
  if (/^\/api\/v1\/users\/[^/]+\/roles/.test(p)) return 'users/{id}/roles';
  if (p === '/api/v1/users') return 'users';
  if (p.startsWith('/api/v1/logs')) return 'logs';
  if (p.startsWith('/api/v1/policies')) return 'policies';
  if (p.startsWith('/api/v1/iam')) return 'iam';
  return 'default';
}

export function parseNextLink(link: string | null, orgUrl: string): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) {
      // Only path and query are kept, so the token is only ever sent to the configured org.
      const u = new URL(m[1], orgUrl);
      return u.pathname + u.search;
    }
  }
  return null;
}

export class OktaClient {
  apiCalls = 0;
  throttled = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly base: string;
  private accessToken: { value: string; expiresAt: number } | null = null;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: OktaClientOptions) {
    this.base = opts.orgUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
  }

  private async authorization(): Promise<string> {
    const a = this.opts.auth;
    if (a.type === 'ssws') return `SSWS ${a.token}`;
    if (this.accessToken && this.accessToken.expiresAt > Date.now() + 60_000) return `Bearer ${this.accessToken.value}`;
    const aud = `${this.base}/oauth2/v1/token`;
    const now = Math.floor(Date.now() / 1000);
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
    const res = await this.doFetch(aud, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: this.opts.signal,
    });
    const text = await res.text();
    if (!res.ok) {
      let code = 'invalid_client';
      let summary = text.slice(0, 200);
      try {
        const j = JSON.parse(text) as { error?: string; error_description?: string };
        code = j.error ?? code;
        summary = j.error_description ?? summary;
      } catch { /* non-JSON error body: keep the text */ }
      throw new OktaApiError(res.status, code, summary, 'okta:oauth2/v1/token');
    }
    const j = JSON.parse(text) as { access_token: string; expires_in: number };
    this.accessToken = { value: j.access_token, expiresAt: Date.now() + j.expires_in * 1000 };
    return `Bearer ${j.access_token}`;
  }

  /** Waits while the endpoint's bucket is spent, so the org never sees a 429 from us in steady state. */
  private async acquire(bucket: string): Promise<void> {
    for (;;) {
      const b = this.buckets.get(bucket);
      if (!b) {
        // Unknown bucket: send one probe and let its headers tell the budget before fanning out.
        this.buckets.set(bucket, { limit: 1, remaining: 0, resetAt: Number.POSITIVE_INFINITY, inFlight: 1 });
        return;
      }
      const now = Date.now();
      if (now >= b.resetAt) {
        // A new window has begun but no reply has told us its end yet: allow `limit` requests, then poll.
        b.remaining = b.limit;
        b.resetAt = Number.POSITIVE_INFINITY;
      }
      if (b.remaining > this.opts.rateLimitReserve) {
        b.remaining--;
        b.inFlight++;
        return;
      }
      await sleep(Number.isFinite(b.resetAt) ? b.resetAt - now + 20 : 50, this.opts.signal);
    }
  }

  private note(bucket: string, h: Headers): void {
    const limit = Number(h.get('x-rate-limit-limit'));
    const remaining = Number(h.get('x-rate-limit-remaining'));
    const reset = Number(h.get('x-rate-limit-reset'));
    if (!h.has('x-rate-limit-remaining') || !Number.isFinite(remaining) || !Number.isFinite(reset)) return;
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
        limit: Number.isFinite(limit) && limit > 0 ? limit : remaining,
        remaining: Math.max(0, remaining - others),
        resetAt,
        inFlight: prev?.inFlight ?? 0,
      });
    }
  }

  private settle(bucket: string): void {
    const b = this.buckets.get(bucket);
    if (b && b.inFlight > 0) b.inFlight--;
  }

  async get<T>(pathAndQuery: string, operation: string): Promise<OktaPage<T>> {
    const bucket = oktaBucket(pathAndQuery);
    for (let attempt = 0; ; attempt++) {
      await this.acquire(bucket);
      const auth = await this.authorization();
      this.apiCalls++;
      let res: Response;
      try {
        res = await this.doFetch(this.base + pathAndQuery, {
          headers: { authorization: auth, accept: 'application/json' },
          signal: this.opts.signal,
        });
      } catch (e) {
        this.settle(bucket);
        if (this.opts.signal?.aborted || attempt >= this.opts.maxRetries) throw e;
        await sleep(Math.min(30_000, 500 * 2 ** attempt), this.opts.signal);
        continue;
      }
      this.note(bucket, res.headers);
      this.settle(bucket);
      const text = await res.text();
      if (res.status === 429 || res.status >= 500) {
        if (attempt >= this.opts.maxRetries) throw toError(res.status, text, operation);
        this.throttled += res.status === 429 ? 1 : 0;
        const reset = Number(res.headers.get('x-rate-limit-reset'));
        const wait = res.status === 429 && Number.isFinite(reset) && reset > 0
          ? reset * 1000 - Date.now() + 50 + Math.floor(Math.random() * 100)
          : Math.min(30_000, 500 * 2 ** attempt);
        this.opts.logger.warn({ operation, status: res.status, waitMs: Math.max(0, wait) }, 'okta: backing off');
        await sleep(wait, this.opts.signal);
        continue;
      }
      if (!res.ok) throw toError(res.status, text, operation);
      return { items: JSON.parse(text) as T, next: parseNextLink(res.headers.get('link'), this.base), raw: text };
    }
  }
}

function toError(status: number, text: string, operation: string): OktaApiError {
  try {
    const j = JSON.parse(text) as { errorCode?: string; errorSummary?: string };
    return new OktaApiError(status, j.errorCode ?? `HTTP${status}`, j.errorSummary ?? '', operation);
  } catch {
    return new OktaApiError(status, `HTTP${status}`, text.slice(0, 200), operation);
  }
}
