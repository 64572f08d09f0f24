// aws.rds.deletion_protection: production databases cannot be deleted by one mistaken call.
import { defineRule } from '../../../src/rules/define.js';
import { hasTag, unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.rds.deletion_protection',
  title: 'Production DB instances and clusters have deletion protection on',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.rds.instance', 'aws.rds.cluster'],
  permissions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  rationale: 'Deletion protection stops a script, a console slip or an attacker from deleting a production database in one call.',
  remediation: 'modify-db-instance / modify-db-cluster --deletion-protection',
  params: { productionTag: { description: 'Tag marking production resources: key=value, or key alone.', default: 'env=production' } },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => (r.type === 'aws.rds.cluster' || (r.type === 'aws.rds.instance' && !r.attributes.clusterId)) && (r.attributes.tags === null || hasTag(r.attributes.tags, params.productionTag)))
      .map((r) => {
        // tags unread: whether it is production could not be told
        const missing = unread(r, ['tags', 'deletionProtection']);
        if (missing.length > 0) return unreadOutcome(r, missing);
        return { resourceId: r.id, status: r.attributes.deletionProtection ? 'pass' : 'fail', reason: `${r.name}: deletion protection ${r.attributes.deletionProtection ? 'on' : 'off'}`, ...(r.region ? { region: r.region } : {}) };
      });
  },
});
