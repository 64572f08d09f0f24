// The state one GitHub collection run accumulates (resources, errors, inputs, cursors, call counts) and the helpers every reader shares.
import type { CollectContext, Logger } from '../../src/core/collector.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { emptyStats, type EtagCache, type VigilOctokitClient, createClient, type ClientOptions } from './client.js';
import { githubCollectionError } from './failure.js';
import { isObject } from './graphql-read.js';
import { GITHUB_RESOURCE_TYPES } from '../../src/core/contracts/github.js';

export interface CollectOptions {
  org: string;
  client: Omit<ClientOptions, 'stats' | 'cache' | 'artifacts' | 'logger'>;
  prMergeLookbackDays: number;
  /** @defaultValue 90 */
  auditLogActivityDays?: number;
}

type AuthKind = 'classic' | 'fine_grained_or_app';

/** The permission that grants each read, spelled for the credential in use. */
const PERMISSIONS: Record<string, { classic: string; app: string }> = {
  orgSettings: { classic: 'read:org (as an organization owner)', app: 'Organization administration: read' },
  members: { classic: 'read:org', app: 'Members: read' },
  members2fa: { classic: 'read:org (as an organization owner)', app: 'Members: read' },
  outside: { classic: 'read:org (as an organization owner)', app: 'Members: read' },
  repos: { classic: 'repo', app: 'Metadata: read' },
  securityAnalysis: { classic: 'repo (as an organization owner or repository admin)', app: 'Administration: read' },
  branchRules: { classic: 'repo (admin on the repository)', app: 'Administration: read' },
  actions: { classic: 'admin:org', app: 'Organization administration: read' },
  installations: { classic: 'read:org (as an organization owner)', app: 'Organization administration: read' },
  saml: { classic: 'admin:org', app: 'Organization administration: read' },
  dependabot: { classic: 'security_events', app: 'Dependabot alerts: read' },
  secret_scanning: { classic: 'security_events', app: 'Secret scanning alerts: read' },
  code_scanning: { classic: 'security_events', app: 'Code scanning alerts: read' },
  pulls: { classic: 'repo', app: 'Pull requests: read' },
  collaborators: { classic: 'repo (push access to the repository)', app: 'Metadata: read, installed on the repository with push access' },
  auditLog: { classic: 'read:audit_log or admin:org (as an organization owner)', app: 'Organization administration: read' },
  patGrants: { classic: 'a GitHub App with Personal access tokens: read (GitHub answers this list to GitHub Apps only)', app: 'Personal access tokens: read' },
  patRequests: { classic: 'a GitHub App with Personal access token requests: read (GitHub answers this list to GitHub Apps only)', app: 'Personal access token requests: read' },
  credentialAuthorizations: { classic: 'read:org (as an organization owner)', app: 'a classic token of an organization owner with read:org (GitHub Apps cannot read this list)' },
};

export type PermissionKey = keyof typeof PERMISSIONS;

/** Second precision, as GitHub's search qualifiers and our cursors spell instants. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One run's accumulators and the reads' shared helpers. The readers (members, org settings, repositories, alerts,
 * pull requests) each take this object, so the per-run state lives in one place and `collect.ts` stays the sequence.
 */
export class RunState {
  readonly resources: Resource[] = [];
  readonly errors: CollectionError[] = [];
  readonly artifacts: Artifact[] = [];
  readonly stats = emptyStats();
  readonly inputs: Snapshot['inputs'] = {};
  readonly cursors: Record<string, string> = {};
  /** Spans of the period this run knows it cannot evidence (audit log past GitHub's retention). */
  readonly declaredGaps: NonNullable<Snapshot['declaredGaps']> = [];
  minApiCalls = 0;
  authKind: AuthKind = 'fine_grained_or_app';
  scopes: Set<string> | null = null;
  readonly octokit: VigilOctokitClient;
  readonly logger: Logger;

  constructor(readonly opts: CollectOptions, readonly ctx: CollectContext, cache: EtagCache) {
    this.logger = ctx.logger;
    this.octokit = createClient({ ...opts.client, stats: this.stats, cache, artifacts: this.artifacts, logger: ctx.logger, clock: ctx.clock });
  }

  get org(): string {
    return this.opts.org;
  }

  now(): string {
    return isoSeconds(this.ctx.clock.now());
  }

  perm(key: PermissionKey): string {
    const p = PERMISSIONS[key]!;
    return this.authKind === 'classic' ? p.classic : p.app;
  }

  add(type: string, id: string, name: string, attributes: object, observedAt: string): void {
    this.resources.push({ source: 'github', scope: this.opts.org, type, id, name, attributes: attributes as Record<string, unknown>, observedAt });
  }

  /** Drops what a failed later page left behind: a type (or the part `which` selects) is either complete or in error. */
  dropType(type: string, which: (r: Resource) => boolean = () => true): void {
    for (let k = this.resources.length - 1; k >= 0; k--) if (this.resources[k]!.type === type && which(this.resources[k]!)) this.resources.splice(k, 1);
  }

  /** Records a failed read with its real cause (rate limit, denial, malformed reply…); the permission is named for denials. */
  fail(operation: string, permKey: PermissionKey, inputs: string[], e: unknown, resources?: string[]): void {
    const err = githubCollectionError(e, { operation, inputs, permission: this.perm(permKey), ...(resources ? { resources } : {}) });
    this.errors.push(err);
    this.minApiCalls += 1;
    this.logger.warn({ source: 'github', operation, code: err.code, cause: err.cause }, 'GitHub read failed');
  }

  /** Calls ctx.onOperation so a collection cut by its deadline names the read in flight. */
  op(operation: string): void {
    this.ctx.onOperation?.(`github:${operation}`);
  }

  /** A classic token's scopes are known from X-OAuth-Scopes: reads GitHub would silently narrow (public data only) are refused here. */
  lacksScope(any: string[]): boolean {
    return this.scopes !== null && !any.some((s) => this.scopes!.has(s));
  }

  missingScope(operation: string, permKey: PermissionKey, scope: string, inputs: string[]): void {
    this.errors.push({
      operation, code: 'MissingScope', permission: this.perm(permKey), inputs, retryable: false, cause: 'denied',
      message: `X-OAuth-Scopes lists ${[...(this.scopes ?? [])].join(', ') || 'nothing'}, without ${scope}; GitHub would return only public data`,
    });
  }

  async listAll(route: string, params: Record<string, string | number>, listKey?: string): Promise<Array<Record<string, unknown>>> {
    this.op(route);
    return this.pagesOf(route, params, listKey);
  }

  /**
   * Every page of a REST list, following `Link: rel="next"` (kept on the API host by the client). Octokit's paginator
   * turns a null or empty body into `[]`, so it is not used: a page that is not a list of objects is malformed, never empty.
   */
  async pagesOf(route: string, params: Record<string, string | number>, listKey?: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let res = await this.octokit.request(route as 'GET /orgs/{org}/members', { org: this.opts.org, per_page: 100, ...params } as never);
    const seen = new Set<string>();
    for (;;) {
      let data = res.data as unknown;
      if (listKey !== undefined) {
        if (!isObject(data) || !Array.isArray(data[listKey])) throw new MalformedReplyError(route, `reply has no ${listKey} list`);
        data = data[listKey];
      }
      if (!Array.isArray(data)) throw new MalformedReplyError(route, `page is ${typeof data === 'string' ? `text (${data.length} characters)` : data === null ? 'null' : typeof data}, not a list`);
      for (const item of data) if (!isObject(item)) throw new MalformedReplyError(route, 'a list item is not an object');
      items.push(...(data as Array<Record<string, unknown>>));
      const next = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ''))?.[1];
      if (!next) break;
      if (seen.has(next)) throw new MalformedReplyError(route, 'Link rel="next" repeats a page already read');
      seen.add(next);
      res = await this.octokit.request({ method: 'GET', url: next } as never) as typeof res;
    }
    this.minApiCalls += Math.max(1, Math.ceil(items.length / 100));
    return items;
  }

  snapshot(startedAt: string): Snapshot {
    const endedAt = this.now();
    // Every type was attempted; a failed one is also named in `errors`, which the engine checks first.
    for (const t of GITHUB_RESOURCE_TYPES) this.inputs[t] ??= { observedAt: endedAt };
    if (this.stats.authRequests > 0) this.minApiCalls += 1;
    const apiCalls = this.stats.restRequests + this.stats.graphqlRequests + this.stats.authRequests;
    return {
      source: 'github', scope: this.opts.org, slot: this.ctx.slot, startedAt, endedAt,
      resources: this.resources, inputs: this.inputs, artifacts: dedupe(this.artifacts), errors: this.errors,
      apiCalls, minApiCalls: this.minApiCalls,
      metrics: { ...this.stats },
      cursors: this.cursors,
      ...(this.declaredGaps.length > 0 ? { declaredGaps: this.declaredGaps } : {}),
    };
  }
}

function dedupe(list: Artifact[]): Artifact[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.sha256) ? false : (seen.add(a.sha256), true)));
}
