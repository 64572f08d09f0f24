// Reads one GitHub organization into a Snapshot: REST with ETags where GraphQL lacks the data, GraphQL pages of 100 for repos and rules.
import type { CollectContext, Logger } from '../../src/core/collector.js';
import { AppError } from '../../src/core/errors.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { emptyStats, type EtagCache, type VigilOctokitClient, createClient, type ClientOptions } from './client.js';
import { githubCause, githubCollectionError, isFeatureNotEnabled } from './failure.js';
import { connectionPages, errorsByNode, GraphqlErrorsError, isObject } from './graphql-read.js';
import { MERGED_PULL_REQUESTS_QUERY, ORG_SAML_QUERY, SEARCH_RESULT_CAP } from './queries.js';
import { readRepositories } from './repositories.js';
import {
  GITHUB_RESOURCE_TYPES, type GithubAlertAttributes, type GithubAlertFeedAttributes, type GithubMemberAttributes, type GithubOrgAttributes,
  type GithubOutsideCollaboratorAttributes, type GithubPullRequestAttributes, type GithubAppInstallationAttributes,
} from '../../src/core/contracts/github.js';

/** Cursor key in Snapshot.cursors: the merged-at instant up to which pull requests were read. */
export const PR_CURSOR = 'github.pull_requests.mergedUntil';

export interface CollectOptions {
  org: string;
  client: Omit<ClientOptions, 'stats' | 'cache' | 'artifacts' | 'logger'>;
  prMergeLookbackDays: number;
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
};

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One collection run; holds the per-run state so `collect` stays a readable sequence of reads. */
export class GithubRun {
  private readonly resources: Resource[] = [];
  private readonly errors: CollectionError[] = [];
  private readonly artifacts: Artifact[] = [];
  private readonly stats = emptyStats();
  private readonly inputs: Snapshot['inputs'] = {};
  private minApiCalls = 0;
  private authKind: AuthKind = 'fine_grained_or_app';
  private scopes: Set<string> | null = null;
  private readonly octokit: VigilOctokitClient;
  private readonly logger: Logger;

  constructor(private readonly opts: CollectOptions, private readonly ctx: CollectContext, cache: EtagCache) {
    this.logger = ctx.logger;
    this.octokit = createClient({ ...opts.client, stats: this.stats, cache, artifacts: this.artifacts, logger: ctx.logger });
  }

  private now(): string {
    return isoSeconds(this.ctx.clock.now());
  }

  private perm(key: keyof typeof PERMISSIONS): string {
    const p = PERMISSIONS[key]!;
    return this.authKind === 'classic' ? p.classic : p.app;
  }

  private add(type: string, id: string, name: string, attributes: object, observedAt: string): void {
    this.resources.push({ source: 'github', scope: this.opts.org, type, id, name, attributes: attributes as Record<string, unknown>, observedAt });
  }

  /** Records a failed read with its real cause (rate limit, denial, malformed reply…); the permission is named for denials. */
  private fail(operation: string, permKey: keyof typeof PERMISSIONS, inputs: string[], e: unknown, resources?: string[]): void {
    const err = githubCollectionError(e, { operation, inputs, permission: this.perm(permKey), ...(resources ? { resources } : {}) });
    this.errors.push(err);
    this.minApiCalls += 1;
    this.logger.warn({ source: 'github', operation, code: err.code, cause: err.cause }, 'GitHub read failed');
  }

  /** Calls ctx.onOperation so a collection cut by its deadline names the read in flight. */
  private op(operation: string): void {
    this.ctx.onOperation?.(`github:${operation}`);
  }

  /** A classic token's scopes are known from X-OAuth-Scopes: reads GitHub would silently narrow (public data only) are refused here. */
  private lacksScope(any: string[]): boolean {
    return this.scopes !== null && !any.some((s) => this.scopes!.has(s));
  }

  private missingScope(operation: string, permKey: keyof typeof PERMISSIONS, scope: string, inputs: string[]): void {
    this.errors.push({
      operation, code: 'MissingScope', permission: this.perm(permKey), inputs, retryable: false, cause: 'denied',
      message: `X-OAuth-Scopes lists ${[...(this.scopes ?? [])].join(', ') || 'nothing'}, without ${scope}; GitHub would return only public data`,
    });
  }

  private async listAll(route: string, params: Record<string, string | number>, listKey?: string): Promise<Array<Record<string, unknown>>> {
    this.op(route);
    return this.pagesOf(route, params, listKey);
  }

  /**
   * Every page of a REST list, following `Link: rel="next"` (kept on the API host by the client). Octokit's paginator
   * turns a null or empty body into `[]`, so it is not used: a page that is not a list of objects is malformed, never empty.
   */
  private async pagesOf(route: string, params: Record<string, string | number>, listKey?: string): Promise<Array<Record<string, unknown>>> {
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

  async run(): Promise<Snapshot> {
    const startedAt = this.now();
    const org = this.opts.org;
    let orgData: Record<string, unknown>;
    try {
      this.op('GET /orgs/{org}');
      const res = await this.octokit.request('GET /orgs/{org}', { org });
      if (!isObject(res.data) || typeof res.data.login !== 'string') throw new MalformedReplyError('GET /orgs/{org}', 'reply is not an organization object');
      orgData = res.data;
      const scopesHeader = res.headers['x-oauth-scopes'];
      if (typeof scopesHeader === 'string') {
        this.authKind = 'classic';
        this.scopes = new Set(scopesHeader.split(',').map((s) => s.trim()).filter(Boolean));
      }
      this.minApiCalls += 1;
    } catch (e) {
      const { cause } = githubCause(e);
      // Bad credentials and a wrong org are configuration faults the operator must fix; anything else (throttled,
      // unreachable, timeout, malformed) is recorded as an error run of every input, with its cause.
      if (cause === 'unauthenticated' || cause === 'not_found') {
        throw new AppError(cause === 'not_found' ? 'GITHUB_ORG_NOT_FOUND' : 'GITHUB_BAD_CREDENTIALS',
          `GitHub: cannot read organization ${org}: ${e instanceof Error ? e.message : String(e)}`,
          { retryable: false, remediation: 'Check sources.github.org, baseUrl and the credential.', cause: e });
      }
      this.fail('GET /orgs/{org}', 'orgSettings', [...GITHUB_RESOURCE_TYPES], e);
      return this.snapshot(startedAt);
    }
    const orgObservedAt = this.now();
    if (orgData.two_factor_requirement_enabled === undefined) {
      this.errors.push({
        operation: 'GET /orgs/{org}', code: 'FieldsHidden', permission: this.perm('orgSettings'), inputs: ['github.org'], retryable: false, cause: 'denied',
        message: 'two_factor_requirement_enabled and default_repository_permission are only returned to organization owners',
      });
    }
    const [members, outside, actions, saml, repoGaps] = await Promise.all([
      this.readMembers(), this.readOutsideCollaborators(), this.readActions(), this.readSaml(),
      this.readRepositories(), this.readInstallations(), this.readAlerts(), this.readPullRequests(),
    ]);
    const outsidePerms = this.outsideRepoPermissions;
    for (const o of outside ?? []) {
      const attrs: GithubOutsideCollaboratorAttributes = { login: o.login, twoFactorDisabled: o.twoFactorDisabled, repositories: outsidePerms.get(o.login) ?? [] };
      this.add('github.outside_collaborator', o.login, o.login, attrs, this.now());
    }
    if (outside && repoGaps && repoGaps.length > 0) {
      // A repository whose collaborators could not be read may hold any outside collaborator at any permission.
      const denied = repoGaps.some((g) => g.cause === 'denied');
      const shown = repoGaps.slice(0, 5).map((g) => `${g.repo} (${g.detail})`).join('; ');
      this.errors.push({
        operation: 'graphql repository.collaborators', code: denied ? 'AccessDenied' : 'Incomplete', cause: denied ? 'denied' : repoGaps[0]!.cause,
        permission: this.perm('collaborators'), inputs: ['github.outside_collaborator'], resources: outside.map((o) => o.login), retryable: false,
        message: `outside collaborators of ${repoGaps.length} repositories could not be read: ${shown}${repoGaps.length > 5 ? '; …' : ''}`,
      });
    }
    const samlLogins = saml?.logins;
    for (const m of members ?? []) {
      const attrs: GithubMemberAttributes = { ...m, samlLinked: samlLogins ? samlLogins.has(m.login) : null };
      this.add('github.member', m.login, m.login, attrs, orgObservedAt);
    }
    const b = (k: string): boolean | null => (typeof orgData[k] === 'boolean' ? (orgData[k] as boolean) : null);
    const plan = orgData.plan;
    const orgAttrs: GithubOrgAttributes = {
      login: String(orgData.login),
      plan: isObject(plan) && typeof plan.name === 'string' ? plan.name : null,
      twoFactorRequirementEnabled: b('two_factor_requirement_enabled'),
      defaultRepositoryPermission: typeof orgData.default_repository_permission === 'string' ? orgData.default_repository_permission as GithubOrgAttributes['defaultRepositoryPermission'] : null,
      membersCanCreateRepositories: b('members_can_create_repositories'),
      membersCanCreatePublicRepositories: b('members_can_create_public_repositories'),
      membersCanCreatePrivateRepositories: b('members_can_create_private_repositories'),
      actions, saml: saml ? { configured: saml.configured, linkedIdentities: saml.logins?.size ?? 0 } : null,
      // Without the member list there is no count: the org rules needing it are already `error` through github.member.
      ownerCount: members ? members.filter((m) => m.role === 'admin').length : 0,
      memberCount: members ? members.length : 0,
    };
    this.add('github.org', org, org, orgAttrs, orgObservedAt);
    this.inputs['github.org'] = { observedAt: orgObservedAt };
    return this.snapshot(startedAt);
  }

  private snapshot(startedAt: string): Snapshot {
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
    };
  }

  private outsideRepoPermissions = new Map<string, GithubOutsideCollaboratorAttributes['repositories']>();
  private cursors: Record<string, string> = {};

  private async readMembers(): Promise<Array<Omit<GithubMemberAttributes, 'samlLinked'>> | null> {
    const inputs = ['github.member', 'github.org'];
    if (this.lacksScope(['read:org', 'admin:org'])) { this.missingScope('GET /orgs/{org}/members', 'members', 'read:org', inputs); return null; }
    let all: Array<Record<string, unknown>>;
    let admins: Array<Record<string, unknown>>;
    try {
      [all, admins] = await Promise.all([this.listAll('GET /orgs/{org}/members', { role: 'all' }), this.listAll('GET /orgs/{org}/members', { role: 'admin' })]);
      for (const u of [...all, ...admins]) if (typeof u.login !== 'string') throw new MalformedReplyError('GET /orgs/{org}/members', 'a member has no login');
    } catch (e) { this.fail('GET /orgs/{org}/members', 'members', inputs, e); return null; }
    let no2fa: Set<string> | null = null;
    try {
      const list = await this.listAll('GET /orgs/{org}/members', { filter: '2fa_disabled' });
      if (list.some((u) => typeof u.login !== 'string')) throw new MalformedReplyError('GET /orgs/{org}/members?filter=2fa_disabled', 'a member has no login');
      no2fa = new Set(list.map((u) => u.login as string));
    } catch (e) { this.fail('GET /orgs/{org}/members?filter=2fa_disabled', 'members2fa', [], e); }
    const adminSet = new Set(admins.map((u) => u.login as string));
    this.inputs['github.member'] = { observedAt: this.now() };
    return all.map((u) => ({ login: u.login as string, role: adminSet.has(u.login as string) ? 'admin' as const : 'member' as const, twoFactorDisabled: no2fa ? no2fa.has(u.login as string) : null }));
  }

  private async readOutsideCollaborators(): Promise<Array<{ login: string; twoFactorDisabled: boolean | null }> | null> {
    const inputs = ['github.outside_collaborator'];
    if (this.lacksScope(['read:org', 'admin:org'])) { this.missingScope('GET /orgs/{org}/outside_collaborators', 'outside', 'read:org', inputs); return null; }
    try {
      const [all, no2fa] = await Promise.all([
        this.listAll('GET /orgs/{org}/outside_collaborators', {}),
        this.listAll('GET /orgs/{org}/outside_collaborators', { filter: '2fa_disabled' }),
      ]);
      if ([...all, ...no2fa].some((u) => typeof u.login !== 'string')) throw new MalformedReplyError('GET /orgs/{org}/outside_collaborators', 'a collaborator has no login');
      const off = new Set(no2fa.map((u) => u.login as string));
      return all.map((u) => ({ login: u.login as string, twoFactorDisabled: off.has(u.login as string) }));
    } catch (e) { this.fail('GET /orgs/{org}/outside_collaborators', 'outside', inputs, e); return null; }
  }

  private async readActions(): Promise<GithubOrgAttributes['actions']> {
    try {
      this.op('GET /orgs/{org}/actions/permissions');
      const [perm, wf] = await Promise.all([
        this.octokit.request('GET /orgs/{org}/actions/permissions', { org: this.opts.org }),
        this.octokit.request('GET /orgs/{org}/actions/permissions/workflow', { org: this.opts.org }),
      ]);
      const p = perm.data as unknown;
      const w = wf.data as unknown;
      if (!isObject(p) || typeof p.enabled_repositories !== 'string') throw new MalformedReplyError('GET /orgs/{org}/actions/permissions', 'enabled_repositories missing');
      if (!isObject(w)) throw new MalformedReplyError('GET /orgs/{org}/actions/permissions/workflow', 'reply is not an object');
      this.minApiCalls += 2;
      return {
        // allowed_actions is absent when Actions are disabled (enabled_repositories: none); the rule reads it only otherwise.
        enabledRepositories: p.enabled_repositories, allowedActions: typeof p.allowed_actions === 'string' ? p.allowed_actions : null,
        defaultWorkflowPermissions: w.default_workflow_permissions === 'read' || w.default_workflow_permissions === 'write' ? w.default_workflow_permissions : null,
        canApprovePullRequestReviews: typeof w.can_approve_pull_request_reviews === 'boolean' ? w.can_approve_pull_request_reviews : null,
      };
    } catch (e) {
      // Only the Actions fields go missing: github.actions_hardened reads `actions: null` as "could not tell".
      this.fail('GET /orgs/{org}/actions/permissions', 'actions', [], e);
      return null;
    }
  }

  private async readSaml(): Promise<{ configured: boolean; logins: Set<string> | null } | null> {
    const logins = new Set<string>();
    let configured = false;
    const op = 'graphql organization.samlIdentityProvider';
    try {
      this.op(op);
      for await (const page of connectionPages(this.octokit, op, ORG_SAML_QUERY, { org: this.opts.org }, ['organization', 'samlIdentityProvider', 'externalIdentities'])) {
        // samlIdentityProvider: null with no error is GitHub's answer for an org without SAML; with an error it is a denial.
        if (page.errors.length > 0) throw new GraphqlErrorsError(op, page.errors);
        if (page.connection === null) {
          const orgNode = page.data.organization;
          if (!isObject(orgNode) || orgNode.samlIdentityProvider !== null) throw new MalformedReplyError(op, 'externalIdentities is null');
          break;
        }
        configured = true;
        for (const n of page.connection.nodes) {
          if (!isObject(n) || !('user' in n)) throw new MalformedReplyError(op, 'an external identity has no user field');
          // user: null is an identity not linked to any GitHub account.
          if (isObject(n.user) && typeof n.user.login === 'string') logins.add(n.user.login);
        }
      }
      this.minApiCalls += Math.max(1, Math.ceil(logins.size / 100));
      return { configured, logins: configured ? logins : null };
    } catch (e) {
      this.fail(op, 'saml', ['github.org', 'github.member'], e);
      return null;
    }
  }

  /** Returns the repositories whose collaborators could not be read (null when the listing failed as a whole). */
  private async readRepositories(): Promise<Array<{ repo: string; cause: CollectionError['cause'] & string; detail: string }> | null> {
    const repoInputs = ['github.repository', 'github.branch_rules', 'github.outside_collaborator'];
    if (this.lacksScope(['repo'])) {
      this.missingScope('GET /orgs/{org}/repos', 'repos', 'repo', [...repoInputs, 'github.pull_request']);
      return null;
    }
    this.op('graphql organization.repositories');
    let read: Awaited<ReturnType<typeof readRepositories>>;
    try {
      read = await readRepositories(this.octokit, this.opts.org, (route, params) => this.listAll(route, params));
    } catch (e) {
      this.fail('graphql organization.repositories / GET /orgs/{org}/repos', 'repos', repoInputs, e);
      return null;
    }
    this.minApiCalls += Math.max(1, read.graphqlPages);
    const observedAt = this.now();
    for (const r of read.repositories) this.add('github.repository', r.id, r.id, r.attrs, observedAt);
    for (const br of read.branches) this.add('github.branch_rules', br.id, br.id, br.attrs, observedAt);
    for (const [login, list] of read.outsidePerms) this.outsideRepoPermissions.set(login, list);
    // One error per kind of gap and cause, listing the resources it leaves incomplete; the rest of the org is judged.
    const groups = new Map<string, typeof read.gaps>();
    for (const g of read.gaps) groups.set(`${g.what}|${g.cause}|${g.inputs.join(',')}`, [...(groups.get(`${g.what}|${g.cause}|${g.inputs.join(',')}`) ?? []), g]);
    for (const list of groups.values()) {
      const g0 = list[0]!;
      this.errors.push({
        operation: `graphql repository.${g0.what.replace(/\s+/g, '_')}`, code: g0.cause === 'denied' ? 'AccessDenied' : 'Incomplete', cause: g0.cause,
        ...(g0.permKey ? { permission: this.perm(g0.permKey) } : {}), inputs: g0.inputs, resources: [...new Set(list.flatMap((g) => g.resources))].sort(),
        retryable: false, message: `${list.length} repositories: ${list.slice(0, 5).map((g) => g.detail).join('; ')}${list.length > 5 ? '; …' : ''}`.slice(0, 300),
      });
    }
    this.inputs['github.repository'] = { observedAt };
    this.inputs['github.branch_rules'] = { observedAt };
    return read.collaboratorGaps;
  }

  private async readInstallations(): Promise<void> {
    const op = 'GET /orgs/{org}/installations';
    try {
      this.op(op);
      const list = await this.pagesOf(op, {}, 'installations');
      const observedAt = this.now();
      for (const i of list) {
        if (!isObject(i) || typeof i.id !== 'number' || typeof i.app_slug !== 'string' || !isObject(i.permissions) || !Array.isArray(i.events) || typeof i.created_at !== 'string') {
          throw new MalformedReplyError(op, 'an installation lacks id, app_slug, permissions, events or created_at');
        }
        const attrs: GithubAppInstallationAttributes = {
          appSlug: i.app_slug, appId: Number(i.app_id), repositorySelection: i.repository_selection as 'all' | 'selected',
          permissions: i.permissions as Record<string, string>, events: i.events as string[], createdAt: i.created_at, suspended: i.suspended_at !== null && i.suspended_at !== undefined,
        };
        this.add('github.app_installation', String(i.id), i.app_slug, attrs, observedAt);
      }
    } catch (e) {
      // Drop what a failed later page left behind: the type is either complete or in error.
      for (let k = this.resources.length - 1; k >= 0; k--) if (this.resources[k]!.type === 'github.app_installation') this.resources.splice(k, 1);
      this.fail(op, 'installations', ['github.app_installation'], e);
    }
  }

  /**
   * Each alert kind is its own feed (`github.alert_feed`, id `kind:org`): a failed or refused list makes only that
   * kind's rule `error`, and a feature GitHub says is not enabled is recorded as such, never as "no alerts".
   */
  private async readAlerts(): Promise<void> {
    const kinds = [['dependabot', 'GET /orgs/{org}/dependabot/alerts'], ['secret_scanning', 'GET /orgs/{org}/secret-scanning/alerts'], ['code_scanning', 'GET /orgs/{org}/code-scanning/alerts']] as const;
    await Promise.all(kinds.map(async ([kind, route]) => {
      const feedId = `${kind}:${this.opts.org}`;
      const feed = (state: GithubAlertFeedAttributes['state'], detail: string | null, open: number): void => {
        const attrs: GithubAlertFeedAttributes = { kind, state, detail, openAlerts: open };
        this.add('github.alert_feed', feedId, `${kind} alerts of ${this.opts.org}`, attrs, this.now());
      };
      try {
        const list = await this.listAll(route, { state: 'open' });
        const parsed = list.map((a) => {
          const repo = isObject(a.repository) && typeof a.repository.full_name === 'string' ? a.repository.full_name : null;
          if (repo === null || typeof a.number !== 'number' || typeof a.state !== 'string' || typeof a.created_at !== 'string') {
            throw new MalformedReplyError(route, 'an alert lacks repository.full_name, number, state or created_at');
          }
          const adv = a.security_advisory;
          const rule = a.rule;
          const sev = kind === 'dependabot' ? (isObject(adv) && typeof adv.severity === 'string' ? adv.severity : undefined)
            : kind === 'code_scanning' ? (isObject(rule) ? (rule.security_severity_level as string | null | undefined) : undefined) : null;
          // A Dependabot alert has a severity; a code-scanning alert's may be null (not a security rule). Absent is malformed.
          if (sev === undefined) throw new MalformedReplyError(route, `alert ${repo}#${a.number} has no severity field`);
          const attrs: GithubAlertAttributes = {
            kind, repository: repo, number: a.number, state: a.state, severity: sev, createdAt: a.created_at, url: String(a.html_url),
            validity: typeof a.validity === 'string' ? a.validity : null, secretType: typeof a.secret_type === 'string' ? a.secret_type : null,
          };
          return attrs;
        });
        const observedAt = this.now();
        for (const attrs of parsed) this.add('github.alert', `${kind}:${attrs.repository}#${attrs.number}`, `${kind} ${attrs.repository}#${attrs.number}`, attrs, observedAt);
        feed('listed', null, parsed.length);
      } catch (e) {
        if (isFeatureNotEnabled(e)) {
          const msg = (e as { response?: { data?: { message?: unknown } } }).response?.data?.message;
          feed('not_enabled', typeof msg === 'string' ? msg.slice(0, 200) : 'feature not enabled', 0);
          this.minApiCalls += 1;
          return;
        }
        feed('unread', null, 0);
        this.fail(route, kind, ['github.alert_feed'], e, [feedId]);
      }
    }));
    this.inputs['github.alert'] = { observedAt: this.now() };
    this.inputs['github.alert_feed'] = { observedAt: this.now() };
  }

  private async readPullRequests(): Promise<void> {
    if (this.lacksScope(['repo'])) return; // reported with the repositories
    const now = this.ctx.clock.now();
    const prev = this.ctx.cursors?.[PR_CURSOR];
    const prevMs = prev ? Date.parse(prev) : NaN;
    // Windows overlap by the cursor's own second: search dates have second precision, so starting one second later
    // could skip a merge that landed after the previous run read that second. A merge in that second may be reported twice.
    const from = Number.isNaN(prevMs) ? new Date(now.getTime() - this.opts.prMergeLookbackDays * 86_400_000) : new Date(prevMs);
    const to = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const op = 'graphql search(type: ISSUE, is:pr is:merged)';
    try {
      this.op(op);
      const seen = new Set<string>();
      const gaps: string[] = [];
      await this.searchWindow(from, to, seen, gaps);
      if (gaps.length > 0) {
        this.errors.push({
          operation: 'graphql search.nodes.reviews', code: 'Incomplete', cause: 'incomplete', permission: this.perm('pulls'), inputs: ['github.pull_request'],
          resources: gaps, retryable: false, message: `approvals of ${gaps.length} merged pull requests could not be read`,
        });
      }
      this.cursors[PR_CURSOR] = isoSeconds(to);
      this.inputs['github.pull_request'] = { observedAt: this.now() };
    } catch (e) {
      for (let k = this.resources.length - 1; k >= 0; k--) if (this.resources[k]!.type === 'github.pull_request') this.resources.splice(k, 1);
      this.fail(op, 'pulls', ['github.pull_request'], e);
    }
  }

  /** Search stops at 1,000 results, so a window holding more is halved until each half fits. */
  private async searchWindow(from: Date, to: Date, seen: Set<string>, gaps: string[]): Promise<void> {
    if (from.getTime() > to.getTime()) return;
    const op = 'graphql search(type: ISSUE, is:pr is:merged)';
    const q = `org:${this.opts.org} is:pr is:merged merged:${isoSeconds(from)}..${isoSeconds(to)}`;
    let count = 0;
    let first = true;
    for await (const page of connectionPages(this.octokit, op, MERGED_PULL_REQUESTS_QUERY, { q }, ['search'])) {
      if (page.connection === null) throw new GraphqlErrorsError(op, page.errors.length > 0 ? page.errors : [{ message: 'search is null' }]);
      const { byNode, whole } = errorsByNode(page.errors, ['search']);
      if (whole.length > 0) throw new GraphqlErrorsError(op, whole);
      const search = page.connection;
      if (typeof search.issueCount !== 'number') throw new MalformedReplyError(op, 'search.issueCount missing');
      if (first && search.issueCount > SEARCH_RESULT_CAP && to.getTime() - from.getTime() > 2000) {
        const mid = new Date(Math.floor((from.getTime() + to.getTime()) / 2000) * 1000);
        await this.searchWindow(from, mid, seen, gaps);
        await this.searchWindow(new Date(mid.getTime() + 1000), to, seen, gaps);
        return;
      }
      first = false;
      search.nodes.forEach((raw, i) => {
        if (!isObject(raw)) throw new MalformedReplyError(op, `search node ${i} is not an object`);
        if (raw.number === undefined) return; // an issue, not a pull request: the query selects PR fields only
        const repoNode = raw.repository;
        if (typeof raw.number !== 'number' || typeof raw.mergedAt !== 'string' || typeof raw.baseRefName !== 'string' || typeof raw.url !== 'string'
          || !isObject(repoNode) || typeof repoNode.nameWithOwner !== 'string' || !('defaultBranchRef' in repoNode)) {
          throw new MalformedReplyError(op, `pull request node ${i} lacks number, url, mergedAt, baseRefName or repository`);
        }
        const repo = repoNode.nameWithOwner;
        const id = `${repo}#${raw.number}`;
        if (seen.has(id)) return;
        seen.add(id);
        count++;
        const ref = repoNode.defaultBranchRef;
        const defaultBranch = isObject(ref) && typeof ref.name === 'string' ? ref.name : null;
        const reviews = raw.reviews;
        const reviewNodes = isObject(reviews) && Array.isArray(reviews.nodes) && (byNode.get(i) ?? []).length === 0 ? reviews.nodes : null;
        // Approvals that could not be read are "unknown", never "none": the merge is then `error`, not an exception.
        if (reviewNodes === null) gaps.push(id);
        const login = (u: unknown): string | null => (isObject(u) && typeof u.login === 'string' ? u.login : null);
        const attrs: GithubPullRequestAttributes = {
          repository: repo, number: raw.number, url: raw.url, author: login(raw.author), mergedBy: login(raw.mergedBy), mergedAt: raw.mergedAt,
          baseRef: raw.baseRefName, defaultBranch, toDefaultBranch: defaultBranch !== null && raw.baseRefName === defaultBranch,
          approvers: reviewNodes === null ? null : [...new Set(reviewNodes.map((r) => (isObject(r) ? login(r.author) : null)).filter((l): l is string => l !== null))].sort(),
        };
        this.add('github.pull_request', id, id, attrs, raw.mergedAt);
      });
    }
    this.minApiCalls += Math.max(1, Math.ceil(count / 100));
  }
}

function dedupe(list: Artifact[]): Artifact[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.sha256) ? false : (seen.add(a.sha256), true)));
}
