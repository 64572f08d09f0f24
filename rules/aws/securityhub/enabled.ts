// aws.securityhub.enabled: Security Hub is enabled, with at least one standard subscribed and ready, in every enabled region.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.securityhub.enabled',
  title: 'Security Hub is enabled with at least one standard subscribed (READY) in every enabled region',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.securityhub.hub'],
  permissions: ['securityhub:DescribeHub', 'securityhub:GetEnabledStandards'],
  rationale: 'Security Hub runs the configuration checks of the enabled standards continuously and gathers findings from GuardDuty, Inspector and Access Analyzer in one place; a hub without a standard runs no checks.',
  remediation: 'aws securityhub enable-security-hub --enable-default-standards --region REGION, or batch-enable-standards for a hub without one (or central configuration from the delegated administrator).',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.securityhub.hub')
      .map((h): RuleOutcome => {
        const on = h.attributes.enabled;
        const where = h.region ? { region: h.region } : {};
        if (typeof on !== 'boolean') return unreadOutcome(h, ['enabled']);
        if (!on) return { resourceId: h.id, status: 'fail', reason: `${h.region}: Security Hub not enabled (the account is not subscribed in this region)`, ...where };
        const standards = h.attributes.standards;
        if (!Array.isArray(standards)) return unreadOutcome(h, ['standards']);
        const list = standards as Array<{ arn: string; status: string | null }>;
        const name = (arn: string): string => arn.split(':standards/').pop() ?? arn;
        const ready = list.filter((s) => s.status === 'READY');
        const since = typeof h.attributes.subscribedAt === 'string' ? ` since ${h.attributes.subscribedAt}` : '';
        if (ready.length > 0) return { resourceId: h.id, status: 'pass', reason: `${h.region}: Security Hub enabled${since}, running ${ready.map((s) => name(s.arn)).join(', ')}`, ...where };
        if (list.some((s) => s.status === null)) return unreadOutcome(h, ['standards status']);
        const why = list.length === 0 ? 'no standard subscribed' : `no standard ready (${list.map((s) => `${name(s.arn)} ${String(s.status)}`).join(', ')})`;
        return { resourceId: h.id, status: 'fail', reason: `${h.region}: Security Hub enabled${since} but ${why}: it runs no checks`, ...where };
      });
  },
});
