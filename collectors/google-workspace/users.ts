// Google Workspace users and admin role assignments as resources, from the Directory reads, with the errors that keep
// an incompletely read user or an unjudgeable role holder from passing.
import type { CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import type { GoogleWorkspaceCustomerAttributes, GoogleWorkspaceRoleAssignmentAttributes, GoogleWorkspaceUserAttributes } from '../../src/core/contracts/google-workspace.js';
import { GOOGLE_WORKSPACE_SCOPES } from './config.js';
import type { ParsedUser } from './parse.js';
import type { RoleRead } from './roles.js';

/** Directory's lastLoginTime for a user who never signed in. */
const NEVER = '1970-01-01T00:00:00.000Z';

/** The permission each read needs and the inputs its failure leaves incomplete. */
export const PERMS = {
  users: { permission: `${GOOGLE_WORKSPACE_SCOPES.users} (admin privilege Users › Read)`, inputs: ['google-workspace.customer', 'google-workspace.user'] },
  roles: { permission: `${GOOGLE_WORKSPACE_SCOPES.roles} (admin privilege Admin roles › Read)`, inputs: ['google-workspace.admin_role_assignment'] },
  groups: { permission: `${GOOGLE_WORKSPACE_SCOPES.groups} (admin privilege Groups › Read)`, inputs: ['google-workspace.admin_role_assignment'] },
  reports: { permission: `${GOOGLE_WORKSPACE_SCOPES.reports} (admin privilege Reports)`, inputs: ['google-workspace.activity'] },
};

/** The `google-workspace.user`, `.customer` and (when roles were read) `.admin_role_assignment` resources, observed `at`. */
export function pushUsers(out: { resources: Resource[]; errors: CollectionError[]; inputs: Snapshot['inputs'] }, scope: string, users: ParsedUser[], roles: RoleRead | null, at: string): void {
  const loginOf = new Map(users.map((u) => [u.id, u.primaryEmail.toLowerCase()]));
  for (const u of users) {
    const login = u.primaryEmail.toLowerCase();
    const roleSet = new Set([...(u.isAdmin ? ['Super Admin'] : []), ...(roles?.rolesByUser.get(u.id) ?? []), ...(roles?.everyone ?? [])]);
    const adminRoles = [...roleSet].sort();
    const attrs: GoogleWorkspaceUserAttributes = {
      email: login, login, displayName: u.fullName ?? login,
      status: u.archived ? 'archived' : u.suspended ? 'suspended' : u.suspended === false && u.archived === false ? 'active' : 'unknown',
      // Unknown suspension is judged as active; the per-resource error below keeps any such verdict from being a pass.
      active: u.suspended !== true && u.archived !== true,
      isAdmin: u.isAdmin === true || u.isDelegatedAdmin === true || adminRoles.length > 0, adminRoles,
      mfaEnrolled: u.isEnrolledIn2Sv ?? null, mfaMethods: [], phishingResistant: null,
      lastLogin: u.lastLoginTime === undefined || u.lastLoginTime === NEVER ? null : u.lastLoginTime, lastLoginKnown: u.lastLoginTime !== undefined,
      created: u.creationTime ?? null, statusChanged: null,
      isEnrolledIn2Sv: u.isEnrolledIn2Sv ?? null, isEnforcedIn2Sv: u.isEnforcedIn2Sv ?? null, suspended: u.suspended ?? null, archived: u.archived ?? null,
      isSuperAdmin: u.isAdmin ?? null, isDelegatedAdmin: u.isDelegatedAdmin ?? null, orgUnitPath: u.orgUnitPath ?? null,
    };
    out.resources.push({ source: 'google-workspace', scope, type: 'google-workspace.user', id: u.id, name: login, attributes: { ...attrs }, observedAt: at });
    if (u.missing.length > 0) {
      // Without isAdmin the super-admin count of the customer is unknown too; so it is when an admin's suspension
      // is unknown, since the count takes only active admins and this one was counted as active.
      const adminUnknown = u.missing.includes('isAdmin') || u.missing.includes('isDelegatedAdmin')
        || (adminRoles.length > 0 && (u.missing.includes('suspended') || u.missing.includes('archived')));
      out.errors.push({
        operation: 'admin.directory.users.list', code: 'MISSING_FIELDS', cause: 'incomplete', retryable: true,
        message: `user ${u.id} without ${u.missing.join(', ')}`, permission: PERMS.users.permission,
        inputs: ['google-workspace.user'], resources: adminUnknown ? [u.id, scope] : [u.id],
      });
    }
  }
  const c: GoogleWorkspaceCustomerAttributes = { userCount: users.length };
  out.resources.push({ source: 'google-workspace', scope, type: 'google-workspace.customer', id: scope, name: scope, attributes: { ...c }, observedAt: at });
  out.inputs['google-workspace.user'] = { observedAt: at };
  out.inputs['google-workspace.customer'] = { observedAt: at };
  if (roles) {
    for (const a of roles.assignments) {
      const memberIds = a.assigneeType === 'GROUP' ? roles.groupMembers.get(a.assignedTo) ?? null : null;
      const attrs: GoogleWorkspaceRoleAssignmentAttributes = {
        roleId: a.roleId, roleName: a.roleName, isSuperAdminRole: a.isSuperAdminRole, assignedTo: a.assignedTo, assigneeType: a.assigneeType,
        assigneeLogin: loginOf.get(a.assignedTo) ?? null, memberIds, scopeType: a.scopeType, orgUnitId: a.orgUnitId,
      };
      out.resources.push({ source: 'google-workspace', scope, type: 'google-workspace.admin_role_assignment', id: a.roleAssignmentId, name: `${attrs.assigneeLogin ?? a.assignedTo} ${attrs.roleName}`, attributes: { ...attrs }, observedAt: at });
    }
    // Role holders who are not users of this customer (external members, or ids users.list did not return) cannot be judged.
    const strangers = [
      ...roles.unjudged.map((x) => `${x.member} (${x.role} via group ${x.group})`),
      ...[...roles.rolesByUser].filter(([id]) => !loginOf.has(id)).map(([id, r]) => `${id} (${[...r].join(', ')})`),
    ];
    if (strangers.length > 0) {
      out.errors.push({
        operation: 'admin.directory.roleAssignments.list', code: 'UNJUDGED_ROLE_HOLDERS', cause: 'incomplete', retryable: false,
        message: `admin role holders not among this customer's users: ${strangers.join('; ')}`, permission: PERMS.roles.permission,
        inputs: ['google-workspace.admin_role_assignment'], resources: [scope],
      });
    }
    out.inputs['google-workspace.admin_role_assignment'] = { observedAt: at };
  }
}
