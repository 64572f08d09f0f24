// aws.health.events_reviewed: the AWS Health issues and scheduled changes affecting the account are captured, one
// result each, as the population a reviewer acknowledges; without the Health API (no Business support plan) it errors.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';
import { day } from '../../../src/rules/support/time.js';

interface HealthEvent {
  arn: string;
  service: string | null;
  eventTypeCode: string | null;
  category: string | null;
  region: string | null;
  status: string | null;
  startTime: string | null;
}

export default defineRule({
  id: 'aws.health.events_reviewed',
  title: 'Open AWS Health issues and upcoming scheduled changes are captured for review',
  severity: 'low',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.health.events'],
  permissions: ['health:DescribeEvents'],
  rationale: 'AWS Health announces the provider-side incidents and the maintenance that will touch the account\'s resources; capturing each one gives the availability review its population, and without a support plan that includes the Health API there is no such evidence at all.',
  remediation: 'Review each listed event and record the decision (a ticket, a change record); without a Business, Enterprise On-Ramp or Enterprise support plan, take Health events from EventBridge (aws.health) or the console as manual evidence.',
  params: {},
  evaluate(snapshot) {
    const out = [];
    for (const h of snapshot.resources.filter((r) => r.type === 'aws.health.events')) {
      const list = h.attributes.events;
      if (!Array.isArray(list)) {
        out.push(unreadOutcome(h, ['events']));
        continue;
      }
      for (const e of list as HealthEvent[]) {
        const what = `${e.category ?? 'event'} ${e.eventTypeCode ?? e.arn} (${e.service ?? 'unknown service'}) in ${e.region ?? 'an unnamed region'}`;
        out.push({ resourceId: e.arn, status: 'pass' as const, reason: `captured for review: ${what}, ${e.status ?? 'status not reported'}${e.startTime ? ` from ${day(e.startTime)}` : ''}`, ...(e.region ? { region: e.region } : {}), details: { service: e.service, eventTypeCode: e.eventTypeCode, category: e.category, status: e.status, startTime: e.startTime } });
      }
      out.push({ resourceId: h.id, status: 'pass' as const, reason: `${list.length} open issue(s) and upcoming scheduled change(s) read from AWS Health`, details: { events: list.length } });
    }
    return out;
  },
});
