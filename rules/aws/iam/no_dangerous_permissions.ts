// aws.iam.no_dangerous_permissions: no customer policy opens a privilege-escalation path or grants full CloudTrail or KMS control.
import { defineRule } from '../../../src/rules/define.js';
import { IamIndex, allowsAction, allowsWholeService, parsePolicy } from '../../../src/rules/support/aws-iam.js';
import { listSome } from '../../../src/rules/support/resources.js';
import type { RuleOutcome } from '../../../src/core/types.js';

/**
 * Known escalation paths (Rhino Security Labs' list, as also used by Prowler): holding every action of one set, on every
 * resource, lets a principal raise its own permissions.
 */
export const ESCALATION_PATHS: ReadonlyArray<readonly string[]> = [
  ['iam:CreatePolicyVersion'],
  ['iam:SetDefaultPolicyVersion'],
  ['iam:AttachUserPolicy'],
  ['iam:AttachGroupPolicy'],
  ['iam:AttachRolePolicy', 'sts:AssumeRole'],
  ['iam:PutUserPolicy'],
  ['iam:PutGroupPolicy'],
  ['iam:PutRolePolicy', 'sts:AssumeRole'],
  ['iam:AddUserToGroup'],
  ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'],
  ['iam:CreateAccessKey'],
  ['iam:CreateLoginProfile'],
  ['iam:UpdateLoginProfile'],
  ['iam:PassRole', 'ec2:RunInstances'],
  ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
  ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
  ['iam:PassRole', 'cloudformation:CreateStack'],
  ['iam:PassRole', 'glue:CreateDevEndpoint'],
  ['iam:PassRole', 'datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'],
  ['lambda:UpdateFunctionCode'],
  ['glue:UpdateDevEndpoint'],
];

export default defineRule({
  id: 'aws.iam.no_dangerous_permissions',
  title: 'No customer policy allows privilege escalation or full CloudTrail or KMS control',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.policy', 'aws.iam.user', 'aws.iam.group', 'aws.iam.role'],
  permissions: ['iam:GetAccountAuthorizationDetails'],
  rationale:
    'A principal that can rewrite its own policies or pass a powerful role to compute it controls is an administrator in all but name; one that controls all of CloudTrail or KMS can erase the audit trail or destroy keys. Both defeat least privilege and fraud controls.',
  remediation:
    'Scope IAM write actions and iam:PassRole to specific resources (or remove them), grant CloudTrail and KMS actions individually, and add Deny statements or permission boundaries for IAM changes where broad grants must stay.',
  params: {
    services: { description: 'Services whose full control (`<service>:*` on `*`) fails.', default: ['cloudtrail', 'kms'] as string[] },
  },
  evaluate(snapshot, { params }) {
    const index = new IamIndex(snapshot);
    const out: RuleOutcome[] = [];
    for (const doc of index.policyDocuments()) {
      const parsed = parsePolicy(doc.document);
      if (!parsed.ok) {
        out.push({ resourceId: doc.id, status: 'error', reason: `${doc.kind} could not be analysed: ${parsed.error}` });
        continue;
      }
      const st = parsed.statements;
      const paths = ESCALATION_PATHS.filter((p) => p.every((a) => allowsAction(st, a))).map((p) => p.join(' + '));
      const services = [...params.services].sort().filter((s) => allowsWholeService(st, s)).map((s) => `${s}:*`);
      if (paths.length === 0 && services.length === 0) {
        out.push({ resourceId: doc.id, status: 'pass', reason: `${doc.kind} opens no known escalation path and grants no full ${params.services.join('/')} control` });
        continue;
      }
      const parts: string[] = [];
      if (paths.length > 0) parts.push(`privilege escalation via ${listSome(paths)}`);
      if (services.length > 0) parts.push(`full control of ${services.join(', ')}`);
      out.push({ resourceId: doc.id, status: 'fail', reason: `${doc.kind} allows ${parts.join('; ')} on every resource`, details: { escalationPaths: paths, fullServices: services } });
    }
    // Inline policies of a principal the snapshot lacks them for were never judged: error for it, not silence.
    for (const p of index.unread().filter((x) => x.missing.includes('inlinePolicies') || x.missing.includes('authorization details'))) {
      out.push({ resourceId: p.arn, status: 'error', reason: `could not tell: the inline policies of ${p.kind} ${p.arn} were not read (${p.missing.join(', ')} missing)` });
    }
    return out;
  },
});
