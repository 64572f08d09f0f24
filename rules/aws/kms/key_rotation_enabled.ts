// aws.kms.key_rotation_enabled: customer-managed symmetric KMS keys rotate their key material automatically.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.kms.key_rotation_enabled',
  title: 'Customer-managed symmetric KMS keys have automatic rotation enabled',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.kms.key'],
  permissions: ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus'],
  rationale: 'Rotating key material bounds how much data one key version protects and how long a compromised version stays useful.',
  remediation: 'aws kms enable-key-rotation --key-id KEY (optionally --rotation-period-in-days).',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.kms.key')
      .map((k) => {
        const x = k.attributes;
        const where = k.region ? { region: k.region } : {};
        const missing = unread(k, ['manager', 'state', 'spec', 'origin']);
        if (missing.length > 0) return unreadOutcome(k, missing);
        // KMS rotates AWS-managed keys itself, and cannot rotate asymmetric, HMAC, imported or disabled keys
        if (x.manager !== 'CUSTOMER' || x.state !== 'Enabled' || x.spec !== 'SYMMETRIC_DEFAULT' || x.origin !== 'AWS_KMS') {
          return { resourceId: k.id, status: 'not_applicable' as const, reason: `${k.name}: ${String(x.manager)}-managed ${String(x.spec)} key, ${String(x.state)}, origin ${String(x.origin)} — automatic rotation does not apply`, ...where };
        }
        if (x.rotationRead !== true || typeof x.rotationEnabled !== 'boolean') return unreadOutcome(k, ['rotationEnabled']);
        return { resourceId: k.id, status: x.rotationEnabled ? ('pass' as const) : ('fail' as const), reason: x.rotationEnabled ? `${k.name}: rotates every ${String(x.rotationPeriodDays ?? 365)} days` : `${k.name}: automatic rotation off`, ...where };
      });
  },
});
