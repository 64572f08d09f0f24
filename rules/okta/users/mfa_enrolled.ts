// okta.users.mfa_enrolled: every Okta user who can sign in has an active factor besides the password.
import { defineRule } from '../../../src/rules/define.js';
import { mfaOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaUserAttributes } from '../../../src/core/contracts/okta.js';

export default defineRule({
  id: 'okta.users.mfa_enrolled',
  title: 'Every active Okta user has a strong second factor enrolled',
  severity: 'high',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.user', 'okta.user.factors'],
  permissions: ['okta.users.read'],
  rationale:
    'A password alone is phished, guessed and reused; a second factor stops most account takeovers. SMS, voice and email factors fall to SIM swap and mailbox compromise, so accounts relying on them alone are flagged too.',
  remediation:
    'Require enrolment in an authenticator (Okta Verify, FIDO2/WebAuthn) through an authenticator enrolment policy, and remove SMS, voice and email as sole factors.',
  params: {
    failWeakOnly: { description: 'Fail users whose only active factors are SMS, voice, email or security question.', default: true },
  },
  evaluate(snapshot, { params }) {
    return mfaOutcomes(resourcesOfType<OktaUserAttributes>(snapshot, 'okta.user'), { failWeakOnly: params.failWeakOnly, factorWord: 'factor' });
  },
});
