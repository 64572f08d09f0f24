// Reads repositories (REST for security_and_analysis, GraphQL for branch rules and collaborators) and names every per-repository gap.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { FailureCause } from '../../src/core/types.js';
import { effectiveBranchRules, type GqlProtection, type GqlRuleset } from './branch-rules.js';
import { connectionPages, errorsByNode, GraphqlErrorsError, isObject, type GqlError } from './graphql-read.js';
import { ORG_REPOSITORIES_QUERY } from './queries.js';
import type { GithubBranchRulesAttributes, GithubOutsideCollaboratorAttributes, GithubRepositoryAttributes } from '../../src/core/contracts/github.js';
import type { VigilOctokitClient } from './client.js';

const OP = 'graphql organization.repositories';
const CONN = ['organization', 'repositories'];

/** One resource (or group) read incompletely: becomes one CollectionError with `resources`, grouped by what went wrong. */
export interface RepoGap {
  /** Short name of what is missing, e.g. `collaborators`, `defaultBranchRef`, `not in GraphQL listing`. */
  what: string;
  inputs: string[];
  resources: string[];
  cause: FailureCause;
  detail: string;
  permKey?: 'branchRules' | 'collaborators' | 'repos' | 'securityAnalysis';
}

export interface RepoRead {
  repositories: Array<{ id: string; attrs: GithubRepositoryAttributes }>;
  branches: Array<{ id: string; attrs: GithubBranchRulesAttributes }>;
  /** Outside collaborator login → repositories and permission, from every repository whose collaborators were read. */
  outsidePerms: Map<string, GithubOutsideCollaboratorAttributes['repositories']>;
  /** Repositories whose outside collaborators could not be read: every outside collaborator's list is then in doubt. */
  collaboratorGaps: Array<{ repo: string; cause: FailureCause; detail: string }>;
  gaps: RepoGap[];
  graphqlPages: number;
}

interface RestRow {
  fullName: string;
  visibility: string;
  archived: boolean;
  fork: boolean;
  defaultBranch: string | null;
  sa: Record<string, unknown> | null;
}

function restRow(r: Record<string, unknown>): RestRow {
  if (typeof r.full_name !== 'string' || typeof r.archived !== 'boolean') throw new MalformedReplyError('GET /orgs/{org}/repos', 'a repository lacks full_name or archived');
  const visibility = typeof r.visibility === 'string' ? r.visibility : typeof r.private === 'boolean' ? (r.private ? 'private' : 'public') : null;
  if (visibility === null) throw new MalformedReplyError('GET /orgs/{org}/repos', `${r.full_name} has neither visibility nor private`);
  return {
    fullName: r.full_name, visibility, archived: r.archived, fork: r.fork === true,
    defaultBranch: typeof r.default_branch === 'string' ? r.default_branch : null,
    sa: isObject(r.security_and_analysis) ? r.security_and_analysis : null,
  };
}

function saStatus(sa: Record<string, unknown> | null, key: string): boolean | null {
  const s = sa?.[key];
  return isObject(s) && typeof s.status === 'string' ? s.status === 'enabled' : null;
}

function causeOf(errs: GqlError[]): FailureCause {
  return errs.some((e) => e.type === 'FORBIDDEN' || e.type === 'INSUFFICIENT_SCOPES') ? 'denied' : 'incomplete';
}

function describe(errs: GqlError[], fallback: string): string {
  return errs.length > 0 ? errs.map((e) => `${e.type ?? 'ERROR'}: ${e.message}`).join('; ').slice(0, 200) : fallback;
}

/** Reads both listings; per-repository gaps come back as data, a failure of a whole listing is thrown. */
export async function readRepositories(
  octokit: VigilOctokitClient, org: string, listAll: (route: string, params: Record<string, string | number>) => Promise<Array<Record<string, unknown>>>,
): Promise<RepoRead> {
  const gql = new Map<string, { node: Record<string, unknown>; errors: Map<string, GqlError[]> }>();
  let graphqlPages = 0;
  const [rest] = await Promise.all([
    listAll('GET /orgs/{org}/repos', { type: 'all', sort: 'full_name' }),
    (async () => {
      for await (const page of connectionPages(octokit, OP, ORG_REPOSITORIES_QUERY, { org }, CONN)) {
        graphqlPages++;
        if (page.connection === null) throw new GraphqlErrorsError(OP, page.errors.length > 0 ? page.errors : [{ message: 'organization is null' }]);
        const { byNode, whole } = errorsByNode(page.errors, CONN);
        // An error that names no repository leaves the whole listing in doubt.
        if (whole.length > 0) throw new GraphqlErrorsError(OP, whole);
        page.connection.nodes.forEach((n, i) => {
          if (!isObject(n) || typeof n.nameWithOwner !== 'string') {
            throw (byNode.get(i)?.length ? new GraphqlErrorsError(OP, byNode.get(i)!.map((x) => x.error)) : new MalformedReplyError(OP, `repository node ${i} has no nameWithOwner`));
          }
          const errors = new Map<string, GqlError[]>();
          for (const { field, error } of byNode.get(i) ?? []) errors.set(field ?? '(node)', [...(errors.get(field ?? '(node)') ?? []), error]);
          gql.set(n.nameWithOwner, { node: n, errors });
        });
      }
    })(),
  ]);
  const rows = rest.map(restRow);
  const out: RepoRead = { repositories: [], branches: [], outsidePerms: new Map(), collaboratorGaps: [], gaps: [], graphqlPages };
  const restNames = new Set(rows.map((r) => r.fullName));
  for (const name of gql.keys()) {
    if (!restNames.has(name)) {
      out.gaps.push({ what: 'not in the REST listing', inputs: ['github.repository', 'github.branch_rules'], resources: [name], cause: 'incomplete', detail: `${name} is in GraphQL but not in GET /orgs/{org}/repos`, permKey: 'repos' });
    }
  }
  for (const row of rows) readOne(row, gql.get(row.fullName), out);
  return out;
}

function readOne(row: RestRow, g: { node: Record<string, unknown>; errors: Map<string, GqlError[]> } | undefined, out: RepoRead): void {
  const id = row.fullName;
  const restBranchId = row.defaultBranch ? `${id}:${row.defaultBranch}` : null;
  const repoAttrs: GithubRepositoryAttributes = {
    fullName: id, visibility: row.visibility as GithubRepositoryAttributes['visibility'], archived: row.archived, fork: row.fork, defaultBranch: row.defaultBranch,
    secretScanning: saStatus(row.sa, 'secret_scanning'), secretScanningPushProtection: saStatus(row.sa, 'secret_scanning_push_protection'),
    dependabotAlerts: null, codeownersPath: null,
  };
  out.repositories.push({ id, attrs: repoAttrs });
  if (!g) {
    const resources = restBranchId ? [id, restBranchId] : [id];
    out.gaps.push({ what: 'not in the GraphQL listing', inputs: ['github.repository', 'github.branch_rules'], resources, cause: 'incomplete', detail: `${id} is in GET /orgs/{org}/repos but not in organization.repositories`, permKey: 'repos' });
    out.collaboratorGaps.push({ repo: id, cause: 'incomplete', detail: 'repository missing from the GraphQL listing' });
    return;
  }
  const n = g.node;
  const errs = (f: string): GqlError[] => g.errors.get(f) ?? [];
  const nodeErrs = errs('(node)');
  const viewer = typeof n.viewerPermission === 'string' ? n.viewerPermission : null;
  // hasVulnerabilityAlertsEnabled is only meaningful to a repository admin; anyone else gets null and the rule says so.
  repoAttrs.dependabotAlerts = viewer === 'ADMIN' && typeof n.hasVulnerabilityAlertsEnabled === 'boolean' ? n.hasVulnerabilityAlertsEnabled : null;
  const codeownerFields = ['codeownersRoot', 'codeownersGithub', 'codeownersDocs'];
  const ownersErrs = [...nodeErrs, ...codeownerFields.flatMap(errs)];
  const ownersRead = ownersErrs.length === 0 && codeownerFields.every((f) => f in n);
  repoAttrs.codeownersPath = n.codeownersGithub ? '.github/CODEOWNERS' : n.codeownersRoot ? 'CODEOWNERS' : n.codeownersDocs ? 'docs/CODEOWNERS' : null;

  // Collaborators: `null` is what GitHub sends without push access (with a FORBIDDEN error), never "nobody".
  const collabErrs = [...nodeErrs, ...errs('collaborators')];
  const collab = n.collaborators;
  if (!isObject(collab) || !Array.isArray(collab.edges) || typeof collab.totalCount !== 'number' || collabErrs.length > 0) {
    out.collaboratorGaps.push({ repo: id, cause: causeOf(collabErrs), detail: describe(collabErrs, 'collaborators is null') });
  } else if (collab.totalCount > collab.edges.length) {
    out.collaboratorGaps.push({ repo: id, cause: 'incomplete', detail: `${collab.totalCount} outside collaborators, ${collab.edges.length} read` });
  } else {
    const perms: Array<[string, string]> = [];
    for (const e of collab.edges) {
      if (!isObject(e) || typeof e.permission !== 'string' || !isObject(e.node) || typeof e.node.login !== 'string') { perms.length = 0; out.collaboratorGaps.push({ repo: id, cause: 'malformed', detail: 'a collaborator edge lacks permission or login' }); break; }
      perms.push([e.node.login, e.permission]);
    }
    for (const [login, permission] of perms) {
      const list = out.outsidePerms.get(login) ?? [];
      list.push({ repository: id, permission: permission as GithubOutsideCollaboratorAttributes['repositories'][number]['permission'] });
      out.outsidePerms.set(login, list);
    }
  }

  // Default branch: null is a fact only for an empty repository (nothing to protect); otherwise the read fell short.
  const refErrs = [...nodeErrs, ...errs('defaultBranchRef')];
  const ref = n.defaultBranchRef;
  const branch = isObject(ref) && typeof ref.name === 'string' ? ref.name : row.defaultBranch;
  const branchId = branch ? `${id}:${branch}` : null;
  if (!ownersRead) out.gaps.push({ what: 'CODEOWNERS lookup', inputs: ['github.repository'], resources: branchId ? [id, branchId] : [id], cause: causeOf(ownersErrs), detail: describe(ownersErrs, 'CODEOWNERS fields missing'), permKey: 'repos' });
  if (ref === null && refErrs.length === 0 && n.isEmpty === true) return;
  if (!branch || !branchId) {
    out.gaps.push({ what: 'defaultBranchRef', inputs: ['github.branch_rules'], resources: [id], cause: causeOf(refErrs), detail: describe(refErrs, 'no default branch named'), permKey: 'branchRules' });
    return;
  }
  const rulesetErrs = [...nodeErrs, ...errs('rulesets')];
  const rs = n.rulesets;
  let problem: { cause: FailureCause; detail: string; what: string } | null = null;
  if (!isObject(ref) || refErrs.length > 0) problem = { what: 'defaultBranchRef', cause: causeOf(refErrs), detail: describe(refErrs, 'defaultBranchRef is null on a repository that is not empty') };
  else if (!isObject(rs) || !Array.isArray(rs.nodes) || typeof rs.totalCount !== 'number' || rulesetErrs.length > 0) problem = { what: 'rulesets', cause: causeOf(rulesetErrs), detail: describe(rulesetErrs, 'rulesets is null') };
  else if (rs.totalCount > rs.nodes.length) problem = { what: 'rulesets', cause: 'incomplete', detail: `${rs.totalCount} rulesets, ${rs.nodes.length} read` };
  const visible = viewer === 'ADMIN';
  let eff: ReturnType<typeof effectiveBranchRules>;
  try {
    const classic = isObject(ref) ? (ref.branchProtectionRule as GqlProtection | null | undefined) : null;
    if (classic === undefined) throw new TypeError('branchProtectionRule missing');
    eff = effectiveBranchRules(classic, (isObject(rs) && Array.isArray(rs.nodes) ? rs.nodes : []) as GqlRuleset[], branch);
  } catch (e) {
    // A ruleset or protection object without the fields we selected: this branch cannot be judged, the rest can.
    problem ??= { what: 'branch rules', cause: 'malformed', detail: (e as Error).message.slice(0, 200) };
    eff = effectiveBranchRules(null, [], branch);
  }
  if (problem) out.gaps.push({ what: problem.what, inputs: ['github.branch_rules'], resources: [branchId], cause: problem.cause, detail: problem.detail, permKey: 'branchRules' });
  out.branches.push({ id: branchId, attrs: { repository: id, branch, archived: row.archived, visible, complete: problem === null, ...eff } });
}
