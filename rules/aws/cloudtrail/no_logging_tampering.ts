// aws.cloudtrail.no_logging_tampering: every StopLogging, DeleteTrail, UpdateTrail or PutEventSelectors is listed.
import { defineRule } from '../../../src/rules/define.js';
import { eventOutcomes } from '../../../src/rules/support/aws-services.js';

const TAMPERING = new Set(['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors']);

export default defineRule({
  id: 'aws.cloudtrail.no_logging_tampering',
  title: 'No trail was stopped, deleted or reconfigured during the period without an approved change',
  severity: 'high',
  source: 'aws',
  mode: 'period',
  inputs: ['aws.cloudtrail.history', 'aws.cloudtrail.event'],
  permissions: ['cloudtrail:LookupEvents'],
  rationale: 'Turning logging off or narrowing it is how an intruder hides; each such event must be matched to an approved change.',
  remediation: 'Match each listed event to a change ticket (record an exception for approved ones); restrict cloudtrail:StopLogging/DeleteTrail/UpdateTrail/PutEventSelectors with an SCP.',
  params: {},
  evaluate(snapshot) {
    return eventOutcomes(
      snapshot,
      (e) => (TAMPERING.has(String(e.attributes.eventName)) ? { status: 'fail', reason: `${e.attributes.eventName} on ${e.attributes.target ?? 'a trail'} by ${e.attributes.userName ?? 'unknown'} at ${e.attributes.eventTime}: needs an approved change` } : undefined),
      (n, h) => (n === 0 ? { status: 'pass', reason: `no trail tampering event between ${h.attributes.from} and ${h.attributes.to}` } : { status: 'fail', reason: `${n} trail tampering event(s) between ${h.attributes.from} and ${h.attributes.to}` }),
    );
  },
});
