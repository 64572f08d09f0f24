// The Entra collector's reads before the audit log: users (with sign-in activity when licensed), MFA registration, role
// holders, Conditional Access with security defaults; then the user and tenant resources built from them.
import { createHash } from 'node:crypto';
import type { CollectContext } from '../../src/core/collector.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { redactSecrets } from '../../src/core/errors.js';
import { MalformedReplyError, collectionErrorFrom } from '../../src/core/failure.js';
import { PHISHING_RESISTANT_METHODS } from '../../src/core/contracts/identity.js';
import { GraphApiError, type GraphClient } from './client.js';
import type { EntraConfig } from './config.js';
import {
  caPolicyProblem, check, isObj, registrationProblem, userProblem, type Checked, type RawCaPolicy, type RawRegistration, type RawUser,
} from './parse.js';
import { readRoles } from './roles.js';
import {
  ENTRA_RESOURCE_TYPES, type EntraCaPolicyAttributes, type EntraTenantAttributes, type EntraUserAttributes,
} from '../../src/core/contracts/entra.js';

/** Graph error codes that mean "your tenant lacks the licence", not "your app lacks the permission". */
const LICENCE_CODES = new Set(['Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Forbidden_LicenseRequired']);

export function entraMethod(m: string): string {
  switch (m) {
    case 'microsoftAuthenticatorPush': case 'microsoftAuthenticatorPasswordless': return 'push';
    case 'softwareOneTimePasscode': return 'totp';
    case 'hardwareOneTimePasscode': return 'hardware_token';
    case 'mobilePhone': case 'alternateMobilePhone': return 'sms';
    case 'officePhone': return 'voice';
    case 'email': return 'email';
    case 'securityQuestion': return 'question';
    case 'fido2': case 'passKeyDeviceBound': case 'passKeyDeviceBoundAuthenticator': case 'passKeyDeviceBoundWindowsHello': return 'webauthn';
    case 'windowsHelloForBusiness': case 'macOsSecureEnclaveKey': case 'platformCredential': return 'platform';
    case 'x509CertificateSingleFactor': case 'x509CertificateMultiFactor': return 'smart_card';
    default: return 'other';
  }
}

export function artifact(label: string, body: string): Artifact {
  const buf = Buffer.from(redactSecrets(body));
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType: 'application/json', size: buf.length, label, body: buf };
}

function maxIso(...xs: Array<string | null | undefined>): string | null {
  let best: string | null = null;
  for (const x of xs) if (x && (best === null || Date.parse(x) > Date.parse(best))) best = x;
  return best;
}

export const opOf = (e: unknown, fallback: string) => (e instanceof GraphApiError || e instanceof MalformedReplyError ? e.operation : fallback);
const RETRYABLE = new Set(['throttled', 'server_error', 'timeout', 'unreachable']);

/** One collection in progress: what the reads add to, and how they list, record artifacts and record failures. */
export interface EntraRun {
  ctx: CollectContext;
  config: EntraConfig;
  tenant: string;
  client: GraphClient;
  resources: Resource[];
  artifacts: Artifact[];
  errors: CollectionError[];
  inputs: Snapshot['inputs'];
  metrics: Record<string, number>;
  minApiCalls: number;
  /** The token request failed: nothing else can be read, and that was recorded once. */
  tokenFailed: boolean;
  observed(): string;
  /** Records a failed read with its real cause; the collection's own deadline (ctx.signal) ends the collection. */
  fail(e: unknown, operation: string, permission: string, inputsLost: string[]): void;
  /** Items whose required fields are missing: one per-resource error for the input, naming them. */
  incomplete(operation: string, input: string, bad: Map<string, string>): void;
  /** Every item of a paged list, each page kept as an artifact. */
  list(path: string, operation: string): Promise<unknown[]>;
}

export function startRun(ctx: CollectContext, config: EntraConfig, client: GraphClient): EntraRun {
  const run: EntraRun = {
    ctx, config, tenant: config.tenantId, client, resources: [], artifacts: [], errors: [], inputs: {}, metrics: {},
    minApiCalls: 1, // the token
    tokenFailed: false,
    observed: () => ctx.clock.now().toISOString(),
    fail: (e: unknown, operation: string, permission: string, inputsLost: string[]): void => {
      if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
      if (e instanceof GraphApiError && e.operation === 'entra:token') {
        // No token: nothing at all can be read. One error naming every input, once.
        if (run.tokenFailed) return;
        run.tokenFailed = true;
        run.errors.push({
          operation: 'entra:token', code: e.code, message: redactSecrets(e.summary), inputs: [...ENTRA_RESOURCE_TYPES], cause: e.failureCause,
          retryable: RETRYABLE.has(e.failureCause),
        });
        return;
      }
      if (e instanceof GraphApiError) {
        const licence = LICENCE_CODES.has(e.code);
        const cause = licence ? 'denied' : e.failureCause;
        run.errors.push({
          operation, code: e.code, message: redactSecrets(e.summary || e.message),
          ...(cause === 'denied' ? { permission: licence ? 'Entra ID P1 licence' : permission } : {}),
          inputs: inputsLost, cause, retryable: RETRYABLE.has(cause),
        });
        return;
      }
      run.errors.push(collectionErrorFrom(e, { operation, inputs: inputsLost, permission }));
    },
    incomplete: (operation: string, input: string, bad: Map<string, string>): void => {
      const [first] = bad;
      if (!first) return;
      run.errors.push({
        operation, code: 'IncompleteItem', message: `${bad.size} item(s) incomplete, e.g. ${first[0]}: ${first[1]}`,
        inputs: [input], resources: [...bad.keys()], cause: 'incomplete', retryable: false,
      });
    },
    list: async (path: string, operation: string): Promise<unknown[]> => {
      let n = 0;
      const out = await client.list(path, operation, (raw) => { run.artifacts.push(artifact(`${operation}#${++n}`, raw)); });
      run.minApiCalls += n;
      return out;
    },
  };
  return run;
}

/** Users, with signInActivity when the licence and AuditLog.Read.All allow it; null when they could not be read. */
export async function readUsers(run: EntraRun): Promise<{ users: Checked<RawUser> | null; signInKnown: boolean }> {
  const base = 'id,userPrincipalName,mail,displayName,accountEnabled,userType,createdDateTime,onPremisesSyncEnabled';
  let rawUsers: unknown[] | null = null;
  let signInKnown = false;
  try {
    rawUsers = await run.list(`/v1.0/users?$select=${base},signInActivity&$top=${run.config.pageSize}`, 'entra:ListUsers');
    signInKnown = true;
  } catch (e) {
    if (e instanceof GraphApiError && e.status === 403) {
      // signInActivity needs P1 and AuditLog.Read.All; without them read the users anyway and say what is missing.
      run.minApiCalls += 1;
      run.fail(e, 'entra:ListUsers(signInActivity)', 'AuditLog.Read.All', ['entra.user.sign_in_activity']);
      try {
        rawUsers = await run.list(`/v1.0/users?$select=${base}&$top=${run.config.pageSize}`, 'entra:ListUsers');
      } catch (e2) {
        run.fail(e2, opOf(e2, 'entra:ListUsers'), 'User.Read.All', ['entra.tenant', 'entra.user']);
      }
    } else run.fail(e, opOf(e, 'entra:ListUsers'), 'User.Read.All', ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity']);
  }
  let users: Checked<RawUser> | null = null;
  if (rawUsers) {
    try { users = check<RawUser>(rawUsers, 'entra:ListUsers', userProblem(signInKnown)); } catch (e) {
      run.fail(e, 'entra:ListUsers', 'User.Read.All', ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity']);
      signInKnown = false;
    }
  }
  return { users, signInKnown };
}

export async function readRegistrations(run: EntraRun): Promise<Map<string, RawRegistration> | null> {
  let registrations: Map<string, RawRegistration> | null = null;
  if (!run.tokenFailed) {
    try {
      const c = check<RawRegistration>(await run.list('/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999', 'entra:ListUserRegistrationDetails'),
        'entra:ListUserRegistrationDetails', registrationProblem);
      registrations = new Map(c.ok.map((r) => [r.id, r]));
      run.incomplete('entra:ListUserRegistrationDetails', 'entra.user.mfa_registration', c.bad);
    } catch (e) {
      run.fail(e, opOf(e, 'entra:ListUserRegistrationDetails'), 'AuditLog.Read.All', ['entra.user.mfa_registration']);
    }
  }
  return registrations;
}

/** Directory role holders (direct, through groups, PIM); an empty map and unknown PIM licence when unread. */
export async function readRoleHolders(run: EntraRun): Promise<{ rolesByUser: Map<string, string[]>; pimLicensed: boolean | null }> {
  let rolesByUser = new Map<string, string[]>();
  let pimLicensed: boolean | null = null;
  if (!run.tokenFailed) {
    try {
      const r = await readRoles(run.list, run.tenant, run.observed);
      run.resources.push(...r.resources);
      rolesByUser = r.rolesByUser;
      pimLicensed = r.pimLicensed;
      run.metrics.pimLicensed = r.pimLicensed ? 1 : 0;
      run.inputs['entra.role_assignment'] = { observedAt: run.observed() };
    } catch (e) {
      const op = opOf(e, 'entra:ListRoleAssignments');
      run.fail(e, op, op === 'entra:ListGroupTransitiveMembers' ? 'GroupMember.Read.All' : 'RoleManagement.Read.Directory', ['entra.role_assignment']);
    }
  }
  return { rolesByUser, pimLicensed };
}

/** Conditional Access policies (all readable, or none judged) and whether security defaults are on. */
export async function readConditionalAccess(run: EntraRun): Promise<boolean | null> {
  let securityDefaults: boolean | null = null;
  if (!run.tokenFailed) {
    try {
      const c = check<RawCaPolicy>(await run.list('/v1.0/identity/conditionalAccess/policies', 'entra:ListConditionalAccessPolicies'),
        'entra:ListConditionalAccessPolicies', caPolicyProblem);
      // One unreadable policy could be the one that enforces (or exempts): the whole policy set is then unknown.
      const [firstBad] = c.bad;
      if (firstBad) throw new MalformedReplyError('entra:ListConditionalAccessPolicies', `policy ${firstBad[0]}: ${firstBad[1]}`);
      const sd = await run.client.get('/v1.0/policies/identitySecurityDefaultsEnforcementPolicy', 'entra:GetSecurityDefaults');
      run.minApiCalls += 1;
      run.artifacts.push(artifact('entra:GetSecurityDefaults', sd.raw));
      if (!isObj(sd.body) || typeof sd.body.isEnabled !== 'boolean') throw new MalformedReplyError('entra:GetSecurityDefaults', 'isEnabled missing or not a boolean');
      securityDefaults = sd.body.isEnabled;
      const at = run.observed();
      for (const p of c.ok) {
        const a = { state: p.state, conditions: p.conditions, grantControls: p.grantControls } as EntraCaPolicyAttributes;
        run.resources.push({ source: 'entra', scope: run.tenant, type: 'entra.ca_policy', id: p.id, name: p.displayName, attributes: { ...a }, observedAt: at });
      }
      run.inputs['entra.ca_policy'] = { observedAt: at };
    } catch (e) {
      run.fail(e, opOf(e, 'entra:ListConditionalAccessPolicies'), 'Policy.Read.All', ['entra.ca_policy']);
    }
  }
  return securityDefaults;
}

/** The `entra.user` resources (registration and roles folded in) and the `entra.tenant` resource. */
export function pushUsers(run: EntraRun, r: {
  users: Checked<RawUser>; signInKnown: boolean; registrations: Map<string, RawRegistration> | null; rolesByUser: Map<string, string[]>;
  securityDefaults: boolean | null; pimLicensed: boolean | null;
}): void {
  const { users, signInKnown, registrations, rolesByUser, securityDefaults, pimLicensed } = r;

  const at = run.observed();
  const noRow: string[] = [];
  for (const u of users.ok) {
    const reg = registrations?.get(u.id);
    if (registrations && !reg) noRow.push(u.id);
    const methods = reg ? [...new Set(reg.methodsRegistered.map(entraMethod))].sort() : [];
    const roles = [...new Set(rolesByUser.get(u.id) ?? [])].sort();
    const login = u.userPrincipalName.toLowerCase();
    const s = signInKnown ? (u.signInActivity ?? null) : null;
    const attrs: EntraUserAttributes = {
      email: u.mail?.toLowerCase() ?? (login.includes('#ext#') ? null : login),
      login,
      displayName: u.displayName ?? login,
      status: u.accountEnabled ? 'enabled' : 'disabled',
      active: u.accountEnabled,
      isAdmin: roles.length > 0,
      adminRoles: roles,
      mfaEnrolled: reg ? reg.isMfaRegistered : null,
      mfaMethods: methods,
      phishingResistant: reg ? methods.some((m) => PHISHING_RESISTANT_METHODS.includes(m)) : null,
      // Only a successful sign-in is use; attempts (failed ones included) are kept apart for the reason text.
      lastLogin: signInKnown ? (s?.lastSuccessfulSignInDateTime ?? null) : null,
      lastLoginKnown: signInKnown,
      lastSignInAttempt: signInKnown ? maxIso(s?.lastSignInDateTime, s?.lastNonInteractiveSignInDateTime) : null,
      created: u.createdDateTime ?? null,
      statusChanged: null,
      userType: u.userType,
      // Graph: null means the account was never synced from on-premises.
      onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
      methodsRegistered: reg ? reg.methodsRegistered : [],
      mfaCapable: reg ? reg.isMfaCapable : null,
    };
    run.resources.push({ source: 'entra', scope: run.tenant, type: 'entra.user', id: u.id, name: login, attributes: { ...attrs }, observedAt: at });
  }
  // A user whose row lacks a required field is still judged — as active, nothing known — so each rule's outcome
  // on it becomes `error` through the per-resource CollectionError below.
  for (const [id] of users.bad) {
    const roles = [...new Set(rolesByUser.get(id) ?? [])].sort();
    const attrs: EntraUserAttributes = {
      email: null, login: id, displayName: id, status: 'unknown', active: true, isAdmin: roles.length > 0, adminRoles: roles,
      mfaEnrolled: null, mfaMethods: [], phishingResistant: null, lastLogin: null, lastLoginKnown: false, lastSignInAttempt: null, created: null,
      statusChanged: null, userType: 'unknown', onPremisesSyncEnabled: false, methodsRegistered: [], mfaCapable: null,
    };
    run.resources.push({ source: 'entra', scope: run.tenant, type: 'entra.user', id, name: id, attributes: { ...attrs }, observedAt: at });
  }
  run.incomplete('entra:ListUsers', 'entra.user', users.bad);
  if (noRow.length) {
    run.errors.push({
      operation: 'entra:ListUserRegistrationDetails', code: 'NoRegistrationRow', message: `${noRow.length} user(s) have no userRegistrationDetails row`,
      inputs: ['entra.user.mfa_registration'], resources: noRow, cause: 'incomplete', retryable: false,
    });
  }
  run.inputs['entra.user'] = { observedAt: at };
  if (signInKnown) run.inputs['entra.user.sign_in_activity'] = { observedAt: at };
  if (registrations) run.inputs['entra.user.mfa_registration'] = { observedAt: at };
  const t: EntraTenantAttributes = { securityDefaultsEnabled: securityDefaults, userCount: users.ok.length + users.bad.size, pimLicensed };
  run.resources.push({ source: 'entra', scope: run.tenant, type: 'entra.tenant', id: run.tenant, name: run.tenant, attributes: { ...t }, observedAt: at });
  run.inputs['entra.tenant'] = { observedAt: at };
}
