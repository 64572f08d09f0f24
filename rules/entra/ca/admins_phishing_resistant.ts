// entra.ca.admins_phishing_resistant: privileged roles must satisfy the phishing-resistant authentication strength.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import { GLOBAL_ADMIN_TEMPLATE_ID, PHISHING_RESISTANT_STRENGTH_ID, type EntraCaPolicyAttributes, type EntraTenantAttributes } from '../../../src/core/contracts/entra.js';
import { allApps, enforced } from '../../../src/rules/support/entra-ca.js';

export default defineRule({
  id: 'entra.ca.admins_phishing_resistant',
  title: 'Privileged Entra roles must use phishing-resistant MFA',
  severity: 'high',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.ca_policy'],
  permissions: ['Policy.Read.All', 'Entra ID P1 licence'],
  rationale: 'Push and OTP factors are phished by adversary-in-the-middle kits; for accounts that can change every control, only origin-bound methods (FIDO2, Windows Hello, certificates) hold.',
  remediation: 'Create a Conditional Access policy targeting the privileged directory roles, all cloud apps, with Grant = Require authentication strength "Phishing-resistant MFA"; turn it On.',
  params: {
    roleTemplateIds: { description: 'Role template ids that must be covered.', default: [GLOBAL_ADMIN_TEMPLATE_ID] as string[] },
  },
  evaluate(snapshot, { params }) {
    const t = resourcesOfType<EntraTenantAttributes>(snapshot, 'entra.tenant')[0];
    if (!t) return [];
    const covering = resourcesOfType<EntraCaPolicyAttributes>(snapshot, 'entra.ca_policy').filter((p) => enforced(p) && allApps(p)
      && p.attributes.grantControls?.authenticationStrength?.id === PHISHING_RESISTANT_STRENGTH_ID);
    const covered = (role: string) => covering.some((p) => {
      const u = p.attributes.conditions.users ?? {};
      return ((u.includeRoles ?? []).includes(role) || (u.includeUsers ?? []).includes('All')) && !(u.excludeRoles ?? []).includes(role);
    });
    const missing = params.roleTemplateIds.filter((r) => !covered(r));
    return missing.length
      ? [{ resourceId: t.id, status: 'fail', reason: `no enforced phishing-resistant policy covers role template ${missing.join(', ')}` }]
      : [{ resourceId: t.id, status: 'pass', reason: `phishing-resistant MFA required by "${covering.map((p) => p.name).sort().join('", "')}"` }];
  },
});
