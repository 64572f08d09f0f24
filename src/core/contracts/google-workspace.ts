// Normalized Google Workspace resources the collector produces and the google-workspace.* rules read.
import type { IdentityUserAttributes } from './identity.js';

/**
 * `google-workspace.user` — id = Directory user id, name = primaryEmail. `mfaEnrolled` is `isEnrolledIn2Sv`; the
 * Directory API does not say which 2SV methods are enrolled, so `mfaMethods` is empty and `phishingResistant` null.
 * `isAdmin` is true for super admins, delegated admins and anyone holding an admin role directly or through a group;
 * `adminRoles` names the roles. A field the reply left out is `null` (never a guessed `false`), and the collector then
 * records a per-resource error for the user, so no verdict on it can be `pass`.
 */
export interface GoogleWorkspaceUserAttributes extends IdentityUserAttributes {
  isEnrolledIn2Sv: boolean | null;
  isEnforcedIn2Sv: boolean | null;
  suspended: boolean | null;
  archived: boolean | null;
  isSuperAdmin: boolean | null;
  isDelegatedAdmin: boolean | null;
  orgUnitPath: string | null;
}

/** `google-workspace.admin_role_assignment` — id = roleAssignmentId. */
export interface GoogleWorkspaceRoleAssignmentAttributes {
  roleId: string;
  roleName: string;
  isSuperAdminRole: boolean;
  assignedTo: string;
  assigneeType: 'USER' | 'GROUP';
  assigneeLogin: string | null;
  /** For a GROUP assignment: the user ids of its members (derived membership), `*` for the whole customer. */
  memberIds: string[] | null;
  scopeType: string;
  orgUnitId: string | null;
}

/** `google-workspace.customer` — one per tenant; id = customer id as configured (`my_customer` or `C0…`). */
export interface GoogleWorkspaceCustomerAttributes {
  userCount: number;
}

/**
 * `google-workspace.activity` — Reports API events read this run (applications `admin` and `login`), one resource per
 * activity; id = `<application>:<time>:<uniqueQualifier>`.
 */
export interface GoogleWorkspaceActivityAttributes {
  application: 'admin' | 'login';
  time: string;
  actor: string | null;
  events: Array<{ type: string | null; name: string; parameters: Record<string, string | boolean | string[]> }>;
  readAt: string;
}

/**
 * `google-workspace.org_unit` — every organisational unit, the root included (id = orgUnitId without its `id:` prefix),
 * from Directory `orgunits.list?type=all_including_parent`. Policies are set per OU and inherited down the tree.
 */
export interface GoogleWorkspaceOrgUnitAttributes {
  orgUnitPath: string;
  /** Null for the root (`/`). */
  parentOrgUnitId: string | null;
}

/**
 * `google-workspace.policy` — one Cloud Identity Policy API policy (id = `policies/…`): one setting bound to an OU (and
 * optionally a group). `settingType` drops the `settings/` prefix (`security.two_step_verification_enforcement`);
 * `value` is the setting's value exactly as sent. Where several policies of one type hit the same OU or group, the one
 * with the highest `sortOrder` wins (Google's default reducer).
 */
export interface GoogleWorkspacePolicyAttributes {
  settingType: string;
  value: Record<string, unknown>;
  /** OU id (without `orgUnits/`), or null when the policy names none (Google then means the root). */
  orgUnitId: string | null;
  /** Group id (without `groups/`) of a group-targeted policy; null for an OU-wide one. */
  groupId: string | null;
  sortOrder: number;
  /** ADMIN (set by an admin) or SYSTEM (Google's). */
  policyType: string;
}

export const GOOGLE_WORKSPACE_RESOURCE_TYPES = [
  'google-workspace.customer',
  'google-workspace.user',
  'google-workspace.admin_role_assignment',
  'google-workspace.activity',
  'google-workspace.org_unit',
  'google-workspace.policy',
] as const;
