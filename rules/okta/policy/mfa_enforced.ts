// okta.policy.mfa_enforced: authentication policies require two factors (phishing-resistant for the Admin Console).
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaPolicyAttributes } from '../../../src/core/contracts/okta.js';
import type { RuleOutcome } from '../../../src/core/types.js';

interface AppSignOn { access?: string; verificationMethod?: { factorMode?: string; constraints?: Array<{ possession?: { phishingResistant?: string } }> } }
interface SignOn { access?: string; requireFactor?: boolean }

export default defineRule({
  id: 'okta.policy.mfa_enforced',
  title: 'Okta authentication policies require multi-factor authentication',
  severity: 'critical',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.policy'],
  permissions: ['okta.policies.read'],
  rationale:
    'Enrolled factors only protect an account if sign-on asks for them. Every allowing rule of an active authentication policy must require two factors; the Admin Console must require a phishing-resistant one. Classic orgs (no authentication policies) are judged on their sign-on policy rules.',
  remediation:
    'In Security › Authentication Policies, set every allowing rule to "Possession factor + another factor"; for the Okta Admin Console add the phishing-resistant constraint. Classic: set "Prompt for factor" on every sign-on policy rule.',
  params: {
    adminPhishingResistant: { description: 'Require a phishing-resistant constraint on the Okta Admin Console policy.', default: true },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    const policies = resourcesOfType<OktaPolicyAttributes>(snapshot, 'okta.policy').filter((p) => p.attributes.status === 'ACTIVE');
    const access = policies.filter((p) => p.attributes.type === 'ACCESS_POLICY');
    if (access.length > 0) {
      for (const p of access) {
        const problems: string[] = [];
        const unread: string[] = [];
        const isAdminConsole = /admin console/i.test(p.name);
        for (const r of p.attributes.rules.filter((r) => r.status === 'ACTIVE')) {
          const a = (r.actions as { appSignOn?: AppSignOn } | null)?.appSignOn;
          // Okta always sends appSignOn.access (ALLOW or DENY): without it the rule may allow anything, so it is unread, not skipped.
          if (a?.access !== 'ALLOW' && a?.access !== 'DENY') { unread.push(r.name); continue; }
          if (a.access !== 'ALLOW') continue;
          const vm = a.verificationMethod;
          if (vm?.factorMode !== '2FA') problems.push(`rule "${r.name}" allows ${vm?.factorMode ?? 'unspecified'} sign-on`);
          else if (isAdminConsole && params.adminPhishingResistant && !(vm.constraints ?? []).some((c) => c.possession?.phishingResistant === 'REQUIRED')) {
            problems.push(`rule "${r.name}" does not require a phishing-resistant factor`);
          }
        }
        out.push(problems.length
          ? { resourceId: p.id, status: 'fail', reason: `authentication policy "${p.name}": ${problems.join('; ')}` }
          : unread.length
            ? { resourceId: p.id, status: 'error', reason: `authentication policy "${p.name}": could not tell: rule${unread.length > 1 ? 's' : ''} ${unread.map((n) => `"${n}"`).join(', ')} came without actions.appSignOn.access` }
            : { resourceId: p.id, status: 'pass', reason: `authentication policy "${p.name}" requires two factors${isAdminConsole && params.adminPhishingResistant ? ', phishing-resistant' : ''}` });
      }
      return out;
    }
    for (const p of policies.filter((p) => p.attributes.type === 'OKTA_SIGN_ON')) {
      const active = p.attributes.rules.filter((r) => r.status === 'ACTIVE');
      const signOn = (r: (typeof active)[number]) => (r.actions as { signon?: SignOn } | null)?.signon;
      const weak = active.filter((r) => { const s = signOn(r); return s?.access === 'ALLOW' && s.requireFactor !== true; }).map((r) => r.name);
      // Okta always sends signon.access (ALLOW or DENY); a rule without it may allow sign-on with one factor.
      const unread = active.filter((r) => { const s = signOn(r); return s?.access !== 'ALLOW' && s?.access !== 'DENY'; }).map((r) => r.name);
      out.push(weak.length
        ? { resourceId: p.id, status: 'fail', reason: `sign-on policy "${p.name}": rules ${weak.map((w) => `"${w}"`).join(', ')} allow sign-on without a second factor` }
        : unread.length
          ? { resourceId: p.id, status: 'error', reason: `sign-on policy "${p.name}": could not tell: rule${unread.length > 1 ? 's' : ''} ${unread.map((n) => `"${n}"`).join(', ')} came without actions.signon.access` }
          : { resourceId: p.id, status: 'pass', reason: `sign-on policy "${p.name}" prompts for a factor on every allowing rule` });
    }
    // Okta documents a required, undeletable Default global session policy in every org: none active read is a short
    // read, not "nothing in scope".
    if (out.length === 0) out.push({ resourceId: `${snapshot.source}:${snapshot.scope}`, status: 'error', reason: 'could not tell: no active authentication or global session policy was read, yet Okta keeps an undeletable Default Policy of each type' });
    return out;
  },
});
