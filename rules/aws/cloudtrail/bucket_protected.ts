// aws.cloudtrail.bucket_protected: the bucket each trail delivers to is not public, logs access, and resists deletion.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';
import type { RuleOutcome } from '../../../src/core/types.js';

const DELETE_PROTECTION = ['either', 'mfa_delete', 'object_lock'] as const;

export default defineRule({
  id: 'aws.cloudtrail.bucket_protected',
  title: "Each trail's S3 bucket is not public, has server access logging, and has MFA delete or Object Lock",
  severity: 'critical',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.cloudtrail.trail', 'aws.s3.trail_bucket'],
  permissions: ['cloudtrail:DescribeTrails', 's3:ListAllMyBuckets', 's3:GetBucketPolicyStatus', 's3:GetBucketAcl', 's3:GetBucketLogging', 's3:GetBucketVersioning', 's3:GetBucketObjectLockConfiguration'],
  rationale: 'The trail bucket holds the audit record of the account: public, it leaks every API call; unlogged, reads of it go unseen; deletable without MFA or a lock, one stolen credential erases the evidence.',
  remediation: 'Remove public grants and statements from the bucket, turn on server access logging (aws s3api put-bucket-logging), and enable MFA delete (root, put-bucket-versioning with --mfa) or store the trail in a bucket created with Object Lock.',
  params: {
    deleteProtection: { description: 'Which deletion guard counts: either (MFA delete or Object Lock), mfa_delete or object_lock.', default: 'either' as string },
  },
  evaluate(snapshot, { params }) {
    const mode = params.deleteProtection;
    // an unknown value must not quietly become the laxest one: the engine turns this into `error`
    if (!(DELETE_PROTECTION as readonly string[]).includes(mode)) throw new Error(`rules.params deleteProtection must be one of ${DELETE_PROTECTION.join(', ')} (got ${JSON.stringify(mode)})`);
    const out: RuleOutcome[] = [];
    const trails = snapshot.resources.filter((r) => r.type === 'aws.cloudtrail.trail');
    // a trail that does not name its bucket cannot be tied to one: could not tell for that trail
    for (const t of trails) if (typeof t.attributes.s3BucketName !== 'string') out.push(unreadOutcome(t, ['S3BucketName']));
    for (const b of snapshot.resources.filter((r) => r.type === 'aws.s3.trail_bucket')) {
      const by = trails.filter((t) => t.attributes.s3BucketName === b.name).map((t) => t.name);
      const where = b.region ? { region: b.region } : {};
      if (b.attributes.owned === false) {
        out.push({ resourceId: b.id, status: 'not_applicable', reason: `${b.name} (trail ${by.join(', ')}) is not a bucket of this account; it is judged in the account that owns it` });
        continue;
      }
      const a = b.attributes;
      if (typeof a.policyPublic !== 'boolean' || !Array.isArray(a.publicAclGrants) || typeof a.mfaDelete !== 'boolean' || typeof a.objectLock !== 'boolean') {
        out.push(unreadOutcome(b, ['policyPublic', 'publicAclGrants', 'mfaDelete', 'objectLock'].filter((k) => a[k] === null || a[k] === undefined)));
        continue;
      }
      const guard = mode === 'mfa_delete' ? a.mfaDelete : mode === 'object_lock' ? a.objectLock : a.mfaDelete || a.objectLock;
      const problems = [
        a.policyPublic ? 'bucket policy is public' : null,
        (a.publicAclGrants as string[]).length > 0 ? `ACL grants ${(a.publicAclGrants as string[]).join(', ')}` : null,
        typeof a.accessLogTarget === 'string' ? null : 'no server access logging',
        guard ? null : mode === 'mfa_delete' ? 'MFA delete off' : mode === 'object_lock' ? 'no Object Lock' : 'neither MFA delete nor Object Lock',
      ].filter((x): x is string => x !== null);
      const held = [a.mfaDelete ? 'MFA delete' : null, a.objectLock ? 'Object Lock' : null].filter(Boolean).join(' and ');
      out.push(problems.length === 0
        ? { resourceId: b.id, status: 'pass', reason: `${b.name} (trail ${by.join(', ')}): not public, access logged to ${String(a.accessLogTarget)}, ${held}`, ...where }
        : { resourceId: b.id, status: 'fail', reason: `${b.name} (trail ${by.join(', ')}): ${problems.join('; ')}`, ...where, details: { problems } });
    }
    return out;
  },
});
