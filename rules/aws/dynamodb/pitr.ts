// aws.dynamodb.pitr: DynamoDB tables can be restored to any second of the recent past, and cannot be deleted by one call.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.dynamodb.pitr',
  title: 'DynamoDB tables have point-in-time recovery and deletion protection on',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.dynamodb.table'],
  permissions: ['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups'],
  rationale: 'Point-in-time recovery restores a table to any second of its recovery period after a bad write or a bug; deletion protection stops one mistaken or malicious DeleteTable from removing the table and, with it, its recovery points.',
  remediation: 'aws dynamodb update-continuous-backups --table-name NAME --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true; aws dynamodb update-table --table-name NAME --deletion-protection-enabled.',
  params: {
    requireDeletionProtection: { description: 'Whether a table without deletion protection fails.', default: true },
    minRecoveryPeriodDays: { description: 'Shortest PITR recovery period accepted, in days (1-35; 35 is the default AWS sets).', default: 1 },
  },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.dynamodb.table')
      .map((t) => {
        const x = t.attributes;
        const where = t.region ? { region: t.region } : {};
        const bad: string[] = [];
        if (x.pitrStatus !== null && x.pitrStatus !== 'ENABLED') bad.push(`point-in-time recovery ${String(x.pitrStatus).toLowerCase()}`);
        // a period is only reported by newer replies; without it the table has the one period AWS had: 35 days
        if (x.pitrStatus === 'ENABLED' && typeof x.pitrRecoveryPeriodDays === 'number' && x.pitrRecoveryPeriodDays < params.minRecoveryPeriodDays) bad.push(`recovery period ${x.pitrRecoveryPeriodDays} < ${params.minRecoveryPeriodDays} days`);
        if (params.requireDeletionProtection && x.deletionProtection === false) bad.push('deletion protection off');
        if (bad.length > 0) return { resourceId: t.id, status: 'fail' as const, reason: `${t.name}: ${bad.join('; ')}`, ...where };
        const missing = unread(t, ['pitrStatus', ...(params.requireDeletionProtection ? ['deletionProtection'] : [])]);
        if (missing.length > 0) return unreadOutcome(t, missing);
        const period = typeof x.pitrRecoveryPeriodDays === 'number' ? `${x.pitrRecoveryPeriodDays}-day` : '35-day';
        return { resourceId: t.id, status: 'pass' as const, reason: `${t.name}: point-in-time recovery on (${period} window)${x.deletionProtection === true ? ', deletion protection on' : ''}`, ...where };
      });
  },
});
