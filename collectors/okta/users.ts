// Okta users: both lists (live and DEPROVISIONED), each signing-in user's factors, and the user and admin-role resources.
import type { CollectionError } from '../../src/core/types.js';
import { PHISHING_RESISTANT_METHODS } from '../../src/core/contracts/identity.js';
import type { OktaAdminRoleAttributes, OktaUserAttributes } from '../../src/core/contracts/okta.js';
import { asList, parseFactor, parseUser, type RawFactor, type RawUser } from './parse.js';
import { pool, type HeldRole } from './admin-roles.js';
import { artifact } from './reader.js';
import { oktaError, type OktaRun } from './run.js';

/**
 * Statuses in which a user can sign in, so factors matter. SUSPENDED and DEPROVISIONED users cannot sign in (Okta
 * keeps a suspended user's factors and groups so an unsuspend restores access; a deactivated user loses them), STAGED
 * and PROVISIONED users have not yet set credentials.
 */
const SIGN_IN_STATUSES = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY']);

export function factorMethod(factorType: string, provider: string): string {
  switch (factorType) {
    case 'push': return 'push';
    case 'token:software:totp': return 'totp';
    case 'sms': return 'sms';
    case 'call': return 'voice';
    case 'email': return 'email';
    case 'question': return 'question';
    case 'webauthn': return 'webauthn';
    case 'u2f': return 'security_key';
    case 'signed_nonce': return 'platform';
    case 'token:hardware': case 'token': case 'token:hotp': return provider === 'YUBICO' ? 'security_key' : 'hardware_token';
    default: return 'other';
  }
}

/** Every user, or null when the list could not be read (the error is recorded). */
export async function readUsers(run: OktaRun): Promise<RawUser[] | null> {
  // The default list omits DEPROVISIONED users, who matter most for offboarding, so read them too.
  try {
    const { r, config } = run;
    const live = await r.listAll(`/api/v1/users?limit=${config.pageSize}`, 'okta:ListUsers', parseUser);
    const gone = await r.listAll(
      `/api/v1/users?limit=${config.pageSize}&search=${encodeURIComponent('status eq "DEPROVISIONED"')}`, 'okta:ListUsers', parseUser);
    return [...new Map([...live, ...gone].map((u) => [u.id, u])).values()];
  } catch (e) {
    run.errors.push(oktaError(e, 'okta:ListUsers'));
    return null;
  }
}

/**
 * Factors of every user who can sign in. Okta has no bulk factor endpoint, so this is the one per-user read, paced by
 * X-Rate-Limit-*. Users whose factors could not be read are absent from the map and named in the recorded errors.
 */
export async function readFactors(run: OktaRun, users: RawUser[]): Promise<Map<string, RawFactor[]>> {
  const { client, config, ctx, r } = run;
  const factors = new Map<string, RawFactor[]>();
  const signInUsers = users.filter((u) => SIGN_IN_STATUSES.has(u.status));
  const failed = new Map<string, CollectionError>();
  let fatal: CollectionError | null = null;
  try {
    await pool(signInUsers, config.concurrency, async (u) => {
      // Once the source has refused us outright, reading the rest would only repeat the refusal.
      if (fatal) { failed.set(u.id, fatal); return; }
      const op = 'okta:ListFactors';
      try {
        const page = await client.get<unknown>(`/api/v1/users/${encodeURIComponent(u.id)}/factors`, op);
        factors.set(u.id, asList(op, page.items).map((o) => parseFactor(op, o)));
      } catch (e) {
        const err = oktaError(e, op);
        failed.set(u.id, err);
        if (['denied', 'unauthenticated'].includes(err.cause ?? '') || ctx.signal?.aborted) fatal ??= err;
      }
    }, ctx.signal);
  } catch (e) {
    fatal ??= oktaError(e, 'okta:ListFactors');
    for (const u of signInUsers) if (!factors.has(u.id) && !failed.has(u.id)) failed.set(u.id, fatal);
  }
  r.minApiCalls += signInUsers.length;
  r.artifacts.push(artifact('okta:ListFactors', JSON.stringify(Object.fromEntries(factors))));
  if (failed.size === 0) {
    run.inputs['okta.user.factors'] = { observedAt: run.observed() };
  } else if (fatal || failed.size === signInUsers.length) {
    const first = fatal ?? [...failed.values()][0]!;
    run.errors.push({ ...first, message: `${first.message} (${failed.size} of ${signInUsers.length} users unread)` });
  } else {
    // Only these users' factors are unknown: their MFA verdicts become `error`, everyone else is judged.
    run.inputs['okta.user.factors'] = { observedAt: run.observed() };
    const byCause = new Map<string, { err: CollectionError; ids: string[] }>();
    for (const [id, err] of failed) {
      const k = `${err.cause}:${err.code}`;
      const g = byCause.get(k) ?? { err, ids: [] };
      g.ids.push(id);
      byCause.set(k, g);
    }
    for (const { err, ids } of byCause.values()) run.errors.push({ ...err, inputs: ['okta.user.factors'], resources: ids.sort(), message: `${err.message} (${ids.length} of ${signInUsers.length} users unread)` });
  }
  return factors;
}

/** The `okta.user` resources (factors and roles folded in) and, when roles were read, one `okta.admin_role` per held role. */
export function pushUsers(run: OktaRun, users: RawUser[], factors: Map<string, RawFactor[]>, rolesByUser: Map<string, HeldRole[]> | null): void {
  const usersAt = run.observed();
  const unknownLastLogin: string[] = [];
  for (const u of users) {
    const fs = factors.get(u.id);
    const active = (fs ?? []).filter((f) => f.status === 'ACTIVE');
    const methods = [...new Set(active.map((f) => factorMethod(f.factorType, f.provider)))].sort();
    const roles = rolesByUser?.get(u.id) ?? [];
    const login = u.profile.login.toLowerCase();
    // null lastLogin is Okta's "never signed in"; a missing field is "unknown", which the inactivity rule reports as error.
    if (u.lastLogin === undefined) unknownLastLogin.push(u.id);
    const attrs: OktaUserAttributes = {
      email: u.profile.email?.toLowerCase() ?? null,
      login,
      displayName: u.profile.displayName ?? [u.profile.firstName, u.profile.lastName].filter(Boolean).join(' '),
      status: u.status,
      active: SIGN_IN_STATUSES.has(u.status),
      isAdmin: roles.length > 0,
      adminRoles: [...new Set(roles.map((x) => x.type))].sort(),
      mfaEnrolled: fs ? active.length > 0 : null,
      mfaMethods: methods,
      phishingResistant: fs ? methods.some((m) => PHISHING_RESISTANT_METHODS.includes(m)) : null,
      lastLogin: u.lastLogin ?? null,
      lastLoginKnown: u.lastLogin !== undefined,
      created: u.created,
      statusChanged: u.statusChanged,
      mfaFactors: (fs ?? []).map((f) => ({ factorType: f.factorType, provider: f.provider, status: f.status, method: factorMethod(f.factorType, f.provider) })),
    };
    run.push('okta.user', u.id, login, attrs, usersAt);
  }
  if (unknownLastLogin.length > 0) {
    run.errors.push({ operation: 'okta:ListUsers', code: 'MISSING_FIELD', message: `lastLogin missing on ${unknownLastLogin.length} users`, inputs: ['okta.user'], resources: unknownLastLogin, cause: 'malformed', retryable: false });
  }
  run.inputs['okta.user'] = { observedAt: usersAt };
  if (!rolesByUser) return;
  const byId = new Map(users.map((u) => [u.id, u]));
  for (const [uid, roles] of rolesByUser) {
    for (const x of roles) {
      const a: OktaAdminRoleAttributes = {
        roleType: x.type, label: x.label, assignmentType: x.via, principalId: x.groupId ?? uid,
        principalLogin: byId.get(uid)?.profile.login.toLowerCase() ?? null, status: x.status,
      };
      run.push('okta.admin_role', `${uid}:${x.id}`, `${a.principalLogin ?? uid} ${x.type}${x.groupName ? ` via ${x.groupName}` : ''}`, a, usersAt);
    }
  }
}
