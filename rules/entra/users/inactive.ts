// entra.users.inactive: enabled Entra accounts have signed in successfully within N days.
import { defineRule } from '../../../src/rules/define.js';
import { DAY_MS, day } from '../../../src/rules/support/time.js';
import { inactiveOutcomes } from '../../../src/rules/support/identity.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import { SUCCESSFUL_SIGN_IN_RECORDED_FROM, type EntraUserAttributes } from '../../../src/core/contracts/entra.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'entra.users.inactive',
  title: 'Enabled Entra accounts have signed in successfully within the inactivity limit',
  severity: 'medium',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.user', 'entra.user.sign_in_activity'],
  permissions: ['User.Read.All', 'AuditLog.Read.All', 'Entra ID P1 licence'],
  rationale:
    'Unused accounts keep access nobody watches; disabling them after a fixed period is the usual CC6.2 control. Only a successful sign-in is use: Entra also stamps failed attempts into lastSignInDateTime, so a dormant account under password spraying would otherwise look active.',
  remediation: 'Disable or delete the account, or run a recurring access review of inactive users (Entra ID Governance).',
  params: {
    days: { description: 'Days since the last successful sign-in (interactive or not) after which an enabled account fails.', default: 90 },
    graceDays: { description: 'Days a never-used account may exist before it fails.', default: 30 },
  },
  evaluate(snapshot, { now, params }) {
    const users = resourcesOfType<EntraUserAttributes>(snapshot, 'entra.user');
    const byId = new Map(users.map((u) => [u.id, u.attributes]));
    const recordedFrom = Date.parse(SUCCESSFUL_SIGN_IN_RECORDED_FROM);
    // Entra records successful sign-ins from 1 Dec 2023 only (not backfilled): before `days` have passed since then, an
    // account with none recorded may still have signed in inside the window, just before recording began.
    const windowPredatesRecording = now.getTime() - params.days * DAY_MS < recordedFrom;
    return inactiveOutcomes(users, now, params.days, params.graceDays).map((o): RuleOutcome => {
      const a = byId.get(o.resourceId);
      if (!a || !a.lastLoginKnown) return o;
      const attempts = a.lastSignInAttempt && (!a.lastLogin || Date.parse(a.lastSignInAttempt) > Date.parse(a.lastLogin))
        ? `; sign-in attempts as late as ${day(a.lastSignInAttempt)} (failed ones included) do not count as activity` : '';
      const details = { ...o.details, lastSuccessfulSignIn: a.lastLogin, lastSignInAttempt: a.lastSignInAttempt };
      if (a.lastLogin !== null) return { ...o, reason: o.status === 'fail' ? `${o.reason}${attempts}` : o.reason, details };
      if (o.status !== 'fail') return { ...o, details };
      const createdBefore = a.created === null || Date.parse(a.created) < recordedFrom;
      if (windowPredatesRecording && createdBefore) {
        return { ...o, status: 'error', reason: `${a.login}: no successful sign-in recorded, but Entra records them only since ${day(SUCCESSFUL_SIGN_IN_RECORDED_FROM)}, inside the ${params.days}-day window`, details };
      }
      return {
        ...o,
        reason: `${a.login} is active with no successful sign-in recorded${createdBefore ? ` since ${day(SUCCESSFUL_SIGN_IN_RECORDED_FROM)}, when Entra began recording them` : ` since it was created ${day(a.created!)}`}${attempts}`,
        details,
      };
    });
  },
});
