// aws.iam.role_trust_and_staleness: roles trust only known accounts (or require ExternalId), service trusts resist confused deputies, and unused roles are flagged.
import { defineRule } from '../../../src/rules/define.js';
import { day, instant, olderThanDays } from '../../../src/rules/support/time.js';
import { listSome, resourcesOfType } from '../../../src/rules/support/resources.js';
import { parsePolicy } from '../../../src/rules/support/aws-iam.js';
import type { Statement } from '../../../src/rules/support/aws-iam.js';
import type { AwsIamRoleAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

/** Condition keys that pin an otherwise open AWS principal to an organization, account or caller. */
const CALLER_PINNING_KEYS = ['sts:externalid', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:principalaccount', 'aws:principalarn'];
/** Condition keys that stop a service from being used as a confused deputy on behalf of another account. */
const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths'];

function principalValues(principal: unknown, kind: string): string[] {
  if (principal === '*') return kind === 'AWS' ? ['*'] : [];
  if (principal === null || typeof principal !== 'object') return [];
  const v = (principal as Record<string, unknown>)[kind];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function conditionKeys(s: Statement): Set<string> {
  const keys = new Set<string>();
  for (const block of Object.values(s.condition ?? {})) {
    if (block && typeof block === 'object') for (const k of Object.keys(block)) keys.add(k.toLowerCase());
  }
  return keys;
}

function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

export default defineRule({
  id: 'aws.iam.role_trust_and_staleness',
  title: 'Roles trust only known accounts and services, with guard conditions, and are in use',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.role'],
  permissions: ['iam:GetAccountAuthorizationDetails'],
  rationale:
    'A role trust policy decides who outside the account can act inside it: an unknown account, any principal, or a service acting for anyone is an access path no review sees. Roles nobody assumes are standing access nobody needs.',
  remediation:
    'List each external account in trustedAccounts after vendor review, or add an sts:ExternalId / aws:PrincipalOrgID condition; add aws:SourceAccount or aws:SourceArn conditions to service trusts; pin GitHub OIDC trusts with a token.actions.githubusercontent.com:sub condition; delete roles unused for longer than unusedDays.',
  params: {
    trustedAccounts: { description: 'Other AWS account ids that roles may trust without an ExternalId (reviewed vendors, org accounts).', default: [] as string[] },
    unusedDays: { description: 'A role not assumed (or, if never assumed, not created) within this many days fails. 0 turns the check off.', default: 90 },
    serviceConditionExempt: {
      description: 'Service principals that only act for resources in the role’s own account, so need no aws:SourceAccount condition.',
      default: ['ec2.amazonaws.com', 'lambda.amazonaws.com', 'ecs-tasks.amazonaws.com', 'eks.amazonaws.com', 'edgelambda.amazonaws.com', 'eks-fargate-pods.amazonaws.com', 'pods.eks.amazonaws.com', 'build.apprunner.amazonaws.com', 'tasks.apprunner.amazonaws.com'] as string[],
    },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    const trusted = new Set(params.trustedAccounts);
    const exempt = new Set(params.serviceConditionExempt.map((s) => s.toLowerCase()));
    for (const role of resourcesOfType<AwsIamRoleAttributes>(snapshot, 'aws.iam.role')) {
      const a = role.attributes;
      if ((a.path ?? '').startsWith('/aws-service-role/')) {
        out.push({ resourceId: role.id, status: 'pass', reason: `service-linked role ${role.name}: its trust and lifecycle are managed by AWS` });
        continue;
      }
      const own = accountOf(role.id) ?? snapshot.scope;
      const parsed = parsePolicy(a.assumeRolePolicy);
      if (!parsed.ok) {
        out.push({ resourceId: role.id, status: 'error', reason: `role ${role.name}: trust policy could not be analysed: ${parsed.error}` });
        continue;
      }
      const issues: string[] = [];
      for (const s of parsed.statements) {
        if (s.effect !== 'Allow') continue;
        const keys = conditionKeys(s);
        const has = (list: string[]): boolean => list.some((k) => keys.has(k));
        if (s.notPrincipal !== undefined) issues.push('trusts everyone except a NotPrincipal list');
        for (const p of principalValues(s.principal, 'AWS')) {
          if (p === '*' || p.includes('*')) {
            if (!has(CALLER_PINNING_KEYS)) issues.push(`trusts any AWS principal (${p}) with no organization, account or ExternalId condition`);
            continue;
          }
          const acct = accountOf(p);
          if (acct && acct !== own && !trusted.has(acct) && !has(['sts:externalid', 'aws:principalorgid', 'aws:principalorgpaths'])) {
            issues.push(`trusts account ${acct}, which is not in trustedAccounts, without an sts:ExternalId condition`);
          }
        }
        for (const svc of principalValues(s.principal, 'Service')) {
          if (!exempt.has(svc.toLowerCase()) && !has(SOURCE_KEYS)) issues.push(`trusts service ${svc} without an aws:SourceAccount or aws:SourceArn condition (confused deputy)`);
        }
        for (const fed of principalValues(s.principal, 'Federated')) {
          const host = /oidc-provider\/(.+)$/.exec(fed)?.[1]?.toLowerCase();
          if (!host) continue;
          if (host === 'token.actions.githubusercontent.com') {
            if (!keys.has(`${host}:sub`)) issues.push('trusts GitHub Actions OIDC without a token.actions.githubusercontent.com:sub condition (any repository could assume it)');
          } else if (![...keys].some((k) => k.startsWith(`${host}:`))) {
            issues.push(`trusts OIDC provider ${host} without a condition on its claims`);
          }
        }
      }
      if (params.unusedDays > 0) {
        const used = instant(a.lastUsed);
        const created = instant(a.createdAt);
        if (used !== undefined) {
          if (olderThanDays(used, now, params.unusedDays)) issues.push(`last used ${day(a.lastUsed ?? '')}, more than ${params.unusedDays} days ago`);
        } else if (created !== undefined && olderThanDays(created, now, params.unusedDays)) {
          issues.push(`never used since it was created on ${day(a.createdAt)} (IAM tracks the last 400 days)`);
        }
      }
      const unique = [...new Set(issues)];
      out.push(
        unique.length > 0
          ? { resourceId: role.id, status: 'fail', reason: `role ${role.name}: ${listSome(unique, 4)}`, details: { issues: unique } }
          : { resourceId: role.id, status: 'pass', reason: `role ${role.name}: trust is limited to known principals with guard conditions and the role is in use` },
      );
    }
    return out;
  },
});
