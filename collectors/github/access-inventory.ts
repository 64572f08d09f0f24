// Reads the organization's third-party access lists beside App installations: fine-grained PAT grants and requests, and SSO credential authorizations.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GithubAccessFeedAttributes, GithubAccessGrantAttributes } from '../../src/core/contracts/github.js';
import { githubCause } from './failure.js';
import { isObject } from './graphql-read.js';
import type { PermissionKey, RunState } from './run-state.js';

type Kind = GithubAccessFeedAttributes['kind'];

/** `answers`: the credential kind GitHub serves the list to (PAT lists: GitHub Apps; credential authorizations: classic tokens). */
const LISTS: Array<{ kind: Kind; route: string; perm: PermissionKey; answers: RunState['authKind']; parse: (x: Record<string, unknown>, route: string) => { id: string; attrs: GithubAccessGrantAttributes } }> = [
  { kind: 'pat_grant', route: 'GET /orgs/{org}/personal-access-tokens', perm: 'patGrants', answers: 'fine_grained_or_app', parse: (x, r) => parsePat('pat_grant', x, r) },
  { kind: 'pat_request', route: 'GET /orgs/{org}/personal-access-token-requests', perm: 'patRequests', answers: 'fine_grained_or_app', parse: (x, r) => parsePat('pat_request', x, r) },
  { kind: 'credential_authorization', route: 'GET /orgs/{org}/credential-authorizations', perm: 'credentialAuthorizations', answers: 'classic', parse: parseCredential },
];

/**
 * Each list is its own feed (`github.access_feed`, id `kind:org`), like the alert feeds: a list the credential cannot
 * read (GitHub answers the PAT lists to GitHub Apps only, credential authorizations to classic tokens only) or that
 * failed makes only that part `error`; credential authorizations answered 404 (no Enterprise Cloud, so no SAML SSO
 * authorizations exist) are `not_available`.
 */
export async function readAccessInventory(run: RunState): Promise<void> {
  await Promise.all(LISTS.map(async ({ kind, route, perm, answers, parse }) => {
    const feedId = `${kind}:${run.org}`;
    const feed = (state: GithubAccessFeedAttributes['state'], detail: string | null, count: number): void => {
      const attrs: GithubAccessFeedAttributes = { kind, state, detail, count };
      run.add('github.access_feed', feedId, `${kind.replace(/_/g, ' ')}s of ${run.org}`, attrs, run.now());
    };
    if (run.authKind !== answers) {
      // Not sent: GitHub refuses this credential kind (403) whatever its scopes, so only an error can come of it.
      feed('unread', null, 0);
      run.errors.push({
        operation: route, code: 'CredentialKind', cause: 'denied', permission: run.perm(perm), inputs: ['github.access_feed'], resources: [feedId], retryable: false,
        message: `GitHub answers this list to ${answers === 'classic' ? 'classic tokens of an organization owner only, not to GitHub Apps or fine-grained tokens' : 'GitHub Apps only, not to classic tokens'}`,
      });
      return;
    }
    try {
      const parsed = (await run.listAll(route, {})).map((x) => parse(x, route));
      const observedAt = run.now();
      for (const p of parsed) run.add('github.access_grant', p.id, `${p.attrs.kind} ${p.attrs.owner}${p.attrs.name ? ` ${p.attrs.name}` : ''}`, p.attrs, observedAt);
      feed('listed', null, parsed.length);
    } catch (e) {
      if (kind === 'credential_authorization' && githubCause(e).cause === 'not_found') {
        feed('not_available', 'GitHub answered 404: SAML SSO credential authorizations exist on Enterprise Cloud only', 0);
        run.minApiCalls += 1;
        return;
      }
      run.dropType('github.access_grant', (r) => (r.attributes as unknown as GithubAccessGrantAttributes).kind === kind);
      feed('unread', null, 0);
      run.fail(route, perm, ['github.access_feed'], e, [feedId]);
    }
  }));
  run.inputs['github.access_feed'] = { observedAt: run.now() };
  run.inputs['github.access_grant'] = { observedAt: run.now() };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** `organization-programmatic-access-grant` and `…-grant-request` (GitHub's OpenAPI schemas). */
function parsePat(kind: 'pat_grant' | 'pat_request', x: Record<string, unknown>, route: string): { id: string; attrs: GithubAccessGrantAttributes } {
  const since = kind === 'pat_grant' ? x.access_granted_at : x.created_at;
  const owner = isObject(x.owner) ? x.owner.login : undefined;
  if (typeof x.id !== 'number' || typeof owner !== 'string' || typeof since !== 'string' || !isObject(x.permissions) || typeof x.token_expired !== 'boolean'
    || !('token_expires_at' in x) || !('token_last_used_at' in x)) {
    throw new MalformedReplyError(route, 'an entry lacks id, owner.login, permissions, token_expired, token_expires_at, token_last_used_at or its date');
  }
  const permissions: string[] = [];
  for (const [group, perms] of Object.entries(x.permissions)) {
    if (!isObject(perms)) continue;
    for (const [name, level] of Object.entries(perms)) permissions.push(`${group}:${name}=${String(level)}`);
  }
  return {
    id: `${kind}:${x.id}`,
    attrs: {
      kind, owner, name: str(x.token_name), repositorySelection: str(x.repository_selection), permissions: permissions.sort(), since,
      expiresAt: str(x.token_expires_at), expired: x.token_expired, lastUsedAt: str(x.token_last_used_at), credentialType: null,
    },
  };
}

/** `credential-authorization`: the token's last eight characters are dropped before the body is stored. */
function parseCredential(x: Record<string, unknown>, route: string): { id: string; attrs: GithubAccessGrantAttributes } {
  if (typeof x.credential_id !== 'number' || typeof x.login !== 'string' || typeof x.credential_authorized_at !== 'string' || typeof x.credential_type !== 'string'
    || !('credential_accessed_at' in x)) {
    throw new MalformedReplyError(route, 'an authorization lacks credential_id, login, credential_type, credential_authorized_at or credential_accessed_at');
  }
  const expires = str(x.authorized_credential_expires_at);
  return {
    id: `credential_authorization:${x.credential_id}`,
    attrs: {
      kind: 'credential_authorization', owner: x.login, name: str(x.authorized_credential_note) ?? str(x.authorized_credential_title),
      repositorySelection: null, permissions: Array.isArray(x.scopes) ? x.scopes.filter((s): s is string => typeof s === 'string').sort() : [],
      since: x.credential_authorized_at, expiresAt: expires, expired: null, lastUsedAt: str(x.credential_accessed_at), credentialType: x.credential_type,
    },
  };
}
