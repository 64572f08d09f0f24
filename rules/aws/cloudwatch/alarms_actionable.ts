// aws.cloudwatch.alarms_actionable: metric alarms notify someone and are not stuck without data.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';
import { olderThanDays } from '../../../src/rules/support/time.js';

export default defineRule({
  id: 'aws.cloudwatch.alarms_actionable',
  title: 'Metric alarms have actions enabled, an ALARM action, and are not stuck in INSUFFICIENT_DATA',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.cloudwatch.alarm'],
  permissions: ['cloudwatch:DescribeAlarms'],
  rationale: 'An alarm that notifies nobody, or watches a metric that no longer reports, gives false comfort about availability.',
  remediation: 'Enable actions and add an SNS topic (with a subscription) as an ALARM action; fix or delete alarms whose metric stopped reporting.',
  params: { maxInsufficientDataDays: { description: 'Longest an alarm may sit in INSUFFICIENT_DATA.', default: 7 } },
  evaluate(snapshot, { params, now }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.cloudwatch.alarm')
      .map((a) => {
        const x = a.attributes;
        const bad: string[] = [];
        const missing = unread(a, ['actionsEnabled', 'alarmActions', 'state', ...(x.state === 'INSUFFICIENT_DATA' ? ['stateUpdated'] : [])]);
        if (x.actionsEnabled === false) bad.push('actions disabled');
        if (Array.isArray(x.alarmActions) && x.alarmActions.length === 0) bad.push('no ALARM action');
        if (x.state === 'INSUFFICIENT_DATA' && typeof x.stateUpdated === 'string' && olderThanDays(x.stateUpdated, now, params.maxInsufficientDataDays)) bad.push(`INSUFFICIENT_DATA since ${x.stateUpdated}`);
        if (bad.length === 0 && missing.length > 0) return unreadOutcome(a, missing);
        return { resourceId: a.id, status: bad.length === 0 ? 'pass' : 'fail', reason: bad.length === 0 ? `${a.name} notifies ${(x.alarmActions as string[]).join(', ')}` : `${a.name}: ${bad.join(', ')}`, ...(a.region ? { region: a.region } : {}) };
      });
  },
});
