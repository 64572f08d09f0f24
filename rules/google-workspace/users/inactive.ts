// google-workspace.users.inactive: active Google Workspace accounts have signed in within N days.
import { defineRule } from '../../../src/rules/define.js';
import { inactiveOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GoogleWorkspaceUserAttributes } from '../../../src/core/contracts/google-workspace.js';

export default defineRule({
  id: 'google-workspace.users.inactive',
  title: 'Active Google Workspace accounts have signed in within the inactivity limit',
  severity: 'medium',
  source: 'google-workspace',
  mode: 'snapshot',
  inputs: ['google-workspace.user'],
  permissions: ['https://www.googleapis.com/auth/admin.directory.user.readonly'],
  rationale: 'Unused accounts keep access nobody watches; suspending them after a fixed period is the usual CC6.2 control.',
  remediation: 'Suspend or delete the account (transfer its data first), and review inactive accounts on a schedule.',
  params: {
    days: { description: 'Days since lastLoginTime after which an active account fails.', default: 90 },
    graceDays: { description: 'Days a never-used account may exist before it fails.', default: 30 },
  },
  evaluate(snapshot, { now, params }) {
    return inactiveOutcomes(resourcesOfType<GoogleWorkspaceUserAttributes>(snapshot, 'google-workspace.user'), now, params.days, params.graceDays);
  },
});
