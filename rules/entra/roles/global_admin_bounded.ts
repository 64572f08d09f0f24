// entra.roles.global_admin_bounded: Global Administrator has 2..N holders, all cloud-only accounts.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../identity/shared.js';
import { GLOBAL_ADMIN_TEMPLATE_ID, type EntraRoleAssignmentAttributes, type EntraTenantAttributes, type EntraUserAttributes } from '../../../collectors/entra/types.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'entra.roles.global_admin_bounded',
  title: 'Global Administrator is held by 2–4 cloud-only accounts',
  severity: 'high',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.user', 'entra.role_assignment'],
  permissions: ['RoleManagement.Read.Directory', 'User.Read.All'],
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
    const holders = resourcesOfType<EntraRoleAssignmentAttributes>(snapshot, 'entra.role_assignment')
      .filter((a) => a.attributes.roleTemplateId === GLOBAL_ADMIN_TEMPLATE_ID);
    const names = holders.map((h) => h.attributes.principalName).sort();
    const out: RuleOutcome[] = [];
    const n = holders.length;
    out.push(n < params.min || n > params.max
      ? { resourceId: t.id, status: 'fail', reason: `${n} Global Administrators (${names.join(', ') || 'none'}); expected ${params.min}–${params.max}`, details: { holders: names } }
      : { resourceId: t.id, status: 'pass', reason: `${n} Global Administrators (${names.join(', ')})`, details: { holders: names } });
    for (const h of holders) {
      const u = users.get(h.attributes.principalId);
      if (!u) continue;
      out.push(u.attributes.onPremisesSyncEnabled
        ? { resourceId: u.id, status: 'fail', reason: `Global Administrator ${u.attributes.login} is synced from on-premises` }
        : { resourceId: u.id, status: 'pass', reason: `Global Administrator ${u.attributes.login} is cloud-only` });
    }
    return out;
  },
});
