// aws.rds.multi_az: production databases survive the loss of an availability zone.
import { defineRule } from '../../../src/rules/define.js';
import { hasTag, unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.rds.multi_az',
  title: 'Production DB instances and clusters are Multi-AZ',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.rds.instance', 'aws.rds.cluster'],
  permissions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  rationale: 'A single-AZ production database goes down with its zone; Multi-AZ fails over within minutes.',
  remediation: 'modify-db-instance --multi-az (or add a reader in another AZ to the cluster).',
  params: { productionTag: { description: 'Tag marking production resources: key=value, or key alone.', default: 'env=production' } },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => (r.type === 'aws.rds.cluster' || (r.type === 'aws.rds.instance' && !r.attributes.clusterId)) && (r.attributes.tags === null || hasTag(r.attributes.tags, params.productionTag)))
      .map((r) => {
        // tags unread: whether it is production could not be told
        const missing = unread(r, ['tags', 'multiAz']);
        if (missing.length > 0) return unreadOutcome(r, missing);
        return { resourceId: r.id, status: r.attributes.multiAz ? 'pass' : 'fail', reason: `${r.name} is ${r.attributes.multiAz ? '' : 'not '}Multi-AZ`, ...(r.region ? { region: r.region } : {}) };
      });
  },
});
