// google-workspace.policy.password_session_recovery: strong, long passwords enforced at sign-in, web sessions of at most
// `maxSessionHours`, and no super-admin self-recovery, in every org unit (Cloud Identity Policy API settings).
import { defineRule } from '../../../src/rules/define.js';
import { durationSeconds, orgUnitOutcomes, policyTree, type Effective, type Finding } from '../../../src/rules/support/gws-policy.js';

const PASSWORD = 'security.password';
const SESSION = 'security.session_controls';
const RECOVERY = 'security.super_admin_account_recovery';
/** Google's documented default for super-admin recovery is off; passwords and sessions have no documented default. */
const DEFAULTS = { [RECOVERY]: { enableAccountRecovery: false } };

function check(minLength: number, maxSessionHours: number) {
  return (type: string, e: Effective): Finding => {
    const v = e.value;
    if (v === null) return { unknown: `no ${type} setting was read for this OU or its parents (Google documents no default)` };
    if (type === PASSWORD) {
      const weak: string[] = [];
      if (typeof v.allowedStrength !== 'string' || typeof v.minimumLength !== 'number' || typeof v.enforceRequirementsAtLogin !== 'boolean') {
        return { unknown: 'security.password lacks allowedStrength, minimumLength or enforceRequirementsAtLogin' };
      }
      if (v.allowedStrength !== 'STRONG') weak.push(`password strength is ${v.allowedStrength}, not STRONG`);
      if (v.minimumLength < minLength) weak.push(`minimum password length ${v.minimumLength} (at least ${minLength} required)`);
      if (!v.enforceRequirementsAtLogin) weak.push('password rules are not enforced at next sign-in');
      return weak.length ? { weak: weak.join(', ') } : {};
    }
    if (type === SESSION) {
      const s = durationSeconds(v.webSessionDuration);
      if (s === null) return { unknown: `webSessionDuration ${JSON.stringify(v.webSessionDuration)} is not a duration` };
      return s > maxSessionHours * 3600 ? { weak: `web sessions last ${Math.round(s / 3600)} h (at most ${maxSessionHours} h)` } : {};
    }
    if (typeof v.enableAccountRecovery !== 'boolean') return { unknown: 'super_admin_account_recovery lacks enableAccountRecovery' };
    return v.enableAccountRecovery ? { weak: 'super admins can recover their own accounts' } : {};
  };
}

export default defineRule({
  id: 'google-workspace.policy.password_session_recovery',
  title: 'Google Workspace enforces strong passwords, bounded sessions and no super-admin self-recovery in every org unit',
  severity: 'medium',
  source: 'google-workspace',
  mode: 'snapshot',
  inputs: ['google-workspace.org_unit', 'google-workspace.policy'],
  permissions: ['https://www.googleapis.com/auth/cloud-identity.policies.readonly', 'https://www.googleapis.com/auth/admin.directory.orgunit.readonly'],
  rationale:
    'Short or weak passwords fall to guessing and spraying; long-lived sessions keep a stolen cookie useful; super-admin self-recovery lets whoever controls a recovery phone or address take the most powerful account without another admin.',
  remediation:
    'Admin console › Security › Authentication › Password management: strong passwords, minimum length 12 or more, "Enforce password policy at next sign-in". Security › Access and data control › Google session control: web session duration 12 hours or less. Security › Authentication › Account recovery: turn off super admin account recovery.',
  params: {
    minLength: { description: 'Shortest allowed password length.', default: 12 },
    maxSessionHours: { description: 'Longest web session, in hours.', default: 12 },
  },
  evaluate(snapshot, { params }) {
    const tree = policyTree(snapshot, DEFAULTS);
    if (tree.orgUnits.length === 0) return [];
    return orgUnitOutcomes(tree, [PASSWORD, SESSION, RECOVERY], check(params.minLength, params.maxSessionHours),
      `strong passwords of ${params.minLength}+ characters enforced, sessions within ${params.maxSessionHours} h, no super-admin self-recovery`);
  },
});
