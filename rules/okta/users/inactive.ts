// okta.users.inactive: ACTIVE Okta users have signed in within N days.
import { defineRule } from '../../../src/rules/define.js';
import { inactiveOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaUserAttributes } from '../../../src/core/contracts/okta.js';

export default defineRule({
  id: 'okta.users.inactive',
  title: 'Active Okta users have signed in within the inactivity limit',
  severity: 'medium',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.user'],
  permissions: ['okta.users.read'],
  rationale:
    'Accounts nobody uses are not watched by anyone: they are how leavers keep access and how attackers go unnoticed. Disabling them after a fixed period is the usual SOC 2 control for CC6.2.',
  remediation:
    'Suspend or deactivate the account, or configure an Okta Workflows / user lifecycle automation that suspends users after the inactivity period.',
  params: {
    days: { description: 'Days since last sign-in after which an active account fails.', default: 90 },
    graceDays: { description: 'Days a never-used account may exist before it fails.', default: 30 },
  },
  evaluate(snapshot, { now, params }) {
    return inactiveOutcomes(resourcesOfType<OktaUserAttributes>(snapshot, 'okta.user'), now, params.days, params.graceDays);
  },
});
