// Mutable organization state served by the GitHub emulator: the demo org with known violations and generated orgs of any size.
import { mulberry32 } from '../../../src/core/seeded-random.js';

export interface EmuClassicProtection {
  requiredApprovingReviewCount: number | null;
  dismissStaleReviews: boolean;
  requireCodeOwnerReviews: boolean;
  requireLastPushApproval: boolean;
  requiredStatusChecks: string[] | null;
  strictStatusChecks: boolean;
  enforceAdmins: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
}

export interface EmuRule {
  type: string;
  parameters?: Record<string, unknown>;
}

export interface EmuRuleset {
  id: number;
  name: string;
  /** Organization login or repository name that owns it. */
  sourceType: 'Organization' | 'Repository';
  source: string;
  enforcement: 'ACTIVE' | 'EVALUATE' | 'DISABLED';
  refInclude: string[];
  refExclude: string[];
  /** Org rulesets: repository names it targets (`~ALL` for every repo). */
  repoInclude: string[];
  bypassActors: number;
  rules: EmuRule[];
}

export interface EmuRepo {
  id: number;
  name: string;
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  fork: boolean;
  defaultBranch: string;
  secretScanning: boolean;
  pushProtection: boolean;
  dependabot: boolean;
  codeowners: null | 'CODEOWNERS' | '.github/CODEOWNERS' | 'docs/CODEOWNERS';
  protection: EmuClassicProtection | null;
  outside: Array<{ login: string; permission: 'READ' | 'TRIAGE' | 'WRITE' | 'MAINTAIN' | 'ADMIN' }>;
  createdAt: string;
  updatedAt: string;
  /** A fine-grained token not granted this repository's collaborators gets `collaborators: null` and a FORBIDDEN error. */
  collaboratorsHiddenFromFineGrained?: boolean;
  /** No commits: GitHub's defaultBranchRef is null. */
  empty?: boolean;
}

export interface EmuUser {
  login: string;
  id: number;
  twoFactor: boolean;
}

export interface EmuMember extends EmuUser {
  role: 'admin' | 'member';
  samlLinked: boolean;
}

export interface EmuAlert {
  kind: 'dependabot' | 'secret_scanning' | 'code_scanning';
  number: number;
  repo: string;
  state: 'open' | 'fixed' | 'dismissed' | 'resolved';
  severity: 'critical' | 'high' | 'medium' | 'low' | null;
  createdAt: string;
  validity?: 'active' | 'inactive' | 'unknown';
  secretType?: string;
  /** The leaked value, as GitHub returns it; the collector must never copy it anywhere. */
  secret?: string;
}

export interface EmuInstallation {
  id: number;
  appId: number;
  appSlug: string;
  repositorySelection: 'all' | 'selected';
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
  suspended: boolean;
}

export interface EmuPull {
  repo: string;
  number: number;
  author: string;
  mergedBy: string;
  mergedAt: string;
  baseRef: string;
  approvers: string[];
}

/** One organization audit-log event (web events only; GitHub keeps them 180 days). */
export interface EmuAuditEvent {
  id: string;
  action: string;
  actor: string | null;
  createdAt: string;
  repo?: string;
  /** The member added or removed (org.add_member, org.remove_member). */
  user?: string;
  /** Branch of protected_branch.* events. */
  branch?: string;
  /** Ruleset of repository_ruleset.* events. */
  rulesetName?: string;
}

/** An approved fine-grained PAT grant (`pending: false`) or a pending request to access the org. */
export interface EmuPatGrant {
  id: number;
  owner: string;
  tokenId: number;
  tokenName: string;
  repositorySelection: 'none' | 'all' | 'subset';
  permissions: { organization?: Record<string, string>; repository?: Record<string, string> };
  /** access_granted_at (grant) or created_at (request). */
  at: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  pending: boolean;
  reason?: string;
}

/** A classic PAT or SSH key a member authorized for SAML SSO (Enterprise Cloud). */
export interface EmuCredentialAuthorization {
  credentialId: number;
  login: string;
  type: 'personal access token' | 'SSH key';
  authorizedAt: string;
  accessedAt: string | null;
  scopes: string[];
  expiresAt: string | null;
  note: string | null;
  /** The token's last eight characters, as GitHub returns them; the collector must never store them. */
  last8: string | null;
}

export interface EmuOrg {
  login: string;
  id: number;
  plan: 'free' | 'team' | 'enterprise';
  twoFactorRequired: boolean;
  defaultRepositoryPermission: 'read' | 'write' | 'admin' | 'none';
  membersCanCreateRepositories: boolean;
  membersCanCreatePublicRepositories: boolean;
  membersCanCreatePrivateRepositories: boolean;
  actions: { enabledRepositories: 'all' | 'none' | 'selected'; allowedActions: 'all' | 'local_only' | 'selected'; defaultWorkflowPermissions: 'read' | 'write'; canApprovePullRequestReviews: boolean };
  saml: boolean;
  members: EmuMember[];
  outsideCollaborators: EmuUser[];
  repos: EmuRepo[];
  rulesets: EmuRuleset[];
  alerts: EmuAlert[];
  installations: EmuInstallation[];
  pulls: EmuPull[];
  /** Organization audit log; served only when `plan` is `enterprise` (Enterprise Cloud). */
  auditLog: EmuAuditEvent[];
  patGrants: EmuPatGrant[];
  /** SAML SSO credential authorizations; served only on Enterprise Cloud. */
  credentialAuthorizations: EmuCredentialAuthorization[];
  createdAt: string;
  /** False: no GitHub Advanced Security / Code Security, so the org code-scanning alerts endpoint refuses (403). */
  codeSecurity?: boolean;
}

/**
 * A credential the emulator accepts. Classic tokens carry OAuth scopes (echoed in X-OAuth-Scopes); fine-grained and
 * App installation tokens carry permissions (`members: 'read'`, `organization_administration: 'read'`, …).
 */
export interface EmuToken {
  login: string;
  kind: 'classic' | 'fine_grained' | 'app';
  scopes?: string[];
  permissions?: Record<string, 'read' | 'write'>;
}

export interface EmuState {
  org: EmuOrg;
  tokens: Map<string, EmuToken>;
  /** GitHub App id → installation permissions, for POST /app/installations/{id}/access_tokens. */
  apps: Map<number, { installationId: number; permissions: Record<string, 'read' | 'write'> }>;
}

export const FULL_CLASSIC_SCOPES = ['repo', 'read:org', 'admin:org', 'security_events', 'read:audit_log'];

export const FULL_APP_PERMISSIONS: Record<string, 'read'> = {
  metadata: 'read',
  administration: 'read',
  contents: 'read',
  pull_requests: 'read',
  members: 'read',
  organization_administration: 'read',
  vulnerability_alerts: 'read',
  secret_scanning_alerts: 'read',
  security_events: 'read',
  organization_personal_access_tokens: 'read',
  organization_personal_access_token_requests: 'read',
};

function daysAgo(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const STRONG: EmuClassicProtection = {
  requiredApprovingReviewCount: 2,
  dismissStaleReviews: true,
  requireCodeOwnerReviews: true,
  requireLastPushApproval: true,
  requiredStatusChecks: ['ci/build', 'ci/test'],
  strictStatusChecks: true,
  enforceAdmins: true,
  allowForcePushes: false,
  allowDeletions: false,
};

function repo(id: number, name: string, now: Date, over: Partial<EmuRepo>): EmuRepo {
  return {
    id, name, visibility: 'private', archived: false, fork: false, defaultBranch: 'main', secretScanning: true, pushProtection: true,
    dependabot: true, codeowners: '.github/CODEOWNERS', protection: { ...STRONG }, outside: [], createdAt: daysAgo(now, 400), updatedAt: daysAgo(now, 3),
    ...over,
  };
}

/**
 * The demo org `acme-demo`, seeded with known violations (see docs/github.md for the expected verdict per rule).
 * Ages are relative to `now` so verdicts stay the same whenever the demo runs.
 */
export function demoOrg(now: Date = new Date()): EmuOrg {
  const login = 'acme-demo';
  return {
    login, id: 9000001, plan: 'enterprise', twoFactorRequired: false, defaultRepositoryPermission: 'write',
    membersCanCreateRepositories: true, membersCanCreatePublicRepositories: true, membersCanCreatePrivateRepositories: true,
    actions: { enabledRepositories: 'all', allowedActions: 'all', defaultWorkflowPermissions: 'write', canApprovePullRequestReviews: true },
    saml: true,
    members: [
      { login: 'alice', id: 101, role: 'admin', twoFactor: true, samlLinked: true },
      { login: 'bob', id: 102, role: 'member', twoFactor: true, samlLinked: true },
      { login: 'carol', id: 103, role: 'member', twoFactor: true, samlLinked: true },
      { login: 'dave', id: 104, role: 'member', twoFactor: false, samlLinked: false },
      { login: 'erin', id: 105, role: 'member', twoFactor: true, samlLinked: true },
    ],
    outsideCollaborators: [
      { login: 'olivia-contractor', id: 201, twoFactor: true },
      { login: 'oscar-agency', id: 202, twoFactor: false },
    ],
    repos: [
      repo(1, 'api', now, { outside: [{ login: 'olivia-contractor', permission: 'WRITE' }] }),
      repo(2, 'web', now, {
        visibility: 'public', protection: null, codeowners: null, secretScanning: false, pushProtection: false, dependabot: false,
        outside: [{ login: 'oscar-agency', permission: 'ADMIN' }],
      }),
      repo(3, 'infra', now, { protection: null, codeowners: 'CODEOWNERS' }),
      repo(4, 'docs', now, { visibility: 'public', archived: true, protection: null, codeowners: null, secretScanning: false, dependabot: false }),
      repo(5, 'tooling', now, {
        codeowners: null, pushProtection: false,
        protection: { ...STRONG, requiredApprovingReviewCount: 1, dismissStaleReviews: false, requireCodeOwnerReviews: false, requireLastPushApproval: false, requiredStatusChecks: null, strictStatusChecks: false, enforceAdmins: false, allowForcePushes: true },
      }),
    ],
    rulesets: [
      {
        id: 501, name: 'infra-default-branch', sourceType: 'Organization', source: login, enforcement: 'ACTIVE',
        refInclude: ['~DEFAULT_BRANCH'], refExclude: [], repoInclude: ['infra'], bypassActors: 1,
        rules: [
          { type: 'PULL_REQUEST', parameters: { requiredApprovingReviewCount: 1, dismissStaleReviewsOnPush: false, requireCodeOwnerReview: true, requireLastPushApproval: false } },
          { type: 'REQUIRED_STATUS_CHECKS', parameters: { strictRequiredStatusChecksPolicy: false, requiredStatusChecks: [{ context: 'ci/plan' }] } },
          { type: 'NON_FAST_FORWARD' },
          { type: 'DELETION' },
        ],
      },
      {
        id: 502, name: 'evaluate-only', sourceType: 'Organization', source: login, enforcement: 'EVALUATE',
        refInclude: ['~ALL'], refExclude: [], repoInclude: ['~ALL'], bypassActors: 0, rules: [{ type: 'REQUIRED_LINEAR_HISTORY' }],
      },
    ],
    alerts: [
      { kind: 'dependabot', number: 1, repo: 'web', state: 'open', severity: 'critical', createdAt: daysAgo(now, 45) },
      { kind: 'dependabot', number: 2, repo: 'api', state: 'open', severity: 'high', createdAt: daysAgo(now, 5) },
      { kind: 'dependabot', number: 3, repo: 'api', state: 'open', severity: 'low', createdAt: daysAgo(now, 200) },
      { kind: 'secret_scanning', number: 1, repo: 'web', state: 'open', severity: null, createdAt: daysAgo(now, 20), validity: 'active', secretType: 'aws_access_key_id', secret: 'AKIAZZZZZZZZZZZZZZZZ' },
      { kind: 'secret_scanning', number: 2, repo: 'api', state: 'open', severity: null, createdAt: daysAgo(now, 2), validity: 'unknown', secretType: 'slack_incoming_webhook_url', secret: 'https://hooks.slack.com/services/T000/B000/XXXXXXXX' },
      { kind: 'code_scanning', number: 1, repo: 'api', state: 'open', severity: 'high', createdAt: daysAgo(now, 100) },
      { kind: 'code_scanning', number: 2, repo: 'tooling', state: 'open', severity: 'medium', createdAt: daysAgo(now, 300) },
    ],
    installations: [
      { id: 7001, appId: 301, appSlug: 'vigil-compliance', repositorySelection: 'all', permissions: { ...FULL_APP_PERMISSIONS }, events: [], createdAt: daysAgo(now, 30), suspended: false },
      { id: 7002, appId: 302, appSlug: 'ci-bot', repositorySelection: 'selected', permissions: { contents: 'write', checks: 'write', metadata: 'read' }, events: ['push', 'pull_request'], createdAt: daysAgo(now, 300), suspended: false },
      { id: 7003, appId: 303, appSlug: 'repo-settings-sync', repositorySelection: 'all', permissions: { administration: 'write', metadata: 'read' }, events: ['repository'], createdAt: daysAgo(now, 120), suspended: false },
    ],
    pulls: [
      { repo: 'api', number: 41, author: 'carol', mergedBy: 'alice', mergedAt: daysAgo(now, 10), baseRef: 'main', approvers: ['bob'] },
      { repo: 'api', number: 42, author: 'bob', mergedBy: 'bob', mergedAt: daysAgo(now, 8), baseRef: 'main', approvers: ['bob'] },
      { repo: 'web', number: 7, author: 'erin', mergedBy: 'erin', mergedAt: daysAgo(now, 6), baseRef: 'main', approvers: [] },
      { repo: 'infra', number: 3, author: 'alice', mergedBy: 'alice', mergedAt: daysAgo(now, 4), baseRef: 'main', approvers: ['carol', 'alice'] },
      { repo: 'tooling', number: 9, author: 'dave', mergedBy: 'dave', mergedAt: daysAgo(now, 3), baseRef: 'release', approvers: [] },
    ],
    auditLog: demoAuditLog(login, now),
    patGrants: [
      { id: 25381, owner: 'bob', tokenId: 98716, tokenName: 'release-script', repositorySelection: 'subset', permissions: { repository: { contents: 'write', metadata: 'read' } }, at: daysAgo(now, 40), expiresAt: daysAgo(now, -50), lastUsedAt: daysAgo(now, 2), pending: false },
      { id: 25382, owner: 'dave', tokenId: 98717, tokenName: 'old-migration', repositorySelection: 'all', permissions: { organization: { members: 'read' }, repository: { administration: 'write' } }, at: daysAgo(now, 400), expiresAt: null, lastUsedAt: daysAgo(now, 200), pending: false },
      { id: 25390, owner: 'carol', tokenId: 98730, tokenName: 'metrics-export', repositorySelection: 'all', permissions: { repository: { issues: 'read' } }, at: daysAgo(now, 20), expiresAt: daysAgo(now, -60), lastUsedAt: null, pending: true, reason: 'Weekly issue metrics' },
    ],
    credentialAuthorizations: [
      { credentialId: 161195, login: 'alice', type: 'personal access token', authorizedAt: daysAgo(now, 100), accessedAt: daysAgo(now, 1), scopes: ['repo', 'read:org'], expiresAt: daysAgo(now, -80), note: 'terraform', last8: 'ab12cd34' },
      { credentialId: 161196, login: 'dave', type: 'SSH key', authorizedAt: daysAgo(now, 400), accessedAt: null, scopes: [], expiresAt: null, note: null, last8: null },
    ],
    createdAt: daysAgo(now, 900),
  };
}

/**
 * The demo org's audit log: alice, bob and carol act within 90 days, erin joined 15 days ago and has not acted yet,
 * dave has no event in 180 days; one branch-protection override, one ruleset change and one new ruleset, plus an
 * override 250 days ago that GitHub no longer keeps (never returned).
 */
function demoAuditLog(org: string, now: Date): EmuAuditEvent[] {
  const ev = (id: string, days: number, action: string, actor: string | null, extra: Partial<EmuAuditEvent> = {}): EmuAuditEvent => ({ id, action, actor, createdAt: daysAgo(now, days), ...extra });
  return [
    ev('dmo-0001', 250, 'protected_branch.policy_override', 'dave', { repo: `${org}/web`, branch: 'main' }),
    ev('dmo-0002', 170, 'repo.create', 'dave', { repo: `${org}/tooling` }),
    ev('dmo-0003', 95, 'repository_ruleset.create', 'alice', { rulesetName: 'infra-default-branch' }),
    ev('dmo-0004', 60, 'protected_branch.create', 'bob', { repo: `${org}/api`, branch: 'main' }),
    ev('dmo-0005', 40, 'repository_ruleset.update', 'alice', { rulesetName: 'infra-default-branch' }),
    ev('dmo-0006', 30, 'team.add_member', 'carol', { user: 'bob' }),
    ev('dmo-0007', 15, 'org.add_member', 'alice', { user: 'erin' }),
    ev('dmo-0008', 12, 'protected_branch.policy_override', 'alice', { repo: `${org}/api`, branch: 'main' }),
    ev('dmo-0009', 10, 'repo.update_member', 'bob', { repo: `${org}/api`, user: 'olivia-contractor' }),
    ev('dmo-0010', 1, 'org.update_member', 'alice', { user: 'bob' }),
  ];
}

const rng = mulberry32;

export interface GenerateOptions {
  repos: number;
  members: number;
  /** @defaultValue members / 20 */
  outsideCollaborators?: number;
  /** @defaultValue repos / 5 per alert kind */
  alertsPerKind?: number;
  /** @defaultValue repos / 10 */
  pulls?: number;
  seed?: number;
  now?: Date;
}

/** A generated org `gen-org` of any size with a realistic mix of protected, unprotected and ruleset-governed repos. */
export function generateOrg(opts: GenerateOptions): EmuOrg {
  const now = opts.now ?? new Date();
  const r = rng(opts.seed ?? 42);
  const login = 'gen-org';
  const members: EmuMember[] = [];
  for (let i = 0; i < opts.members; i++) {
    members.push({ login: `user-${i}`, id: 100_000 + i, role: i < 3 ? 'admin' : 'member', twoFactor: r() > 0.02, samlLinked: r() > 0.05 });
  }
  const outsideN = opts.outsideCollaborators ?? Math.ceil(opts.members / 20);
  const outside: EmuUser[] = [];
  for (let i = 0; i < outsideN; i++) outside.push({ login: `outside-${i}`, id: 500_000 + i, twoFactor: r() > 0.1 });
  const repos: EmuRepo[] = [];
  const perms = ['READ', 'WRITE', 'ADMIN'] as const;
  for (let i = 0; i < opts.repos; i++) {
    const kind = r();
    const protection = kind < 0.5 ? { ...STRONG } : kind < 0.7 ? { ...STRONG, enforceAdmins: false, allowForcePushes: true, requiredStatusChecks: null } : null;
    const o = outside.length > 0 && r() < 0.1 ? [{ login: outside[Math.floor(r() * outside.length)]!.login, permission: perms[Math.floor(r() * 3)]! }] : [];
    repos.push(repo(10_000 + i, `repo-${String(i).padStart(5, '0')}`, now, {
      visibility: r() < 0.2 ? 'public' : 'private', archived: r() < 0.05, protection, outside: o,
      codeowners: r() < 0.6 ? '.github/CODEOWNERS' : null, secretScanning: r() < 0.8, dependabot: r() < 0.85,
    }));
  }
  const rulesets: EmuRuleset[] = [{
    id: 900, name: 'org-baseline', sourceType: 'Organization', source: login, enforcement: 'ACTIVE', refInclude: ['~DEFAULT_BRANCH'], refExclude: [],
    repoInclude: repos.filter((_, i) => i % 7 === 0).map((x) => x.name), bypassActors: 0,
    rules: [{ type: 'NON_FAST_FORWARD' }, { type: 'DELETION' }, { type: 'PULL_REQUEST', parameters: { requiredApprovingReviewCount: 1, dismissStaleReviewsOnPush: true, requireCodeOwnerReview: false, requireLastPushApproval: false } }],
  }];
  const alerts: EmuAlert[] = [];
  const perKind = opts.alertsPerKind ?? Math.ceil(opts.repos / 5);
  const sev = ['critical', 'high', 'medium', 'low'] as const;
  for (const kind of ['dependabot', 'secret_scanning', 'code_scanning'] as const) {
    for (let i = 0; i < perKind && repos.length > 0; i++) {
      const rp = repos[Math.floor(r() * repos.length)]!;
      alerts.push({
        kind, number: i + 1, repo: rp.name, state: 'open', severity: kind === 'secret_scanning' ? null : sev[Math.floor(r() * 4)]!,
        createdAt: daysAgo(now, Math.floor(r() * 200)),
        ...(kind === 'secret_scanning' ? { validity: 'unknown' as const, secretType: 'github_personal_access_token', secret: `ghp_${'x'.repeat(36)}` } : {}),
      });
    }
  }
  const pulls: EmuPull[] = [];
  const pullN = opts.pulls ?? Math.ceil(opts.repos / 10);
  for (let i = 0; i < pullN && repos.length > 0 && members.length > 1; i++) {
    const rp = repos[Math.floor(r() * repos.length)]!;
    const author = members[Math.floor(r() * members.length)]!.login;
    const approver = members[Math.floor(r() * members.length)]!.login;
    pulls.push({ repo: rp.name, number: i + 1, author, mergedBy: author, mergedAt: daysAgo(now, r() * 80), baseRef: 'main', approvers: r() < 0.9 ? [approver] : [] });
  }
  return {
    login, id: 9000002, plan: 'enterprise', twoFactorRequired: true, defaultRepositoryPermission: 'read',
    membersCanCreateRepositories: false, membersCanCreatePublicRepositories: false, membersCanCreatePrivateRepositories: false,
    actions: { enabledRepositories: 'all', allowedActions: 'selected', defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false },
    saml: true, members, outsideCollaborators: outside, repos, rulesets, alerts,
    installations: [{ id: 7001, appId: 301, appSlug: 'vigil-compliance', repositorySelection: 'all', permissions: { ...FULL_APP_PERMISSIONS }, events: [], createdAt: daysAgo(now, 30), suspended: false }],
    pulls, auditLog: members.map((m, i) => ({ id: `gen-${i}`, action: 'repo.access', actor: m.login, createdAt: daysAgo(now, (i * 7) % 150) })),
    patGrants: [], credentialAuthorizations: [], createdAt: daysAgo(now, 2000),
  };
}
