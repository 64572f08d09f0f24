// Normalized Microsoft Entra ID resources the collector produces and the entra.* rules read.
import type { IdentityUserAttributes } from '../../rules/identity/types.js';

/**
 * `entra.user` — id = object id, name = userPrincipalName. `lastLoginKnown` is false when signInActivity could not be
 * read (no Entra ID P1, or no AuditLog.Read.All); `mfaEnrolled` is null when userRegistrationDetails could not be read.
 */
export interface EntraUserAttributes extends IdentityUserAttributes {
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
  principalType: string;
  principalName: string;
  directoryScopeId: string;
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

/** `entra.tenant` — one per tenant: security defaults and collection facts. id = tenant id. */
export interface EntraTenantAttributes {
  securityDefaultsEnabled: boolean | null;
  userCount: number;
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
] as const;

/** Global Administrator role template id. */
export const GLOBAL_ADMIN_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
/** Built-in "Phishing-resistant MFA" authentication strength id. */
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';
