// okta.admins.inventory_bounded: super admins are few, and every admin uses MFA (phishing-resistant when required).
import { defineRule } from '../../../src/rules/define.js';
import { adminOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaUserAttributes } from '../../../src/core/contracts/okta.js';

export default defineRule({
  id: 'okta.admins.inventory_bounded',
  title: 'Okta super admins number within bounds and every admin uses phishing-resistant MFA',
  severity: 'high',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.org', 'okta.user', 'okta.user.factors', 'okta.admin_role'],
  permissions: ['okta.users.read', 'okta.roles.read'],
  rationale:
    'Admin roles can change every other control. Too many super admins widens the blast radius; a single one is a lock-out risk. Admins are the prime phishing target, so their factors must resist phishing. The details list every admin and role for access review.',
  remediation:
    'Reduce SUPER_ADMIN holders to 2–4 named people, give others narrower admin roles, and require FIDO2/WebAuthn or Okta FastPass for admins.',
  params: {
    minSuperAdmins: { description: 'Fewest super admins (break-glass redundancy).', default: 2 },
    maxSuperAdmins: { description: 'Most super admins.', default: 4 },
    requirePhishingResistant: { description: 'Fail admins without a phishing-resistant factor.', default: true },
  },
  evaluate(snapshot, { params }) {
    const org = resourcesOfType(snapshot, 'okta.org')[0];
    if (!org) return [];
    return adminOutcomes(resourcesOfType<OktaUserAttributes>(snapshot, 'okta.user'), org.id, (u) => u.attributes.adminRoles.includes('SUPER_ADMIN'), params);
  },
});
