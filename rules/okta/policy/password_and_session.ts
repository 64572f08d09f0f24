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
      // Okta sends every one of these fields (0 where a limit is off); a missing one is unread, never "0" or "off".
      const unread: string[] = [];
      const num = (v: unknown, name: string): number | undefined => {
        if (typeof v === 'number' && Number.isFinite(v)) return v;
        unread.push(name);
        return undefined;
      };
      if (p.attributes.type === 'PASSWORD') {
        const s = (p.attributes.settings ?? {}) as PasswordSettings;
        const c = s.complexity ?? {};
        const len = num(c.minLength, 'complexity.minLength');
        if (len !== undefined && len < params.minLength) problems.push(`minimum length ${len} < ${params.minLength}`);
        if (params.requireComplexity) {
          const missing = (['minLowerCase', 'minUpperCase', 'minNumber', 'minSymbol'] as const).filter((k) => { const v = num(c[k], `complexity.${k}`); return v !== undefined && v < 1; });
          if (missing.length) problems.push(`complexity lacks ${missing.join(', ')}`);
        }
        const history = num(s.age?.historyCount, 'age.historyCount');
        if (history !== undefined && history < params.minHistory) problems.push(`history ${history} < ${params.minHistory}`);
        // maxAttempts 0 is Okta's documented "no lockout".
        const lock = num(s.lockout?.maxAttempts, 'lockout.maxAttempts');
        if (lock !== undefined && (lock === 0 || lock > params.maxLockoutAttempts)) problems.push(lock === 0 ? 'no lockout' : `lockout after ${lock} attempts > ${params.maxLockoutAttempts}`);
      } else if (p.attributes.type === 'OKTA_SIGN_ON') {
        for (const r of p.attributes.rules.filter((r) => r.status === 'ACTIVE')) {
          const s = (r.actions as { signon?: { access?: string; session?: Session } } | null)?.signon;
          if (s?.access === 'DENY') continue;
          if (s?.access !== 'ALLOW' || typeof s.session !== 'object' || s.session === null) { unread.push(`rule "${r.name}" actions.signon`); continue; }
          // 0 is Okta's documented "no limit" for both.
          const idle = num(s.session.maxSessionIdleMinutes, `rule "${r.name}" maxSessionIdleMinutes`);
          const life = num(s.session.maxSessionLifetimeMinutes, `rule "${r.name}" maxSessionLifetimeMinutes`);
          if (idle !== undefined && (idle === 0 || idle > params.maxIdleMinutes)) problems.push(`rule "${r.name}" idle timeout ${idle || 'unlimited'} min > ${params.maxIdleMinutes}`);
          if (life !== undefined && (life === 0 || life > params.maxLifetimeMinutes)) problems.push(`rule "${r.name}" session lifetime ${life || 'unlimited'} min > ${params.maxLifetimeMinutes}`);
          if (s.session.usePersistentCookie === true) problems.push(`rule "${r.name}" uses persistent cookies`);
          else if (s.session.usePersistentCookie !== false) unread.push(`rule "${r.name}" usePersistentCookie`);
        }
      } else continue;
      const kind = p.attributes.type === 'PASSWORD' ? 'password policy' : 'global session policy';
      // A weakness seen stands; otherwise an unread setting makes the policy "could not tell".
      out.push(problems.length
        ? { resourceId: p.id, status: 'fail', reason: `${kind} "${p.name}": ${problems.join('; ')}` }
        : unread.length
          ? { resourceId: p.id, status: 'error', reason: `${kind} "${p.name}": could not tell: ${unread.join(', ')} missing from the reply` }
          : { resourceId: p.id, status: 'pass', reason: `${kind} "${p.name}" meets the baseline` });
    }
    // Okta documents a required, undeletable Default Policy of every type (the one that applies when no other does), so
    // an org without an active password or global session policy does not exist: none read is a short read, "could not
    // tell", never "nothing in scope".
    const active = new Set(resourcesOfType<OktaPolicyAttributes>(snapshot, 'okta.policy').filter((p) => p.attributes.status === 'ACTIVE').map((p) => p.attributes.type));
    const absent = (['PASSWORD', 'OKTA_SIGN_ON'] as const).filter((t) => !active.has(t));
    if (absent.length) {
      out.push({ resourceId: `${snapshot.source}:${snapshot.scope}`, status: 'error', reason: `could not tell: no active ${absent.map((t) => (t === 'PASSWORD' ? 'password' : 'global session')).join(' or ')} policy was read, yet Okta keeps an undeletable Default Policy of each type` });
    }
    return out;
  },
});
