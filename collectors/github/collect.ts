// Reads one GitHub organization into a Snapshot: REST with ETags where GraphQL lacks the data, GraphQL pages of 100 for repos and rules.
import type { CollectContext } from '../../src/core/collector.js';
import { AppError } from '../../src/core/errors.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { CollectionError, Snapshot } from '../../src/core/types.js';
import type { EtagCache } from './client.js';
import { githubCause } from './failure.js';
import { isObject } from './graphql-read.js';
import { readAccessInventory } from './access-inventory.js';
import { readAlerts } from './alerts.js';
import { readAuditLog } from './audit-log.js';
import { readMembers, readOutsideCollaborators } from './members.js';
import { readActions, readInstallations, readSaml } from './org-settings.js';
import { readPullRequests } from './pull-requests.js';
import { readRepositories } from './repositories.js';
import { RunState, type CollectOptions } from './run-state.js';
import {
  GITHUB_RESOURCE_TYPES, type GithubMemberAttributes, type GithubOrgAttributes, type GithubOutsideCollaboratorAttributes,
} from '../../src/core/contracts/github.js';

type CollaboratorGap = { repo: string; cause: CollectionError['cause'] & string; detail: string };

/** One collection run: the org object first (it tells the credential kind), then every other read at once, then the joins. */
export class GithubRun {
  private readonly state: RunState;
  private readonly outsideRepoPermissions = new Map<string, GithubOutsideCollaboratorAttributes['repositories']>();

  constructor(private readonly opts: CollectOptions, ctx: CollectContext, cache: EtagCache) {
    this.state = new RunState(opts, ctx, cache);
  }

  async run(): Promise<Snapshot> {
    const run = this.state;
    const startedAt = run.now();
    const orgData = await this.readOrg();
    if (orgData === null) return run.snapshot(startedAt);
    const orgObservedAt = run.now();
    if (orgData.two_factor_requirement_enabled === undefined) {
      run.errors.push({
        operation: 'GET /orgs/{org}', code: 'FieldsHidden', permission: run.perm('orgSettings'), inputs: ['github.org'], retryable: false, cause: 'denied',
        message: 'two_factor_requirement_enabled and default_repository_permission are only returned to organization owners',
      });
    }
    const [members, outside, actions, saml, repoGaps] = await Promise.all([
      readMembers(run), readOutsideCollaborators(run), readActions(run), readSaml(run),
      this.readRepositories(), readInstallations(run), readAlerts(run), readPullRequests(run, this.opts.prMergeLookbackDays),
      readAuditLog(run, isObject(orgData.plan) && typeof orgData.plan.name === 'string' ? orgData.plan.name : null), readAccessInventory(run),
    ]);
    this.addOutsideCollaborators(outside, repoGaps);
    const samlLogins = saml?.logins;
    for (const m of members ?? []) {
      const attrs: GithubMemberAttributes = { ...m, samlLinked: samlLogins ? samlLogins.has(m.login) : null };
      run.add('github.member', m.login, m.login, attrs, orgObservedAt);
    }
    const org = this.opts.org;
    run.add('github.org', org, org, orgAttributes(orgData, members, actions, saml), orgObservedAt);
    run.inputs['github.org'] = { observedAt: orgObservedAt };
    return run.snapshot(startedAt);
  }

  /** The org object, or null when it could not be read (recorded as an error of every input). */
  private async readOrg(): Promise<Record<string, unknown> | null> {
    const run = this.state;
    const org = this.opts.org;
    try {
      run.op('GET /orgs/{org}');
      const res = await run.octokit.request('GET /orgs/{org}', { org });
      if (!isObject(res.data) || typeof res.data.login !== 'string') throw new MalformedReplyError('GET /orgs/{org}', 'reply is not an organization object');
      const scopesHeader = res.headers['x-oauth-scopes'];
      if (typeof scopesHeader === 'string') {
        run.authKind = 'classic';
        run.scopes = new Set(scopesHeader.split(',').map((s) => s.trim()).filter(Boolean));
      }
      run.minApiCalls += 1;
      return res.data;
    } catch (e) {
      const { cause } = githubCause(e);
      // Bad credentials and a wrong org are configuration faults the operator must fix; anything else (throttled,
      // unreachable, timeout, malformed) is recorded as an error run of every input, with its cause.
      if (cause === 'unauthenticated' || cause === 'not_found') {
        throw new AppError(cause === 'not_found' ? 'GITHUB_ORG_NOT_FOUND' : 'GITHUB_BAD_CREDENTIALS',
          `GitHub: cannot read organization ${org}: ${e instanceof Error ? e.message : String(e)}`,
          { retryable: false, remediation: 'Check sources.github.org, baseUrl and the credential.', cause: e });
      }
      run.fail('GET /orgs/{org}', 'orgSettings', [...GITHUB_RESOURCE_TYPES], e);
      return null;
    }
  }

  /** Joins outside collaborators with the repositories they were seen on; repositories not read leave every list in doubt. */
  private addOutsideCollaborators(outside: Array<{ login: string; twoFactorDisabled: boolean | null }> | null, repoGaps: CollaboratorGap[] | null): void {
    const run = this.state;
    const outsidePerms = this.outsideRepoPermissions;
    for (const o of outside ?? []) {
      const attrs: GithubOutsideCollaboratorAttributes = { login: o.login, twoFactorDisabled: o.twoFactorDisabled, repositories: outsidePerms.get(o.login) ?? [] };
      run.add('github.outside_collaborator', o.login, o.login, attrs, run.now());
    }
    if (outside && repoGaps && repoGaps.length > 0) {
      // A repository whose collaborators could not be read may hold any outside collaborator at any permission.
      const denied = repoGaps.some((g) => g.cause === 'denied');
      const shown = repoGaps.slice(0, 5).map((g) => `${g.repo} (${g.detail})`).join('; ');
      run.errors.push({
        operation: 'graphql repository.collaborators', code: denied ? 'AccessDenied' : 'Incomplete', cause: denied ? 'denied' : repoGaps[0]!.cause,
        permission: run.perm('collaborators'), inputs: ['github.outside_collaborator'], resources: outside.map((o) => o.login), retryable: false,
        message: `outside collaborators of ${repoGaps.length} repositories could not be read: ${shown}${repoGaps.length > 5 ? '; …' : ''}`,
      });
    }
  }

  /** Returns the repositories whose collaborators could not be read (null when the listing failed as a whole). */
  private async readRepositories(): Promise<CollaboratorGap[] | null> {
    const run = this.state;
    const repoInputs = ['github.repository', 'github.branch_rules', 'github.outside_collaborator'];
    if (run.lacksScope(['repo'])) {
      run.missingScope('GET /orgs/{org}/repos', 'repos', 'repo', [...repoInputs, 'github.pull_request']);
      return null;
    }
    run.op('graphql organization.repositories');
    let read: Awaited<ReturnType<typeof readRepositories>>;
    try {
      read = await readRepositories(run.octokit, this.opts.org, (route, params) => run.listAll(route, params));
    } catch (e) {
      run.fail('graphql organization.repositories / GET /orgs/{org}/repos', 'repos', repoInputs, e);
      return null;
    }
    run.minApiCalls += Math.max(1, read.graphqlPages);
    const observedAt = run.now();
    for (const r of read.repositories) run.add('github.repository', r.id, r.id, r.attrs, observedAt);
    for (const br of read.branches) run.add('github.branch_rules', br.id, br.id, br.attrs, observedAt);
    for (const [login, list] of read.outsidePerms) this.outsideRepoPermissions.set(login, list);
    // One error per kind of gap and cause, listing the resources it leaves incomplete; the rest of the org is judged.
    const groups = new Map<string, typeof read.gaps>();
    for (const g of read.gaps) groups.set(`${g.what}|${g.cause}|${g.inputs.join(',')}`, [...(groups.get(`${g.what}|${g.cause}|${g.inputs.join(',')}`) ?? []), g]);
    for (const list of groups.values()) {
      const g0 = list[0]!;
      run.errors.push({
        operation: `graphql repository.${g0.what.replace(/\s+/g, '_')}`, code: g0.cause === 'denied' ? 'AccessDenied' : 'Incomplete', cause: g0.cause,
        ...(g0.permKey ? { permission: run.perm(g0.permKey) } : {}), inputs: g0.inputs, resources: [...new Set(list.flatMap((g) => g.resources))].sort(),
        retryable: false, message: `${list.length} repositories: ${list.slice(0, 5).map((g) => g.detail).join('; ')}${list.length > 5 ? '; …' : ''}`.slice(0, 300),
      });
    }
    run.inputs['github.repository'] = { observedAt };
    run.inputs['github.branch_rules'] = { observedAt };
    return read.collaboratorGaps;
  }
}

/** The org resource's attributes; a field GitHub did not send (not an owner) is null, never a default. */
function orgAttributes(
  orgData: Record<string, unknown>, members: Array<Omit<GithubMemberAttributes, 'samlLinked'>> | null,
  actions: GithubOrgAttributes['actions'], saml: { configured: boolean; logins: Set<string> | null } | null,
): GithubOrgAttributes {
  const b = (k: string): boolean | null => (typeof orgData[k] === 'boolean' ? (orgData[k] as boolean) : null);
  const plan = orgData.plan;
  return {
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
}
