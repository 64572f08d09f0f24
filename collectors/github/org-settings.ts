// Reads the organization-level settings beside the org object: Actions policy, SAML identities and installed GitHub Apps.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GithubAppInstallationAttributes, GithubOrgAttributes } from '../../src/core/contracts/github.js';
import { connectionPages, GraphqlErrorsError, isObject } from './graphql-read.js';
import { ORG_SAML_QUERY } from './queries.js';
import type { RunState } from './run-state.js';

export async function readActions(run: RunState): Promise<GithubOrgAttributes['actions']> {
  try {
    run.op('GET /orgs/{org}/actions/permissions');
    const [perm, wf] = await Promise.all([
      run.octokit.request('GET /orgs/{org}/actions/permissions', { org: run.org }),
      run.octokit.request('GET /orgs/{org}/actions/permissions/workflow', { org: run.org }),
    ]);
    const p = perm.data as unknown;
    const w = wf.data as unknown;
    if (!isObject(p) || typeof p.enabled_repositories !== 'string') throw new MalformedReplyError('GET /orgs/{org}/actions/permissions', 'enabled_repositories missing');
    if (!isObject(w)) throw new MalformedReplyError('GET /orgs/{org}/actions/permissions/workflow', 'reply is not an object');
    run.minApiCalls += 2;
    return {
      // allowed_actions is absent when Actions are disabled (enabled_repositories: none); the rule reads it only otherwise.
      enabledRepositories: p.enabled_repositories, allowedActions: typeof p.allowed_actions === 'string' ? p.allowed_actions : null,
      defaultWorkflowPermissions: w.default_workflow_permissions === 'read' || w.default_workflow_permissions === 'write' ? w.default_workflow_permissions : null,
      canApprovePullRequestReviews: typeof w.can_approve_pull_request_reviews === 'boolean' ? w.can_approve_pull_request_reviews : null,
    };
  } catch (e) {
    // Only the Actions fields go missing: github.actions_hardened reads `actions: null` as "could not tell".
    run.fail('GET /orgs/{org}/actions/permissions', 'actions', [], e);
    return null;
  }
}

/** Whether SAML is configured and which logins are linked to an identity; null when it could not be read. */
export async function readSaml(run: RunState): Promise<{ configured: boolean; logins: Set<string> | null } | null> {
  const logins = new Set<string>();
  let configured = false;
  const op = 'graphql organization.samlIdentityProvider';
  try {
    run.op(op);
    for await (const page of connectionPages(run.octokit, op, ORG_SAML_QUERY, { org: run.org }, ['organization', 'samlIdentityProvider', 'externalIdentities'])) {
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
    run.minApiCalls += Math.max(1, Math.ceil(logins.size / 100));
    return { configured, logins: configured ? logins : null };
  } catch (e) {
    run.fail(op, 'saml', ['github.org', 'github.member'], e);
    return null;
  }
}

export async function readInstallations(run: RunState): Promise<void> {
  const op = 'GET /orgs/{org}/installations';
  try {
    run.op(op);
    const list = await run.pagesOf(op, {}, 'installations');
    const observedAt = run.now();
    for (const i of list) {
      if (!isObject(i) || typeof i.id !== 'number' || typeof i.app_slug !== 'string' || !isObject(i.permissions) || !Array.isArray(i.events) || typeof i.created_at !== 'string') {
        throw new MalformedReplyError(op, 'an installation lacks id, app_slug, permissions, events or created_at');
      }
      const attrs: GithubAppInstallationAttributes = {
        appSlug: i.app_slug, appId: Number(i.app_id), repositorySelection: i.repository_selection as 'all' | 'selected',
        permissions: i.permissions as Record<string, string>, events: i.events as string[], createdAt: i.created_at, suspended: i.suspended_at !== null && i.suspended_at !== undefined,
      };
      run.add('github.app_installation', String(i.id), i.app_slug, attrs, observedAt);
    }
  } catch (e) {
    run.dropType('github.app_installation');
    run.fail(op, 'installations', ['github.app_installation'], e);
  }
}
