// aws.cloudtrail.sensitive_signins: root sign-ins and API calls, and console sign-ins without MFA, listed one by one.
import { defineRule } from '../../../src/rules/define.js';
import { eventOutcomes } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.cloudtrail.sensitive_signins',
  title: 'Every root sign-in or root API call and every console sign-in without MFA is listed and explained',
  severity: 'high',
  source: 'aws',
  mode: 'period',
  inputs: ['aws.cloudtrail.history', 'aws.cloudtrail.event'],
  permissions: ['cloudtrail:LookupEvents'],
  rationale: 'Root use and password-only console access are the sign-ins an attacker with stolen credentials makes; each needs an explanation.',
  remediation: 'Explain each listed event (break-glass ticket) or record an exception; enforce MFA for console users and keep root for break-glass only.',
  params: {},
  evaluate(snapshot) {
    return eventOutcomes(
      snapshot,
      (e) => {
        const a = e.attributes;
        if (a.userType === 'Root') return { status: 'fail', reason: `root ${a.eventName === 'ConsoleLogin' ? 'console sign-in' : `API call ${a.eventName}`} at ${a.eventTime}${a.mfaUsed === false ? ' without MFA' : ''}: needs an explanation` };
        // CloudTrail documents MFAUsed on every console sign-in; without it, whether MFA was used cannot be told
        if (a.eventName === 'ConsoleLogin' && a.mfaUsed === null && a.loginOutcome !== 'Failure') return { status: 'error', reason: `console sign-in by ${a.userName} at ${a.eventTime}: MFAUsed not recorded, could not tell whether MFA was used` };
        if (a.eventName === 'ConsoleLogin' && a.mfaUsed === false && a.loginOutcome !== 'Failure') return { status: 'fail', reason: `console sign-in without MFA by ${a.userName} at ${a.eventTime}` };
        return undefined;
      },
      (n, h) => (n === 0 ? { status: 'pass', reason: `no root use or sign-in without MFA between ${h.attributes.from} and ${h.attributes.to}` } : { status: 'fail', reason: `${n} root or no-MFA sign-in event(s) between ${h.attributes.from} and ${h.attributes.to}` }),
    );
  },
});
