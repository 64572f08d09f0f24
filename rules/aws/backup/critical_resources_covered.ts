// aws.backup.critical_resources_covered: each critical database is protected by AWS Backup with a recent recovery point.
import { defineRule } from '../../../src/rules/define.js';
import { criticalStores, unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.backup.critical_resources_covered',
  title: 'Every critical (tagged) RDS instance and Aurora cluster has a recovery point newer than the RPO',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.rds.instance', 'aws.rds.cluster', 'aws.backup.protected_resource'],
  permissions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'backup:ListProtectedResources'],
  rationale: 'A plan proves nothing about a resource it does not cover; the last recovery point is what a restore would use.',
  remediation: 'Add the resource to a backup selection (by tag) and check why its last backup job did not complete.',
  params: {
    criticalTag: { description: 'Tag marking critical resources: key=value, or key alone.', default: 'vigil:critical=true' },
    rpoHours: { description: 'Oldest acceptable recovery point.', default: 26 },
  },
  evaluate(snapshot, { params, now }) {
    const protectedAt = new Map(snapshot.resources.filter((r) => r.type === 'aws.backup.protected_resource').map((r) => [r.id, r.attributes.lastBackupTime as string | null]));
    return criticalStores(snapshot, params.criticalTag).map((r) => {
      const region = r.region ? { region: r.region } : {};
      const missing = unread(r, ['tags']);
      if (missing.length > 0) return unreadOutcome(r, missing);
      if (!protectedAt.has(r.id)) return { resourceId: r.id, status: 'fail' as const, reason: `${r.name} is not protected by AWS Backup`, ...region };
      const last = protectedAt.get(r.id);
      const age = last ? (now.getTime() - Date.parse(last)) / 3_600_000 : Infinity;
      return age <= params.rpoHours
        ? { resourceId: r.id, status: 'pass' as const, reason: `${r.name}: last recovery point ${last}`, ...region, details: { ageHours: Math.round(age) } }
        : { resourceId: r.id, status: 'fail' as const, reason: `${r.name}: last recovery point ${last ?? 'never'} is older than ${params.rpoHours} h`, ...region };
    });
  },
});
