// Google Admin SDK client: service-account JWT bearer grant with domain-wide delegation, one token per scope, backoff on quota errors.
import { setTimeout as delay } from 'node:timers/promises';
import { createPrivateKey, sign } from 'node:crypto';
import type { Logger } from '../../src/core/collector.js';

export class GoogleApiError extends Error {
  constructor(readonly status: number, readonly code: string, readonly summary: string, readonly operation: string) {
    super(`${operation}: HTTP ${status} ${code} ${summary}`);
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
  logger: Logger;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

const sleep = (ms: number, signal?: AbortSignal) => delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);

const RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded']);

/**
 * Plain fetch with a locally signed JWT rather than googleapis' JWT client: the token endpoint must be configurable for
 * the emulator, and signing one RS256 assertion with node:crypto is all the client does.
 */
export class GoogleClient {
  apiCalls = 0;
  throttled = 0;
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();
  private readonly doFetch: typeof fetch;
  private readonly root: string;

  constructor(private readonly o: GoogleClientOptions) {
    this.doFetch = o.fetch ?? fetch;
    this.root = o.rootUrl.replace(/\/+$/, '');
  }

  /** One token per scope, so a scope missing from domain-wide delegation only fails the API that needs it. */
  private async token(scope: string): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached && cached.expiresAt > Date.now() + 60_000) return cached.value;
    const now = Math.floor(Date.now() / 1000);
    const enc = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const head = enc({ alg: 'RS256', typ: 'JWT', ...(this.o.privateKeyId ? { kid: this.o.privateKeyId } : {}) });
    const claims = enc({ iss: this.o.clientEmail, sub: this.o.subject, scope, aud: this.o.tokenUrl, iat: now, exp: now + 3600 });
    const sig = sign('RSA-SHA256', Buffer.from(`${head}.${claims}`), createPrivateKey(this.o.privateKeyPem)).toString('base64url');
    this.apiCalls++;
    const res = await this.doFetch(this.o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${head}.${claims}.${sig}` }),
      signal: this.o.signal,
    });
    const text = await res.text();
    let j: { access_token?: string; expires_in?: number; error?: string; error_description?: string } = {};
    try { j = JSON.parse(text); } catch { /* keep empty */ }
    if (!res.ok || !j.access_token) throw new GoogleApiError(res.status, j.error ?? `HTTP${res.status}`, j.error_description ?? text.slice(0, 200), 'google:token');
    this.tokens.set(scope, { value: j.access_token, expiresAt: Date.now() + (j.expires_in ?? 3599) * 1000 });
    return j.access_token;
  }

  async get<T>(path: string, scope: string, operation: string): Promise<{ body: T; raw: string }> {
    for (let attempt = 0; ; attempt++) {
      const tok = await this.token(scope);
      this.apiCalls++;
      let res: Response;
      try {
        res = await this.doFetch(this.root + path, { headers: { authorization: `Bearer ${tok}`, accept: 'application/json' }, signal: this.o.signal });
      } catch (e) {
        if (this.o.signal?.aborted || attempt >= this.o.maxRetries) throw e;
        await sleep(this.o.backoffMs * 2 ** attempt, this.o.signal);
        continue;
      }
      const raw = await res.text();
      if (res.ok) return { body: JSON.parse(raw) as T, raw };
      const err = toError(res.status, raw, operation);
      const rate = res.status === 429 || (res.status === 403 && RATE_REASONS.has(err.code));
      if ((rate || res.status >= 500) && attempt < this.o.maxRetries) {
        if (rate) this.throttled++;
        const ra = Number(res.headers.get('retry-after'));
        // Google asks for truncated exponential backoff with jitter on quota errors.
        const wait = Number.isFinite(ra) && ra > 0 ? ra * 1000 : this.o.backoffMs * 2 ** attempt + Math.floor(Math.random() * this.o.backoffMs);
        this.o.logger.warn({ operation, status: res.status, waitMs: wait }, 'google: backing off');
        await sleep(wait, this.o.signal);
        continue;
      }
      throw err;
    }
  }
}

function toError(status: number, raw: string, operation: string): GoogleApiError {
  try {
    const j = JSON.parse(raw) as { error?: { message?: string; errors?: Array<{ reason?: string }>; status?: string } };
    return new GoogleApiError(status, j.error?.errors?.[0]?.reason ?? j.error?.status ?? `HTTP${status}`, j.error?.message ?? '', operation);
  } catch {
    return new GoogleApiError(status, `HTTP${status}`, raw.slice(0, 200), operation);
  }
}
