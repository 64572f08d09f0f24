// Reads one GitHub organization into a Snapshot: REST with ETags where GraphQL lacks the data, GraphQL pages of 100 for repos and rules.
import type { CollectContext, Logger } from '../../src/core/collector.js';
import { AppError } from '../../src/core/errors.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { emptyStats, type EtagCache, type VigilOctokitClient, createClient, type ClientOptions } from './client.js';
import { effectiveBranchRules, type GqlProtection, type GqlRuleset } from './branch-rules.js';
import { MERGED_PULL_REQUESTS_QUERY, ORG_REPOSITORIES_QUERY, ORG_SAML_QUERY, OUTSIDE_COLLABORATORS_PER_REPO, RULESETS_PER_REPO, SEARCH_RESULT_CAP } from './queries.js';
import {
  GITHUB_RESOURCE_TYPES, type GithubAlertAttributes, type GithubBranchRulesAttributes, type GithubMemberAttributes, type GithubOrgAttributes,
  type GithubOutsideCollaboratorAttributes, type GithubPullRequestAttributes, type GithubRepositoryAttributes, type GithubAppInstallationAttributes,
} from './types.js';

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
};

function pages(n: number): number {
  return Math.max(1, Math.ceil(n / 100));
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface RepoRow {
  fullName: string;
  visibility: string;
  archived: boolean;
  fork: boolean;
  defaultBranch: string | null;
  sa?: { secret_scanning?: { status?: string }; secret_scanning_push_protection?: { status?: string } };
}

interface GqlRepo {
  nameWithOwner: string;
  isArchived: boolean;
  visibility: string;
  viewerPermission: string | null;
  hasVulnerabilityAlertsEnabled: boolean | null;
  defaultBranchRef: { name: string; branchProtectionRule: GqlProtection | null } | null;
  rulesets: { totalCount: number; nodes: GqlRuleset[] } | null;
  collaborators: { totalCount: number; edges: Array<{ permission: string; node: { login: string } }> } | null;
  codeownersRoot: unknown;
  codeownersGithub: unknown;
  codeownersDocs: unknown;
}

interface GqlPull {
  number?: number;
  url: string;
  mergedAt: string;
  baseRefName: string;
  author: { login: string } | null;
  mergedBy: { login: string } | null;
  repository: { nameWithOwner: string; defaultBranchRef: { name: string } | null };
  reviews: { nodes: Array<{ author: { login: string } | null }> } | null;
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

  /** Records a failed read. 401/403/404 on an org we could read means "no access", named by its permission. */
  private fail(operation: string, permKey: keyof typeof PERMISSIONS, inputs: string[], e: unknown): void {
    const status = statusOf(e);
    const message = e instanceof Error ? e.message : String(e);
    const secondary = /secondary rate/i.test(message);
    const code = secondary ? 'SecondaryRateLimit' : status === 401 ? 'BadCredentials' : status === 403 ? 'AccessDenied' : status === 404 ? 'NotFound' : status === 422 ? 'Unprocessable'
      : status !== undefined ? `HTTP${status}` : e instanceof AppError ? e.code : 'RequestFailed';
    const noAccess = !secondary && (status === 401 || status === 403 || status === 404 || status === 422);
    this.errors.push({
      operation, code, message: message.slice(0, 300), ...(noAccess || status === undefined ? { permission: this.perm(permKey) } : {}),
      inputs, retryable: secondary || (status !== undefined && status >= 500) || status === undefined,
    });
    this.minApiCalls += 1;
    this.logger.warn({ source: 'github', operation, code, status }, 'GitHub read failed');
  }

  /** A classic token's scopes are known from X-OAuth-Scopes: reads GitHub would silently narrow (public data only) are refused here. */
  private lacksScope(any: string[]): boolean {
    return this.scopes !== null && !any.some((s) => this.scopes!.has(s));
  }

  private missingScope(operation: string, permKey: keyof typeof PERMISSIONS, scope: string, inputs: string[]): void {
    this.errors.push({
      operation, code: 'MissingScope', permission: this.perm(permKey), inputs, retryable: false,
      message: `X-OAuth-Scopes lists ${[...(this.scopes ?? [])].join(', ') || 'nothing'}, without ${scope}; GitHub would return only public data`,
    });
  }

  private async listAll(route: string, params: Record<string, string | number>): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for await (const page of this.octokit.paginate.iterator(route as 'GET /orgs/{org}/members', { org: this.opts.org, per_page: 100, ...params } as never)) {
      const data = page.data as unknown;
      if (Array.isArray(data)) items.push(...(data as Array<Record<string, unknown>>));
    }
    this.minApiCalls += pages(items.length);
    return items;
  }

  async run(): Promise<Snapshot> {
    const startedAt = this.now();
    const org = this.opts.org;
    let orgData: Record<string, unknown>;
    try {
      const res = await this.octokit.request('GET /orgs/{org}', { org });
      orgData = res.data as Record<string, unknown>;
      const scopesHeader = res.headers['x-oauth-scopes'];
      if (typeof scopesHeader === 'string') {
        this.authKind = 'classic';
        this.scopes = new Set(scopesHeader.split(',').map((s) => s.trim()).filter(Boolean));
      }
      this.minApiCalls += 1;
    } catch (e) {
      const status = statusOf(e);
      throw new AppError(status === 404 ? 'GITHUB_ORG_NOT_FOUND' : status === 401 ? 'GITHUB_BAD_CREDENTIALS' : 'GITHUB_UNREACHABLE',
        `GitHub: cannot read organization ${org}: ${e instanceof Error ? e.message : String(e)}`,
        { retryable: status === undefined || status >= 500, remediation: 'Check sources.github.org, baseUrl and the credential.', cause: e });
    }
    const orgObservedAt = this.now();
    if (orgData.two_factor_requirement_enabled === undefined) {
      this.errors.push({
        operation: 'GET /orgs/{org}', code: 'FieldsHidden', permission: this.perm('orgSettings'), inputs: ['github.org'], retryable: false,
        message: 'two_factor_requirement_enabled and default_repository_permission are only returned to organization owners',
      });
    }
    const [members, outside, actions, saml] = await Promise.all([
      this.readMembers(), this.readOutsideCollaborators(), this.readActions(), this.readSaml(),
      this.readRepositories(), this.readInstallations(), this.readAlerts(), this.readPullRequests(),
    ]);
    const outsidePerms = this.outsideRepoPermissions;
    for (const o of outside ?? []) {
      const attrs: GithubOutsideCollaboratorAttributes = { login: o.login, twoFactorDisabled: o.twoFactorDisabled, repositories: outsidePerms.get(o.login) ?? [] };
      this.add('github.outside_collaborator', o.login, o.login, attrs, this.now());
    }
    const samlLogins = saml?.logins;
    for (const m of members ?? []) {
      const attrs: GithubMemberAttributes = { ...m, samlLinked: samlLogins ? samlLogins.has(m.login) : null };
      this.add('github.member', m.login, m.login, attrs, orgObservedAt);
    }
    const b = (k: string): boolean | null => (typeof orgData[k] === 'boolean' ? (orgData[k] as boolean) : null);
    const orgAttrs: GithubOrgAttributes = {
      login: String(orgData.login ?? org),
      plan: typeof (orgData.plan as { name?: unknown } | undefined)?.name === 'string' ? String((orgData.plan as { name: string }).name) : null,
      twoFactorRequirementEnabled: b('two_factor_requirement_enabled'),
      defaultRepositoryPermission: typeof orgData.default_repository_permission === 'string' ? orgData.default_repository_permission as GithubOrgAttributes['defaultRepositoryPermission'] : null,
      membersCanCreateRepositories: b('members_can_create_repositories'),
      membersCanCreatePublicRepositories: b('members_can_create_public_repositories'),
      membersCanCreatePrivateRepositories: b('members_can_create_private_repositories'),
      actions, saml: saml ? { configured: saml.configured, linkedIdentities: saml.logins?.size ?? 0 } : null,
      ownerCount: (members ?? []).filter((m) => m.role === 'admin').length,
      memberCount: (members ?? []).length,
    };
    this.add('github.org', org, org, orgAttrs, orgObservedAt);
    const endedAt = this.now();
    for (const t of GITHUB_RESOURCE_TYPES) this.inputs[t] ??= { observedAt: endedAt };
    this.inputs['github.org'] = { observedAt: orgObservedAt };
    if (this.stats.authRequests > 0) this.minApiCalls += 1;
    const apiCalls = this.stats.restRequests + this.stats.graphqlRequests + this.stats.authRequests;
    return {
      source: 'github', scope: org, slot: this.ctx.slot, startedAt, endedAt,
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
    } catch (e) { this.fail('GET /orgs/{org}/members', 'members', inputs, e); return null; }
    let no2fa: Set<string> | null = null;
    try {
      no2fa = new Set((await this.listAll('GET /orgs/{org}/members', { filter: '2fa_disabled' })).map((u) => String(u.login)));
    } catch (e) { this.fail('GET /orgs/{org}/members?filter=2fa_disabled', 'members2fa', ['github.member'], e); }
    const adminSet = new Set(admins.map((u) => String(u.login)));
    this.inputs['github.member'] = { observedAt: this.now() };
    return all.map((u) => ({ login: String(u.login), role: adminSet.has(String(u.login)) ? 'admin' as const : 'member' as const, twoFactorDisabled: no2fa ? no2fa.has(String(u.login)) : null }));
  }

  private async readOutsideCollaborators(): Promise<Array<{ login: string; twoFactorDisabled: boolean | null }> | null> {
    const inputs = ['github.outside_collaborator'];
    if (this.lacksScope(['read:org', 'admin:org'])) { this.missingScope('GET /orgs/{org}/outside_collaborators', 'outside', 'read:org', inputs); return null; }
    try {
      const [all, no2fa] = await Promise.all([
        this.listAll('GET /orgs/{org}/outside_collaborators', {}),
        this.listAll('GET /orgs/{org}/outside_collaborators', { filter: '2fa_disabled' }),
      ]);
      const off = new Set(no2fa.map((u) => String(u.login)));
      return all.map((u) => ({ login: String(u.login), twoFactorDisabled: off.has(String(u.login)) }));
    } catch (e) { this.fail('GET /orgs/{org}/outside_collaborators', 'outside', inputs, e); return null; }
  }

  private async readActions(): Promise<GithubOrgAttributes['actions']> {
    try {
      const [perm, wf] = await Promise.all([
        this.octokit.request('GET /orgs/{org}/actions/permissions', { org: this.opts.org }),
        this.octokit.request('GET /orgs/{org}/actions/permissions/workflow', { org: this.opts.org }),
      ]);
      this.minApiCalls += 2;
      return {
        enabledRepositories: perm.data.enabled_repositories, allowedActions: perm.data.allowed_actions ?? null,
        defaultWorkflowPermissions: wf.data.default_workflow_permissions ?? null, canApprovePullRequestReviews: wf.data.can_approve_pull_request_reviews ?? null,
      };
    } catch (e) {
      // Only the Actions fields go missing; they are optional in github.org and no rule in this set needs them.
      this.fail('GET /orgs/{org}/actions/permissions', 'actions', [], e);
      return null;
    }
  }

  private async readSaml(): Promise<{ configured: boolean; logins: Set<string> | null } | null> {
    const logins = new Set<string>();
    let configured = false;
    try {
      for await (const page of this.octokit.graphql.paginate.iterator(ORG_SAML_QUERY, { org: this.opts.org })) {
        const idp = (page as { organization?: { samlIdentityProvider?: { externalIdentities: { nodes: Array<{ user: { login: string } | null }> } } | null } }).organization?.samlIdentityProvider;
        if (!idp) break;
        configured = true;
        for (const n of idp.externalIdentities.nodes) if (n.user) logins.add(n.user.login);
      }
      this.minApiCalls += pages(logins.size);
      return { configured, logins: configured ? logins : null };
    } catch (e) {
      this.fail('graphql organization.samlIdentityProvider', 'saml', ['github.org', 'github.member'], graphqlStatus(e));
      return null;
    }
  }

  private async readRepositories(): Promise<void> {
    const repoInputs = ['github.repository', 'github.branch_rules', 'github.outside_collaborator'];
    if (this.lacksScope(['repo'])) {
      this.missingScope('GET /orgs/{org}/repos', 'repos', 'repo', [...repoInputs, 'github.pull_request']);
      return;
    }
    let rows: RepoRow[];
    const gql = new Map<string, GqlRepo>();
    try {
      const [rest] = await Promise.all([
        this.listAll('GET /orgs/{org}/repos', { type: 'all', sort: 'full_name' }),
        (async () => {
          for await (const page of this.octokit.graphql.paginate.iterator(ORG_REPOSITORIES_QUERY, { org: this.opts.org })) {
            const nodes = (page as { organization: { repositories: { nodes: GqlRepo[] } } }).organization.repositories.nodes;
            for (const n of nodes) gql.set(n.nameWithOwner, n);
          }
          this.minApiCalls += pages(gql.size);
        })(),
      ]);
      rows = rest.map((r) => ({
        fullName: String(r.full_name), visibility: String(r.visibility ?? (r.private ? 'private' : 'public')), archived: r.archived === true, fork: r.fork === true,
        defaultBranch: typeof r.default_branch === 'string' ? r.default_branch : null, sa: r.security_and_analysis as RepoRow['sa'],
      }));
    } catch (e) {
      this.fail('graphql organization.repositories / GET /orgs/{org}/repos', 'repos', repoInputs, graphqlStatus(e));
      return;
    }
    const observedAt = this.now();
    let truncated = 0;
    for (const row of rows) {
      const g = gql.get(row.fullName);
      const sa = row.sa;
      const repoAttrs: GithubRepositoryAttributes = {
        fullName: row.fullName, visibility: row.visibility as GithubRepositoryAttributes['visibility'], archived: row.archived, fork: row.fork,
        defaultBranch: row.defaultBranch,
        secretScanning: sa?.secret_scanning?.status ? sa.secret_scanning.status === 'enabled' : null,
        secretScanningPushProtection: sa?.secret_scanning_push_protection?.status ? sa.secret_scanning_push_protection.status === 'enabled' : null,
        dependabotAlerts: g && g.viewerPermission === 'ADMIN' ? g.hasVulnerabilityAlertsEnabled : null,
        codeownersPath: g ? (g.codeownersGithub ? '.github/CODEOWNERS' : g.codeownersRoot ? 'CODEOWNERS' : g.codeownersDocs ? 'docs/CODEOWNERS' : null) : null,
      };
      this.add('github.repository', row.fullName, row.fullName, repoAttrs, observedAt);
      if (!g) continue;
      for (const e of g.collaborators?.edges ?? []) {
        const list = this.outsideRepoPermissions.get(e.node.login) ?? [];
        list.push({ repository: row.fullName, permission: e.permission as GithubOutsideCollaboratorAttributes['repositories'][number]['permission'] });
        this.outsideRepoPermissions.set(e.node.login, list);
      }
      if ((g.collaborators?.totalCount ?? 0) > OUTSIDE_COLLABORATORS_PER_REPO || (g.rulesets?.totalCount ?? 0) > RULESETS_PER_REPO) truncated++;
      const branch = g.defaultBranchRef?.name ?? row.defaultBranch;
      if (!branch) continue;
      const visible = g.viewerPermission === 'ADMIN';
      const eff = effectiveBranchRules(g.defaultBranchRef?.branchProtectionRule ?? null, g.rulesets?.nodes ?? [], branch);
      const attrs: GithubBranchRulesAttributes = { repository: row.fullName, branch, archived: row.archived, visible, ...eff };
      this.add('github.branch_rules', `${row.fullName}:${branch}`, `${row.fullName}:${branch}`, attrs, observedAt);
    }
    if (truncated > 0) {
      this.errors.push({
        operation: 'graphql organization.repositories', code: 'Truncated', retryable: false, inputs: ['github.outside_collaborator', 'github.branch_rules'],
        message: `${truncated} repositories have more than ${OUTSIDE_COLLABORATORS_PER_REPO} outside collaborators or ${RULESETS_PER_REPO} rulesets; the rest were not read`,
      });
    }
    this.inputs['github.repository'] = { observedAt };
    this.inputs['github.branch_rules'] = { observedAt };
  }

  private async readInstallations(): Promise<void> {
    try {
      const list: Array<Record<string, unknown>> = [];
      for await (const page of this.octokit.paginate.iterator('GET /orgs/{org}/installations', { org: this.opts.org, per_page: 100 })) {
        list.push(...(page.data as unknown as Array<Record<string, unknown>>));
      }
      this.minApiCalls += pages(list.length);
      const observedAt = this.now();
      for (const i of list) {
        const attrs: GithubAppInstallationAttributes = {
          appSlug: String(i.app_slug), appId: Number(i.app_id), repositorySelection: i.repository_selection as 'all' | 'selected',
          permissions: (i.permissions ?? {}) as Record<string, string>, events: (i.events ?? []) as string[], createdAt: String(i.created_at), suspended: i.suspended_at !== null && i.suspended_at !== undefined,
        };
        this.add('github.app_installation', String(i.id), String(i.app_slug), attrs, observedAt);
      }
    } catch (e) { this.fail('GET /orgs/{org}/installations', 'installations', ['github.app_installation'], e); }
  }

  private async readAlerts(): Promise<void> {
    const kinds = [['dependabot', 'GET /orgs/{org}/dependabot/alerts'], ['secret_scanning', 'GET /orgs/{org}/secret-scanning/alerts'], ['code_scanning', 'GET /orgs/{org}/code-scanning/alerts']] as const;
    let failed = false;
    await Promise.all(kinds.map(async ([kind, route]) => {
      try {
        const list = await this.listAll(route, { state: 'open' });
        const observedAt = this.now();
        for (const a of list) {
          const repo = String((a.repository as { full_name?: string } | null)?.full_name ?? 'unknown');
          const sev = kind === 'dependabot' ? (a.security_advisory as { severity?: string } | undefined)?.severity
            : kind === 'code_scanning' ? (a.rule as { security_severity_level?: string | null } | undefined)?.security_severity_level : null;
          const attrs: GithubAlertAttributes = {
            kind, repository: repo, number: Number(a.number), state: String(a.state), severity: sev ?? null, createdAt: String(a.created_at), url: String(a.html_url),
            validity: typeof a.validity === 'string' ? a.validity : null, secretType: typeof a.secret_type === 'string' ? a.secret_type : null,
          };
          this.add('github.alert', `${kind}:${repo}#${attrs.number}`, `${kind} ${repo}#${attrs.number}`, attrs, observedAt);
        }
      } catch (e) { failed = true; this.fail(route, kind, ['github.alert'], e); }
    }));
    if (!failed) this.inputs['github.alert'] = { observedAt: this.now() };
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
    try {
      const seen = new Set<string>();
      await this.searchWindow(from, to, seen);
      this.cursors[PR_CURSOR] = isoSeconds(to);
      this.inputs['github.pull_request'] = { observedAt: this.now() };
    } catch (e) {
      this.fail('graphql search(type: ISSUE, is:pr is:merged)', 'pulls', ['github.pull_request'], graphqlStatus(e));
    }
  }

  /** Search stops at 1,000 results, so a window holding more is halved until each half fits. */
  private async searchWindow(from: Date, to: Date, seen: Set<string>): Promise<void> {
    if (from.getTime() > to.getTime()) return;
    const q = `org:${this.opts.org} is:pr is:merged merged:${isoSeconds(from)}..${isoSeconds(to)}`;
    let count = 0;
    let first = true;
    for await (const page of this.octokit.graphql.paginate.iterator(MERGED_PULL_REQUESTS_QUERY, { q })) {
      const search = (page as { search: { issueCount: number; nodes: GqlPull[] } }).search;
      if (first && search.issueCount > SEARCH_RESULT_CAP && to.getTime() - from.getTime() > 2000) {
        const mid = new Date(Math.floor((from.getTime() + to.getTime()) / 2000) * 1000);
        await this.searchWindow(from, mid, seen);
        await this.searchWindow(new Date(mid.getTime() + 1000), to, seen);
        return;
      }
      first = false;
      for (const pr of search.nodes) {
        if (pr.number === undefined) continue;
        const repo = pr.repository.nameWithOwner;
        const id = `${repo}#${pr.number}`;
        if (seen.has(id)) continue;
        seen.add(id);
        count++;
        const defaultBranch = pr.repository.defaultBranchRef?.name ?? null;
        const attrs: GithubPullRequestAttributes = {
          repository: repo, number: pr.number, url: pr.url, author: pr.author?.login ?? null, mergedBy: pr.mergedBy?.login ?? null, mergedAt: pr.mergedAt,
          baseRef: pr.baseRefName, defaultBranch, toDefaultBranch: defaultBranch !== null && pr.baseRefName === defaultBranch,
          approvers: [...new Set((pr.reviews?.nodes ?? []).map((r) => r.author?.login).filter((l): l is string => typeof l === 'string'))].sort(),
        };
        this.add('github.pull_request', id, id, attrs, pr.mergedAt);
      }
    }
    this.minApiCalls += pages(count);
  }
}

/** GraphQL errors arrive as GraphqlResponseError (status 200): turn FORBIDDEN / INSUFFICIENT_SCOPES into the 403 they mean. */
function graphqlStatus(e: unknown): unknown {
  const errs = (e as { errors?: Array<{ type?: string; message?: string }> }).errors;
  if (Array.isArray(errs) && statusOf(e) === undefined) {
    const t = errs.map((x) => x.type).find((x) => x === 'FORBIDDEN' || x === 'INSUFFICIENT_SCOPES' || x === 'NOT_FOUND');
    const msg = errs.map((x) => x.message).join('; ');
    if (t) return Object.assign(new Error(msg), { status: t === 'NOT_FOUND' ? 404 : 403 });
  }
  return e;
}

/** HTTP status of an Octokit RequestError (duck-typed: @octokit/request-error is not a direct dependency). */
function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function dedupe(list: Artifact[]): Artifact[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.sha256) ? false : (seen.add(a.sha256), true)));
}
