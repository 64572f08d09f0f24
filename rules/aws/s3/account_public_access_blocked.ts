// aws.s3.account_public_access_blocked: all four account-level S3 Block Public Access settings are on.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

const SETTINGS = ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] as const;

export default defineRule({
  id: 'aws.s3.account_public_access_blocked',
  title: 'All four account-level S3 Block Public Access settings are on',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.s3.account_public_access_block'],
  permissions: ['s3:GetAccountPublicAccessBlock'],
  rationale: 'Account-level Block Public Access overrides any bucket policy or ACL that would make data public, so no single bucket mistake can expose it.',
  remediation: 'aws s3control put-public-access-block --account-id ACCOUNT --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.s3.account_public_access_block')
      .map((b) => {
        const x = b.attributes;
        // S3 answered NoSuchPublicAccessBlockConfiguration: nothing is blocked at account level
        if (x.configured === false) return { resourceId: b.id, status: 'fail' as const, reason: `account ${snapshot.scope}: no account-level Block Public Access configuration is set` };
        if (x.configured !== true) return unreadOutcome(b, ['configured']);
        const off = SETTINGS.filter((k) => x[k] === false);
        if (off.length > 0) return { resourceId: b.id, status: 'fail' as const, reason: `account ${snapshot.scope}: ${off.join(', ')} off`, details: { off } };
        const missing = unread(b, SETTINGS);
        if (missing.length > 0) return unreadOutcome(b, missing);
        return { resourceId: b.id, status: 'pass' as const, reason: `account ${snapshot.scope}: all four Block Public Access settings on` };
      });
  },
});
