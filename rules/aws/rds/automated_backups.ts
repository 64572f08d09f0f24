// aws.rds.automated_backups: every DB instance and cluster keeps automated backups long enough.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.rds.automated_backups',
  title: 'Every DB instance and cluster has automated backups with enough retention',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.rds.instance', 'aws.rds.cluster'],
  permissions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  rationale: 'Automated backups and point-in-time recovery are what bring a database back after corruption or deletion.',
  remediation: 'Set the backup retention period (modify-db-instance / modify-db-cluster --backup-retention-period N).',
  params: { minRetentionDays: { description: 'Fewest days of automated backups.', default: 7 } },
  evaluate(snapshot, { params }) {
    // an instance in a cluster is backed up by its cluster
    return snapshot.resources
      .filter((r) => r.type === 'aws.rds.cluster' || (r.type === 'aws.rds.instance' && !r.attributes.clusterId))
      .map((r) => {
        const missing = unread(r, ['backupRetentionPeriod']);
        if (missing.length > 0) return unreadOutcome(r, missing);
        const days = Number(r.attributes.backupRetentionPeriod);
        const ok = days >= params.minRetentionDays;
        return { resourceId: r.id, status: ok ? 'pass' : 'fail', reason: days === 0 ? `${r.name}: automated backups are off` : `${r.name}: backups kept ${days} day(s)${ok ? '' : `, fewer than ${params.minRetentionDays}`}`, ...(r.region ? { region: r.region } : {}), details: { retentionDays: days } };
      });
  },
});
