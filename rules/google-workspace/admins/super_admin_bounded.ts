// google-workspace.admins.super_admin_bounded: super admins number 2–4 and every admin has 2SV; all role holders are listed.
import { defineRule } from '../../../src/rules/define.js';
import { adminOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GoogleWorkspaceUserAttributes } from '../../../src/core/contracts/google-workspace.js';

export default defineRule({
  id: 'google-workspace.admins.super_admin_bounded',
  title: 'Google Workspace super admins number within bounds and every admin uses 2SV',
  severity: 'high',
  source: 'google-workspace',
  mode: 'snapshot',
  inputs: ['google-workspace.customer', 'google-workspace.user', 'google-workspace.admin_role_assignment'],
  permissions: [
    'https://www.googleapis.com/auth/admin.directory.user.readonly',
    'https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly',
    // Roles assigned to groups are expanded to their members.
    'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
  ],
  rationale:
    'Super admins can read every mailbox and change every setting. Too many widens the target; one is a lock-out risk. Admins without 2SV are the easiest way in. The details list every admin role holder for access review.',
  remediation: 'Keep 2–4 named super admins used only for administration, give others scoped admin roles, and require 2SV (security keys) for admins.',
  params: {
    minSuperAdmins: { description: 'Fewest super admins.', default: 2 },
    maxSuperAdmins: { description: 'Most super admins.', default: 4 },
  },
  evaluate(snapshot, { params }) {
    const customer = resourcesOfType(snapshot, 'google-workspace.customer')[0];
    if (!customer) return [];
    // The Directory API does not say which 2SV methods admins use, so phishing resistance is not judged here.
    return adminOutcomes(resourcesOfType<GoogleWorkspaceUserAttributes>(snapshot, 'google-workspace.user'), customer.id,
      (u) => u.attributes.adminRoles.includes('Super Admin'), { ...params, requirePhishingResistant: false });
  },
});
