// Normalized Microsoft Entra ID resources the collector produces and the entra.* rules read.
import type { IdentityUserAttributes } from './identity.js';

/**
 * `entra.user` — id = object id, name = userPrincipalName. `lastLogin` is `signInActivity.lastSuccessfulSignInDateTime`
 * only: the interactive and non-interactive times also record failed attempts, so a sprayed dormant account would look
 * used. It is null when no successful sign-in was recorded (Entra records it from 1 December 2023, not backfilled).
 * `lastLoginKnown` is false when signInActivity could not be read (no Entra ID P1, or no AuditLog.Read.All);
 * `mfaEnrolled` is null when the user's userRegistrationDetails row could not be read.
 */
export interface EntraUserAttributes extends IdentityUserAttributes {
  /** Latest sign-in attempt of any kind, failed ones included (for the reason text only; never evidence of use). */
  lastSignInAttempt: string | null;
  userType: string;
  onPremisesSyncEnabled: boolean;
  /** Graph `methodsRegistered`, as returned. */
  methodsRegistered: string[];
  mfaCapable: boolean | null;
}

/** `entra.role_assignment` — id = assignment id. */
export interface EntraRoleAssignmentAttributes {
  roleDefinitionId: string;
  roleName: string;
  /** Template id of the role, e.g. 62e90394-69f5-4237-9190-012177145e10 for Global Administrator. */
  roleTemplateId: string;
  principalId: string;
  /** `user`, `servicePrincipal` or `group`; a group's members appear as their own resources with `viaGroupId`. */
  principalType: string;
  principalName: string;
  directoryScopeId: string;
  /** `active` (permanent, or a PIM activation) or `eligible` (PIM: can activate the role at will). */
  assignment: 'active' | 'eligible';
  /** End of a time-bound PIM assignment or eligibility; null when permanent. */
  endDateTime: string | null;
  /**
   * True when this active grant is a PIM activation of an eligible assignment (schedule instance `assignmentType:
   * Activated`): it ends on its own. False for an assigned (standing) grant, and for every grant when PIM is not licensed.
   */
  activated: boolean;
  /** Set when the principal holds the role as a (transitive) member of this role-assignable group. */
  viaGroupId: string | null;
  viaGroupName: string | null;
}

/** `entra.ca_policy` — a Conditional Access policy as Graph returns it (state, conditions, grant controls). */
export interface EntraCaPolicyAttributes {
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced' | string;
  conditions: {
    users?: { includeUsers?: string[]; excludeUsers?: string[]; includeGroups?: string[]; excludeGroups?: string[]; includeRoles?: string[]; excludeRoles?: string[] };
    applications?: { includeApplications?: string[]; excludeApplications?: string[] };
    clientAppTypes?: string[];
  };
  grantControls: { operator?: string; builtInControls?: string[]; authenticationStrength?: { id: string; displayName?: string } | null } | null;
}

/**
 * `entra.authorization_policy` — one per tenant (id = tenant id): Graph `policies/authorizationPolicy` (who may invite
 * guests, what guests may see, which permission-grant policies let users consent to apps) joined with
 * `policies/adminConsentRequestPolicy` (the admin consent workflow). Every field is as Graph sent it; the collector
 * refuses a reply lacking one, so none is guessed.
 */
export interface EntraAuthorizationPolicyAttributes {
  /** none | adminsAndGuestInviters | adminsGuestInvitersAndAllMembers | everyone */
  allowInvitesFrom: string;
  /** Role template id guests get: member-like, Guest User (limited) or Restricted Guest User. */
  guestUserRoleId: string;
  /** `defaultUserRolePermissions.permissionGrantPoliciesAssigned`: consent policies users hold (empty = no user consent). */
  permissionGrantPoliciesAssigned: string[];
  allowUserConsentForRiskyApps: boolean | null;
  /** adminConsentRequestPolicy.isEnabled: users can ask an admin to consent instead of being stuck or consenting themselves. */
  adminConsentWorkflowEnabled: boolean;
  /** How many reviewers the admin consent workflow names. */
  adminConsentReviewers: number;
}

/**
 * `entra.role_policy` — the PIM role management policy of one directory role (id = policy assignment id), from
 * `policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)`.
 */
export interface EntraRolePolicyAttributes {
  roleDefinitionId: string;
  policyId: string;
  /** `Approval_EndUser_Assignment` `setting.isApprovalRequired`: activating the role needs an approver. */
  approvalRequired: boolean;
  /** Primary approvers named across the approval stages (none named: Privileged Role Administrators approve). */
  approvers: number;
  /** `Expiration_Admin_Assignment` `isExpirationRequired` false: admins may make permanent active assignments. */
  permanentActiveAllowed: boolean;
  /** `Expiration_EndUser_Assignment` `maximumDuration` (ISO 8601 duration) of one activation. */
  activationMaxDuration: string | null;
}

/**
 * `entra.access_review` — one access review definition (id = definition id) from
 * `identityGovernance/accessReviews/definitions`, with its instances from `…/definitions/{id}/instances`.
 */
export interface EntraAccessReviewAttributes {
  displayName: string;
  /** Definition status as Graph sends it (NotStarted, InProgress, Completed, …). */
  status: string;
  /** What the review covers, from `scope.query`: directory role holders, guest users, or something else. */
  target: 'privileged_roles' | 'guests' | 'other';
  /** The scope query as sent, for the reader. */
  scopeQuery: string;
  /** `settings.recurrence.pattern`, e.g. `absoluteMonthly/3`; null for a one-time review. */
  recurrence: string | null;
  /** End of the latest instance whose status is Completed or Applied; null when none has completed. */
  lastCompletedAt: string | null;
  instances: number;
}

/** `entra.tenant` — one per tenant: security defaults and collection facts. id = tenant id. */
export interface EntraTenantAttributes {
  securityDefaultsEnabled: boolean | null;
  userCount: number;
  /** False when Graph said the tenant has no Entra ID P2 / ID Governance, so no PIM eligibility exists; null if not read. */
  pimLicensed: boolean | null;
}

/** `entra.audit_event` — directory audit events read this run (disable/delete user, role member changes). id = audit id. */
export interface EntraAuditEventAttributes {
  activityDisplayName: string;
  activityDateTime: string;
  category: string;
  result: string;
  initiatedBy: string | null;
  targets: Array<{ id: string; type: string; userPrincipalName: string | null; displayName: string | null }>;
  readAt: string;
}

/**
 * Every input key the Entra collector can list. `entra.user.sign_in_activity` and `entra.user.mfa_registration` are
 * facets of `entra.user` (licence- and permission-dependent reads), so a missing licence errors only the rules needing them.
 */
export const ENTRA_RESOURCE_TYPES = [
  'entra.tenant',
  'entra.user',
  'entra.user.sign_in_activity',
  'entra.user.mfa_registration',
  'entra.role_assignment',
  'entra.ca_policy',
  'entra.audit_event',
  'entra.authorization_policy',
  'entra.role_policy',
  'entra.access_review',
] as const;

/** Date from which Entra records `lastSuccessfulSignInDateTime` (not backfilled; Graph signInActivity docs). */
export const SUCCESSFUL_SIGN_IN_RECORDED_FROM = '2023-12-01T00:00:00Z';

/** Global Administrator role template id. */
export const GLOBAL_ADMIN_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
/** Built-in "Phishing-resistant MFA" authentication strength id. */
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';
