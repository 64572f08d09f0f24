// aws.rds.encrypted_private: DB storage is encrypted and instances are not reachable from the internet.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.rds.encrypted_private',
  title: 'DB instances are encrypted at rest and not publicly accessible',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.rds.instance'],
  permissions: ['rds:DescribeDBInstances'],
  rationale: 'Unencrypted storage and snapshots leak data when copied or shared; a public endpoint exposes the database to password guessing.',
  remediation: 'Restore from an encrypted snapshot copy to encrypt; modify-db-instance --no-publicly-accessible.',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.rds.instance')
      .map((r) => {
        const missing = unread(r, ['storageEncrypted', 'publiclyAccessible']);
        // a fail seen on what was read stands; a pass needs both
        const known = [r.attributes.storageEncrypted === false ? 'storage not encrypted' : '', r.attributes.publiclyAccessible === true ? 'publicly accessible' : ''].filter(Boolean);
        if (missing.length > 0 && known.length === 0) return unreadOutcome(r, missing);
        const bad = [r.attributes.storageEncrypted ? '' : 'storage not encrypted', r.attributes.publiclyAccessible ? 'publicly accessible' : ''].filter(Boolean);
        return { resourceId: r.id, status: bad.length === 0 ? 'pass' : 'fail', reason: bad.length === 0 ? `${r.name} is encrypted and private` : `${r.name}: ${bad.join(', ')}`, ...(r.region ? { region: r.region } : {}) };
      });
  },
});
