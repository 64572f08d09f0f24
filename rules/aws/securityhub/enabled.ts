// aws.securityhub.enabled: Security Hub is enabled in every enabled region.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.securityhub.enabled',
  title: 'Security Hub is enabled in every enabled region',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.securityhub.hub'],
  permissions: ['securityhub:DescribeHub'],
  rationale: 'Security Hub runs the configuration checks of the enabled standards continuously and gathers findings from GuardDuty, Inspector and Access Analyzer in one place.',
  remediation: 'aws securityhub enable-security-hub --enable-default-standards --region REGION (or central configuration from the delegated administrator).',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.securityhub.hub')
      .map((h) => {
        const on = h.attributes.enabled;
        if (typeof on !== 'boolean') return unreadOutcome(h, ['enabled']);
        const since = typeof h.attributes.subscribedAt === 'string' ? ` since ${h.attributes.subscribedAt}` : '';
        return { resourceId: h.id, status: on ? ('pass' as const) : ('fail' as const), reason: on ? `${h.region}: Security Hub enabled${since}` : `${h.region}: Security Hub not enabled (the account is not subscribed in this region)`, ...(h.region ? { region: h.region } : {}) };
      });
  },
});
