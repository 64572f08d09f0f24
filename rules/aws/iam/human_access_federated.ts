// aws.iam.human_access_federated: people reach AWS through IAM Identity Center or SAML, and IAM users with a console
// password are limited to a documented break-glass list.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType, listSome } from '../../../src/rules/support/resources.js';
import type { AwsIamUserAttributes } from '../../../src/core/contracts/aws.js';
import type { Resource, RuleOutcome } from '../../../src/core/types.js';

/** The account-level verdict: a federation path observed, declared to live in the organization, or none. */
function federationOutcome(f: Resource, organizationFederation: boolean): RuleOutcome {
  const a = f.attributes;
  if (!Array.isArray(a.samlProviders) || !Array.isArray(a.identityCenter) || !Array.isArray(a.oidcProviders)) {
    return { resourceId: f.id, status: 'error', reason: `${f.name}: could not tell — provider or instance lists not reported` };
  }
  const ic = a.identityCenter as Array<{ arn: string; region: string; status: string | null }>;
  const saml = a.samlProviders as Array<{ arn: string }>;
  const active = ic.filter((i) => i.status === 'ACTIVE');
  const paths = [...active.map((i) => `IAM Identity Center ${i.arn} (${i.region})`), ...saml.map((p) => `SAML provider ${p.arn.split('/').pop()}`)];
  const details = { identityCenter: ic, samlProviders: saml.map((p) => p.arn), oidcProviders: a.oidcProviders };
  if (paths.length > 0) return { resourceId: f.id, status: 'pass', reason: `people can federate: ${listSome(paths)}`, details };
  // an instance whose status was not reported may be the active one
  if (ic.some((i) => i.status === null)) return { resourceId: f.id, status: 'error', reason: `${f.name}: could not tell — an Identity Center instance without its status`, details };
  if (organizationFederation) {
    return { resourceId: f.id, status: 'not_applicable', reason: 'no Identity Center instance or SAML provider in this account; people are declared to federate through the organization\'s Identity Center (rules.params organizationFederation), which a member account cannot list — it is judged in the management account', details };
  }
  const oidc = (a.oidcProviders as string[]).length > 0 ? ` (OIDC providers, used by workloads, do not count: ${listSome((a.oidcProviders as string[]).map((x) => x.split('/').slice(1).join('/')))})` : '';
  return { resourceId: f.id, status: 'fail', reason: `no IAM Identity Center instance in any enabled region and no SAML provider: people can only sign in as IAM users${oidc}`, details };
}

export default defineRule({
  id: 'aws.iam.human_access_federated',
  title: 'People sign in through IAM Identity Center or SAML; IAM users with console passwords are only the documented break-glass accounts',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.federation', 'aws.iam.user'],
  permissions: ['iam:ListSAMLProviders', 'iam:ListOpenIDConnectProviders', 'sso:ListInstances', 'iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  rationale: 'Federated sign-in puts joiners, movers and leavers under the identity provider (one place to revoke, MFA and session policy enforced there); long-lived IAM console passwords escape it and are easily left behind at offboarding.',
  remediation: 'Enable IAM Identity Center (or a SAML provider) and move people to it; delete the login profiles of IAM users who are not break-glass accounts (aws iam delete-login-profile), and list the break-glass users in rules.params.breakGlassUsers.',
  params: {
    breakGlassUsers: { description: 'IAM user names allowed a console password (documented emergency accounts).', default: [] as string[] },
    organizationFederation: { description: "Set in member accounts whose people sign in through the organization's Identity Center, which only the management account (or delegated administrator) can list.", default: false },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = snapshot.resources.filter((r) => r.type === 'aws.iam.federation').map((f) => federationOutcome(f, params.organizationFederation));
    const allowed = new Set(params.breakGlassUsers);
    for (const u of resourcesOfType<AwsIamUserAttributes>(snapshot, 'aws.iam.user')) {
      if (u.attributes.passwordEnabled === undefined) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} is not in the credential report (created after it was generated)` });
        continue;
      }
      // users without a console password are not human console access (their keys are judged by the key rules)
      if (u.attributes.passwordEnabled !== true) continue;
      out.push(allowed.has(u.name)
        ? { resourceId: u.id, status: 'pass', reason: `console user ${u.name} is a documented break-glass account (rules.params breakGlassUsers)` }
        : { resourceId: u.id, status: 'fail', reason: `IAM user ${u.name} has a console password but is not on the break-glass list: people should sign in through the identity provider` });
    }
    return out;
  },
});
