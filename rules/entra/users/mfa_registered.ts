// entra.users.mfa_registered: every enabled member (and every admin) has registered MFA; admins a phishing-resistant method.
import { defineRule } from '../../../src/rules/define.js';
import { mfaOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { EntraUserAttributes } from '../../../src/core/contracts/entra.js';

export default defineRule({
  id: 'entra.users.mfa_registered',
  title: 'Every enabled Entra member has MFA registered, admins a phishing-resistant method',
  severity: 'high',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.user', 'entra.user.mfa_registration', 'entra.role_assignment'],
  permissions: ['User.Read.All', 'AuditLog.Read.All', 'RoleManagement.Read.Directory', 'Entra ID P1 licence'],
  rationale:
    'Conditional Access can only demand MFA from users who registered a method; unregistered users are either blocked or, worse, prompted to register by whoever holds their password. Admins are the prime phishing target.',
  remediation:
    'Run an Authentication methods registration campaign (Microsoft Authenticator, FIDO2), require registration through Conditional Access, and give admins FIDO2 keys or Windows Hello for Business.',
  params: {
    includeGuests: { description: 'Also judge guest accounts (their MFA is often enforced by their home tenant).', default: false },
    failWeakOnly: { description: 'Fail users whose only methods are SMS, voice or email.', default: true },
    adminsPhishingResistant: { description: 'Fail admins without FIDO2, passkey, Windows Hello or certificate.', default: true },
  },
  evaluate(snapshot, { params }) {
    const users = resourcesOfType<EntraUserAttributes>(snapshot, 'entra.user').filter((u) => params.includeGuests || u.attributes.userType !== 'Guest');
    const out = mfaOutcomes(users, { failWeakOnly: params.failWeakOnly });
    if (!params.adminsPhishingResistant) return out;
    const byId = new Map(users.map((u) => [u.id, u.attributes]));
    return out.map((o) => {
      const a = byId.get(o.resourceId);
      if (o.status !== 'pass' || !a?.isAdmin || a.phishingResistant === true) return o;
      // Enrolment known but methods not: the requirement cannot be judged, so the admin is error, not pass.
      if (a.phishingResistant === null) return { ...o, status: 'error' as const, reason: `admin ${a.login} (${a.adminRoles.join(', ')}): whether a phishing-resistant method is registered could not be read` };
      return { ...o, status: 'fail' as const, reason: `admin ${a.login} (${a.adminRoles.join(', ')}) has no phishing-resistant method (${a.mfaMethods.join(', ')})` };
    });
  },
});
