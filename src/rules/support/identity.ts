// Identity rule logic written once and used by the okta.*, google-workspace.* and entra.* rules: MFA, inactivity, admin bounds.
import type { RuleOutcome } from '../../core/types.js';
import { WEAK_MFA_METHODS, type IdentityUserAttributes } from '../../core/contracts/identity.js';
import type { Typed } from './resources.js';
import { day, olderThanDays } from './time.js';

/**
 * Every user who can sign in has an active second factor; optionally, users whose only factors are SMS, voice,
 * email or security questions fail too. Users the provider could not tell about are `error`, never `pass`.
 */
export function mfaOutcomes(users: Array<Typed<IdentityUserAttributes>>, opts: { failWeakOnly: boolean; factorWord?: string }): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  const word = opts.factorWord ?? 'MFA';
  for (const u of users) {
    const a = u.attributes;
    if (!a.active) continue;
    const details = { login: a.login, methods: a.mfaMethods, isAdmin: a.isAdmin };
    if (a.mfaEnrolled === null) {
      out.push({ resourceId: u.id, status: 'error', reason: `${a.login}: ${word} enrolment could not be read`, details });
    } else if (!a.mfaEnrolled) {
      out.push({ resourceId: u.id, status: 'fail', reason: `${a.login} can sign in with no ${word} enrolled`, details });
    } else if (opts.failWeakOnly && a.mfaMethods.length > 0 && a.mfaMethods.every((m) => WEAK_MFA_METHODS.includes(m))) {
      out.push({ resourceId: u.id, status: 'fail', reason: `${a.login} has only weak ${word} methods (${a.mfaMethods.join(', ')})`, details });
    } else {
      out.push({ resourceId: u.id, status: 'pass', reason: `${a.login} has ${word} enrolled${a.mfaMethods.length ? ` (${a.mfaMethods.join(', ')})` : ''}`, details });
    }
  }
  return out;
}

/** Active accounts not used for `days` days (or never used, once older than `graceDays`) should be disabled. */
export function inactiveOutcomes(users: Array<Typed<IdentityUserAttributes>>, now: Date, days: number, graceDays: number): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const u of users) {
    const a = u.attributes;
    if (!a.active) continue;
    const details = { login: a.login, lastLogin: a.lastLogin, created: a.created };
    if (!a.lastLoginKnown) {
      out.push({ resourceId: u.id, status: 'error', reason: `${a.login}: last sign-in time is not available`, details });
    } else if (a.lastLogin === null) {
      if (a.created !== null && !olderThanDays(a.created, now, graceDays)) {
        out.push({ resourceId: u.id, status: 'pass', reason: `${a.login} never signed in but was created ${day(a.created)}, within the ${graceDays}-day grace period`, details });
      } else {
        out.push({ resourceId: u.id, status: 'fail', reason: `${a.login} is active but has never signed in${a.created ? ` (created ${day(a.created)})` : ''}`, details });
      }
    } else if (olderThanDays(a.lastLogin, now, days)) {
      out.push({ resourceId: u.id, status: 'fail', reason: `${a.login} last signed in ${day(a.lastLogin)}, more than ${days} days ago, and is still active`, details });
    } else {
      out.push({ resourceId: u.id, status: 'pass', reason: `${a.login} signed in within the last ${days} days`, details });
    }
  }
  return out;
}

/**
 * Admins: a count of super admins within [min, max] on the tenant resource, and each admin with MFA (phishing-resistant
 * when required). A provider that never says which factors are used (Google) is called with the requirement off; where it
 * is required, an admin whose phishing resistance could not be read is `error`, never `pass`.
 */
export function adminOutcomes(
  users: Array<Typed<IdentityUserAttributes>>,
  tenantId: string,
  isSuper: (u: Typed<IdentityUserAttributes>) => boolean,
  p: { minSuperAdmins: number; maxSuperAdmins: number; requirePhishingResistant: boolean },
): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  const admins = users.filter((u) => u.attributes.active && u.attributes.isAdmin);
  const supers = admins.filter(isSuper).map((u) => u.attributes.login).sort();
  const countDetails = { superAdmins: supers, admins: admins.map((u) => ({ login: u.attributes.login, roles: u.attributes.adminRoles })) };
  if (supers.length < p.minSuperAdmins || supers.length > p.maxSuperAdmins) {
    out.push({ resourceId: tenantId, status: 'fail', reason: `${supers.length} active super admins (${supers.join(', ') || 'none'}); expected ${p.minSuperAdmins}–${p.maxSuperAdmins}`, details: countDetails });
  } else {
    out.push({ resourceId: tenantId, status: 'pass', reason: `${supers.length} active super admins (${supers.join(', ')}), within ${p.minSuperAdmins}–${p.maxSuperAdmins}`, details: countDetails });
  }
  for (const u of admins) {
    const a = u.attributes;
    const details = { login: a.login, roles: a.adminRoles, methods: a.mfaMethods };
    if (a.mfaEnrolled === null) out.push({ resourceId: u.id, status: 'error', reason: `admin ${a.login}: MFA enrolment could not be read`, details });
    else if (!a.mfaEnrolled) out.push({ resourceId: u.id, status: 'fail', reason: `admin ${a.login} (${a.adminRoles.join(', ')}) has no MFA`, details });
    else if (p.requirePhishingResistant && a.phishingResistant === null) {
      out.push({ resourceId: u.id, status: 'error', reason: `admin ${a.login} (${a.adminRoles.join(', ')}): whether a phishing-resistant factor is enrolled could not be read`, details });
    } else if (p.requirePhishingResistant && a.phishingResistant === false) {
      out.push({ resourceId: u.id, status: 'fail', reason: `admin ${a.login} (${a.adminRoles.join(', ')}) has no phishing-resistant factor (${a.mfaMethods.join(', ')})`, details });
    } else {
      out.push({ resourceId: u.id, status: 'pass', reason: `admin ${a.login} (${a.adminRoles.join(', ')}) uses ${a.phishingResistant ? 'phishing-resistant ' : ''}MFA`, details });
    }
  }
  return out;
}
