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

export const GOOGLE_WORKSPACE_RESOURCE_TYPES = [
  'google-workspace.customer',
  'google-workspace.user',
  'google-workspace.admin_role_assignment',
  'google-workspace.activity',
] as const;
