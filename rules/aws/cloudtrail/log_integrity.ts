// aws.cloudtrail.log_integrity: every trail validates its log files and encrypts them with SSE-KMS.
import { defineRule } from '../../../src/rules/define.js';
import { accountId, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.cloudtrail.log_integrity',
  title: 'Every trail has log-file validation on and SSE-KMS encryption',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.cloudtrail.trail'],
  permissions: ['cloudtrail:DescribeTrails'],
  rationale: 'Digest files prove that delivered logs were not altered or deleted; a customer KMS key limits who can read them. A single-region trail is evidence too, and its logs need the same integrity.',
  remediation: 'aws cloudtrail update-trail --name TRAIL --enable-log-file-validation --kms-key-id KEY_ARN',
  params: {},
  evaluate(snapshot) {
    const trails = snapshot.resources.filter((r) => r.type === 'aws.cloudtrail.trail');
    // only a complete read reaches here (the engine errors otherwise): zero trails means no logs whose integrity to judge;
    // the absence of logging itself is aws.cloudtrail.multi_region_trail_logging's fail
    if (trails.length === 0) return [{ resourceId: accountId(snapshot), status: 'not_applicable', reason: 'no CloudTrail trail in the account (see aws.cloudtrail.multi_region_trail_logging)' }];
    return trails.map((t) => {
      const v = t.attributes.logFileValidation;
      const k = typeof t.attributes.kmsKeyId === 'string' && t.attributes.kmsKeyId !== '';
      const missing = [v === false ? 'log-file validation off' : '', k ? '' : 'not encrypted with SSE-KMS'].filter(Boolean);
      if (missing.length === 0 && v !== true) return unreadOutcome(t, ['logFileValidation']);
      return { resourceId: t.id, status: missing.length === 0 ? 'pass' : 'fail', reason: missing.length === 0 ? `trail ${t.name} validates log files and uses SSE-KMS` : `trail ${t.name}: ${missing.join(', ')}`, ...(t.region ? { region: t.region } : {}) };
    });
  },
});
