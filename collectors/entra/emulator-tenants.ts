// The emulated Entra tenants: the demo tenant with its known violations (MFA gaps, idle and sprayed accounts, a
// group-held and a PIM-eligible Global Administrator) and generated tenants of any size for benchmarks.
import { randomUUID } from 'node:crypto';
import { GLOBAL_ADMIN_TEMPLATE_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/contracts/entra.js';

export interface EmuEntraUser {
  id: string; userPrincipalName: string; mail: string | null; displayName: string; accountEnabled: boolean; userType: string;
  createdDateTime: string; onPremisesSyncEnabled: boolean | null;
  signInActivity: { lastSignInDateTime: string | null; lastNonInteractiveSignInDateTime: string | null; lastSuccessfulSignInDateTime: string | null };
  methods: string[];
}

export interface EntraTenant {
  tenantId: string;
  users: EmuEntraUser[];
  roleDefinitions: Array<{ id: string; displayName: string; templateId: string; isBuiltIn: boolean }>;
  /** Permanent (or currently activated) assignments; principalId may be a user, a service principal or a group. */
  roleAssignments: Array<{ id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string }>;
  /** PIM eligibilities (served as roleEligibilityScheduleInstances, P2 only). */
  eligibilities: Array<{ id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string; startDateTime: string; endDateTime: string | null }>;
  /** PIM time-bound active assignments not listed in roleAssignments (served as roleAssignmentScheduleInstances). */
  pimActive: Array<{ id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string; startDateTime: string; endDateTime: string | null }>;
  groups: Array<{ id: string; displayName: string; isAssignableToRole: boolean; members: string[] }>;
  servicePrincipals: Array<{ id: string; displayName: string; appId: string }>;
  caPolicies: Array<Record<string, unknown> & { id: string; displayName: string }>;
  securityDefaults: boolean;
  /** policies/authorizationPolicy settings Vigil reads (the rest are served with Graph's defaults). */
  authorization: { allowInvitesFrom: string; guestUserRoleId: string; permissionGrantPoliciesAssigned: string[] };
  /** policies/adminConsentRequestPolicy. */
  adminConsent: { isEnabled: boolean; reviewers: Array<{ query: string; queryType: string; queryRoot: string | null }> };
  /** PIM settings per role definition id (served as roleManagementPolicyAssignments with expanded rules). */
  rolePolicies: Record<string, { approvalRequired: boolean; approvers: string[]; permanentActiveAllowed: boolean }>;
  /** Access review definitions (P2 / ID Governance) with their instances. */
  accessReviews: Array<{
    id: string; displayName: string; status: string; query: string; recurrence: { type: string; interval: number } | null;
    instances: Array<{ id: string; startDateTime: string; endDateTime: string; status: string }>;
  }>;
  audits: Array<Record<string, unknown> & { id: string; activityDateTime: string; activityDisplayName: string }>;
}


const DAY = 86_400_000;
const ROLE_IDS = {
  globalAdmin: GLOBAL_ADMIN_TEMPLATE_ID,
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
};

/** Guest user role template ids (Graph authorizationPolicy docs): member-like, limited (the default), restricted. */
export const GUEST_ROLE = { member: 'a0b1b346-4d3e-4e8b-98f8-753987be4970', limited: '10dae51f-b6af-4016-8d66-8c2a99b929b3', restricted: '2af84b1e-32c8-42b7-82bc-daa82404023b' };

/** Entra's out-of-the-box PIM settings: no approval, permanent active assignments allowed. */
function defaultRolePolicies(): EntraTenant['rolePolicies'] {
  return Object.fromEntries(Object.values(ROLE_IDS).map((id) => [id, { approvalRequired: false, approvers: [], permanentActiveAllowed: true }]));
}

const iso = (now: number, daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();

/** A quarterly review of Global Administrator holders whose latest instance completed `doneDaysAgo` days ago. */
function roleReview(now: number, doneDaysAgo: number): EntraTenant['accessReviews'][number] {
  return {
    id: '2a7b8c9d-0000-4000-8000-00000000ar01', displayName: 'Quarterly Global Administrator review', status: 'InProgress',
    query: `/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${ROLE_IDS.globalAdmin}')`,
    recurrence: { type: 'absoluteMonthly', interval: 3 },
    instances: [{ id: 'inst-r1', startDateTime: iso(now, doneDaysAgo + 14), endDateTime: iso(now, doneDaysAgo), status: 'Completed' }],
  };
}

/** A quarterly review of guest users in every Microsoft 365 group, last completed `doneDaysAgo` days ago. */
function guestReview(now: number, doneDaysAgo: number): EntraTenant['accessReviews'][number] {
  return {
    id: '2a7b8c9d-0000-4000-8000-00000000ar02', displayName: 'Quarterly guest review', status: 'InProgress',
    query: "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')", recurrence: { type: 'absoluteMonthly', interval: 3 },
    instances: [{ id: 'inst-g1', startDateTime: iso(now, doneDaysAgo + 14), endDateTime: iso(now, doneDaysAgo), status: 'Completed' }],
  };
}

function guid(n: number, salt: number): string {
  const h = (n * 2654435761 + salt * 97) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-${(n & 0xffff).toString(16).padStart(4, '0')}-4${(salt & 0xfff).toString(16).padStart(3, '0')}-8000-${n.toString(16).padStart(12, '0')}`;
}

interface UserOpts {
  enabled?: boolean; methods?: string[]; lastDays?: number | null; createdDays?: number; guest?: boolean; synced?: boolean;
  /** Days since the last failed interactive attempt (recorded in lastSignInDateTime when newer than the last success). */
  failedDays?: number;
  /** Days since the last non-interactive attempt, successful or not. */
  nonInteractiveDays?: number | null;
}

function user(n: number, upn: string, name: string, now: number, o: UserOpts): EmuEntraUser {
  const iso = (d: number | null | undefined) => (d === null || d === undefined ? null : new Date(now - d * DAY).toISOString());
  const success = o.lastDays === null ? null : (o.lastDays ?? 1);
  // lastSignInDateTime and lastNonInteractiveSignInDateTime record attempts, failed ones included (Graph signInActivity
  // docs); only lastSuccessfulSignInDateTime says the account was really used.
  const interactive = o.failedDays !== undefined && (success === null || o.failedDays < success) ? o.failedDays : success;
  const nonInteractive = o.nonInteractiveDays === undefined ? (success === null ? null : success + 0.5) : o.nonInteractiveDays;
  return {
    id: guid(n, 1), userPrincipalName: upn, mail: o.guest ? upn.split('#EXT#')[0]!.replace('_', '@') : upn, displayName: name,
    accountEnabled: o.enabled ?? true, userType: o.guest ? 'Guest' : 'Member', createdDateTime: new Date(now - (o.createdDays ?? 400) * DAY).toISOString(),
    onPremisesSyncEnabled: o.synced ? true : null,
    signInActivity: { lastSignInDateTime: iso(interactive), lastNonInteractiveSignInDateTime: iso(nonInteractive), lastSuccessfulSignInDateTime: iso(success) },
    methods: o.methods ?? [],
  };
}

function roleDefs(): EntraTenant['roleDefinitions'] {
  return [
    { id: ROLE_IDS.globalAdmin, displayName: 'Global Administrator', templateId: ROLE_IDS.globalAdmin, isBuiltIn: true },
    { id: ROLE_IDS.userAdmin, displayName: 'User Administrator', templateId: ROLE_IDS.userAdmin, isBuiltIn: true },
    { id: ROLE_IDS.globalReader, displayName: 'Global Reader', templateId: ROLE_IDS.globalReader, isBuiltIn: true },
  ];
}

function caPolicies(demo: boolean): EntraTenant['caPolicies'] {
  const common = { createdDateTime: '2025-01-10T09:00:00Z', modifiedDateTime: '2025-01-10T09:00:00Z', templateId: null, sessionControls: null };
  return [
    {
      id: 'a1f0c2d3-0000-4000-8000-00000000ca01', displayName: 'Require MFA for all users', ...common,
      state: demo ? 'enabledForReportingButNotEnforced' : 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] }, applications: { includeApplications: ['All'], excludeApplications: [] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [] },
    },
    {
      id: 'a1f0c2d3-0000-4000-8000-00000000ca02', displayName: 'Block legacy authentication', ...common, state: 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['exchangeActiveSync', 'other'] },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    },
    ...(demo ? [] : [{
      id: 'a1f0c2d3-0000-4000-8000-00000000ca03', displayName: 'Phishing-resistant MFA for admins', ...common, state: 'enabled',
      conditions: { users: { includeRoles: [ROLE_IDS.globalAdmin, ROLE_IDS.userAdmin] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID, displayName: 'Phishing-resistant MFA' } },
    }]),
  ];
}

export function audit(t: EntraTenant, activity: string, target: EmuEntraUser, at: Date): void {
  t.audits.push({
    id: `Directory_${randomUUID()}`, category: activity.includes('role') ? 'RoleManagement' : 'UserManagement', correlationId: randomUUID(),
    result: 'success', resultReason: '', activityDisplayName: activity, activityDateTime: at.toISOString(), loggedByService: 'Core Directory',
    operationType: activity.startsWith('Add') ? 'Assign' : 'Update',
    initiatedBy: { app: null, user: { id: t.users[0]!.id, displayName: t.users[0]!.displayName, userPrincipalName: t.users[0]!.userPrincipalName, ipAddress: '' } },
    targetResources: [{ id: target.id, displayName: target.displayName, type: 'User', userPrincipalName: target.userPrincipalName, groupType: null,
      modifiedProperties: activity === 'Disable account' ? [{ displayName: 'AccountEnabled', oldValue: '[true]', newValue: '[false]' }] : [] }],
    additionalDetails: [],
  });
}

export function demoEntraTenant(now: number): EntraTenant {
  const users = [
    user(1, 'alice@example.com', 'Alice Admin', now, { methods: ['fido2', 'microsoftAuthenticatorPush'] }),
    user(2, 'bob@example.com', 'Bob Builder', now, { methods: ['mobilePhone'] }),
    user(3, 'carol@example.com', 'Carol NoMfa', now, { methods: [] }),
    user(4, 'dave@example.com', 'Dave Leaver', now, { enabled: false, methods: ['microsoftAuthenticatorPush'], lastDays: 3 }),
    user(5, 'erin@example.com', 'Erin Idle', now, { methods: ['softwareOneTimePasscode'], lastDays: 120 }),
    user(6, 'frank@example.com', 'Frank Never', now, { methods: ['microsoftAuthenticatorPush'], lastDays: null, createdDays: 60 }),
    user(7, 'partner_example.net#EXT#@example.onmicrosoft.com', 'Partner Guest', now, { guest: true, methods: ['email'], lastDays: 5 }),
    user(8, 'heidi@example.com', 'Heidi Good', now, { methods: ['windowsHelloForBusiness', 'microsoftAuthenticatorPush'], failedDays: 0.2 }),
    // Global Administrator only through the role-assignable group below, synced from on-premises, push only.
    user(9, 'ivan@example.com', 'Ivan Tier0', now, { methods: ['microsoftAuthenticatorPush'], synced: true }),
    // PIM-eligible Global Administrator, push only.
    user(10, 'judy@example.com', 'Judy Eligible', now, { methods: ['microsoftAuthenticatorPush'] }),
    // Dormant for 200 days but under password spraying: failed attempts yesterday, none succeeded.
    user(11, 'kim@example.com', 'Kim Sprayed', now, { methods: ['microsoftAuthenticatorPush'], lastDays: 200, failedDays: 1, nonInteractiveDays: 2 }),
    // Created long ago, never a successful sign-in recorded, failed attempts last week.
    user(12, 'leo@example.com', 'Leo Probed', now, { methods: ['microsoftAuthenticatorPush'], lastDays: null, failedDays: 6, nonInteractiveDays: null, createdDays: 900 }),
  ];
  const tier0 = { id: 'c0ffee00-0000-4000-8000-0000000000a1', displayName: 'Tier0 Admins', isAssignableToRole: true, members: [users[8]!.id] };
  const t: EntraTenant = {
    tenantId: '3f0c1b4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', users, roleDefinitions: roleDefs(),
    roleAssignments: [
      { id: 'ra-ga-alice', principalId: users[0]!.id, roleDefinitionId: ROLE_IDS.globalAdmin, directoryScopeId: '/' },
      { id: 'ra-ua-bob', principalId: users[1]!.id, roleDefinitionId: ROLE_IDS.userAdmin, directoryScopeId: '/' },
      { id: 'ra-ga-tier0', principalId: tier0.id, roleDefinitionId: ROLE_IDS.globalAdmin, directoryScopeId: '/' },
    ],
    eligibilities: [
      { id: 'es-ga-judy', principalId: users[9]!.id, roleDefinitionId: ROLE_IDS.globalAdmin, directoryScopeId: '/', startDateTime: new Date(now - 30 * DAY).toISOString(), endDateTime: null },
    ],
    pimActive: [], groups: [tier0], servicePrincipals: [],
    caPolicies: caPolicies(true), securityDefaults: false, audits: [],
    // Graph's defaults for a new tenant: anyone may invite, members consent to any app, no admin consent workflow.
    authorization: { allowInvitesFrom: 'everyone', guestUserRoleId: GUEST_ROLE.limited, permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'] },
    adminConsent: { isEnabled: false, reviewers: [] },
    rolePolicies: defaultRolePolicies(),
    // A quarterly review of Global Administrators whose last instance completed 200 days ago; no review of guests.
    accessReviews: [roleReview(now, 200)],
  };
  audit(t, 'Add member to role', users[1]!, new Date(now - 20 * DAY));
  audit(t, 'Disable account', users[3]!, new Date(now - 2 * DAY));
  return t;
}

export function generatedEntraTenant(n: number, seed: number, now: number): EntraTenant {
  let s = seed >>> 0;
  const r = () => { s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0; return s / 4294967296; };
  const users: EmuEntraUser[] = [];
  for (let i = 0; i < n; i++) {
    const m = r();
    const methods = m < 0.05 ? [] : m < 0.1 ? ['mobilePhone'] : m < 0.25 ? ['fido2', 'microsoftAuthenticatorPush'] : ['microsoftAuthenticatorPush', 'softwareOneTimePasscode'];
    users.push(user(i + 1, `user${i + 1}@example.com`, `User ${i + 1}`, now, { enabled: r() > 0.03, methods, lastDays: r() < 0.05 ? null : Math.floor(r() * 150) }));
  }
  const t: EntraTenant = {
    tenantId: '9a8b7c6d-0000-4000-8000-00000000beef', users, roleDefinitions: roleDefs(),
    roleAssignments: users.slice(0, 30).map((u, i) => ({ id: `ra-${i}`, principalId: u.id, roleDefinitionId: i < 3 ? ROLE_IDS.globalAdmin : i < 12 ? ROLE_IDS.userAdmin : ROLE_IDS.globalReader, directoryScopeId: '/' })),
    eligibilities: [], pimActive: [], groups: [], servicePrincipals: [],
    caPolicies: caPolicies(false), securityDefaults: false, audits: [],
    authorization: { allowInvitesFrom: 'adminsAndGuestInviters', guestUserRoleId: GUEST_ROLE.restricted, permissionGrantPoliciesAssigned: [] },
    adminConsent: { isEnabled: true, reviewers: [{ query: `/users/${users[0]?.id ?? guid(0, 1)}`, queryType: 'MicrosoftGraph', queryRoot: null }] },
    accessReviews: [roleReview(now, 20), guestReview(now, 40)],
    rolePolicies: { ...defaultRolePolicies(), [ROLE_IDS.globalAdmin]: { approvalRequired: true, approvers: [users[0]?.id ?? guid(0, 1)], permanentActiveAllowed: false } },
  };
  for (const u of users.filter((u) => !u.accountEnabled)) audit(t, 'Disable account', u, new Date(now - Math.floor(r() * 25) * DAY));
  return t;
}

