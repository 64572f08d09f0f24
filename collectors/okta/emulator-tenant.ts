// The Okta emulator's tenants: the demo tenant with known violations, generated tenants of any size, and the shapes
// they are stored in (Okta's own field names).
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../../src/core/seeded-random.js';

export interface EmuUser {
  id: string;
  status: string;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: { login: string; email: string; firstName: string; lastName: string };
  factors: Array<{ id: string; factorType: string; provider: string; vendorName: string; status: string; created: string; lastUpdated: string }>;
  roles: Array<{ id: string; type: string; label: string; status: string; created: string; lastUpdated: string; assignmentType: 'USER' | 'GROUP' }>;
}

export interface EmuLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  severity: string;
  actor: { id: string; type: string; alternateId: string; displayName: string };
  target: Array<{ id: string; type: string; alternateId: string; displayName: string }>;
  outcome: { result: string };
}

/**
 * An Okta group. `roles` are admin roles assigned to the group itself (`/api/v1/groups/{id}/roles`): every member holds
 * them. The emulator lists them only there (the worst case: Okta's user-role list may also show them with
 * assignmentType GROUP, but the collector does not rely on it), so a collector reading only user assignments misses them.
 */
export interface EmuGroup {
  id: string;
  type: 'OKTA_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string };
  members: string[];
  roles: Array<{ id: string; type: string; label: string; status: string; created: string; lastUpdated: string; assignmentType: 'GROUP' }>;
}

export interface OktaTenant {
  users: EmuUser[];
  groups: EmuGroup[];
  policies: Array<{ id: string; type: string; name: string; status: string; priority: number; system: boolean; settings?: unknown; rules: unknown[] }>;
  logStreams: Array<{ id: string; type: string; name: string; status: string }>;
  logs: EmuLogEvent[];
  apiTokens: Array<{ id: string; name: string; userId: string; clientName: string; tokenWindow: string; network: { connection: string; include?: string[] }; created: string; lastUpdated: string; expiresAt: string }>;
}


const DAY = 86_400_000;

const rng = mulberry32;

const FACTOR_KINDS: Record<string, { factorType: string; provider: string; vendorName: string }> = {
  push: { factorType: 'push', provider: 'OKTA', vendorName: 'OKTA' },
  totp: { factorType: 'token:software:totp', provider: 'OKTA', vendorName: 'OKTA' },
  google: { factorType: 'token:software:totp', provider: 'GOOGLE', vendorName: 'GOOGLE' },
  sms: { factorType: 'sms', provider: 'OKTA', vendorName: 'OKTA' },
  call: { factorType: 'call', provider: 'OKTA', vendorName: 'OKTA' },
  email: { factorType: 'email', provider: 'OKTA', vendorName: 'OKTA' },
  webauthn: { factorType: 'webauthn', provider: 'FIDO', vendorName: 'FIDO' },
  fastpass: { factorType: 'signed_nonce', provider: 'OKTA', vendorName: 'OKTA' },
};

function oktaId(prefix: string, n: number): string {
  return `${prefix}${n.toString(36).padStart(8, '0')}Emu5d7`.slice(0, 20);
}

function makeUser(n: number, login: string, first: string, last: string, now: number, o: {
  status?: string; createdDaysAgo?: number; lastLoginDaysAgo?: number | null; factors?: string[]; roles?: string[]; statusChangedDaysAgo?: number;
}): EmuUser {
  const created = new Date(now - (o.createdDaysAgo ?? 400) * DAY).toISOString();
  const status = o.status ?? 'ACTIVE';
  return {
    id: oktaId('00u', n),
    status,
    created,
    activated: status === 'STAGED' ? null : created,
    statusChanged: o.statusChangedDaysAgo === undefined ? created : new Date(now - o.statusChangedDaysAgo * DAY).toISOString(),
    lastLogin: o.lastLoginDaysAgo === null ? null : new Date(now - (o.lastLoginDaysAgo ?? 1) * DAY).toISOString(),
    lastUpdated: created,
    passwordChanged: created,
    profile: { login, email: login, firstName: first, lastName: last },
    factors: (o.factors ?? []).map((k, i) => ({
      id: oktaId(k === 'webauthn' ? 'fwf' : 'opf', n * 10 + i),
      ...(FACTOR_KINDS[k] ?? FACTOR_KINDS.push!),
      status: 'ACTIVE', created, lastUpdated: created,
    })),
    roles: (o.roles ?? []).map((type, i) => ({
      id: oktaId('ra1', n * 10 + i), type, label: type.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' '),
      status: 'ACTIVE', created, lastUpdated: created, assignmentType: 'USER' as const,
    })),
  };
}

function basePolicies(demo: boolean): OktaTenant['policies'] {
  return [
    {
      id: '00pPasswordDefault01', type: 'PASSWORD', name: 'Default Policy', status: 'ACTIVE', priority: 1, system: true,
      settings: {
        password: {
          complexity: { minLength: demo ? 8 : 14, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: demo ? 0 : 1, excludeUsername: true, dictionary: { common: { exclude: true } } },
          age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: demo ? 0 : 5 },
          lockout: { maxAttempts: demo ? 0 : 5, autoUnlockMinutes: 0, showLockoutFailures: false },
        },
        recovery: { factors: { okta_email: { status: 'ACTIVE' } } },
        delegation: { options: { skipUnlock: false } },
      },
      rules: [],
    },
    {
      id: '00pSignOnDefault001', type: 'OKTA_SIGN_ON', name: 'Default Policy', status: 'ACTIVE', priority: 1, system: true,
      rules: [{
        id: '0prSignOnDefault01', name: 'Default Rule', status: 'ACTIVE', priority: 1, system: true, type: 'SIGN_ON',
        conditions: { people: { users: { exclude: [] } }, network: { connection: 'ANYWHERE' } },
        actions: {
          signon: {
            access: 'ALLOW', requireFactor: !demo, factorPromptMode: 'ALWAYS', rememberDeviceByDefault: false,
            session: { usePersistentCookie: false, maxSessionIdleMinutes: demo ? 120 : 15, maxSessionLifetimeMinutes: demo ? 0 : 720 },
          },
        },
      }],
    },
    {
      id: '00pAccessAdminCons1', type: 'ACCESS_POLICY', name: 'Okta Admin Console', status: 'ACTIVE', priority: 1, system: false,
      rules: [{
        id: '0prAdminConsole001', name: 'Admin Console rule', status: 'ACTIVE', priority: 0, system: false, type: 'ACCESS_POLICY',
        conditions: null,
        actions: { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: '2FA', type: 'ASSURANCE', reauthenticateIn: 'PT2H', constraints: [{ possession: { phishingResistant: 'REQUIRED', deviceBound: 'REQUIRED' } }] } } },
      }],
    },
    {
      id: '00pAccessDashboard1', type: 'ACCESS_POLICY', name: 'Okta Dashboard', status: 'ACTIVE', priority: 2, system: false,
      rules: [{
        id: '0prDashboard00001', name: 'Dashboard rule', status: 'ACTIVE', priority: 0, system: false, type: 'ACCESS_POLICY',
        conditions: null,
        actions: { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: demo ? '1FA' : '2FA', type: 'ASSURANCE', reauthenticateIn: 'PT12H', constraints: [] } } },
      }],
    },
  ];
}

/** The demo tenant: each named user carries one known violation (see docs/identity.md). */
export function demoOktaTenant(now: number): OktaTenant {
  const users = [
    makeUser(1, 'alice@example.com', 'Alice', 'Admin', now, { factors: ['webauthn', 'push'], roles: ['SUPER_ADMIN'] }),
    makeUser(2, 'bob@example.com', 'Bob', 'Builder', now, { factors: ['sms'], roles: ['ORG_ADMIN'] }),
    makeUser(3, 'carol@example.com', 'Carol', 'NoMfa', now, { factors: [] }),
    makeUser(4, 'dave@example.com', 'Dave', 'Leaver', now, { status: 'DEPROVISIONED', factors: ['push'], statusChangedDaysAgo: 2, lastLoginDaysAgo: 3 }),
    makeUser(5, 'erin@example.com', 'Erin', 'Idle', now, { factors: ['push'], lastLoginDaysAgo: 120 }),
    makeUser(6, 'frank@example.com', 'Frank', 'Never', now, { factors: ['totp'], lastLoginDaysAgo: null, createdDaysAgo: 60 }),
    makeUser(7, 'grace@example.com', 'Grace', 'Suspended', now, { status: 'SUSPENDED', factors: ['push'], statusChangedDaysAgo: 10 }),
    makeUser(8, 'heidi@example.com', 'Heidi', 'Good', now, { factors: ['fastpass', 'push'] }),
  ];
  // carol holds USER_ADMIN only through the IT Helpdesk group, and has no factor.
  const groups = [group(1, 'Everyone', users, [], now, 'BUILT_IN'), group(2, 'IT Helpdesk', [users[2]!], ['USER_ADMIN'], now)];
  const t: OktaTenant = { users, groups, policies: basePolicies(true), logStreams: [], logs: [], apiTokens: [apiToken('00Tdemo0001', 'terraform', users[0]!.id, 'ANYWHERE', now)] };
  const admin = users[0]!;
  logEvent(t, 'user.lifecycle.suspend', users[6]!, admin, new Date(now - 10 * DAY));
  logEvent(t, 'user.lifecycle.deactivate', users[3]!, admin, new Date(now - 2 * DAY));
  logEvent(t, 'user.account.privilege.grant', users[1]!, admin, new Date(now - 30 * DAY));
  t.logs.sort((a, b) => a.published.localeCompare(b.published));
  return t;
}

/** A generated tenant of `n` users with realistic proportions of weak, missing and strong factors. */
export function generatedOktaTenant(n: number, seed: number, now: number): OktaTenant {
  const r = rng(seed);
  const users: EmuUser[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const status = x < 0.03 ? 'DEPROVISIONED' : x < 0.05 ? 'SUSPENDED' : x < 0.06 ? 'STAGED' : 'ACTIVE';
    const f = r();
    const factors = f < 0.04 ? [] : f < 0.1 ? ['sms'] : f < 0.2 ? ['webauthn', 'push'] : f < 0.6 ? ['push'] : ['push', 'totp'];
    const roles = i < 3 ? ['SUPER_ADMIN'] : i < 15 ? ['ORG_ADMIN'] : i < 30 ? ['READ_ONLY_ADMIN'] : [];
    users.push(makeUser(i + 1, `user${i + 1}@example.com`, 'User', String(i + 1), now, {
      status, factors, roles, lastLoginDaysAgo: r() < 0.05 ? null : Math.floor(r() * 150), createdDaysAgo: 200 + Math.floor(r() * 500),
    }));
  }
  const groups = [
    group(1, 'Everyone', users, [], now, 'BUILT_IN'),
    group(2, 'Engineering', users.filter((_, i) => i % 3 === 0), [], now),
    group(3, 'Ops Admins', users.slice(30, 33), ['ORG_ADMIN'], now),
  ];
  const t: OktaTenant = {
    users, groups, policies: basePolicies(false), logStreams: [{ id: '0oxStream0001', type: 'aws_eventbridge', name: 'SIEM', status: 'ACTIVE' }], logs: [],
    apiTokens: [apiToken('00Tgen00001', 'provisioning', users[Math.min(5, users.length - 1)]!.id, 'ZONE', now)],
  };
  for (const u of users.filter((u) => u.status === 'DEPROVISIONED')) logEvent(t, 'user.lifecycle.deactivate', u, users[0]!, new Date(now - Math.floor(r() * 60) * DAY));
  t.logs.sort((a, b) => a.published.localeCompare(b.published));
  return t;
}

function group(n: number, name: string, members: EmuUser[], roles: string[], now: number, type: EmuGroup['type'] = 'OKTA_GROUP'): EmuGroup {
  const created = new Date(now - 300 * DAY).toISOString();
  return {
    id: oktaId('00g', n), type, profile: { name, description: name }, members: members.map((u) => u.id),
    roles: roles.map((t, i) => ({
      id: oktaId('irb', n * 10 + i), type: t, label: t.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' '),
      status: 'ACTIVE', created, lastUpdated: created, assignmentType: 'GROUP' as const,
    })),
  };
}

function apiToken(id: string, name: string, userId: string, connection: string, now: number): OktaTenant['apiTokens'][number] {
  const created = new Date(now - 100 * DAY).toISOString();
  return {
    id, name, userId, clientName: 'Okta API', tokenWindow: 'P30D', created, lastUpdated: created, expiresAt: new Date(now + 20 * DAY).toISOString(),
    network: connection === 'ZONE' ? { connection, include: ['nzoCorpNetwork01'] } : { connection },
  };
}

export function logEvent(t: OktaTenant, eventType: string, target: EmuUser, actor: EmuUser, at: Date): void {
  t.logs.push({
    uuid: randomUUID(), published: at.toISOString(), eventType, displayMessage: eventType, severity: 'INFO',
    actor: { id: actor.id, type: 'User', alternateId: actor.profile.login, displayName: `${actor.profile.firstName} ${actor.profile.lastName}` },
    target: [{ id: target.id, type: 'User', alternateId: target.profile.login, displayName: `${target.profile.firstName} ${target.profile.lastName}` }],
    outcome: { result: 'SUCCESS' },
  });
}

