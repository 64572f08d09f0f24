// entra.policy.external_access_restricted: guest invitations and guest directory access are restricted, users cannot
// consent to apps on their own, and the admin consent workflow is on; the guest population is listed for review.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { EntraAuthorizationPolicyAttributes, EntraUserAttributes } from '../../../src/core/contracts/entra.js';

/** Guest role template ids (Graph authorizationPolicy): guests get the same access as members. */
const GUEST_AS_MEMBER = 'a0b1b346-4d3e-4e8b-98f8-753987be4970';
const GUEST_ROLE_NAMES: Record<string, string> = {
  [GUEST_AS_MEMBER]: 'same access as members',
  '10dae51f-b6af-4016-8d66-8c2a99b929b3': 'limited access (Guest User)',
  '2af84b1e-32c8-42b7-82bc-daa82404023b': 'restricted access (Restricted Guest User)',
};
/** The permission-grant policy that lets users consent to apps from verified publishers for low-risk permissions. */
const LOW_RISK_CONSENT = 'ManagePermissionGrantsForSelf.microsoft-user-default-low';

export default defineRule({
  id: 'entra.policy.external_access_restricted',
  title: 'Entra guest access, guest invitations and user consent to apps are restricted, with the admin consent workflow on',
  severity: 'medium',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.user', 'entra.authorization_policy'],
  permissions: ['Policy.Read.All', 'User.Read.All'],
  rationale:
    'Anyone who can invite guests or consent to an app can let an outside party into company data without review. Restricting invitations and guest directory access, and routing app consent through admins, keeps external access a deliberate, reviewable grant.',
  remediation:
    'Entra admin center › External Identities › External collaboration settings: guest user access "limited" or "restricted", guest invite restrictions "Only users assigned to specific admin roles" (or "No one"). Enterprise applications › Consent and permissions: "Do not allow user consent"; Admin consent settings: users can request admin consent, with reviewers.',
  params: {
    allowedInviteFrom: { description: 'allowInvitesFrom values that count as restricted.', default: ['none', 'adminsAndGuestInviters'] },
    allowLowRiskConsent: { description: 'Accept user consent limited to verified publishers and low-risk permissions (microsoft-user-default-low).', default: false },
  },
  evaluate(snapshot, { params }) {
    const t = resourcesOfType(snapshot, 'entra.tenant')[0];
    const p = resourcesOfType<EntraAuthorizationPolicyAttributes>(snapshot, 'entra.authorization_policy')[0];
    if (!t) return [];
    if (!p) return [{ resourceId: t.id, status: 'error', reason: 'no authorization policy was read (every tenant has one)' }];
    const a = p.attributes;
    const problems: string[] = [];
    if (!params.allowedInviteFrom.includes(a.allowInvitesFrom)) problems.push(`guest invitations allowed from "${a.allowInvitesFrom}"`);
    if (a.guestUserRoleId === GUEST_AS_MEMBER) problems.push('guests have the same directory access as members');
    else if (!GUEST_ROLE_NAMES[a.guestUserRoleId]) problems.push(`guest role ${a.guestUserRoleId} is not a known restricted guest role`);
    const consent = a.permissionGrantPoliciesAssigned.filter((g) => g.startsWith('ManagePermissionGrantsForSelf.') && !(params.allowLowRiskConsent && g === LOW_RISK_CONSENT));
    if (consent.length) problems.push(`users may consent to apps themselves (${consent.join(', ')})`);
    if (a.allowUserConsentForRiskyApps === true) problems.push('user consent to risky apps is allowed');
    if (!a.adminConsentWorkflowEnabled) problems.push('the admin consent request workflow is off');
    const guests = resourcesOfType<EntraUserAttributes>(snapshot, 'entra.user').filter((u) => u.attributes.userType === 'Guest')
      .map((u) => ({ login: u.attributes.login, enabled: u.attributes.active, lastLogin: u.attributes.lastLogin }))
      .sort((x, y) => x.login.localeCompare(y.login));
    const details = {
      allowInvitesFrom: a.allowInvitesFrom, guestAccess: GUEST_ROLE_NAMES[a.guestUserRoleId] ?? a.guestUserRoleId, permissionGrantPoliciesAssigned: a.permissionGrantPoliciesAssigned,
      adminConsentWorkflowEnabled: a.adminConsentWorkflowEnabled, adminConsentReviewers: a.adminConsentReviewers, guests,
    };
    const population = `${guests.length} guest account${guests.length === 1 ? '' : 's'} listed for review`;
    return problems.length
      ? [{ resourceId: t.id, status: 'fail', reason: `${problems.join('; ')}; ${population}`, details }]
      : [{ resourceId: t.id, status: 'pass', reason: `guest invitations from "${a.allowInvitesFrom}", guests have ${GUEST_ROLE_NAMES[a.guestUserRoleId]}, no user consent to apps, admin consent workflow on; ${population}`, details }];
  },
});
