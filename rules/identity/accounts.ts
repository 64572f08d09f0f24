// The accounts of the sources the person view joins (IdP users, GitHub members, AWS IAM users), one row each with a
// stable id, what it can do and when it was last used: the population an access review freezes and tracks.
import type { Snapshot } from '../../src/core/types.js';
import { IDENTITY_USER_TYPES, type IdentityUserAttributes } from '../../src/core/contracts/identity.js';

/** One account as an access review sees it. */
export interface AccountRow {
  /** `SOURCE:SCOPE/NAME`: `okta:acme.okta.com/ann@x.io`, `github:acme/ann`, `aws:111122223333/ann`. */
  id: string;
  source: string;
  scope: string;
  /** Login (IdP, GitHub) or IAM user name. */
  name: string;
  /** Whether the account can be used now: an active IdP account, any GitHub membership, an IAM user with a password or an active key. */
  holdsAccess: boolean;
  /** What it may do, as the source reports it (admin roles, org role, groups and policies, credentials). */
  privileges: string[];
  /** Latest recorded use (sign-in, password or key use); null when the source recorded none. */
  lastActivity: string | null;
  observedAt: string;
}

const latest = (xs: Array<string | null | undefined>): string | null => xs.filter((x): x is string => typeof x === 'string' && x !== '').sort().pop() ?? null;

/** Every account in the snapshots, sorted by id. Pure. */
export function accountsOf(snapshots: Snapshot[]): AccountRow[] {
  const out: AccountRow[] = [];
  for (const s of snapshots) {
    for (const r of s.resources) {
      const base = { source: r.source, scope: r.scope, observedAt: r.observedAt };
      if ((IDENTITY_USER_TYPES as readonly string[]).includes(r.type)) {
        const a = r.attributes as unknown as IdentityUserAttributes;
        const privileges = [...(a.adminRoles ?? []).map((x) => `admin role ${x}`), ...(a.isAdmin && (a.adminRoles ?? []).length === 0 ? ['admin'] : [])];
        out.push({ ...base, id: `${r.source}:${r.scope}/${a.login}`, name: a.login, holdsAccess: a.active, privileges, lastActivity: a.lastLogin ?? null });
      } else if (r.type === 'github.member') {
        const a = r.attributes as { login?: string; role?: string };
        const login = String(a.login ?? r.id);
        out.push({ ...base, id: `github:${r.scope}/${login}`, name: login, holdsAccess: true, privileges: [`org ${String(a.role ?? 'member')}`], lastActivity: null });
      } else if (r.type === 'aws.iam.user') {
        const a = r.attributes as { passwordEnabled?: boolean; passwordLastUsed?: string | null; accessKeys?: Array<{ active: boolean; lastUsed: string | null }>; groups?: string[]; attachedPolicies?: string[]; inlinePolicies?: Array<{ name: string }> };
        const keys = (a.accessKeys ?? []).filter((k) => k.active);
        const privileges = [
          ...(a.groups ?? []).map((g) => `group ${g}`),
          ...(a.attachedPolicies ?? []).map((p) => `policy ${p}`),
          ...(a.inlinePolicies ?? []).map((p) => `inline policy ${p.name}`),
          ...(a.passwordEnabled ? ['console password'] : []),
          ...(keys.length ? [`${keys.length} active access key(s)`] : []),
        ];
        out.push({
          ...base, id: `aws:${r.scope}/${r.name}`, name: r.name, holdsAccess: a.passwordEnabled === true || keys.length > 0, privileges,
          lastActivity: latest([a.passwordLastUsed, ...(a.accessKeys ?? []).map((k) => k.lastUsed)]),
        });
      }
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
