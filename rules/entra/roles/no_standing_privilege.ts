// entra.roles.no_standing_privilege: privileged directory roles are held through PIM (eligible or time-bound), not as
// standing assignments, and activating the roles named in `approvalRoles` (Global Administrator by default) needs approval.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import {
  GLOBAL_ADMIN_TEMPLATE_ID, type EntraRoleAssignmentAttributes, type EntraRolePolicyAttributes, type EntraUserAttributes,
} from '../../../src/core/contracts/entra.js';
import type { RuleOutcome } from '../../../src/core/types.js';

/** Highly privileged built-in roles (template ids), after CISA ScubaGear MS.AAD.7 and Microsoft's privileged-role list. */
export const PRIVILEGED_ROLE_TEMPLATES = [
  GLOBAL_ADMIN_TEMPLATE_ID,
  'e8611ab8-c189-46e8-94e1-60213ab1f814', // Privileged Role Administrator
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', // Privileged Authentication Administrator
  '194ae4cb-b126-40b2-bd5b-6091b380977d', // Security Administrator
  'fe930be7-5e62-47db-91af-98c3a49a38b1', // User Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', // Hybrid Identity Administrator
  '29232cdf-9323-42fd-ade2-1d097af3e4de', // Exchange Administrator
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', // SharePoint Administrator
];

export default defineRule({
  id: 'entra.roles.no_standing_privilege',
  title: 'Privileged Entra roles are PIM-eligible, not standing, and Global Administrator activation needs approval',
  severity: 'medium',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.user', 'entra.role_assignment', 'entra.role_policy'],
  permissions: ['RoleManagement.Read.Directory', 'GroupMember.Read.All', 'User.Read.All', 'Entra ID P2 or ID Governance licence'],
  rationale:
    'A standing privileged assignment is an always-on target: a stolen session or token of its holder is a tenant takeover. With PIM the role is held only for an approved, logged, time-bound activation, which also gives the privileged access review its population.',
  remediation:
    'In PIM (Microsoft Entra roles › Roles), convert permanent active assignments of privileged roles to eligible ones (keep only the documented break-glass accounts permanent), and in the Global Administrator role settings require approval to activate and disallow permanent active assignment.',
  params: {
    privilegedRoles: { description: 'Role template ids that must not be held standing.', default: PRIVILEGED_ROLE_TEMPLATES },
    approvalRoles: { description: 'Role template ids whose activation must require approval.', default: [GLOBAL_ADMIN_TEMPLATE_ID] },
    allowedStanding: { description: 'Object ids or user principal names of break-glass accounts allowed a permanent assignment.', default: [] as string[] },
  },
  evaluate(snapshot, { params }) {
    const privileged = new Set(params.privilegedRoles.map((r) => r.toLowerCase()));
    const allowed = new Set(params.allowedStanding.map((r) => r.toLowerCase()));
    const users = new Map(resourcesOfType<EntraUserAttributes>(snapshot, 'entra.user').map((u) => [u.id, u]));
    const out: RuleOutcome[] = [];
    // A grant held through a group is judged on the group's own assignment; its members' rows are the same grant.
    const grants = resourcesOfType<EntraRoleAssignmentAttributes>(snapshot, 'entra.role_assignment')
      .filter((g) => g.attributes.assignment === 'active' && g.attributes.viaGroupId === null && privileged.has(g.attributes.roleTemplateId.toLowerCase()));
    for (const g of grants) {
      const a = g.attributes;
      const who = `${a.principalType} ${a.principalName}`;
      if (a.principalType === 'servicePrincipal') {
        // An application cannot activate a PIM role; its standing grant is listed for review, not judged here.
        continue;
      }
      if (a.activated || a.endDateTime !== null) {
        out.push({ resourceId: g.id, status: 'pass', reason: `${who} holds ${a.roleName} ${a.activated ? 'through a PIM activation' : 'time-bound'} until ${a.endDateTime ?? 'the activation ends'}` });
        continue;
      }
      const upn = users.get(a.principalId)?.attributes.login ?? a.principalName;
      if (allowed.has(a.principalId.toLowerCase()) || allowed.has(upn.toLowerCase())) {
        out.push({ resourceId: g.id, status: 'pass', reason: `${who} holds ${a.roleName} standing as a declared break-glass account` });
        continue;
      }
      out.push({ resourceId: g.id, status: 'fail', reason: `${who} holds ${a.roleName} as a standing (permanent active) assignment; make it PIM-eligible` });
    }
    const policies = resourcesOfType<EntraRolePolicyAttributes>(snapshot, 'entra.role_policy');
    for (const role of params.approvalRoles) {
      const p = policies.find((x) => x.attributes.roleDefinitionId.toLowerCase() === role.toLowerCase());
      // Graph lists a policy for every directory role: one missing means the read lost it, so the verdict cannot stand.
      if (!p) { out.push({ resourceId: `role-policy:${role}`, status: 'error', reason: `no PIM role management policy was read for role ${role}` }); continue; }
      const name = role === GLOBAL_ADMIN_TEMPLATE_ID ? 'Global Administrator' : role;
      const details = { approvers: p.attributes.approvers, permanentActiveAllowed: p.attributes.permanentActiveAllowed, activationMaxDuration: p.attributes.activationMaxDuration };
      out.push(p.attributes.approvalRequired
        ? { resourceId: p.id, status: 'pass', reason: `activating ${name} requires approval (${p.attributes.approvers || 'default'} approver${p.attributes.approvers === 1 ? '' : 's'})`, details }
        : { resourceId: p.id, status: 'fail', reason: `activating ${name} does not require approval`, details });
    }
    return out;
  },
});
