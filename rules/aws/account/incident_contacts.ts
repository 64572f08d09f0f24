// aws.account.incident_contacts: the account names a SECURITY contact, and someone can open AWS Support cases.
import { defineRule } from '../../../src/rules/define.js';
import { IamIndex } from '../../../src/rules/support/aws-iam.js';
import { listSome } from '../../../src/rules/support/resources.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export const AWS_SUPPORT_ACCESS_ARN = 'arn:aws:iam::aws:policy/AWSSupportAccess';

/** Roles, users (directly or through a group) and groups with members that hold AWSSupportAccess. */
function supportHolders(ix: IamIndex): string[] {
  const has = (xs: unknown): boolean => Array.isArray(xs) && xs.includes(AWS_SUPPORT_ACCESS_ARN);
  const out: string[] = [];
  for (const r of ix.roles) if (has(r.attributes.attachedPolicies)) out.push(`role ${r.name}`);
  for (const u of ix.users) if (has(u.attributes.attachedPolicies)) out.push(`user ${u.name}`);
  for (const g of ix.groups) if (has(g.attributes.attachedPolicies) && Array.isArray(g.attributes.members) && g.attributes.members.length > 0) out.push(`group ${g.name}`);
  return out;
}

export default defineRule({
  id: 'aws.account.incident_contacts',
  title: 'The account has a SECURITY alternate contact and a principal holding AWSSupportAccess',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.account.alternate_contact', 'aws.iam.role', 'aws.iam.user', 'aws.iam.group'],
  permissions: ['account:GetAlternateContact', 'iam:GetAccountAuthorizationDetails'],
  rationale: 'AWS sends abuse and security notices to the SECURITY alternate contact, and incident handling may need AWS Support: without either, an incident reported by AWS reaches nobody, and no one can ask AWS for help.',
  remediation: 'aws account put-alternate-contact --alternate-contact-type SECURITY --name … --title … --email-address … --phone-number …; attach arn:aws:iam::aws:policy/AWSSupportAccess to the incident-response role.',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const c of snapshot.resources.filter((r) => r.type === 'aws.account.alternate_contact')) {
      if (typeof c.attributes.registered !== 'boolean') {
        out.push({ resourceId: c.id, status: 'error', reason: `${c.name}: could not tell — registered not reported` });
        continue;
      }
      const ix = new IamIndex(snapshot);
      const holders = supportHolders(ix);
      const contact = c.attributes.registered ? `SECURITY contact ${String(c.attributes.name ?? c.attributes.email)} registered` : 'no SECURITY alternate contact registered';
      const support = holders.length > 0 ? `AWSSupportAccess held by ${listSome(holders)}` : 'no principal holds AWSSupportAccess';
      const details = { contactRegistered: c.attributes.registered, supportHolders: holders };
      if (!c.attributes.registered) out.push({ resourceId: c.id, status: 'fail', reason: `${contact}; ${support}`, details });
      else if (holders.length > 0) out.push({ resourceId: c.id, status: 'pass', reason: `${contact}; ${support}`, details });
      else {
        // no holder seen, but a principal whose policy lists were not collected may hold it
        const unread = ix.unread();
        out.push(unread.length > 0
          ? { resourceId: c.id, status: 'error', reason: `${contact}; could not tell whether anyone holds AWSSupportAccess — policies of ${listSome(unread.map((u) => u.arn))} not collected`, details }
          : { resourceId: c.id, status: 'fail', reason: `${contact}; ${support}`, details });
      }
    }
    return out;
  },
});
