// Builders for GitHub-shaped REST bodies (validated in tests against the OpenAPI response schemas), so replies look like api.github.com.
import type { EmuAlert, EmuInstallation, EmuOrg, EmuRepo, EmuUser, EmuAuditEvent, EmuCredentialAuthorization, EmuPatGrant } from './state.js';

const EPOCH = '2020-01-01T00:00:00Z';

export function simpleUser(base: string, login: string, id: number, type: 'User' | 'Organization' = 'User'): Record<string, unknown> {
  const u = `${base}/users/${login}`;
  return {
    login, id, node_id: Buffer.from(`04:${type}${id}`).toString('base64'), avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '', url: u, html_url: `https://github.com/${login}`, followers_url: `${u}/followers`, following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`, starred_url: `${u}/starred{/owner}{/repo}`, subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`, repos_url: `${u}/repos`, events_url: `${u}/events{/privacy}`, received_events_url: `${u}/received_events`,
    type, site_admin: false, user_view_type: 'public',
  };
}

export function simpleRepository(base: string, org: EmuOrg, r: EmuRepo): Record<string, unknown> {
  const u = `${base}/repos/${org.login}/${r.name}`;
  return {
    id: r.id, node_id: Buffer.from(`010:Repository${r.id}`).toString('base64'), name: r.name, full_name: `${org.login}/${r.name}`,
    owner: simpleUser(base, org.login, org.id, 'Organization'), private: r.visibility !== 'public', html_url: `https://github.com/${org.login}/${r.name}`,
    description: null, fork: r.fork, url: u, archive_url: `${u}/{archive_format}{/ref}`, assignees_url: `${u}/assignees{/user}`,
    blobs_url: `${u}/git/blobs{/sha}`, branches_url: `${u}/branches{/branch}`, collaborators_url: `${u}/collaborators{/collaborator}`,
    comments_url: `${u}/comments{/number}`, commits_url: `${u}/commits{/sha}`, compare_url: `${u}/compare/{base}...{head}`,
    contents_url: `${u}/contents/{+path}`, contributors_url: `${u}/contributors`, deployments_url: `${u}/deployments`, downloads_url: `${u}/downloads`,
    events_url: `${u}/events`, forks_url: `${u}/forks`, git_commits_url: `${u}/git/commits{/sha}`, git_refs_url: `${u}/git/refs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`, hooks_url: `${u}/hooks`, issue_comment_url: `${u}/issues/comments{/number}`,
    issue_events_url: `${u}/issues/events{/number}`, issues_url: `${u}/issues{/number}`, keys_url: `${u}/keys{/key_id}`, labels_url: `${u}/labels{/name}`,
    languages_url: `${u}/languages`, merges_url: `${u}/merges`, milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`, pulls_url: `${u}/pulls{/number}`, releases_url: `${u}/releases{/id}`,
    stargazers_url: `${u}/stargazers`, statuses_url: `${u}/statuses/{sha}`, subscribers_url: `${u}/subscribers`, subscription_url: `${u}/subscription`,
    tags_url: `${u}/tags`, teams_url: `${u}/teams`, trees_url: `${u}/git/trees{/sha}`,
  };
}

/** An entry of GET /orgs/{org}/repos; `security_and_analysis` only when the caller administers the repo, as on GitHub. */
export function minimalRepository(base: string, org: EmuOrg, r: EmuRepo, admin: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...simpleRepository(base, org, r),
    git_url: `git://github.com/${org.login}/${r.name}.git`, ssh_url: `git@github.com:${org.login}/${r.name}.git`,
    clone_url: `https://github.com/${org.login}/${r.name}.git`, visibility: r.visibility, archived: r.archived, disabled: false,
    default_branch: r.defaultBranch, created_at: r.createdAt, updated_at: r.updatedAt, pushed_at: r.updatedAt,
    permissions: { admin, maintain: admin, push: admin, triage: true, pull: true },
  };
  if (admin) {
    const st = (on: boolean): { status: 'enabled' | 'disabled' } => ({ status: on ? 'enabled' : 'disabled' });
    out.security_and_analysis = { secret_scanning: st(r.secretScanning), secret_scanning_push_protection: st(r.pushProtection), dependabot_security_updates: st(r.dependabot) };
  }
  return out;
}

/** GET /orgs/{org}: the admin-only fields are omitted for callers that cannot see them, exactly as GitHub does. */
export function orgFull(base: string, org: EmuOrg, privileged: boolean): Record<string, unknown> {
  const u = `${base}/orgs/${org.login}`;
  const out: Record<string, unknown> = {
    login: org.login, id: org.id, node_id: Buffer.from(`012:Organization${org.id}`).toString('base64'), url: u, repos_url: `${u}/repos`,
    events_url: `${u}/events`, hooks_url: `${u}/hooks`, issues_url: `${u}/issues`, members_url: `${u}/members{/member}`,
    public_members_url: `${u}/public_members{/member}`, avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`, description: null,
    html_url: `https://github.com/${org.login}`, has_organization_projects: true, has_repository_projects: true,
    public_repos: org.repos.filter((r) => r.visibility === 'public').length, public_gists: 0, followers: 0, following: 0, type: 'Organization',
    created_at: org.createdAt, updated_at: org.createdAt, archived_at: null,
  };
  if (privileged) {
    Object.assign(out, {
      total_private_repos: org.repos.filter((r) => r.visibility !== 'public').length, owned_private_repos: org.repos.filter((r) => r.visibility !== 'public').length,
      plan: { name: org.plan, space: 976562499, private_repos: 999999, filled_seats: org.members.length, seats: org.members.length },
      default_repository_permission: org.defaultRepositoryPermission, two_factor_requirement_enabled: org.twoFactorRequired,
      members_can_create_repositories: org.membersCanCreateRepositories, members_can_create_public_repositories: org.membersCanCreatePublicRepositories,
      members_can_create_private_repositories: org.membersCanCreatePrivateRepositories,
      members_allowed_repository_creation_type: org.membersCanCreateRepositories ? 'all' : 'none',
    });
  }
  return out;
}

export function userList(base: string, users: EmuUser[]): Array<Record<string, unknown>> {
  return users.map((m) => simpleUser(base, m.login, m.id));
}

export function installation(base: string, org: EmuOrg, i: EmuInstallation): Record<string, unknown> {
  return {
    id: i.id, account: simpleUser(base, org.login, org.id, 'Organization'), repository_selection: i.repositorySelection,
    access_tokens_url: `${base}/app/installations/${i.id}/access_tokens`, repositories_url: `${base}/installation/repositories`,
    html_url: `https://github.com/organizations/${org.login}/settings/installations/${i.id}`, app_id: i.appId, app_slug: i.appSlug,
    target_id: org.id, target_type: 'Organization', permissions: i.permissions, events: i.events, single_file_name: null,
    has_multiple_single_files: false, single_file_paths: [], created_at: i.createdAt, updated_at: i.createdAt,
    suspended_by: null, suspended_at: i.suspended ? i.createdAt : null,
  };
}

export function alertBody(base: string, org: EmuOrg, a: EmuAlert): Record<string, unknown> {
  const r = org.repos.find((x) => x.name === a.repo);
  const repository = r ? simpleRepository(base, org, r) : null;
  const html = `https://github.com/${org.login}/${a.repo}/security`;
  if (a.kind === 'dependabot') {
    const pkg = { ecosystem: 'npm', name: `pkg-${a.number}` };
    const severity = a.severity ?? 'low';
    return {
      number: a.number, state: a.state === 'resolved' ? 'fixed' : a.state,
      dependency: { package: pkg, manifest_path: 'package-lock.json', scope: 'runtime', relationship: 'direct' },
      security_advisory: {
        ghsa_id: `GHSA-xxxx-xxxx-${String(a.number).padStart(4, '0')}`, cve_id: null, summary: 'Prototype pollution', description: 'A vulnerable dependency.',
        vulnerabilities: [{ package: pkg, severity, vulnerable_version_range: '< 1.2.3', first_patched_version: { identifier: '1.2.3' } }],
        severity, cvss: { score: 7.5, vector_string: null }, cwes: [], identifiers: [{ type: 'GHSA', value: `GHSA-xxxx-xxxx-${String(a.number).padStart(4, '0')}` }],
        references: [{ url: 'https://github.com/advisories' }], published_at: EPOCH, updated_at: EPOCH, withdrawn_at: null,
      },
      security_vulnerability: { package: pkg, severity, vulnerable_version_range: '< 1.2.3', first_patched_version: { identifier: '1.2.3' } },
      url: `${base}/repos/${org.login}/${a.repo}/dependabot/alerts/${a.number}`, html_url: `${html}/dependabot/${a.number}`,
      created_at: a.createdAt, updated_at: a.createdAt, dismissed_at: null, dismissed_by: null, dismissed_reason: null, dismissed_comment: null,
      fixed_at: null, auto_dismissed_at: null, repository,
    };
  }
  if (a.kind === 'secret_scanning') {
    return {
      number: a.number, created_at: a.createdAt, updated_at: a.createdAt, url: `${base}/repos/${org.login}/${a.repo}/secret-scanning/alerts/${a.number}`,
      html_url: `${html}/secret-scanning/${a.number}`, locations_url: `${base}/repos/${org.login}/${a.repo}/secret-scanning/alerts/${a.number}/locations`,
      state: a.state === 'open' ? 'open' : 'resolved', resolution: null, resolved_at: null, resolved_by: null,
      secret_type: a.secretType ?? 'generic', secret_type_display_name: a.secretType ?? 'Generic secret', secret: a.secret ?? '',
      repository, push_protection_bypassed: false, push_protection_bypassed_by: null, push_protection_bypassed_at: null,
      resolution_comment: null, validity: a.validity ?? 'unknown', publicly_leaked: false, multi_repo: false,
    };
  }
  return {
    number: a.number, created_at: a.createdAt, updated_at: a.createdAt, url: `${base}/repos/${org.login}/${a.repo}/code-scanning/alerts/${a.number}`,
    html_url: `${html}/code-scanning/${a.number}`, instances_url: `${base}/repos/${org.login}/${a.repo}/code-scanning/alerts/${a.number}/instances`,
    state: a.state === 'resolved' ? 'fixed' : a.state, fixed_at: null, dismissed_by: null, dismissed_at: null, dismissed_reason: null, dismissed_comment: null,
    rule: { id: `js/rule-${a.number}`, name: `rule-${a.number}`, severity: 'error', security_severity_level: a.severity, description: 'Code scanning finding', tags: ['security'] },
    tool: { name: 'CodeQL', version: '2.19.0', guid: null },
    most_recent_instance: { ref: 'refs/heads/main', analysis_key: '.github/workflows/codeql.yml:analyze', environment: '{}', category: 'js', state: 'open', commit_sha: '0'.repeat(40), message: { text: 'finding' }, location: { path: 'src/index.js', start_line: 1, end_line: 1, start_column: 1, end_column: 2 }, classifications: [] },
    repository,
  };
}

/** One organization audit-log event as the REST API sends it: times in epoch milliseconds, `_document_id` its id. */
export function auditEventBody(org: EmuOrg, e: EmuAuditEvent): Record<string, unknown> {
  const ms = Date.parse(e.createdAt);
  const actor = e.actor === null ? {} : { actor: e.actor, actor_id: 100 + e.actor.length, actor_location: { country_code: 'DE' }, user_agent: 'Mozilla/5.0', actor_is_bot: false };
  return {
    '@timestamp': ms, _document_id: e.id, action: e.action, created_at: ms, operation_type: e.action.endsWith('.create') ? 'create' : e.action.endsWith('.destroy') ? 'remove' : 'modify',
    org: org.login, org_id: org.id, business: 'acme-enterprise', business_id: 4242, ...actor,
    ...(e.repo ? { repo: e.repo, repo_id: 1000 + e.repo.length, visibility: 'private' } : {}),
    ...(e.user ? { user: e.user, user_id: 100 + e.user.length } : {}),
    ...(e.branch ? { branch: `refs/heads/${e.branch}`, name: e.branch } : {}),
    ...(e.rulesetName ? { ruleset_name: e.rulesetName, ruleset_enforcement: 'enabled', ruleset_source_type: 'Organization' } : {}),
  };
}

/** `organization-programmatic-access-grant` (approved) or `…-grant-request` (pending). */
export function patBody(base: string, org: EmuOrg, p: EmuPatGrant, nowMs: number): Record<string, unknown> {
  const member = org.members.find((m) => m.login === p.owner);
  const common = {
    id: p.id, owner: simpleUser(base, p.owner, member?.id ?? 1), repository_selection: p.repositorySelection,
    repositories_url: `${base}/organizations/${org.id}/personal-access-token${p.pending ? '-requests' : 's'}/${p.id}/repositories`,
    permissions: p.permissions, token_id: p.tokenId, token_name: p.tokenName,
    token_expired: p.expiresAt !== null && Date.parse(p.expiresAt) < nowMs, token_expires_at: p.expiresAt, token_last_used_at: p.lastUsedAt,
  };
  return p.pending ? { ...common, reason: p.reason ?? null, created_at: p.at } : { ...common, access_granted_at: p.at };
}

/** `credential-authorization`: includes the token's last eight characters, as GitHub does. */
export function credentialAuthorizationBody(c: EmuCredentialAuthorization): Record<string, unknown> {
  return {
    login: c.login, credential_id: c.credentialId, credential_type: c.type, token_last_eight: c.last8 ?? undefined,
    credential_authorized_at: c.authorizedAt, scopes: c.scopes, fingerprint: c.type === 'SSH key' ? 'SHA256:rpE0vCkR2ZBjKyXlpGQZTi5HNqEo7XY0pUZ1fYpXgE4' : undefined,
    credential_accessed_at: c.accessedAt, authorized_credential_id: c.credentialId + 1_000_000,
    authorized_credential_title: c.type === 'SSH key' ? 'laptop' : undefined, authorized_credential_note: c.note ?? undefined, authorized_credential_expires_at: c.expiresAt,
  };
}
