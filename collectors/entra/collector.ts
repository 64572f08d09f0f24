// Entra ID collector: users with sign-in activity and MFA registration, role holders (direct, group, PIM), Conditional
// Access, audits — each read checked against Graph's documented shape, every gap a CollectionError with its cause.
import { createHash } from 'node:crypto';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { redactSecrets } from '../../src/core/errors.js';
import { MalformedReplyError, collectionErrorFrom } from '../../src/core/failure.js';
import { PHISHING_RESISTANT_METHODS } from '../../src/core/contracts/identity.js';
import { GraphApiError, GraphClient } from './client.js';
import type { EntraConfig } from './config.js';
import {
  auditProblem, caPolicyProblem, check, isObj, parseAuditCursor, registrationProblem, userProblem,
  type Checked, type RawAudit, type RawCaPolicy, type RawRegistration, type RawUser,
} from './parse.js';
import { readRoles } from './roles.js';
import {
  ENTRA_RESOURCE_TYPES, type EntraAuditEventAttributes, type EntraCaPolicyAttributes, type EntraTenantAttributes, type EntraUserAttributes,
} from '../../src/core/contracts/entra.js';

export const ENTRA_AUDIT_CURSOR = 'entra.directoryAudits';

/** Directory audit activities that evidence offboarding and privilege changes. */
export const ENTRA_AUDIT_ACTIVITIES = [
  'Disable account', 'Enable account', 'Delete user', 'Hard delete user', 'Add member to role', 'Remove member from role',
  'Add eligible member to role',
];

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

function artifact(label: string, body: string): Artifact {
  const buf = Buffer.from(redactSecrets(body));
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType: 'application/json', size: buf.length, label, body: buf };
}

function maxIso(...xs: Array<string | null | undefined>): string | null {
  let best: string | null = null;
  for (const x of xs) if (x && (best === null || Date.parse(x) > Date.parse(best))) best = x;
  return best;
}

const opOf = (e: unknown, fallback: string) => (e instanceof GraphApiError || e instanceof MalformedReplyError ? e.operation : fallback);
const RETRYABLE = new Set(['throttled', 'server_error', 'timeout', 'unreachable']);

export function createEntraCollector(config: EntraConfig, _deps: CollectorDeps): Collector {
  const tenant = config.tenantId;
  return {
    source: 'entra',
    async scopes() { return [tenant]; },
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const client = new GraphClient({ ...config, logger: ctx.logger, signal: ctx.signal, onOperation: ctx.onOperation, clock: ctx.clock });
      const resources: Resource[] = [];
      const artifacts: Artifact[] = [];
      const errors: CollectionError[] = [];
      const inputs: Snapshot['inputs'] = {};
      const observed = () => ctx.clock.now().toISOString();
      const metrics: Record<string, number> = {};
      let minApiCalls = 1; // the token
      let tokenFailed = false;

      /** Records a failed read with its real cause; the collection's own deadline (ctx.signal) ends the collection. */
      const fail = (e: unknown, operation: string, permission: string, inputsLost: string[]): void => {
        if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
        if (e instanceof GraphApiError && e.operation === 'entra:token') {
          // No token: nothing at all can be read. One error naming every input, once.
          if (tokenFailed) return;
          tokenFailed = true;
          errors.push({
            operation: 'entra:token', code: e.code, message: redactSecrets(e.summary), inputs: [...ENTRA_RESOURCE_TYPES], cause: e.failureCause,
            retryable: RETRYABLE.has(e.failureCause),
          });
          return;
        }
        if (e instanceof GraphApiError) {
          const licence = LICENCE_CODES.has(e.code);
          const cause = licence ? 'denied' : e.failureCause;
          errors.push({
            operation, code: e.code, message: redactSecrets(e.summary || e.message),
            ...(cause === 'denied' ? { permission: licence ? 'Entra ID P1 licence' : permission } : {}),
            inputs: inputsLost, cause, retryable: RETRYABLE.has(cause),
          });
          return;
        }
        errors.push(collectionErrorFrom(e, { operation, inputs: inputsLost, permission }));
      };
      /** Items whose required fields are missing: one per-resource error for the input, naming them. */
      const incomplete = (operation: string, input: string, bad: Map<string, string>): void => {
        const [first] = bad;
        if (!first) return;
        errors.push({
          operation, code: 'IncompleteItem', message: `${bad.size} item(s) incomplete, e.g. ${first[0]}: ${first[1]}`,
          inputs: [input], resources: [...bad.keys()], cause: 'incomplete', retryable: false,
        });
      };
      const list = async (path: string, operation: string): Promise<unknown[]> => {
        let n = 0;
        const out = await client.list(path, operation, (raw) => { artifacts.push(artifact(`${operation}#${++n}`, raw)); });
        minApiCalls += n;
        return out;
      };

      // Users, with signInActivity when the licence and AuditLog.Read.All allow it.
      const base = 'id,userPrincipalName,mail,displayName,accountEnabled,userType,createdDateTime,onPremisesSyncEnabled';
      let rawUsers: unknown[] | null = null;
      let signInKnown = false;
      try {
        rawUsers = await list(`/v1.0/users?$select=${base},signInActivity&$top=${config.pageSize}`, 'entra:ListUsers');
        signInKnown = true;
      } catch (e) {
        if (e instanceof GraphApiError && e.status === 403) {
          // signInActivity needs P1 and AuditLog.Read.All; without them read the users anyway and say what is missing.
          minApiCalls += 1;
          fail(e, 'entra:ListUsers(signInActivity)', 'AuditLog.Read.All', ['entra.user.sign_in_activity']);
          try {
            rawUsers = await list(`/v1.0/users?$select=${base}&$top=${config.pageSize}`, 'entra:ListUsers');
          } catch (e2) {
            fail(e2, opOf(e2, 'entra:ListUsers'), 'User.Read.All', ['entra.tenant', 'entra.user']);
          }
        } else fail(e, opOf(e, 'entra:ListUsers'), 'User.Read.All', ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity']);
      }
      let users: Checked<RawUser> | null = null;
      if (rawUsers) {
        try { users = check<RawUser>(rawUsers, 'entra:ListUsers', userProblem(signInKnown)); } catch (e) {
          fail(e, 'entra:ListUsers', 'User.Read.All', ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity']);
          signInKnown = false;
        }
      }

      let registrations: Map<string, RawRegistration> | null = null;
      if (!tokenFailed) {
        try {
          const c = check<RawRegistration>(await list('/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999', 'entra:ListUserRegistrationDetails'),
            'entra:ListUserRegistrationDetails', registrationProblem);
          registrations = new Map(c.ok.map((r) => [r.id, r]));
          incomplete('entra:ListUserRegistrationDetails', 'entra.user.mfa_registration', c.bad);
        } catch (e) {
          fail(e, opOf(e, 'entra:ListUserRegistrationDetails'), 'AuditLog.Read.All', ['entra.user.mfa_registration']);
        }
      }

      let rolesByUser = new Map<string, string[]>();
      let pimLicensed: boolean | null = null;
      if (!tokenFailed) {
        try {
          const r = await readRoles(list, tenant, observed);
          resources.push(...r.resources);
          rolesByUser = r.rolesByUser;
          pimLicensed = r.pimLicensed;
          metrics.pimLicensed = r.pimLicensed ? 1 : 0;
          inputs['entra.role_assignment'] = { observedAt: observed() };
        } catch (e) {
          const op = opOf(e, 'entra:ListRoleAssignments');
          fail(e, op, op === 'entra:ListGroupTransitiveMembers' ? 'GroupMember.Read.All' : 'RoleManagement.Read.Directory', ['entra.role_assignment']);
        }
      }

      let securityDefaults: boolean | null = null;
      if (!tokenFailed) {
        try {
          const c = check<RawCaPolicy>(await list('/v1.0/identity/conditionalAccess/policies', 'entra:ListConditionalAccessPolicies'),
            'entra:ListConditionalAccessPolicies', caPolicyProblem);
          // One unreadable policy could be the one that enforces (or exempts): the whole policy set is then unknown.
          const [firstBad] = c.bad;
          if (firstBad) throw new MalformedReplyError('entra:ListConditionalAccessPolicies', `policy ${firstBad[0]}: ${firstBad[1]}`);
          const sd = await client.get('/v1.0/policies/identitySecurityDefaultsEnforcementPolicy', 'entra:GetSecurityDefaults');
          minApiCalls += 1;
          artifacts.push(artifact('entra:GetSecurityDefaults', sd.raw));
          if (!isObj(sd.body) || typeof sd.body.isEnabled !== 'boolean') throw new MalformedReplyError('entra:GetSecurityDefaults', 'isEnabled missing or not a boolean');
          securityDefaults = sd.body.isEnabled;
          const at = observed();
          for (const p of c.ok) {
            const a = { state: p.state, conditions: p.conditions, grantControls: p.grantControls } as EntraCaPolicyAttributes;
            resources.push({ source: 'entra', scope: tenant, type: 'entra.ca_policy', id: p.id, name: p.displayName, attributes: { ...a }, observedAt: at });
          }
          inputs['entra.ca_policy'] = { observedAt: at };
        } catch (e) {
          fail(e, opOf(e, 'entra:ListConditionalAccessPolicies'), 'Policy.Read.All', ['entra.ca_policy']);
        }
      }

      if (users) {
        const at = observed();
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
          resources.push({ source: 'entra', scope: tenant, type: 'entra.user', id: u.id, name: login, attributes: { ...attrs }, observedAt: at });
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
          resources.push({ source: 'entra', scope: tenant, type: 'entra.user', id, name: id, attributes: { ...attrs }, observedAt: at });
        }
        incomplete('entra:ListUsers', 'entra.user', users.bad);
        if (noRow.length) {
          errors.push({
            operation: 'entra:ListUserRegistrationDetails', code: 'NoRegistrationRow', message: `${noRow.length} user(s) have no userRegistrationDetails row`,
            inputs: ['entra.user.mfa_registration'], resources: noRow, cause: 'incomplete', retryable: false,
          });
        }
        inputs['entra.user'] = { observedAt: at };
        if (signInKnown) inputs['entra.user.sign_in_activity'] = { observedAt: at };
        if (registrations) inputs['entra.user.mfa_registration'] = { observedAt: at };
        const t: EntraTenantAttributes = { securityDefaultsEnabled: securityDefaults, userCount: users.ok.length + users.bad.size, pimLicensed };
        resources.push({ source: 'entra', scope: tenant, type: 'entra.tenant', id: tenant, name: tenant, attributes: { ...t }, observedAt: at });
        inputs['entra.tenant'] = { observedAt: at };
      }

      const cursors: Record<string, string> = {};
      if (!tokenFailed) {
        const audits = await readAudits(ctx, config, list, observed, metrics);
        if ('error' in audits) fail(audits.error, opOf(audits.error, 'entra:ListDirectoryAudits'), 'AuditLog.Read.All', ['entra.audit_event']);
        else {
          resources.push(...audits.resources.map((r) => ({ ...r, scope: tenant })));
          cursors[ENTRA_AUDIT_CURSOR] = audits.cursor;
          inputs['entra.audit_event'] = { observedAt: audits.readAt };
        }
      }
      // A failed read keeps the saved cursor (corrupt or not) so the next run reads from the same place.
      const saved = ctx.cursors?.[ENTRA_AUDIT_CURSOR];
      if (!cursors[ENTRA_AUDIT_CURSOR] && saved !== undefined) cursors[ENTRA_AUDIT_CURSOR] = saved;

      return {
        source: 'entra', scope: tenant, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts, errors, apiCalls: client.apiCalls, minApiCalls,
        metrics: { ...metrics, throttled: client.throttled, users: users ? users.ok.length + users.bad.size : 0 }, cursors,
      };
    },
  };
}

/** Directory audits from the saved instant; ids seen at that instant are skipped so each event is read once. */
async function readAudits(
  ctx: CollectContext, config: EntraConfig, list: (path: string, operation: string) => Promise<unknown[]>, observed: () => string,
  metrics: Record<string, number>,
): Promise<{ resources: Resource[]; cursor: string; readAt: string } | { error: unknown }> {
  const saved = ctx.cursors?.[ENTRA_AUDIT_CURSOR];
  let cursor: { t: string; ids: string[] } | null = null;
  if (saved !== undefined) {
    const c = parseAuditCursor(saved);
    if ('corrupt' in c) {
      // Re-reading from the lookback window may repeat events already recorded: say so rather than reset silently.
      ctx.logger.warn({ cursor: ENTRA_AUDIT_CURSOR, problem: c.corrupt, lookbackDays: config.auditLookbackDays }, 'entra: saved audit cursor is corrupt; reading from the lookback window');
      metrics.corruptCursor = 1;
    } else cursor = c;
  }
  try {
    const since = cursor?.t ?? new Date(Date.parse(ctx.slot) - config.auditLookbackDays * 86_400_000).toISOString();
    const names = ENTRA_AUDIT_ACTIVITIES.map((a) => `activityDisplayName eq '${a}'`).join(' or ');
    const filter = `activityDateTime ge ${since} and (${names})`;
    const c = check<RawAudit>(await list(`/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=999`, 'entra:ListDirectoryAudits'),
      'entra:ListDirectoryAudits', auditProblem);
    const [firstBad] = c.bad;
    // An unreadable event could not be read again once the cursor passed it: fail the read so the cursor stays put.
    if (firstBad) throw new MalformedReplyError('entra:ListDirectoryAudits', `event ${firstBad[0]}: ${firstBad[1]}`);
    const skip = new Set(cursor?.ids ?? []);
    const readAt = observed();
    const resources: Resource[] = [];
    let maxT = cursor?.t ?? since;
    let idsAtMax = new Set(cursor?.ids ?? []);
    for (const ev of c.ok) {
      if (ev.activityDateTime === cursor?.t && skip.has(ev.id)) continue;
      const a: EntraAuditEventAttributes = {
        activityDisplayName: ev.activityDisplayName, activityDateTime: ev.activityDateTime, category: ev.category, result: ev.result,
        initiatedBy: ev.initiatedBy?.user?.userPrincipalName ?? ev.initiatedBy?.app?.displayName ?? null,
        targets: ev.targetResources.map((t) => ({ id: t.id, type: t.type, userPrincipalName: t.userPrincipalName?.toLowerCase() ?? null, displayName: t.displayName ?? null })),
        readAt,
      };
      resources.push({ source: 'entra', scope: '', type: 'entra.audit_event', id: ev.id, name: ev.activityDisplayName, attributes: { ...a }, observedAt: ev.activityDateTime });
      if (Date.parse(ev.activityDateTime) > Date.parse(maxT)) { maxT = ev.activityDateTime; idsAtMax = new Set([ev.id]); }
      else if (ev.activityDateTime === maxT) idsAtMax.add(ev.id);
    }
    return { resources, cursor: JSON.stringify({ t: maxT, ids: [...idsAtMax].sort() }), readAt };
  } catch (e) {
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
    return { error: e };
  }
}
