// aws.cloudtrail.iam_change_events: the population of IAM provisioning and deprovisioning events, to sample.
import { defineRule } from '../../../src/rules/define.js';
import { eventOutcomes } from '../../../src/rules/support/aws-services.js';

export const IAM_CHANGE_EVENTS = new Set(['CreateUser', 'DeleteUser', 'CreateLoginProfile', 'DeleteLoginProfile', 'CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'AttachUserPolicy', 'DetachUserPolicy', 'PutUserPolicy', 'AddUserToGroup', 'RemoveUserFromGroup', 'UpdateAssumeRolePolicy']);

export default defineRule({
  id: 'aws.cloudtrail.iam_change_events',
  title: 'IAM provisioning and deprovisioning events are recorded as a population to sample',
  severity: 'medium',
  source: 'aws',
  mode: 'period',
  inputs: ['aws.cloudtrail.history', 'aws.cloudtrail.event'],
  permissions: ['cloudtrail:LookupEvents'],
  rationale: 'Auditors test access provisioning by sampling these events and matching them to tickets and HR records; the population must be complete.',
  remediation: 'Nothing to fix here: sample the listed events and match each to its approval.',
  params: {},
  evaluate(snapshot) {
    return eventOutcomes(
      snapshot,
      (e) =>
        e.attributes.eventSource === 'iam.amazonaws.com' && IAM_CHANGE_EVENTS.has(String(e.attributes.eventName))
          ? { status: 'pass', reason: `${e.attributes.eventName}${e.attributes.target ? ` ${e.attributes.target}` : ''} by ${e.attributes.userName ?? 'unknown'} at ${e.attributes.eventTime}` }
          : undefined,
      (n, h) => ({ status: 'pass', reason: `${n} IAM provisioning event(s) recorded between ${h.attributes.from} and ${h.attributes.to}` }),
    );
  },
});
