// okta.policy.password_and_session: password policies are strong and global sessions are short and not persistent.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaPolicyAttributes } from '../../../src/core/contracts/okta.js';
import type { RuleOutcome } from '../../../src/core/types.js';

interface PasswordSettings {
  complexity?: { minLength?: number; minLowerCase?: number; minUpperCase?: number; minNumber?: number; minSymbol?: number };
  age?: { historyCount?: number };
  lockout?: { maxAttempts?: number };
}
interface Session { maxSessionIdleMinutes?: number; maxSessionLifetimeMinutes?: number; usePersistentCookie?: boolean }

export default defineRule({
  id: 'okta.policy.password_and_session',
  title: 'Okta password policies are strong and global sessions are bounded',
  severity: 'medium',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.policy'],
  permissions: ['okta.policies.read'],
  rationale:
    'Short, reusable passwords without lockout are guessed; long idle or unlimited sessions and persistent cookies let a stolen or unattended browser keep access. CC6.1 expects both bounded.',
  remediation:
    'Security › Authenticators › Password: set minimum length, complexity, history and lockout. Security › Global Session Policy: set idle timeout and lifetime limits and turn persistent cookies off.',
  params: {
    minLength: { description: 'Minimum password length.', default: 14 },
    minHistory: { description: 'Passwords remembered to prevent reuse.', default: 5 },
    maxLockoutAttempts: { description: 'Failed attempts before lockout (0 = no lockout fails).', default: 10 },
    requireComplexity: { description: 'Require lower, upper, number and symbol.', default: true },
    maxIdleMinutes: { description: 'Longest session idle time.', default: 15 },
    maxLifetimeMinutes: { description: 'Longest session lifetime (0 = unlimited fails).', default: 1080 },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const p of resourcesOfType<OktaPolicyAttributes>(snapshot, 'okta.policy').filter((p) => p.attributes.status === 'ACTIVE')) {
      const problems: string[] = [];
      if (p.attributes.type === 'PASSWORD') {
        const s = (p.attributes.settings ?? {}) as PasswordSettings;
        const c = s.complexity ?? {};
        if ((c.minLength ?? 0) < params.minLength) problems.push(`minimum length ${c.minLength ?? 0} < ${params.minLength}`);
        if (params.requireComplexity) {
          const missing = (['minLowerCase', 'minUpperCase', 'minNumber', 'minSymbol'] as const).filter((k) => (c[k] ?? 0) < 1);
          if (missing.length) problems.push(`complexity lacks ${missing.join(', ')}`);
        }
        if ((s.age?.historyCount ?? 0) < params.minHistory) problems.push(`history ${s.age?.historyCount ?? 0} < ${params.minHistory}`);
        const lock = s.lockout?.maxAttempts ?? 0;
        if (lock === 0 || lock > params.maxLockoutAttempts) problems.push(lock === 0 ? 'no lockout' : `lockout after ${lock} attempts > ${params.maxLockoutAttempts}`);
      } else if (p.attributes.type === 'OKTA_SIGN_ON') {
        for (const r of p.attributes.rules.filter((r) => r.status === 'ACTIVE')) {
          const s = (r.actions as { signon?: { access?: string; session?: Session } } | null)?.signon;
          if (s?.access !== 'ALLOW' || !s.session) continue;
          const idle = s.session.maxSessionIdleMinutes ?? 0;
          const life = s.session.maxSessionLifetimeMinutes ?? 0;
          if (idle === 0 || idle > params.maxIdleMinutes) problems.push(`rule "${r.name}" idle timeout ${idle || 'unlimited'} min > ${params.maxIdleMinutes}`);
          if (life === 0 || life > params.maxLifetimeMinutes) problems.push(`rule "${r.name}" session lifetime ${life || 'unlimited'} min > ${params.maxLifetimeMinutes}`);
          if (s.session.usePersistentCookie) problems.push(`rule "${r.name}" uses persistent cookies`);
        }
      } else continue;
      const kind = p.attributes.type === 'PASSWORD' ? 'password policy' : 'global session policy';
      out.push(problems.length
        ? { resourceId: p.id, status: 'fail', reason: `${kind} "${p.name}": ${problems.join('; ')}` }
        : { resourceId: p.id, status: 'pass', reason: `${kind} "${p.name}" meets the baseline` });
    }
    return out;
  },
});
