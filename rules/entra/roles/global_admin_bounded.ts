// entra.roles.global_admin_bounded: Global Administrator has 2..N holders (direct, through groups, PIM-eligible), all cloud-only.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import { GLOBAL_ADMIN_TEMPLATE_ID, type EntraRoleAssignmentAttributes, type EntraTenantAttributes, type EntraUserAttributes } from '../../../src/core/contracts/entra.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'entra.roles.global_admin_bounded',
  title: 'Global Administrator is held by 2–4 cloud-only accounts',
  severity: 'high',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.user', 'entra.role_assignment'],
  permissions: ['RoleManagement.Read.Directory', 'GroupMember.Read.All', 'User.Read.All'],
  rationale: 'Every Global Administrator can change every control; fewer holders means a smaller target, but at least two avoid lock-out. Synced accounts let an on-premises compromise reach the cloud tenant.',
  remediation: 'Remove Global Administrator from people who need a narrower role, keep two cloud-only break-glass accounts, and assign the rest through PIM.',
  params: {
    min: { description: 'Fewest Global Administrators.', default: 2 },
    max: { description: 'Most Global Administrators.', default: 4 },
  },
  evaluate(snapshot, { params }) {
    const t = resourcesOfType<EntraTenantAttributes>(snapshot, 'entra.tenant')[0];
    if (!t) return [];
    const users = new Map(resourcesOfType<EntraUserAttributes>(snapshot, 'entra.user').map((u) => [u.id, u]));
    // Holders are people and apps: a role-assignable group is expanded by the collector into its transitive members,
    // and a PIM-eligible holder can activate the role at will, so both count.
    const grants = resourcesOfType<EntraRoleAssignmentAttributes>(snapshot, 'entra.role_assignment')
      .filter((a) => a.attributes.roleTemplateId === GLOBAL_ADMIN_TEMPLATE_ID && a.attributes.principalType !== 'group');
    const holders = new Map<string, { name: string; paths: string[] }>();
    for (const g of grants) {
      const a = g.attributes;
      const path = `${a.assignment}${a.viaGroupName ? ` via group ${a.viaGroupName}` : ''}`;
      const h = holders.get(a.principalId) ?? { name: a.principalName, paths: [] };
      if (!h.paths.includes(path)) h.paths.push(path);
      holders.set(a.principalId, h);
    }
    const named = [...holders.values()].map((h) => ({ name: h.name, how: h.paths.sort().join(', ') })).sort((x, y) => x.name.localeCompare(y.name));
    const names = named.map((h) => (h.how === 'active' ? h.name : `${h.name} (${h.how})`));
    const details = { holders: named, pimLicensed: t.attributes.pimLicensed };
    const out: RuleOutcome[] = [];
    const n = holders.size;
    out.push(n < params.min || n > params.max
      ? { resourceId: t.id, status: 'fail', reason: `${n} Global Administrators (${names.join(', ') || 'none'}); expected ${params.min}–${params.max}`, details }
      : { resourceId: t.id, status: 'pass', reason: `${n} Global Administrators (${names.join(', ')})`, details });
    for (const id of holders.keys()) {
      const u = users.get(id);
      if (!u) continue;
      out.push(u.attributes.onPremisesSyncEnabled
        ? { resourceId: u.id, status: 'fail', reason: `Global Administrator ${u.attributes.login} is synced from on-premises` }
        : { resourceId: u.id, status: 'pass', reason: `Global Administrator ${u.attributes.login} is cloud-only` });
    }
    return out;
  },
});
