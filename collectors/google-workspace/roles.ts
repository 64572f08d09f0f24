// Admin roles and role assignments, with assignments to groups expanded to the people in them (members.list, derived membership).
import { MalformedReplyError } from '../../src/core/failure.js';
import { bool, need, str, type ListShape } from './parse.js';

/** Google's system name for the super admin role. */
export const SUPER_ADMIN_ROLE = '_SEED_ADMIN_ROLE';

export type ListAll = (path: string, shape: ListShape, scopeUrl: string, operation: string) => Promise<Array<Record<string, unknown>>>;

export interface Assignment {
  roleAssignmentId: string; roleId: string; roleName: string; isSuperAdminRole: boolean;
  assignedTo: string; assigneeType: 'USER' | 'GROUP'; scopeType: string; orgUnitId: string | null;
}

export interface RoleRead {
  assignments: Assignment[];
  /** Role names held per user id, directly or through a group. */
  rolesByUser: Map<string, Set<string>>;
  /** Roles held by everyone in the customer (a group with the whole customer as a member). */
  everyone: Set<string>;
  /** Group members who hold a role but are not users of this customer (external accounts): admins nobody can judge here. */
  unjudged: Array<{ member: string; group: string; role: string }>;
  /** Group id → member user ids, for the assignment resources. */
  groupMembers: Map<string, string[]>;
}

const ROLES: ListShape = { kind: 'admin#directory#roles', field: 'items', mayBeEmpty: false };
// Every customer has at least one super admin assignment, so an empty assignments list is not a possible reply.
const ASSIGNMENTS: ListShape = { kind: 'admin#directory#roleAssignments', field: 'items', mayBeEmpty: false };
const MEMBERS: ListShape = { kind: 'admin#directory#members', field: 'members', mayBeEmpty: true };

export const roleName = (name: string) => (name === SUPER_ADMIN_ROLE ? 'Super Admin' : name);

export async function readRoles(listAll: ListAll, cust: string, scopes: { roles: string; groups: string }): Promise<RoleRead> {
  const rolesOp = 'admin.directory.roles.list';
  const roles = new Map<string, { name: string; isSuper: boolean }>();
  for (const r of await listAll(`/admin/directory/v1/customer/${cust}/roles?maxResults=100`, ROLES, scopes.roles, rolesOp)) {
    const { roleId, roleName: name } = need(r, ['roleId', 'roleName'], rolesOp, 'role');
    const isSuper = bool(r.isSuperAdminRole);
    if (isSuper === undefined) throw new MalformedReplyError(rolesOp, `role ${roleId} without isSuperAdminRole`);
    // The flag, not the system name, says super admin: whatever the role is called, its holders count as super admins.
    roles.set(roleId!, { name: isSuper ? 'Super Admin' : roleName(name!), isSuper });
  }
  const asgOp = 'admin.directory.roleAssignments.list';
  const assignments: Assignment[] = [];
  for (const a of await listAll(`/admin/directory/v1/customer/${cust}/roleassignments?maxResults=200`, ASSIGNMENTS, scopes.roles, asgOp)) {
    const f = need(a, ['roleAssignmentId', 'roleId', 'assignedTo', 'scopeType'], asgOp, 'role assignment') as Record<'roleAssignmentId' | 'roleId' | 'assignedTo' | 'scopeType', string>;
    // The reference documents USER or GROUP; older replies spelled them in lower case.
    const type = str(a.assigneeType)?.toUpperCase();
    if (type !== 'USER' && type !== 'GROUP') throw new MalformedReplyError(asgOp, `assignment ${f.roleAssignmentId} has assigneeType ${JSON.stringify(a.assigneeType)}`);
    const role = roles.get(f.roleId);
    if (!role) throw new MalformedReplyError(asgOp, `assignment ${f.roleAssignmentId} names role ${f.roleId}, absent from roles.list`);
    assignments.push({ ...f, roleName: role.name, isSuperAdminRole: role.isSuper, assigneeType: type, orgUnitId: str(a.orgUnitId) ?? null });
  }

  const out: RoleRead = { assignments, rolesByUser: new Map(), everyone: new Set(), unjudged: [], groupMembers: new Map() };
  const give = (userId: string, role: string) => out.rolesByUser.set(userId, (out.rolesByUser.get(userId) ?? new Set()).add(role));
  for (const a of assignments) {
    if (a.assigneeType === 'USER') { give(a.assignedTo, a.roleName); continue; }
    if (!out.groupMembers.has(a.assignedTo)) {
      const op = `admin.directory.members.list(${a.assignedTo})`;
      // Derived membership lists the people of nested groups too, so one read per assigned group is enough.
      const members = await listAll(`/admin/directory/v1/groups/${encodeURIComponent(a.assignedTo)}/members?includeDerivedMembership=true&maxResults=200`, MEMBERS, scopes.groups, op);
      const ids: string[] = [];
      for (const m of members) {
        const mtype = str(m.type);
        if (mtype === 'GROUP') continue;
        if (mtype === 'CUSTOMER') { ids.push('*'); continue; }
        if (mtype !== 'USER' && mtype !== 'EXTERNAL') throw new MalformedReplyError(op, `member of type ${JSON.stringify(m.type)}`);
        const id = str(m.id);
        if (!id) throw new MalformedReplyError(op, 'member without id');
        ids.push(mtype === 'EXTERNAL' ? `external:${str(m.email) ?? id}` : id);
      }
      out.groupMembers.set(a.assignedTo, ids);
    }
    for (const id of out.groupMembers.get(a.assignedTo)!) {
      if (id === '*') out.everyone.add(a.roleName);
      else if (id.startsWith('external:')) out.unjudged.push({ member: id.slice(9), group: a.assignedTo, role: a.roleName });
      else give(id, a.roleName);
    }
  }
  return out;
}
