// Builds the Octokit client: throttling and retry plugins, App or token auth, and a fetch that counts requests, keeps ETags and strips secrets.
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import { paginateGraphQL } from '@octokit/plugin-paginate-graphql';
import { createAppAuth } from '@octokit/auth-app';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import type { Logger } from '../../src/core/collector.js';
import { redactSecrets } from '../../src/core/errors.js';
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
  serverErrors: number;
  authRequests: number;
}

export function emptyStats(): RequestStats {
  return { restRequests: 0, rest304: 0, graphqlRequests: 0, graphqlPoints: 0, secondaryRateLimited: 0, serverErrors: 0, authRequests: 0 };
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
  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, CachedReply>;
      for (const [k, v] of Object.entries(raw)) this.entries.set(k, v);
    } catch {
      // A missing or corrupt cache only costs full requests.
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

/** Secret-scanning alerts carry the leaked secret itself; drop it before anything else can see the body. */
export function stripSecrets(pathname: string, body: string): string {
  if (!/\/secret-scanning\/alerts$/.test(pathname)) return body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed)) for (const a of parsed) if (a && typeof a === 'object') delete (a as Record<string, unknown>).secret;
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
  /** Scale for retry-after waits, for tests. @defaultValue 1000 */
  retryAfterBaseValue?: number;
  /** @defaultValue 3 */
  maxRetries?: number;
  fetchImpl?: typeof fetch;
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

export function createClient(o: ClientOptions): VigilOctokitClient {
  const baseFetch = o.fetchImpl ?? fetch;
  const baseUrl = o.baseUrl.replace(/\/+$/, '');
  const apiPrefix = new URL(baseUrl).pathname.replace(/\/+$/, '');
  const gqlPages = new Map<string, number>();

  const countingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const u = new URL(url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const isGraphql = u.pathname.endsWith('/graphql');
    const isAuth = method === 'POST' && /\/app\/installations\/\d+\/access_tokens$/.test(u.pathname);
    const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
    const cached = method === 'GET' ? o.cache.get(url) : undefined;
    if (cached) headers.set('if-none-match', cached.etag);
    if (isGraphql) o.stats.graphqlRequests++;
    else if (isAuth) o.stats.authRequests++;
    else o.stats.restRequests++;
    const res = await baseFetch(url, { ...init, headers });
    if (res.status === 403 || res.status === 429) {
      if (res.headers.get('retry-after') !== null) o.stats.secondaryRateLimited++;
    }
    if (res.status >= 500) o.stats.serverErrors++;
    const label = `${method} ${u.pathname.slice(apiPrefix.length) || '/'}${u.search}`;
    if (res.status === 304 && cached) {
      o.stats.rest304++;
      o.artifacts.push(toArtifact(label, cached.body));
      const h = new Headers(res.headers);
      h.set('content-type', 'application/json; charset=utf-8');
      if (cached.link) h.set('link', cached.link);
      return withUrl(new Response(cached.body, { status: 200, headers: h }), url);
    }
    if (res.status !== 200 || isAuth) return res;
    const body = stripSecrets(u.pathname, await res.text());
    if (isGraphql) {
      let op = 'graphql';
      try {
        const parsed = JSON.parse(body) as { data?: { rateLimit?: { cost?: number } } };
        o.stats.graphqlPoints += parsed.data?.rateLimit?.cost ?? 0;
        const reqBody = typeof init?.body === 'string' ? init.body : '';
        op = /query\s+(\w+)/.exec(reqBody)?.[1] ?? op;
        if (parsed.data) delete parsed.data.rateLimit;
        const n = (gqlPages.get(op) ?? 0) + 1;
        gqlPages.set(op, n);
        o.artifacts.push(toArtifact(`POST /graphql ${op}#${n}`, JSON.stringify(parsed)));
      } catch {
        // Not JSON: octokit will report it; nothing to record.
      }
    } else {
      o.artifacts.push(toArtifact(label, body));
      const etag = res.headers.get('etag');
      if (method === 'GET' && etag) o.cache.set(url, { etag, body, link: res.headers.get('link') });
    }
    return withUrl(new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers }), url);
  };

  const maxRetries = o.maxRetries ?? 3;
  const noDelay = { key: () => ({ schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(fn(...args)) }) };
  const authOptions = 'token' in o.auth
    ? { auth: o.auth.token }
    : { authStrategy: createAppAuth, auth: { appId: o.auth.appId, privateKey: o.auth.privateKey, installationId: o.auth.installationId } };
  return new VigilOctokit({
    baseUrl,
    ...authOptions,
    userAgent: 'vigil-compliance-agent',
    request: { fetch: countingFetch },
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => o.logger.warn({ source: 'github' }, redactSecrets(m)),
      error: (m: string) => o.logger.error({ source: 'github' }, redactSecrets(m)),
    },
    retry: { retries: maxRetries, retryAfterBaseValue: o.retryAfterBaseValue ?? 1000 },
    throttle: {
      id: `vigil-${Math.random().toString(36).slice(2)}`,
      retryAfterBaseValue: o.retryAfterBaseValue ?? 1000,
      // The plugin spaces "write" requests 1 s apart and counts GraphQL as writes; every query we send is a read, and our
      // GraphQL pages are already sequential, so that spacing would only add 1 s per page.
      write: noDelay,
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
        o.logger.warn({ source: 'github', retryAfter, retryCount, route: `${options.method} ${options.url}` }, 'GitHub secondary rate limit; waiting');
        return retryCount < maxRetries;
      },
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
        o.logger.warn({ source: 'github', retryAfter, retryCount, route: `${options.method} ${options.url}` }, 'GitHub primary rate limit exhausted');
        // Waiting for the hourly reset inside a run would stall the slot; fail this read and let the next slot retry.
        return retryAfter <= 60 && retryCount < 1;
      },
    },
  });
}
