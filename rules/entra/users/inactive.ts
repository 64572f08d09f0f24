// entra.users.inactive: enabled Entra accounts have signed in within N days.
import { defineRule } from '../../../src/rules/define.js';
import { inactiveOutcomes, resourcesOfType } from '../../identity/shared.js';
import type { EntraUserAttributes } from '../../../collectors/entra/types.js';

export default defineRule({
  id: 'entra.users.inactive',
  title: 'Enabled Entra accounts have signed in within the inactivity limit',
  severity: 'medium',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.user', 'entra.user.sign_in_activity'],
  permissions: ['User.Read.All', 'AuditLog.Read.All', 'Entra ID P1 licence'],
  rationale: 'Unused accounts keep access nobody watches; disabling them after a fixed period is the usual CC6.2 control.',
  remediation: 'Disable or delete the account, or run a recurring access review of inactive users (Entra ID Governance).',
  params: {
    days: { description: 'Days since the last sign-in (interactive or not) after which an enabled account fails.', default: 90 },
    graceDays: { description: 'Days a never-used account may exist before it fails.', default: 30 },
  },
  evaluate(snapshot, { now, params }) {
    return inactiveOutcomes(resourcesOfType<EntraUserAttributes>(snapshot, 'entra.user'), now, params.days, params.graceDays);
  },
});
