// google-workspace.policy.2sv_enforced: 2-Step Verification is enforced in every org unit without SMS or voice codes,
// with a bounded enrolment grace period, and admins are held to security keys (Cloud Identity Policy API settings).
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import { durationSeconds, orgUnitOutcomes, policyTree, type Effective, type Finding } from '../../../src/rules/support/gws-policy.js';
import type { GoogleWorkspaceUserAttributes } from '../../../src/core/contracts/google-workspace.js';
import type { RuleOutcome } from '../../../src/core/types.js';

const ENFORCEMENT = 'security.two_step_verification_enforcement';
const FACTOR = 'security.two_step_verification_enforcement_factor';
const GRACE = 'security.two_step_verification_grace_period';
/** Google's documented default ("Default field values", Policy API concepts): every 2SV method allowed. */
const DEFAULTS = { [FACTOR]: { allowedSignInFactorSet: 'ALL' } };
/** allowedSignInFactorSet values: ALL (SMS and voice too), NO_TELEPHONY (any but SMS/voice), PASSKEY_ONLY (security keys). */
const FACTOR_SETS = new Set(['ALL', 'NO_TELEPHONY', 'PASSKEY_ONLY']);

function check(now: Date, maxGraceDays: number) {
  return (type: string, e: Effective): Finding => {
    const v = e.value;
    if (v === null) return { unknown: `no ${type} setting was read for this OU or its parents` };
    if (type === ENFORCEMENT) {
      // Turning enforcement off leaves a policy without enforcedFrom: not enforced, never assumed to be.
      const from = v.enforcedFrom;
      if (from === undefined || from === null) return { weak: '2-Step Verification is not enforced' };
      if (typeof from !== 'string' || Number.isNaN(Date.parse(from))) return { unknown: `enforcedFrom ${JSON.stringify(from)} is not a time` };
      return Date.parse(from) > now.getTime() ? { weak: `2-Step Verification is enforced only from ${from}` } : {};
    }
    if (type === FACTOR) {
      const set = v.allowedSignInFactorSet;
      if (typeof set !== 'string' || !FACTOR_SETS.has(set)) return { unknown: `allowedSignInFactorSet ${JSON.stringify(set)} is not a known value` };
      return set === 'ALL' ? { weak: 'SMS and voice codes are allowed as the second step' } : {};
    }
    const s = durationSeconds(v.enrollmentGracePeriod);
    if (s === null) return { unknown: `enrollmentGracePeriod ${JSON.stringify(v.enrollmentGracePeriod)} is not a duration` };
    return s > maxGraceDays * 86_400 ? { weak: `new users may sign in without 2SV for ${Math.round(s / 86_400)} days (limit ${maxGraceDays})` } : {};
  };
}

export default defineRule({
  id: 'google-workspace.policy.2sv_enforced',
  title: 'Google Workspace enforces 2-Step Verification in every org unit, without SMS or voice, and admins use security keys',
  severity: 'high',
  source: 'google-workspace',
  mode: 'snapshot',
  inputs: ['google-workspace.user', 'google-workspace.org_unit', 'google-workspace.policy'],
  permissions: [
    'https://www.googleapis.com/auth/cloud-identity.policies.readonly',
    'https://www.googleapis.com/auth/admin.directory.orgunit.readonly',
    'https://www.googleapis.com/auth/admin.directory.user.readonly',
  ],
  rationale:
    'Enrolment is optional until it is enforced: an OU left out, a long grace period or SMS codes (phishable, SIM-swappable) leave accounts a password away from takeover. Admin accounts change every control, so they need phishing-resistant security keys.',
  remediation:
    'Admin console › Security › Authentication › 2-Step Verification: for the top OU turn Enforcement on, set the new-user enrolment period to 1 week or less, and set Methods to "Any except verification codes via text, phone call"; for the OU or group holding admins set Methods to "Only security key". Remove any child-OU or group override that weakens it.',
  params: {
    maxGraceDays: { description: 'Longest new-user enrolment period, in days.', default: 7 },
  },
  evaluate(snapshot, { now, params }) {
    const tree = policyTree(snapshot, DEFAULTS);
    if (tree.orgUnits.length === 0) return [];
    const out: RuleOutcome[] = orgUnitOutcomes(tree, [ENFORCEMENT, FACTOR, GRACE], check(now, params.maxGraceDays),
      '2-Step Verification enforced without SMS or voice, enrolment period within bounds');
    // Admins: the factor set in force in their OU must be security keys only.
    for (const u of resourcesOfType<GoogleWorkspaceUserAttributes>(snapshot, 'google-workspace.user')) {
      const a = u.attributes;
      if (!a.active || !a.isAdmin) continue;
      const ou = a.orgUnitPath === null ? undefined : tree.byPath(a.orgUnitPath);
      if (!ou) { out.push({ resourceId: u.id, status: 'error', reason: `admin ${a.login} is in org unit ${a.orgUnitPath ?? '(not read)'}, which was not listed` }); continue; }
      const set = tree.effective(ou.id, FACTOR).value?.allowedSignInFactorSet;
      out.push(set === 'PASSKEY_ONLY'
        ? { resourceId: u.id, status: 'pass', reason: `admin ${a.login} (${a.orgUnitPath}) can only use security keys for 2SV` }
        : { resourceId: u.id, status: 'fail', reason: `admin ${a.login} (${a.orgUnitPath}) may use ${set === 'NO_TELEPHONY' ? 'any 2SV method but SMS and voice' : 'any 2SV method, SMS included'}, not only security keys` });
    }
    return out;
  },
});
