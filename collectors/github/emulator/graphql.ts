// Resolvers for the fixed GraphQL documents the collector sends, keyed by operation name, with GitHub-shaped data, errors and costs.
import { MERGED_PULL_REQUESTS_QUERY, ORG_REPOSITORIES_QUERY, ORG_SAML_QUERY, SEARCH_RESULT_CAP, queryCost } from '../queries.js';
import type { EmuOrg, EmuRepo, EmuToken } from './state.js';

/** A per-field GraphQL error: the field is null in `data` and an `errors[]` entry points at it by `path`. */
export interface GraphqlFieldFault {
  /** Repository name (without the org). */
  repo: string;
  field: 'collaborators' | 'rulesets' | 'defaultBranchRef' | 'codeownersGithub';
  type?: string;
  message?: string;
}

export interface GraphqlCaller {
  token: EmuToken;
  isOwner: boolean;
  /** Classic scopes or app permissions allow reading private repos. */
  canReadPrivate: boolean;
  canReadOrgAdmin: boolean;
  canReadAdministration: boolean;
}

export interface GraphqlReply {
  body: { data?: unknown; errors?: unknown[] };
  cost: number;
}

const DOCUMENTS: Record<string, string> = {
  OrgRepositories: ORG_REPOSITORIES_QUERY,
  OrgSamlIdentities: ORG_SAML_QUERY,
  MergedPullRequests: MERGED_PULL_REQUESTS_QUERY,
};

export function encodeCursor(i: number): string {
  return Buffer.from(`cursor:v2:${i}`).toString('base64');
}

function decodeCursor(c: unknown): number | 'invalid' {
  if (c === undefined || c === null) return 0;
  if (typeof c !== 'string') return 'invalid';
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(c, 'base64').toString('utf8'));
  return m ? Number(m[1]) + 1 : 'invalid';
}

function gqlError(type: string, message: string, path?: string[]): Record<string, unknown> {
  return { type, message, ...(path ? { path } : {}), locations: [{ line: 1, column: 1 }] };
}

/** GitHub ruleset ref-name conditions include ~DEFAULT_BRANCH, ~ALL and fnmatch patterns; the emulator only stores, the collector matches. */
function rulesetNodes(org: EmuOrg, repo: EmuRepo): unknown[] {
  return org.rulesets
    .filter((rs) => (rs.sourceType === 'Repository' ? rs.source === repo.name : rs.repoInclude.includes('~ALL') || rs.repoInclude.includes(repo.name)))
    .map((rs) => ({
      databaseId: rs.id, name: rs.name, enforcement: rs.enforcement, target: 'BRANCH',
      source: rs.sourceType === 'Organization' ? { __typename: 'Organization', login: org.login } : { __typename: 'Repository', nameWithOwner: `${org.login}/${rs.source}` },
      conditions: { refName: { include: rs.refInclude, exclude: rs.refExclude } },
      bypassActors: { totalCount: rs.bypassActors },
      rules: { nodes: rs.rules.map((r) => ({ type: r.type, parameters: r.parameters ? { __typename: r.type === 'PULL_REQUEST' ? 'PullRequestParameters' : 'RequiredStatusChecksParameters', ...r.parameters } : null })) },
    }));
}

function viewerPermission(org: EmuOrg, repo: EmuRepo, c: GraphqlCaller): string {
  if (c.token.kind !== 'classic') return c.canReadAdministration ? 'ADMIN' : 'READ';
  if (c.isOwner) return 'ADMIN';
  const outside = repo.outside.find((o) => o.login === c.token.login);
  if (outside) return outside.permission;
  if (org.members.some((m) => m.login === c.token.login)) return ({ none: 'READ', read: 'READ', write: 'WRITE', admin: 'ADMIN' } as const)[org.defaultRepositoryPermission];
  return 'READ';
}

function repoNode(org: EmuOrg, r: EmuRepo, c: GraphqlCaller): unknown {
  const perm = viewerPermission(org, r, c);
  const p = r.protection;
  const blob = (path: string): unknown => (r.codeowners === path ? { __typename: 'Blob' } : null);
  return {
    databaseId: r.id, nameWithOwner: `${org.login}/${r.name}`, isArchived: r.archived, isEmpty: r.empty === true, visibility: r.visibility.toUpperCase(), viewerPermission: perm,
    hasVulnerabilityAlertsEnabled: r.dependabot,
    defaultBranchRef: r.empty ? null : {
      name: r.defaultBranch,
      // GitHub hides classic protection from callers without admin on the repo.
      branchProtectionRule: p && perm === 'ADMIN' ? {
        pattern: r.defaultBranch, requiresApprovingReviews: p.requiredApprovingReviewCount !== null, requiredApprovingReviewCount: p.requiredApprovingReviewCount,
        dismissesStaleReviews: p.dismissStaleReviews, requiresCodeOwnerReviews: p.requireCodeOwnerReviews, requireLastPushApproval: p.requireLastPushApproval,
        requiresStatusChecks: p.requiredStatusChecks !== null, requiresStrictStatusChecks: p.strictStatusChecks, requiredStatusCheckContexts: p.requiredStatusChecks ?? [],
        allowsForcePushes: p.allowForcePushes, allowsDeletions: p.allowDeletions, isAdminEnforced: p.enforceAdmins,
      } : null,
    },
    rulesets: (() => { const n = rulesetNodes(org, r); return { totalCount: n.length, nodes: n }; })(),
    collaborators: perm === 'READ' || perm === 'TRIAGE' || (r.collaboratorsHiddenFromFineGrained && c.token.kind === 'fine_grained') ? null : { totalCount: r.outside.length, edges: r.outside.map((o) => ({ permission: o.permission, node: { login: o.login } })) },
    codeownersRoot: blob('CODEOWNERS'), codeownersGithub: blob('.github/CODEOWNERS'), codeownersDocs: blob('docs/CODEOWNERS'),
  };
}

function page<T>(items: T[], start: number): { slice: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  const slice = items.slice(start, start + 100);
  return { slice, pageInfo: { hasNextPage: start + 100 < items.length, endCursor: slice.length > 0 ? encodeCursor(start + slice.length - 1) : null } };
}

/** Parses `org:X is:pr is:merged merged:A..B` (ISO instants or dates; B counts to the end of its second, like GitHub's second-precision dates); anything else is rejected so the emulator cannot be misused silently. */
function parseSearch(q: string): { org: string; from: number; to: number } | null {
  const m = /^org:(\S+) is:pr is:merged merged:(\S+)\.\.(\S+)$/.exec(q.trim());
  if (!m) return null;
  const from = Date.parse(m[2]!);
  const to = Date.parse(m[3]!);
  return Number.isNaN(from) || Number.isNaN(to) ? null : { org: m[1]!, from, to };
}

/**
 * GitHub answers a field the caller may not read with `null` and an errors[] entry whose `path` points at it, beside
 * the rest of the data: collaborators need push access ("Must have push access to view repository collaborators.").
 */
function fieldErrors(org: EmuOrg, caller: GraphqlCaller, nodes: Array<Record<string, unknown>>, repos: EmuRepo[], faults: GraphqlFieldFault[]): unknown[] {
  const errors: unknown[] = [];
  nodes.forEach((n, i) => {
    const r = repos[i]!;
    const path = (field: string): string[] => ['organization', 'repositories', 'nodes', i as unknown as string, field];
    for (const f of faults.filter((x) => x.repo === r.name)) {
      n[f.field] = null;
      errors.push(gqlError(f.type ?? 'INTERNAL', f.message ?? 'Something went wrong while executing your query. This may be the result of a timeout.', path(f.field)));
    }
    if (n.collaborators === null && !faults.some((x) => x.repo === r.name && x.field === 'collaborators')) {
      const msg = r.collaboratorsHiddenFromFineGrained && caller.token.kind === 'fine_grained' ? 'Resource not accessible by personal access token' : 'Must have push access to view repository collaborators.';
      errors.push(gqlError('FORBIDDEN', msg, path('collaborators')));
    }
  });
  void org;
  return errors;
}

export function resolveGraphql(org: EmuOrg, caller: GraphqlCaller, query: string, operationName: string | undefined, variables: Record<string, unknown>, rate: { remaining: number; resetAt: string }, faults: GraphqlFieldFault[] = []): GraphqlReply {
  const name = operationName ?? /query\s+(\w+)/.exec(query)?.[1];
  if (!name || DOCUMENTS[name] === undefined) return { body: { errors: [gqlError('UNKNOWN_OPERATION', `The emulator does not resolve operation ${name ?? '(anonymous)'}`)] }, cost: 0 };
  if (DOCUMENTS[name] !== query) return { body: { errors: [gqlError('UNEXPECTED_DOCUMENT', `Query document for ${name} differs from the one the collector sends`)] }, cost: 0 };
  const cost = queryCost(name);
  const rateLimit = { cost, remaining: rate.remaining - cost, resetAt: rate.resetAt };
  const start = decodeCursor(variables.cursor);
  if (start === 'invalid') return { body: { errors: [gqlError('INVALID_CURSOR_ARGUMENTS', `\`${String(variables.cursor)}\` does not appear to be a valid cursor.`, [name === 'MergedPullRequests' ? 'search' : 'organization'])] }, cost: 0 };
  if (name === 'MergedPullRequests') {
    if (typeof variables.q !== 'string') return { body: { errors: [gqlError('INVALID_VARIABLE', 'Variable $q of type String! was provided invalid value')] }, cost: 0 };
    const s = parseSearch(variables.q);
    if (!s) return { body: { errors: [gqlError('UNPROCESSABLE', `Emulator cannot parse search query ${variables.q}`, ['search'])] }, cost: 0 };
    const repos = new Map(org.repos.filter((r) => s.org === org.login && (r.visibility === 'public' || caller.canReadPrivate)).map((r) => [r.name, r]));
    const matches = org.pulls.filter((p) => repos.has(p.repo) && Date.parse(p.mergedAt) >= s.from && Date.parse(p.mergedAt) < s.to + 1000)
      .sort((a, b) => a.mergedAt.localeCompare(b.mergedAt) || a.repo.localeCompare(b.repo) || a.number - b.number);
    const reachable = matches.slice(0, SEARCH_RESULT_CAP);
    const { slice, pageInfo } = page(reachable, start);
    return {
      cost,
      body: { data: { rateLimit, search: { issueCount: matches.length, pageInfo, nodes: slice.map((p) => ({
        number: p.number, url: `https://github.com/${org.login}/${p.repo}/pull/${p.number}`, mergedAt: p.mergedAt, baseRefName: p.baseRef,
        author: { login: p.author }, mergedBy: { login: p.mergedBy },
        repository: { nameWithOwner: `${org.login}/${p.repo}`, defaultBranchRef: { name: repos.get(p.repo)!.defaultBranch } },
        reviews: { nodes: p.approvers.map((a) => ({ author: { login: a } })) },
      })) } } },
    };
  }
  if (typeof variables.org !== 'string') return { body: { errors: [gqlError('INVALID_VARIABLE', 'Variable $org of type String! was provided invalid value')] }, cost: 0 };
  if (variables.org !== org.login) {
    return { body: { data: { rateLimit, organization: null }, errors: [gqlError('NOT_FOUND', `Could not resolve to an Organization with the login of '${variables.org}'.`, ['organization'])] }, cost };
  }
  if (name === 'OrgRepositories') {
    const visible = org.repos.filter((r) => r.visibility === 'public' || caller.canReadPrivate).sort((a, b) => a.name.localeCompare(b.name));
    const { slice, pageInfo } = page(visible, start);
    const nodes = slice.map((r) => repoNode(org, r, caller) as Record<string, unknown>);
    const errors = fieldErrors(org, caller, nodes, slice, faults);
    return { cost, body: { data: { rateLimit, organization: { repositories: { totalCount: visible.length, pageInfo, nodes } } }, ...(errors.length > 0 ? { errors } : {}) } };
  }
  // OrgSamlIdentities: owners only.
  if (!caller.isOwner || !caller.canReadOrgAdmin) {
    const msg = caller.token.kind === 'classic'
      ? `Your token has not been granted the required scopes to execute this query. The 'samlIdentityProvider' field requires one of the following scopes: ['admin:org'], but your token has only been granted the: [${(caller.token.scopes ?? []).map((s) => `'${s}'`).join(', ')}] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.`
      : 'Resource not accessible by integration';
    return { cost, body: { data: { rateLimit, organization: { samlIdentityProvider: null } }, errors: [gqlError(caller.token.kind === 'classic' ? 'INSUFFICIENT_SCOPES' : 'FORBIDDEN', msg, ['organization', 'samlIdentityProvider'])] } };
  }
  if (!org.saml) return { cost, body: { data: { rateLimit, organization: { samlIdentityProvider: null } } } };
  const linked = org.members.filter((m) => m.samlLinked);
  const { slice, pageInfo } = page(linked, start);
  return { cost, body: { data: { rateLimit, organization: { samlIdentityProvider: { ssoUrl: `https://idp.example.com/sso/${org.login}`, externalIdentities: { pageInfo, nodes: slice.map((m) => ({ user: { login: m.login } })) } } } } } };
}
