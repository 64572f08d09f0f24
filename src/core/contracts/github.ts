// Normalized GitHub resources: what the collector produces and the GitHub rules read. Attributes are camelCase, never raw API names.

/** Every resource type the GitHub collector can produce. */
export const GITHUB_RESOURCE_TYPES = [
  'github.org',
  'github.member',
  'github.outside_collaborator',
  'github.repository',
  'github.branch_rules',
  'github.alert',
  'github.alert_feed',
  'github.app_installation',
  'github.pull_request',
  'github.audit_log',
  'github.audit_event',
  'github.access_feed',
  'github.access_grant',
] as const;

export type GithubResourceType = (typeof GITHUB_RESOURCE_TYPES)[number];

/** `github.org` (one per scope; id = org login). Fields are `null` when the token could not see them (non-owner). */
export interface GithubOrgAttributes {
  login: string;
  plan: string | null;
  twoFactorRequirementEnabled: boolean | null;
  defaultRepositoryPermission: 'read' | 'write' | 'admin' | 'none' | null;
  membersCanCreateRepositories: boolean | null;
  membersCanCreatePublicRepositories: boolean | null;
  membersCanCreatePrivateRepositories: boolean | null;
  /** GET /orgs/{org}/actions/permissions; null when not readable. */
  actions: {
    enabledRepositories: string;
    allowedActions: string | null;
    defaultWorkflowPermissions: 'read' | 'write' | null;
    canApprovePullRequestReviews: boolean | null;
  } | null;
  /** SAML SSO (Enterprise Cloud); null when not readable, `configured: false` when the org has none. */
  saml: { configured: boolean; linkedIdentities: number } | null;
  ownerCount: number;
  memberCount: number;
}

/** `github.member` (id = login). */
export interface GithubMemberAttributes {
  login: string;
  role: 'admin' | 'member';
  /** In `filter=2fa_disabled`; null when the filter could not be read (owners only). */
  twoFactorDisabled: boolean | null;
  /** Has a linked SAML identity; null when SAML data was not read or the org has no SAML. */
  samlLinked: boolean | null;
}

/** `github.outside_collaborator` (id = login). */
export interface GithubOutsideCollaboratorAttributes {
  login: string;
  twoFactorDisabled: boolean | null;
  /** Repositories and the permission held on each (from GraphQL collaborators(affiliation: OUTSIDE)). */
  repositories: Array<{ repository: string; permission: 'READ' | 'TRIAGE' | 'WRITE' | 'MAINTAIN' | 'ADMIN' }>;
}

/** `github.repository` (id = full name `org/repo`). */
export interface GithubRepositoryAttributes {
  fullName: string;
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  fork: boolean;
  defaultBranch: string | null;
  /** `security_and_analysis.*.status === 'enabled'`; null when the token cannot see it (needs admin on the repo). */
  secretScanning: boolean | null;
  secretScanningPushProtection: boolean | null;
  /** GraphQL hasVulnerabilityAlertsEnabled; null when not readable. */
  dependabotAlerts: boolean | null;
  /** Path of the CODEOWNERS file on the default branch, or null when none of the three locations holds one. */
  codeownersPath: string | null;
}

/** One ruleset as it applies to a default branch. */
export interface GithubRulesetSummary {
  id: number;
  name: string;
  source: string;
  enforcement: 'ACTIVE' | 'EVALUATE' | 'DISABLED';
  bypassActorCount: number;
  ruleTypes: string[];
}

/**
 * `github.branch_rules` (id = `org/repo:branch`): the rules that actually apply to the default branch, classic
 * protection and active rulesets merged the way GitHub layers them (the most restrictive value wins).
 */
export interface GithubBranchRulesAttributes {
  repository: string;
  branch: string;
  archived: boolean;
  /** False when the token lacks admin on the repo: classic protection is then invisible and nothing below can be trusted. */
  visible: boolean;
  /**
   * False when part of the branch's rules could not be read (a GraphQL error on the ref or rulesets, rulesets truncated):
   * every rule is then `error` on the branch, even one that would fail. Absent in snapshots recorded before it existed.
   */
  complete?: boolean;
  classicProtection: boolean;
  rulesets: GithubRulesetSummary[];
  protected: boolean;
  requiresPullRequest: boolean;
  requiredApprovingReviewCount: number;
  dismissStaleReviews: boolean;
  requireCodeOwnerReview: boolean;
  requireLastPushApproval: boolean;
  requiredStatusChecks: string[];
  strictStatusChecks: boolean;
  forcePushBlocked: boolean;
  deletionBlocked: boolean;
  /** Classic protection's enforce_admins; null when the branch has no classic protection. */
  enforceAdmins: boolean | null;
  /** Classic enforce_admins on (when classic protection exists), and every active ruleset has an empty bypass list. */
  adminsIncluded: boolean;
}

/** `github.alert` (id = `kind:org/repo#number`). Secrets are never copied. */
export interface GithubAlertAttributes {
  kind: 'dependabot' | 'secret_scanning' | 'code_scanning';
  repository: string;
  number: number;
  state: string;
  /** critical | high | medium | low (Dependabot / code scanning); secret scanning alerts have none (null). */
  severity: string | null;
  createdAt: string;
  url: string;
  /** Secret scanning: active | inactive | unknown. */
  validity: string | null;
  secretType: string | null;
}

/**
 * `github.alert_feed` (id = `kind:org`): whether the org's list of one alert kind was read. `listed` means every page of
 * the list was read (so the `github.alert` resources of that kind are the whole population); `not_enabled` means GitHub
 * answered that the feature is off (Advanced Security / Code Security not enabled), a fact the repo rules judge;
 * `unread` means the read failed (its CollectionError names the cause).
 */
export interface GithubAlertFeedAttributes {
  kind: GithubAlertAttributes['kind'];
  state: 'listed' | 'not_enabled' | 'unread';
  /** GitHub's own words for `not_enabled`. */
  detail: string | null;
  openAlerts: number;
}

/** `github.app_installation` (id = installation id). */
export interface GithubAppInstallationAttributes {
  appSlug: string;
  appId: number;
  repositorySelection: 'all' | 'selected';
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
  suspended: boolean;
}

/** `github.pull_request` (id = `org/repo#number`): a merged PR, period evidence for CC8.1. */
export interface GithubPullRequestAttributes {
  repository: string;
  number: number;
  url: string;
  author: string | null;
  mergedBy: string | null;
  mergedAt: string;
  baseRef: string;
  defaultBranch: string | null;
  toDefaultBranch: boolean;
  /** Logins that submitted an APPROVED review; null when the reviews could not be read (the merge is then `error`). */
  approvers: string[] | null;
}

/**
 * `github.audit_log` (id `activity:org` or `protection:org`): whether the organization audit log
 * (`GET /orgs/{org}/audit-log`, Enterprise Cloud only) was read, and over which window. `listed`: every page of the
 * window was read; `not_available`: GitHub answered that the org has no audit-log API (404 on plans other than
 * Enterprise Cloud) — a fact, never "no activity"; `unread`: the read failed (its CollectionError names the cause).
 */
export interface GithubAuditLogAttributes {
  stream: 'activity' | 'protection';
  state: 'listed' | 'not_available' | 'unread';
  /** The org's plan as `GET /orgs/{org}` named it (free, team, enterprise…); null when not returned. */
  plan: string | null;
  /** GitHub's own words for `not_available`. */
  detail: string | null;
  /**
   * Window read (ISO 8601): events created at or after `from` (activity: a whole day, up to the run) and, for the
   * protection stream, at or before `to` (the activity stream leaves `to` null: it ends at the run).
   */
  from: string | null;
  to: string | null;
  /** Activity stream: actor login → time of their latest event in the window. Empty for the protection stream. */
  lastActivity: Record<string, string>;
  /** Activity stream: login → when it was added to the org (`org.add_member`) within the window. */
  addedAt: Record<string, string>;
  /** Events read in the window (protection stream: override events only). */
  events: number;
  /**
   * Protection stream: a span between the previous run's cursor and the oldest instant the audit log still keeps
   * (180 days) that no run read — it can never be evidenced from GitHub. Null when the window joins the previous one.
   */
  lostFrom: string | null;
  lostTo: string | null;
}

/** `github.audit_event` (id = the event's `_document_id`): a protection override or removal read from the audit log. */
export interface GithubAuditEventAttributes {
  action: string;
  actor: string | null;
  /** `org/repo` when the event names a repository. */
  repository: string | null;
  /** Branch (protected_branch.*) or ruleset name (repository_ruleset.*), when GitHub sends one. */
  target: string | null;
  createdAt: string;
}

/**
 * `github.access_feed` (id `kind:org`): whether one list of third-party access was read. `not_available`: GitHub
 * says the list does not exist for this org (credential authorizations outside Enterprise Cloud: 404); `unread`: the
 * read failed or the credential cannot read it (fine-grained PAT lists answer only GitHub Apps; credential
 * authorizations answer only classic tokens).
 */
export interface GithubAccessFeedAttributes {
  kind: 'pat_grant' | 'pat_request' | 'credential_authorization';
  state: 'listed' | 'not_available' | 'unread';
  detail: string | null;
  count: number;
}

/** `github.access_grant` (id `kind:id`): one fine-grained PAT grant, pending PAT request or SSO credential authorization. */
export interface GithubAccessGrantAttributes {
  kind: GithubAccessFeedAttributes['kind'];
  owner: string;
  /** Token name (PATs), note or title (credential authorizations), or null. */
  name: string | null;
  /** PATs: none | all | subset; credential authorizations: null. */
  repositorySelection: string | null;
  /** Flattened permissions (`repository:contents=write`) for PATs; OAuth scopes for credential authorizations. */
  permissions: string[];
  /** Granted (PAT grant), requested (PAT request) or authorized (credential authorization). */
  since: string;
  expiresAt: string | null;
  expired: boolean | null;
  lastUsedAt: string | null;
  /** personal access token | SSH key (credential authorizations); null for PATs. */
  credentialType: string | null;
}
