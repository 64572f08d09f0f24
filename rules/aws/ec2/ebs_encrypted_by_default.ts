// aws.ec2.ebs_encrypted_by_default: every enabled region encrypts new EBS volumes by default.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.ec2.ebs_encrypted_by_default',
  title: 'EBS encryption by default is on in every enabled region',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.ec2.ebs_default_encryption'],
  permissions: ['ec2:GetEbsEncryptionByDefault'],
  rationale: 'With encryption by default, every new volume and snapshot in the region is encrypted at rest, whoever creates it and however.',
  remediation: 'aws ec2 enable-ebs-encryption-by-default --region REGION (in every enabled region)',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.ec2.ebs_default_encryption')
      .map((e) => {
        const on = e.attributes.enabled;
        if (typeof on !== 'boolean') return unreadOutcome(e, ['enabled']);
        return { resourceId: e.id, status: on ? ('pass' as const) : ('fail' as const), reason: `${e.region ?? e.name}: EBS encryption by default ${on ? 'on' : 'off'}`, ...(e.region ? { region: e.region } : {}) };
      });
  },
});
