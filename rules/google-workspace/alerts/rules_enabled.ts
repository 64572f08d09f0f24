// google-workspace.alerts.rules_enabled: the system-defined alert rules that flag account takeover and privilege grants
// are active (Cloud Identity Policy API `rule.system_defined_alerts` settings).
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GoogleWorkspacePolicyAttributes } from '../../../src/core/contracts/google-workspace.js';

export default defineRule({
  id: 'google-workspace.alerts.rules_enabled',
  title: 'Google Workspace system-defined alert rules for account takeover and admin grants are active',
  severity: 'medium',
  source: 'google-workspace',
  mode: 'snapshot',
  inputs: ['google-workspace.customer', 'google-workspace.policy'],
  permissions: ['https://www.googleapis.com/auth/cloud-identity.policies.readonly'],
  rationale:
    'Google raises these alerts from signals only it sees (state-backed phishing, leaked passwords, suspicious sign-ins, new admin grants); an alert rule switched off means those events reach nobody, so detection and response (CC7.2, CC7.3) rest on luck.',
  remediation: 'Admin console › Rules: filter on Type = System defined and set each listed rule to Active, with the security team as recipients.',
  params: {
    required: {
      description: 'Display names of the system-defined alert rules that must be active.',
      default: ['Government-backed attacks', 'Leaked password', 'Suspicious login', 'User granted Admin privilege'],
    },
  },
  evaluate(snapshot, { params }) {
    const customer = resourcesOfType(snapshot, 'google-workspace.customer')[0];
    if (!customer) return [];
    const alerts = resourcesOfType<GoogleWorkspacePolicyAttributes>(snapshot, 'google-workspace.policy')
      .filter((p) => p.attributes.settingType === 'rule.system_defined_alerts');
    const stateOf = new Map<string, unknown>();
    for (const a of alerts) if (typeof a.attributes.value.displayName === 'string') stateOf.set(a.attributes.value.displayName, a.attributes.value.state);
    const inactive = params.required.filter((n) => stateOf.has(n) && stateOf.get(n) !== 'ACTIVE');
    const missing = params.required.filter((n) => !stateOf.has(n));
    const details = { alerts: Object.fromEntries([...stateOf].sort(([x], [y]) => x.localeCompare(y))) };
    // Google keeps every system-defined rule (it can be turned off, not deleted): one not listed was not read.
    if (inactive.length) return [{ resourceId: customer.id, status: 'fail', reason: `system-defined alert rules not active: ${inactive.join(', ')}${missing.length ? `; not read: ${missing.join(', ')}` : ''}`, details }];
    if (missing.length) return [{ resourceId: customer.id, status: 'error', reason: `system-defined alert rules not read: ${missing.join(', ')}`, details }];
    return [{ resourceId: customer.id, status: 'pass', reason: `system-defined alert rules active: ${params.required.join(', ')}`, details }];
  },
});
