// aws.logs.retention_covers_audit_period: CloudWatch Logs log groups keep events at least as long as the audit period.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.logs.retention_covers_audit_period',
  title: 'CloudWatch Logs log groups keep their events for at least the audit period (365 days by default)',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.logs.log_group'],
  permissions: ['logs:DescribeLogGroups'],
  rationale: 'Logs deleted before the audit period ends cannot evidence what happened during it.',
  remediation: 'aws logs put-retention-policy --log-group-name NAME --retention-in-days 400 (or remove the retention policy to keep events forever).',
  params: {
    minRetentionDays: { description: 'Shortest retention accepted, in days.', default: 365 },
    logGroupPrefixes: { description: 'Log group name prefixes judged (empty: every log group).', default: [] as string[] },
  },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.logs.log_group' && (params.logGroupPrefixes.length === 0 || params.logGroupPrefixes.some((p) => r.name.startsWith(p))))
      .map((g) => {
        const d = g.attributes.retentionInDays;
        const where = g.region ? { region: g.region } : {};
        // DescribeLogGroups omits retentionInDays for a group whose events never expire
        if (d === 'never_expire') return { resourceId: g.id, status: 'pass' as const, reason: `${g.name}: events never expire`, ...where };
        if (typeof d !== 'number') return unreadOutcome(g, ['retentionInDays']);
        return { resourceId: g.id, status: d >= params.minRetentionDays ? ('pass' as const) : ('fail' as const), reason: `${g.name}: kept ${d} days (at least ${params.minRetentionDays} needed)`, ...where };
      });
  },
});
