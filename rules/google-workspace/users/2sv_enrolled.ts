// google-workspace.users.2sv_enrolled: every active Google Workspace user is enrolled in 2-Step Verification.
import { defineRule } from '../../../src/rules/define.js';
import { mfaOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GoogleWorkspaceUserAttributes } from '../../../src/core/contracts/google-workspace.js';

export default defineRule({
  id: 'google-workspace.users.2sv_enrolled',
  title: 'Every active Google Workspace user is enrolled in 2-Step Verification',
  severity: 'high',
  source: 'google-workspace',
  mode: 'snapshot',
  inputs: ['google-workspace.user'],
  permissions: ['https://www.googleapis.com/auth/admin.directory.user.readonly'],
  rationale:
    'A Google account is the key to mail, documents and every app signed into with Google; a password alone falls to phishing and reuse. Enforcement without enrolment leaves users locked out or, within the grace period, unprotected.',
  remediation:
    'Admin console › Security › 2-Step Verification: enforce it for every organisational unit with a short new-user enrolment period, and follow up users not yet enrolled.',
  params: {},
  evaluate(snapshot) {
    const users = resourcesOfType<GoogleWorkspaceUserAttributes>(snapshot, 'google-workspace.user');
    const enforced = new Map(users.map((u) => [u.id, u.attributes.isEnforcedIn2Sv]));
    return mfaOutcomes(users, { failWeakOnly: false, factorWord: '2SV' }).map((o) => ({
      // null when the reply did not say: never reported as "not enforced".
      ...o, details: { ...o.details, enforced: enforced.get(o.resourceId) ?? null },
    }));
  },
});
