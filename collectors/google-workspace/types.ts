// Normalized Google Workspace resources the collector produces and the google-workspace.* rules read.
import type { IdentityUserAttributes } from '../../rules/identity/types.js';

/**
 * `google-workspace.user` — id = Directory user id, name = primaryEmail. `mfaEnrolled` is `isEnrolledIn2Sv`; the
 * Directory API does not say which 2SV methods are enrolled, so `mfaMethods` is empty and `phishingResistant` null.
 * `isAdmin` is true for super admins and delegated admins; `adminRoles` names the roles.
 */
export interface GoogleWorkspaceUserAttributes extends IdentityUserAttributes {
  isEnrolledIn2Sv: boolean;
  isEnforcedIn2Sv: boolean;
  suspended: boolean;
  archived: boolean;
  isSuperAdmin: boolean;
  isDelegatedAdmin: boolean;
  orgUnitPath: string;
}

/** `google-workspace.admin_role_assignment` — id = roleAssignmentId. */
export interface GoogleWorkspaceRoleAssignmentAttributes {
  roleId: string;
  roleName: string;
  isSuperAdminRole: boolean;
  assignedTo: string;
  assigneeType: string;
  assigneeLogin: string | null;
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
