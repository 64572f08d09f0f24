// aws.iam.no_full_admin_policies: no customer-managed or inline policy allows every action on every resource; AdministratorAccess holders are listed.
import { defineRule } from '../../../src/rules/define.js';
import { ADMINISTRATOR_ACCESS_ARN, IamIndex, assessAdmin, parsePolicy } from '../../../src/rules/support/aws-iam.js';
import { listSome } from '../../../src/rules/support/resources.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.no_full_admin_policies',
  title: 'No customer-managed or inline policy allows * on *',
  severity: 'critical',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.policy', 'aws.iam.user', 'aws.iam.group', 'aws.iam.role'],
  permissions: ['iam:GetAccountAuthorizationDetails'],
  rationale:
    'A home-made `*:*` policy is full administrator access that no one reviews under that name. Least privilege needs admin power held only through the well-known AdministratorAccess policy, by a short, reviewed list of principals.',
  remediation:
    'Replace `"Action": "*", "Resource": "*"` with the actions and resources the workload needs (IAM Access Analyzer policy generation helps); where full admin is really needed, attach AWS AdministratorAccess to a role so it appears in access reviews.',
  params: {
    flagAdministratorAccessHolders: {
      description: 'Fail every principal holding AWS AdministratorAccess instead of listing them in one passing result for access review.',
      default: false,
    },
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
      const a = assessAdmin(parsed.statements);
      const unattached = doc.attachmentCount === 0 ? ' (not attached to anything yet)' : '';
      if (a.admin) {
        out.push({
          resourceId: doc.id,
          status: 'fail',
          reason: `${doc.kind} allows every action on every resource in ${listSome(a.grants)}${a.conditional ? ' (under a Condition)' : ''}${unattached}`,
          details: { grants: a.grants },
        });
      } else if (a.contained) {
        out.push({ resourceId: doc.id, status: 'pass', reason: `${doc.kind} allows * on * in ${listSome(a.grants)} but denies every IAM permission change, so it is not admin-equivalent` });
      } else {
        out.push({ resourceId: doc.id, status: 'pass', reason: `${doc.kind} does not allow every action on every resource` });
      }
    }
    const holders: Array<{ arn: string; via: string }> = [];
    for (const u of index.users) for (const v of index.userPolicies(u).administratorAccess) holders.push({ arn: u.id, via: v === ADMINISTRATOR_ACCESS_ARN ? 'direct' : v.slice(0, v.indexOf(':')) });
    for (const g of index.groups) if (index.groupPolicies(g).administratorAccess.length > 0) holders.push({ arn: g.id, via: 'direct' });
    for (const r of index.roles) if (index.rolePolicies(r).administratorAccess.length > 0) holders.push({ arn: r.id, via: 'direct' });
    holders.sort((x, y) => (x.arn < y.arn ? -1 : x.arn > y.arn ? 1 : x.via < y.via ? -1 : 1));
    // A principal whose policy lists were not read may hold AdministratorAccess or an inline *:*: error for it, and the
    // holders list is not complete. A holder already seen still fails.
    const unread = index.unread().filter((p) => !(params.flagAdministratorAccessHolders && holders.some((h) => h.arn === p.arn)));
    for (const p of unread) out.push({ resourceId: p.arn, status: 'error', reason: `could not tell what ${p.kind} ${p.arn} holds: its ${p.missing.join(', ')} were not read` });
    if (params.flagAdministratorAccessHolders) {
      for (const h of holders) {
        out.push({ resourceId: h.arn, status: 'fail', reason: `holds AWS AdministratorAccess (${h.via === 'direct' ? 'attached directly' : `through ${h.via}`})` });
      }
    } else if (unread.length > 0) {
      out.push({ resourceId: ADMINISTRATOR_ACCESS_ARN, status: 'error', reason: `could not list every AWS AdministratorAccess holder: ${unread.length} principal(s) not read (${listSome(unread.map((p) => p.arn))})`, details: { holders } });
    } else {
      const principals = [...new Set(holders.map((h) => h.arn))];
      out.push({
        resourceId: ADMINISTRATOR_ACCESS_ARN,
        status: 'pass',
        reason: `AWS AdministratorAccess is held by ${principals.length} principal(s)${principals.length ? `: ${listSome(principals, 5)}` : ''}; listed for access review`,
        details: { holders },
      });
    }
    return out;
  },
});
