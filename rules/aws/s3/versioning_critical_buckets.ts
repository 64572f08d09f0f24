// aws.s3.versioning_critical_buckets: critical buckets keep earlier versions of overwritten or deleted objects.
import { defineRule } from '../../../src/rules/define.js';
import { hasTag, unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.s3.versioning_critical_buckets',
  title: 'Critical (tagged) S3 buckets have versioning enabled',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.s3.bucket'],
  permissions: ['s3:ListAllMyBuckets', 's3:GetBucketTagging', 's3:GetBucketVersioning'],
  rationale: 'Versioning lets an overwritten or deleted object be recovered, the S3 form of a backup.',
  remediation: 'aws s3api put-bucket-versioning --bucket NAME --versioning-configuration Status=Enabled',
  params: { criticalTag: { description: 'Tag marking critical buckets: key=value, or key alone.', default: 'vigil:critical=true' } },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.s3.bucket' && (r.attributes.tags === null || r.attributes.tags === undefined || hasTag(r.attributes.tags, params.criticalTag)))
      .map((b) => {
        const missing = unread(b, ['tags']);
        if (missing.length > 0) return unreadOutcome(b, missing);
        // versioning null is S3's documented "never enabled" — but only once GetBucketVersioning was read
        if (b.attributes.versioningRead !== true) return unreadOutcome(b, ['versioning']);
        return { resourceId: b.id, status: b.attributes.versioning === 'Enabled' ? 'pass' : 'fail', reason: `${b.name}: versioning ${String(b.attributes.versioning ?? 'never enabled')}`, ...(b.region ? { region: b.region } : {}) };
      });
  },
});
