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
