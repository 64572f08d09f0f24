// aws.cloudtrail.log_integrity: account-wide trails validate log files and encrypt them with SSE-KMS.
import { defineRule } from '../../../src/rules/define.js';

export default defineRule({
  id: 'aws.cloudtrail.log_integrity',
  title: 'Multi-region trails have log-file validation on and SSE-KMS encryption',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.cloudtrail.trail'],
  permissions: ['cloudtrail:DescribeTrails'],
  rationale: 'Digest files prove that delivered logs were not altered or deleted; a customer KMS key limits who can read them.',
  remediation: 'aws cloudtrail update-trail --name TRAIL --enable-log-file-validation --kms-key-id KEY_ARN',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.cloudtrail.trail' && (r.attributes.multiRegion || r.attributes.organization))
      .map((t) => {
        const v = t.attributes.logFileValidation === true;
        const k = typeof t.attributes.kmsKeyId === 'string' && t.attributes.kmsKeyId !== '';
        const missing = [v ? '' : 'log-file validation off', k ? '' : 'not encrypted with SSE-KMS'].filter(Boolean);
        return { resourceId: t.id, status: missing.length === 0 ? 'pass' : 'fail', reason: missing.length === 0 ? `trail ${t.name} validates log files and uses SSE-KMS` : `trail ${t.name}: ${missing.join(', ')}`, ...(t.region ? { region: t.region } : {}) };
      });
  },
});
