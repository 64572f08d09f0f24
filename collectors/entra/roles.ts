// Who holds each directory role: permanent assignments, PIM active and eligible schedule instances, and the transitive
// members of every role-assignable group that holds a role (a group is never counted as one "administrator").
import type { Resource } from '../../src/core/types.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import { GraphApiError } from './client.js';
import {
  activeInstanceProblem, assignmentProblem, check, memberProblem, roleDefinitionProblem, type Obj, type RawAssignment, type RawMember, type RawRoleDefinition,
} from './parse.js';
import type { EntraRoleAssignmentAttributes } from '../../src/core/contracts/entra.js';

export interface RoleRead {
  resources: Resource[];
  /** Role names per user id, from every path (direct, group, eligible). */
  rolesByUser: Map<string, string[]>;
  /** False when Graph answered that the tenant has no P2 / ID Governance licence, so PIM (eligibility) cannot exist. */
  pimLicensed: boolean;
}

/** Graph's answer on PIM endpoints for a tenant without Entra ID P2 or ID Governance (HTTP 400). */
export const PIM_UNLICENSED = 'AadPremiumLicenseRequired';

type List = (path: string, operation: string) => Promise<unknown[]>;

export async function readRoles(list: List, tenant: string, at: () => string): Promise<RoleRead> {
  const defsRaw = await list('/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId', 'entra:ListRoleDefinitions');
  const defs = strict(check<RawRoleDefinition>(defsRaw, 'entra:ListRoleDefinitions', roleDefinitionProblem), 'entra:ListRoleDefinitions');
  const byId = new Map(defs.map((d) => [d.id, d]));

  const perm = strict(check<RawAssignment>(await list('/v1.0/roleManagement/directory/roleAssignments?$expand=principal', 'entra:ListRoleAssignments'),
    'entra:ListRoleAssignments', assignmentProblem), 'entra:ListRoleAssignments');
  let pimLicensed = true;
  const pim = async (path: string, operation: string, problem: (a: Obj) => string | null): Promise<RawAssignment[]> => {
    try {
      return strict(check<RawAssignment>(await list(path, operation), operation, problem), operation);
    } catch (e) {
      // PIM needs P2; without it no eligibility or time-bound activation can exist, and permanent ones are listed above.
      if (e instanceof GraphApiError && e.status === 400 && e.code === PIM_UNLICENSED) { pimLicensed = false; return []; }
      throw e;
    }
  };
  const active = await pim('/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal', 'entra:ListRoleAssignmentScheduleInstances', activeInstanceProblem);
  const eligible = pimLicensed ? await pim('/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal', 'entra:ListRoleEligibilityScheduleInstances', assignmentProblem) : [];

  // roleAssignments already lists activated PIM roles; its schedule instance says whether the grant is an activation
  // and when it ends, so it is folded into the grant rather than listed twice.
  const key = (a: RawAssignment) => `${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`;
  type Grant = { a: RawAssignment; kind: 'active' | 'eligible'; activated: boolean };
  const byKey = new Map<string, Grant>();
  const grants: Grant[] = [];
  for (const a of perm) {
    const g: Grant = { a, kind: 'active', activated: false };
    if (!byKey.has(key(a))) byKey.set(key(a), g);
    grants.push(g);
  }
  for (const a of active) {
    const activated = a.assignmentType === 'Activated';
    const known = byKey.get(key(a));
    if (known) { known.activated = activated; known.a = { ...known.a, endDateTime: a.endDateTime ?? null }; continue; }
    const g: Grant = { a, kind: 'active', activated };
    byKey.set(key(a), g);
    grants.push(g);
  }
  const seenEligible = new Set<string>();
  for (const a of eligible) if (!seenEligible.has(key(a))) { seenEligible.add(key(a)); grants.push({ a, kind: 'eligible', activated: false }); }

  const members = new Map<string, RawMember[]>();
  for (const { a } of grants) {
    if (typeOf(a.principal['@odata.type']) !== 'group' || members.has(a.principalId)) continue;
    const op = 'entra:ListGroupTransitiveMembers';
    const raw = await list(`/v1.0/groups/${encodeURIComponent(a.principalId)}/transitiveMembers?$select=id,userPrincipalName,displayName`, op);
    members.set(a.principalId, strict(check<RawMember>(raw, op, memberProblem), op));
  }

  const resources: Resource[] = [];
  const rolesByUser = new Map<string, string[]>();
  const now = at();
  const push = (id: string, attrs: EntraRoleAssignmentAttributes) => {
    if (attrs.principalType === 'user') rolesByUser.set(attrs.principalId, [...(rolesByUser.get(attrs.principalId) ?? []), attrs.roleName]);
    resources.push({ source: 'entra', scope: tenant, type: 'entra.role_assignment', id, name: `${attrs.principalName} ${attrs.roleName}${attrs.assignment === 'eligible' ? ' (eligible)' : ''}`, attributes: { ...attrs }, observedAt: now });
  };
  for (const { a, kind, activated } of grants) {
    const def = byId.get(a.roleDefinitionId);
    // An assignment naming a role that is not in the definitions list means the read is inconsistent: say so.
    if (!def) throw new MalformedReplyError('entra:ListRoleAssignments', `assignment ${a.id} names role definition ${a.roleDefinitionId}, which was not listed`);
    const base = {
      roleDefinitionId: a.roleDefinitionId, roleName: def.displayName, roleTemplateId: def.templateId, directoryScopeId: a.directoryScopeId,
      assignment: kind, endDateTime: a.endDateTime ?? null, activated,
    };
    const type = typeOf(a.principal['@odata.type']);
    push(a.id, { ...base, principalId: a.principalId, principalType: type, principalName: nameOf(a.principal), viaGroupId: null, viaGroupName: null });
    for (const m of members.get(a.principalId) ?? []) {
      const mt = typeOf(m['@odata.type']);
      if (mt === 'group') continue; // transitive: the nested group's own members are listed too
      push(`${a.id}/${m.id}`, { ...base, principalId: m.id, principalType: mt, principalName: nameOf(m), viaGroupId: a.principalId, viaGroupName: nameOf(a.principal) });
    }
  }
  return { resources, rolesByUser, pimLicensed };
}

/** A list with any incomplete item is unusable here: one unreadable holder changes every count and admin flag. */
function strict<T>(c: { ok: T[]; bad: Map<string, string> }, operation: string): T[] {
  const [first] = c.bad;
  if (first) throw new MalformedReplyError(operation, `item ${first[0]}: ${first[1]}${c.bad.size > 1 ? ` (and ${c.bad.size - 1} more)` : ''}`);
  return c.ok;
}

function typeOf(odataType: string): string {
  return odataType.replace('#microsoft.graph.', '');
}

function nameOf(p: { id: string; userPrincipalName?: string | null; displayName?: string | null }): string {
  return p.userPrincipalName?.toLowerCase() || p.displayName || p.id;
}
