// The GitHub emulator's REST org routes: which token may read what, and each listing's reply (shape, paging, filters).
import type { EmuAlert, EmuCredentialAuthorization, EmuOrg, EmuPatGrant, EmuRepo, EmuToken, EmuUser } from './state.js';
import type { GraphqlCaller } from './graphql.js';
import { alertBody, credentialAuthorizationBody, installation, minimalRepository, orgFull, patBody, userList } from './rest-shapes.js';
import { auditLogReply } from './audit-log.js';

export const DOCS = 'https://docs.github.com/rest';

export interface Route {
  scopes: string[];
  appPermission: string | null;
  ownerOnly: boolean;
  kind: 'org' | 'members' | 'outside' | 'repos' | 'actions' | 'workflow' | 'installations' | 'dependabot' | 'secret_scanning' | 'code_scanning'
    | 'audit_log' | 'pat_grants' | 'pat_requests' | 'credential_authorizations';
  /** GitHub answers 404 unless the org is on Enterprise Cloud (`plan: enterprise`). */
  enterpriseCloudOnly?: boolean;
  /** Which credential kinds GitHub serves at all (the PAT lists: GitHub Apps only; credential authorizations: classic tokens only). */
  tokenKinds?: Array<EmuToken['kind']>;
}

export const ROUTES: Array<[RegExp, Route]> = [
  [/^\/orgs\/([^/]+)$/, { scopes: [], appPermission: null, ownerOnly: false, kind: 'org' }],
  [/^\/orgs\/([^/]+)\/members$/, { scopes: ['read:org', 'admin:org'], appPermission: 'members', ownerOnly: false, kind: 'members' }],
  [/^\/orgs\/([^/]+)\/outside_collaborators$/, { scopes: ['read:org', 'admin:org'], appPermission: 'members', ownerOnly: true, kind: 'outside' }],
  [/^\/orgs\/([^/]+)\/repos$/, { scopes: [], appPermission: null, ownerOnly: false, kind: 'repos' }],
  [/^\/orgs\/([^/]+)\/actions\/permissions$/, { scopes: ['admin:org'], appPermission: 'organization_administration', ownerOnly: true, kind: 'actions' }],
  [/^\/orgs\/([^/]+)\/actions\/permissions\/workflow$/, { scopes: ['admin:org'], appPermission: 'organization_administration', ownerOnly: true, kind: 'workflow' }],
  [/^\/orgs\/([^/]+)\/installations$/, { scopes: ['read:org', 'admin:org'], appPermission: 'organization_administration', ownerOnly: true, kind: 'installations' }],
  [/^\/orgs\/([^/]+)\/dependabot\/alerts$/, { scopes: ['security_events', 'repo'], appPermission: 'vulnerability_alerts', ownerOnly: true, kind: 'dependabot' }],
  [/^\/orgs\/([^/]+)\/secret-scanning\/alerts$/, { scopes: ['security_events', 'repo'], appPermission: 'secret_scanning_alerts', ownerOnly: true, kind: 'secret_scanning' }],
  [/^\/orgs\/([^/]+)\/code-scanning\/alerts$/, { scopes: ['security_events'], appPermission: 'security_events', ownerOnly: true, kind: 'code_scanning' }],
  [/^\/orgs\/([^/]+)\/audit-log$/, { scopes: ['read:audit_log', 'admin:org'], appPermission: 'organization_administration', ownerOnly: true, kind: 'audit_log', enterpriseCloudOnly: true }],
  [/^\/orgs\/([^/]+)\/personal-access-tokens$/, { scopes: [], appPermission: 'organization_personal_access_tokens', ownerOnly: true, kind: 'pat_grants', tokenKinds: ['app'] }],
  [/^\/orgs\/([^/]+)\/personal-access-token-requests$/, { scopes: [], appPermission: 'organization_personal_access_token_requests', ownerOnly: true, kind: 'pat_requests', tokenKinds: ['app'] }],
  [/^\/orgs\/([^/]+)\/credential-authorizations$/, { scopes: ['read:org', 'admin:org'], appPermission: null, ownerOnly: true, kind: 'credential_authorizations', enterpriseCloudOnly: true, tokenKinds: ['classic'] }],
];

export function can(t: EmuToken, scopes: string[], appPermission: string | null): boolean {
  if (t.kind === 'classic') return scopes.length === 0 || scopes.some((s) => t.scopes?.includes(s));
  return appPermission === null || t.permissions?.[appPermission] !== undefined;
}

function linkHeader(base: string, url: URL, pageNo: number, last: number): string | null {
  const mk = (p: number, rel: string): string => { const u = new URL(url.toString()); u.searchParams.set('page', String(p)); return `<${base}${u.pathname}${u.search}>; rel="${rel}"`; };
  const parts: string[] = [];
  if (pageNo > 1) parts.push(mk(pageNo - 1, 'prev'));
  if (pageNo < last) parts.push(mk(pageNo + 1, 'next'), mk(last, 'last'));
  if (pageNo > 1) parts.push(mk(1, 'first'));
  return parts.length > 0 ? parts.join(', ') : null;
}

/** What a token may see through GraphQL: private repositories, org administration settings, repository administration. */
export function graphqlCaller(token: EmuToken, isOwner: boolean): GraphqlCaller {
  return {
    token, isOwner,
    canReadPrivate: can(token, ['repo'], 'metadata'),
    canReadOrgAdmin: can(token, ['admin:org'], 'organization_administration'),
    canReadAdministration: can(token, ['repo'], 'administration'),
  };
}

/** The 403 GitHub sends when the token lacks the route's scope or permission, or is not an owner's; undefined when admitted. */
export function refusal(route: Route, token: EmuToken, isOwner: boolean, scopeHeaders: Record<string, string>, plan: EmuOrg['plan']): { status: number; body: unknown; headers: Record<string, string> } | undefined {
  const accepted = { 'x-accepted-oauth-scopes': route.scopes.join(', ') };
  if (route.enterpriseCloudOnly && plan !== 'enterprise') return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' }, headers: { ...scopeHeaders } };
  if (route.tokenKinds && !route.tokenKinds.includes(token.kind)) {
    const message = token.kind === 'app' ? 'Resource not accessible by integration' : 'Resource not accessible by personal access token';
    return { status: 403, body: { message, documentation_url: DOCS, status: '403' }, headers: { ...scopeHeaders, ...accepted } };
  }
  if (!can(token, route.scopes, route.appPermission) && !(route.kind === 'members' && token.kind === 'classic')) {
    const message = token.kind === 'classic' ? 'Must have admin rights to Repository.' : token.kind === 'app' ? 'Resource not accessible by integration' : 'Resource not accessible by personal access token';
    const wanted: Record<string, string> = token.kind === 'classic' ? {} : { 'x-accepted-github-permissions': `${route.appPermission}=read` };
    return { status: 403, body: { message, documentation_url: DOCS, status: '403' }, headers: { ...scopeHeaders, ...accepted, ...wanted } };
  }
  if (route.ownerOnly && !isOwner) {
    return { status: 403, body: { message: 'You must be an organization owner to use this endpoint.', documentation_url: DOCS, status: '403' }, headers: { ...scopeHeaders, ...accepted } };
  }
  return undefined;
}

/** A listing's reply: the body (ETag-cached by the server) with its headers, or an error the server sends with rate headers. */
export type RestReply =
  | { kind: 'cached'; body: unknown; headers: Record<string, string> }
  | { kind: 'error'; status: number; body: unknown; headers: Record<string, string> };

/** The reply to an admitted GET of an org route (authenticated, with the scope or permission it needs). */
export function restReply(o: { route: Route; url: URL; base: string; org: EmuOrg; token: EmuToken; isOwner: boolean; scopeHeaders: Record<string, string>; now: Date }): RestReply {
  const { route, url, base, org, token, isOwner, scopeHeaders, now } = o;
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
  // Raw rows and their REST shape: only the requested page is shaped, so a 5,000-repo listing stays cheap per page.
  let items: unknown[] | null = null;
  let shape: (x: never) => unknown = (x) => x;
  let single: unknown = null;
  let cursorPaging = false;
  switch (route.kind) {
    case 'org': single = orgFull(base, org, isOwner && can(token, ['read:org', 'admin:org'], 'organization_administration')); break;
    case 'members': {
      const filter = url.searchParams.get('filter');
      const role = url.searchParams.get('role') ?? 'all';
      if ((filter === '2fa_disabled' || filter === '2fa_insecure') && !isOwner) {
        return { kind: 'error', status: 422, body: { message: 'Only owners can use this filter.', documentation_url: DOCS, status: '422' }, headers: {} };
      }
      // Without read:org a classic token sees public members only; the demo has none, like many orgs.
      let list = token.kind === 'classic' && !can(token, ['read:org', 'admin:org'], null) ? [] : org.members;
      if (role !== 'all') list = list.filter((x) => x.role === role);
      if (filter === '2fa_disabled') list = list.filter((x) => !x.twoFactor);
      if (filter === '2fa_insecure') list = [];
      items = list;
      shape = (u: EmuUser) => userList(base, [u])[0];
      break;
    }
    case 'outside': {
      const filter = url.searchParams.get('filter');
      items = filter === '2fa_disabled' ? org.outsideCollaborators.filter((x) => !x.twoFactor) : org.outsideCollaborators;
      shape = (u: EmuUser) => userList(base, [u])[0];
      break;
    }
    case 'repos': {
      const canPrivate = can(token, ['repo'], 'metadata');
      const visible = org.repos.filter((r) => r.visibility === 'public' || canPrivate).sort((a, b) => a.name.localeCompare(b.name));
      const admin = isOwner && can(token, ['repo'], 'administration');
      items = visible;
      shape = (r: EmuRepo) => minimalRepository(base, org, r, admin);
      break;
    }
    case 'actions': single = { enabled_repositories: org.actions.enabledRepositories, allowed_actions: org.actions.allowedActions, ...(org.actions.allowedActions === 'selected' ? { selected_actions_url: `${base}/orgs/${org.login}/actions/permissions/selected-actions` } : {}) }; break;
    case 'audit_log': return auditLogReply(url, base, org, now, perPage, scopeHeaders);
    case 'pat_grants': case 'pat_requests': {
      const pending = route.kind === 'pat_requests';
      items = org.patGrants.filter((p) => p.pending === pending).sort((a, b) => a.id - b.id);
      shape = (p: EmuPatGrant) => patBody(base, org, p, now.getTime());
      break;
    }
    case 'credential_authorizations': {
      items = [...org.credentialAuthorizations].sort((a, b) => a.credentialId - b.credentialId);
      shape = (c: EmuCredentialAuthorization) => credentialAuthorizationBody(c);
      break;
    }
    case 'workflow': single = { default_workflow_permissions: org.actions.defaultWorkflowPermissions, can_approve_pull_request_reviews: org.actions.canApprovePullRequestReviews }; break;
    case 'installations': {
      const all = org.installations.map((i) => installation(base, org, i));
      const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      single = { total_count: all.length, installations: all.slice((pageNo - 1) * perPage, pageNo * perPage) };
      items = null;
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = linkHeader(base, url, pageNo, last);
      return { kind: 'cached', body: single, headers: { ...scopeHeaders, ...(link ? { link } : {}) } };
    }
    default: {
      const kind = route.kind;
      // GitHub's documented replies when the feature is off for the org (no GitHub Advanced Security / Code Security).
      if (kind === 'code_scanning' && org.codeSecurity === false) {
        return { kind: 'error', status: 403, body: { message: 'Advanced Security must be enabled for this repository to use code scanning.', documentation_url: `${DOCS}/code-scanning/code-scanning#list-code-scanning-alerts-for-an-organization`, status: '403' }, headers: { ...scopeHeaders } };
      }
      const stateFilter = url.searchParams.get('state') ?? 'open';
      const sev = url.searchParams.get('severity')?.split(',');
      items = org.alerts.filter((a) => a.kind === kind && stateFilter.split(',').includes(a.state) && (!sev || (a.severity !== null && sev.includes(a.severity))))
        .sort((a, b) => a.repo.localeCompare(b.repo) || a.number - b.number);
      shape = (a: EmuAlert) => alertBody(base, org, a);
      cursorPaging = kind === 'dependabot';
    }
  }
  if (items === null) return { kind: 'cached', body: single, headers: scopeHeaders };
  if (cursorPaging) {
    // Dependabot org alerts page with opaque before/after cursors, not page numbers.
    const after = url.searchParams.get('after');
    const start = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) : 0;
    const slice = items.slice(start, start + perPage).map((x) => shape(x as never));
    const headers: Record<string, string> = { ...scopeHeaders };
    if (start + perPage < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set('after', Buffer.from(String(start + perPage)).toString('base64url'));
      headers.link = `<${base}${next.pathname}${next.search}>; rel="next"`;
    }
    return { kind: 'cached', body: slice, headers };
  }
  const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = linkHeader(base, url, pageNo, last);
  return { kind: 'cached', body: items.slice((pageNo - 1) * perPage, pageNo * perPage).map((x) => shape(x as never)), headers: { ...scopeHeaders, ...(link ? { link } : {}) } };
}
