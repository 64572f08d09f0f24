// entra.ca.mfa_required_all_users: an enforced Conditional Access policy requires MFA for all users and apps, or Security Defaults is on.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { EntraCaPolicyAttributes, EntraTenantAttributes } from '../../../src/core/contracts/entra.js';
import { allApps, allUsers, enforced, exclusions, requiresMfa } from '../../../src/rules/support/entra-ca.js';

export default defineRule({
  id: 'entra.ca.mfa_required_all_users',
  title: 'Conditional Access requires MFA for all users and all cloud apps',
  severity: 'critical',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.ca_policy'],
  permissions: ['Policy.Read.All', 'Entra ID P1 licence'],
  rationale:
    'Registered methods protect nothing unless sign-in demands them. One enforced policy over all users and apps, with only documented break-glass exclusions, is the control auditors look for (or Security Defaults on tenants without P1).',
  remediation:
    'Create a Conditional Access policy: Users = All (exclude only break-glass accounts), Target resources = All cloud apps, Grant = Require MFA or an authentication strength; switch it from report-only to On.',
  params: {
    allowedExclusions: { description: 'Object ids of break-glass users or groups that may be excluded.', default: [] as string[] },
  },
  evaluate(snapshot, { params }) {
    const t = resourcesOfType<EntraTenantAttributes>(snapshot, 'entra.tenant')[0];
    if (!t) return [];
    if (t.attributes.securityDefaultsEnabled) return [{ resourceId: t.id, status: 'pass', reason: 'Security Defaults is enabled (MFA registration and prompts for all users)' }];
    const policies = resourcesOfType<EntraCaPolicyAttributes>(snapshot, 'entra.ca_policy');
    const candidates = policies.filter((p) => allUsers(p) && allApps(p) && requiresMfa(p));
    const good = candidates.filter((p) => enforced(p) && exclusions(p).every((x) => params.allowedExclusions.includes(x)));
    if (good.length) return [{ resourceId: t.id, status: 'pass', reason: `enforced by "${good.map((p) => p.name).sort().join('", "')}"`, details: { policies: good.map((p) => p.id) } }];
    const why = candidates.length
      ? candidates.map((p) => `"${p.name}" is ${enforced(p) ? `on but excludes ${exclusions(p).filter((x) => !params.allowedExclusions.includes(x)).join(', ')}` : p.attributes.state}`).sort().join('; ')
      : 'no policy covers all users and all apps with an MFA grant';
    return [{ resourceId: t.id, status: 'fail', reason: `MFA is not required for everyone: ${why}; Security Defaults is off` }];
  },
});
