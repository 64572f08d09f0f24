// entra.ca.legacy_auth_blocked: an enforced Conditional Access policy blocks legacy-authentication clients for everyone.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { EntraCaPolicyAttributes, EntraTenantAttributes } from '../../../src/core/contracts/entra.js';
import { allApps, allUsers, enforced } from '../../../src/rules/support/entra-ca.js';

export default defineRule({
  id: 'entra.ca.legacy_auth_blocked',
  title: 'Legacy authentication is blocked by Conditional Access',
  severity: 'high',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.ca_policy'],
  permissions: ['Policy.Read.All', 'Entra ID P1 licence'],
  rationale: 'Legacy protocols (IMAP, POP, SMTP AUTH, Exchange ActiveSync basic) cannot do MFA, so they bypass every MFA policy and are the main password-spray target.',
  remediation: 'Create a Conditional Access policy: Users = All, Target resources = All cloud apps, Client apps = Exchange ActiveSync + Other clients, Grant = Block; turn it On.',
  params: {},
  evaluate(snapshot) {
    const t = resourcesOfType<EntraTenantAttributes>(snapshot, 'entra.tenant')[0];
    if (!t) return [];
    if (t.attributes.securityDefaultsEnabled) return [{ resourceId: t.id, status: 'pass', reason: 'Security Defaults is enabled (legacy authentication blocked)' }];
    const blocking = resourcesOfType<EntraCaPolicyAttributes>(snapshot, 'entra.ca_policy').filter((p) => {
      const types = p.attributes.conditions.clientAppTypes ?? [];
      return enforced(p) && allUsers(p) && allApps(p) && (p.attributes.grantControls?.builtInControls ?? []).includes('block')
        && types.includes('exchangeActiveSync') && types.includes('other');
    });
    return blocking.length
      ? [{ resourceId: t.id, status: 'pass', reason: `legacy authentication blocked by "${blocking.map((p) => p.name).sort().join('", "')}"` }]
      : [{ resourceId: t.id, status: 'fail', reason: 'no enforced policy blocks Exchange ActiveSync and other legacy clients for all users and apps' }];
  },
});
