// Microsoft Graph client: OAuth client-credentials token, @odata.nextLink paging, 429/5xx retry honouring Retry-After.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../src/core/collector.js';

export class GraphApiError extends Error {
  constructor(readonly status: number, readonly code: string, readonly summary: string, readonly operation: string) {
    super(`${operation}: HTTP ${status} ${code} ${summary}`);
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
  logger: Logger;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

const sleep = (ms: number, signal?: AbortSignal) => delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);

/**
 * Plain fetch rather than @azure/identity: MSAL refuses non-https authorities, so the SDK could not reach the emulator,
 * and the client-credentials grant is one form POST.
 */
export class GraphClient {
  apiCalls = 0;
  throttled = 0;
  private token: { value: string; expiresAt: number } | null = null;
  private readonly doFetch: typeof fetch;
  private readonly graph: string;

  constructor(private readonly o: GraphClientOptions) {
    this.doFetch = o.fetch ?? fetch;
    this.graph = o.graphUrl.replace(/\/+$/, '');
  }

  private async bearer(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const url = `${this.o.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(this.o.tenantId)}/oauth2/v2.0/token`;
    this.apiCalls++;
    const res = await this.doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', client_id: this.o.clientId, client_secret: this.o.clientSecret,
        scope: `${this.graph}/.default`,
      }),
      signal: this.o.signal,
    });
    const text = await res.text();
    let j: { access_token?: string; expires_in?: number; error?: string; error_description?: string } = {};
    try { j = JSON.parse(text); } catch { /* keep empty */ }
    if (!res.ok || !j.access_token) {
      throw new GraphApiError(res.status, j.error ?? `HTTP${res.status}`, (j.error_description ?? text).split('\n')[0]!.slice(0, 300), 'entra:token');
    }
    this.token = { value: j.access_token, expiresAt: Date.now() + (j.expires_in ?? 3599) * 1000 };
    return this.token.value;
  }

  /** GETs a Graph path (or a nextLink on the Graph host) with retries; returns the parsed body and raw text. */
  async get<T>(pathOrUrl: string, operation: string): Promise<{ body: T; raw: string }> {
    let url: string;
    if (pathOrUrl.startsWith('http')) {
      // The token is only ever sent to the configured Graph host.
      const u = new URL(pathOrUrl);
      if (u.origin !== new URL(this.graph).origin) throw new GraphApiError(0, 'UnexpectedNextLink', `nextLink points at ${u.origin}`, operation);
      url = pathOrUrl;
    } else url = this.graph + pathOrUrl;
    for (let attempt = 0; ; attempt++) {
      const token = await this.bearer();
      this.apiCalls++;
      let res: Response;
      try {
        res = await this.doFetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: this.o.signal });
      } catch (e) {
        if (this.o.signal?.aborted || attempt >= this.o.maxRetries) throw e;
        await sleep(Math.min(30_000, 500 * 2 ** attempt), this.o.signal);
        continue;
      }
      const raw = await res.text();
      if (res.status === 429 || res.status === 503 || res.status === 504 || res.status === 500) {
        if (attempt >= this.o.maxRetries) throw toError(res.status, raw, operation);
        if (res.status === 429) this.throttled++;
        const ra = Number(res.headers.get('retry-after'));
        const wait = Number.isFinite(ra) && ra >= 0 ? ra * 1000 : Math.min(30_000, 500 * 2 ** attempt);
        this.o.logger.warn({ operation, status: res.status, waitMs: wait }, 'graph: backing off');
        await sleep(wait, this.o.signal);
        continue;
      }
      if (!res.ok) throw toError(res.status, raw, operation);
      return { body: JSON.parse(raw) as T, raw };
    }
  }
}

function toError(status: number, raw: string, operation: string): GraphApiError {
  try {
    const j = JSON.parse(raw) as { error?: { code?: string; message?: string } };
    return new GraphApiError(status, j.error?.code ?? `HTTP${status}`, j.error?.message ?? '', operation);
  } catch {
    return new GraphApiError(status, `HTTP${status}`, raw.slice(0, 200), operation);
  }
}
