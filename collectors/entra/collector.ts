// Entra ID collector: users with sign-in activity and MFA registration, role assignments, Conditional Access, audits.
import { createHash } from 'node:crypto';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { redactSecrets } from '../../src/core/errors.js';
import { PHISHING_RESISTANT_METHODS } from '../../rules/identity/types.js';
import { GraphApiError, GraphClient } from './client.js';
import type { EntraConfig } from './config.js';
import type {
  EntraAuditEventAttributes, EntraCaPolicyAttributes, EntraRoleAssignmentAttributes, EntraTenantAttributes, EntraUserAttributes,
} from './types.js';

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

interface Paged<T> { value: T[]; '@odata.nextLink'?: string }
interface RawUser {
  id: string; userPrincipalName: string; mail?: string | null; displayName?: string | null; accountEnabled?: boolean | null;
  userType?: string | null; createdDateTime?: string | null; onPremisesSyncEnabled?: boolean | null;
  signInActivity?: { lastSignInDateTime?: string | null; lastNonInteractiveSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null } | null;
}
interface RawRegistration { id: string; isMfaRegistered: boolean; isMfaCapable: boolean; isAdmin: boolean; methodsRegistered: string[] }
interface RawAssignment {
  id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string;
  principal?: { '@odata.type'?: string; id: string; userPrincipalName?: string; displayName?: string; appId?: string } | null;
}
interface RawAudit {
  id: string; category: string; activityDisplayName: string; activityDateTime: string; result: string;
  initiatedBy?: { user?: { userPrincipalName?: string | null } | null; app?: { displayName?: string | null } | null };
  targetResources?: Array<{ id: string; type: string; userPrincipalName?: string | null; displayName?: string | null }>;
}

function maxIso(...xs: Array<string | null | undefined>): string | null {
  let best: string | null = null;
  for (const x of xs) if (x && (best === null || Date.parse(x) > Date.parse(best))) best = x;
  return best;
}

export function createEntraCollector(config: EntraConfig, _deps: CollectorDeps): Collector {
  const tenant = config.tenantId;
  return {
    source: 'entra',
    async scopes() { return [tenant]; },
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const client = new GraphClient({ ...config, logger: ctx.logger, signal: ctx.signal });
      const resources: Resource[] = [];
      const artifacts: Artifact[] = [];
      const errors: CollectionError[] = [];
      const inputs: Snapshot['inputs'] = {};
      const observed = () => ctx.clock.now().toISOString();
      let minApiCalls = 1; // the token

      const fail = (e: unknown, operation: string, permission: string, inputsLost: string[]): void => {
        if (e instanceof GraphApiError) {
          const licence = LICENCE_CODES.has(e.code);
          const need = licence ? 'Entra ID P1 licence' : permission;
          errors.push({
            operation, code: e.code, message: redactSecrets(`${e.summary} (needs ${need})`), permission: need, inputs: inputsLost,
            retryable: e.status === 429 || e.status >= 500,
          });
        } else {
          errors.push({ operation, code: 'NetworkError', message: redactSecrets(e instanceof Error ? e.message : String(e)), permission, inputs: inputsLost, retryable: true });
        }
      };
      const listAll = async <T>(path: string, operation: string): Promise<T[]> => {
        const out: T[] = [];
        let next: string | undefined = path;
        let n = 0;
        while (next) {
          const { body, raw }: { body: Paged<T>; raw: string } = await client.get<Paged<T>>(next, operation);
          artifacts.push(artifact(`${operation}#${++n}`, raw));
          out.push(...body.value);
          next = body['@odata.nextLink'];
        }
        minApiCalls += n;
        return out;
      };

      const base = 'id,userPrincipalName,mail,displayName,accountEnabled,userType,createdDateTime,onPremisesSyncEnabled';
      let users: RawUser[] | null = null;
      let signInKnown = false;
      try {
        users = await listAll<RawUser>(`/v1.0/users?$select=${base},signInActivity&$top=${config.pageSize}`, 'entra:ListUsers');
        signInKnown = true;
      } catch (e) {
        // signInActivity needs P1 and AuditLog.Read.All; without them read the users anyway and say what is missing.
        if (e instanceof GraphApiError && e.status === 403) {
          minApiCalls += 1;
          fail(e, 'entra:ListUsers(signInActivity)', 'AuditLog.Read.All', ['entra.user.sign_in_activity']);
          try {
            users = await listAll<RawUser>(`/v1.0/users?$select=${base}&$top=${config.pageSize}`, 'entra:ListUsers');
          } catch (e2) {
            fail(e2, 'entra:ListUsers', 'User.Read.All', ['entra.tenant', 'entra.user']);
          }
        } else fail(e, 'entra:ListUsers', 'User.Read.All', ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity']);
      }

      let registrations: Map<string, RawRegistration> | null = null;
      try {
        const regs = await listAll<RawRegistration>('/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999', 'entra:ListUserRegistrationDetails');
        registrations = new Map(regs.map((r) => [r.id, r]));
      } catch (e) {
        fail(e, 'entra:ListUserRegistrationDetails', 'AuditLog.Read.All', ['entra.user.mfa_registration']);
      }

      const rolesByUser = new Map<string, string[]>();
      try {
        const defs = await listAll<{ id: string; displayName: string; templateId: string }>(
          '/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId', 'entra:ListRoleDefinitions');
        const byId = new Map(defs.map((d) => [d.id, d]));
        const assigns = await listAll<RawAssignment>('/v1.0/roleManagement/directory/roleAssignments?$expand=principal', 'entra:ListRoleAssignments');
        const at = observed();
        for (const a of assigns) {
          const def = byId.get(a.roleDefinitionId);
          const type = (a.principal?.['@odata.type'] ?? '#microsoft.graph.directoryObject').replace('#microsoft.graph.', '');
          const attrs: EntraRoleAssignmentAttributes = {
            roleDefinitionId: a.roleDefinitionId, roleName: def?.displayName ?? a.roleDefinitionId, roleTemplateId: def?.templateId ?? a.roleDefinitionId,
            principalId: a.principalId, principalType: type,
            principalName: a.principal?.userPrincipalName?.toLowerCase() ?? a.principal?.displayName ?? a.principalId, directoryScopeId: a.directoryScopeId,
          };
          if (type === 'user') rolesByUser.set(a.principalId, [...(rolesByUser.get(a.principalId) ?? []), attrs.roleName]);
          resources.push({ source: 'entra', scope: tenant, type: 'entra.role_assignment', id: a.id, name: `${attrs.principalName} ${attrs.roleName}`, attributes: { ...attrs }, observedAt: at });
        }
        inputs['entra.role_assignment'] = { observedAt: at };
      } catch (e) {
        fail(e, e instanceof GraphApiError ? e.operation : 'entra:ListRoleAssignments', 'RoleManagement.Read.Directory', ['entra.role_assignment']);
      }

      let securityDefaults: boolean | null = null;
      try {
        const policies = await listAll<{ id: string; displayName: string } & EntraCaPolicyAttributes>('/v1.0/identity/conditionalAccess/policies', 'entra:ListConditionalAccessPolicies');
        const sd = await client.get<{ isEnabled: boolean }>('/v1.0/policies/identitySecurityDefaultsEnforcementPolicy', 'entra:GetSecurityDefaults');
        minApiCalls += 1;
        artifacts.push(artifact('entra:GetSecurityDefaults', sd.raw));
        securityDefaults = sd.body.isEnabled;
        const at = observed();
        for (const p of policies) {
          const a: EntraCaPolicyAttributes = { state: p.state, conditions: p.conditions ?? {}, grantControls: p.grantControls ?? null };
          resources.push({ source: 'entra', scope: tenant, type: 'entra.ca_policy', id: p.id, name: p.displayName, attributes: { ...a }, observedAt: at });
        }
        inputs['entra.ca_policy'] = { observedAt: at };
      } catch (e) {
        fail(e, e instanceof GraphApiError ? e.operation : 'entra:ListConditionalAccessPolicies', 'Policy.Read.All', ['entra.ca_policy']);
      }

      if (users) {
        const at = observed();
        for (const u of users) {
          const reg = registrations?.get(u.id);
          const methods = reg ? [...new Set(reg.methodsRegistered.map(entraMethod))].sort() : [];
          const roles = [...new Set(rolesByUser.get(u.id) ?? [])].sort();
          const login = u.userPrincipalName.toLowerCase();
          const s = u.signInActivity;
          const attrs: EntraUserAttributes = {
            email: u.mail?.toLowerCase() ?? (login.includes('#ext#') ? null : login),
            login,
            displayName: u.displayName ?? login,
            status: u.accountEnabled === false ? 'disabled' : 'enabled',
            active: u.accountEnabled !== false,
            isAdmin: roles.length > 0,
            adminRoles: roles,
            mfaEnrolled: registrations ? (reg?.isMfaRegistered ?? false) : null,
            mfaMethods: methods,
            phishingResistant: registrations ? methods.some((m) => PHISHING_RESISTANT_METHODS.includes(m)) : null,
            lastLogin: signInKnown ? maxIso(s?.lastSuccessfulSignInDateTime, s?.lastSignInDateTime, s?.lastNonInteractiveSignInDateTime) : null,
            lastLoginKnown: signInKnown,
            created: u.createdDateTime ?? null,
            statusChanged: null,
            userType: u.userType ?? 'Member',
            onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
            methodsRegistered: reg?.methodsRegistered ?? [],
            mfaCapable: registrations ? (reg?.isMfaCapable ?? false) : null,
          };
          resources.push({ source: 'entra', scope: tenant, type: 'entra.user', id: u.id, name: login, attributes: { ...attrs }, observedAt: at });
        }
        inputs['entra.user'] = { observedAt: at };
        if (signInKnown) inputs['entra.user.sign_in_activity'] = { observedAt: at };
        if (registrations) inputs['entra.user.mfa_registration'] = { observedAt: at };
        const t: EntraTenantAttributes = { securityDefaultsEnabled: securityDefaults, userCount: users.length };
        resources.push({ source: 'entra', scope: tenant, type: 'entra.tenant', id: tenant, name: tenant, attributes: { ...t }, observedAt: at });
        inputs['entra.tenant'] = { observedAt: at };
      }

      // Directory audits from the saved instant; ids seen at that instant are skipped so each event is read once.
      const cursors: Record<string, string> = {};
      const saved = ctx.cursors?.[ENTRA_AUDIT_CURSOR];
      let cursor: { t: string; ids: string[] } | null = null;
      try { cursor = saved ? (JSON.parse(saved) as { t: string; ids: string[] }) : null; } catch { cursor = null; }
      try {
        const since = cursor?.t ?? new Date(Date.parse(ctx.slot) - config.auditLookbackDays * 86_400_000).toISOString();
        const names = ENTRA_AUDIT_ACTIVITIES.map((a) => `activityDisplayName eq '${a}'`).join(' or ');
        const filter = `activityDateTime ge ${since} and (${names})`;
        const events = await listAll<RawAudit>(`/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=999`, 'entra:ListDirectoryAudits');
        const skip = new Set(cursor?.ids ?? []);
        const readAt = observed();
        let maxT = cursor?.t ?? since;
        let idsAtMax = new Set(cursor?.ids ?? []);
        for (const ev of events) {
          if (ev.activityDateTime === cursor?.t && skip.has(ev.id)) continue;
          const a: EntraAuditEventAttributes = {
            activityDisplayName: ev.activityDisplayName, activityDateTime: ev.activityDateTime, category: ev.category, result: ev.result,
            initiatedBy: ev.initiatedBy?.user?.userPrincipalName ?? ev.initiatedBy?.app?.displayName ?? null,
            targets: (ev.targetResources ?? []).map((t) => ({ id: t.id, type: t.type, userPrincipalName: t.userPrincipalName?.toLowerCase() ?? null, displayName: t.displayName ?? null })),
            readAt,
          };
          resources.push({ source: 'entra', scope: tenant, type: 'entra.audit_event', id: ev.id, name: ev.activityDisplayName, attributes: { ...a }, observedAt: ev.activityDateTime });
          if (Date.parse(ev.activityDateTime) > Date.parse(maxT)) { maxT = ev.activityDateTime; idsAtMax = new Set([ev.id]); }
          else if (ev.activityDateTime === maxT) idsAtMax.add(ev.id);
        }
        cursors[ENTRA_AUDIT_CURSOR] = JSON.stringify({ t: maxT, ids: [...idsAtMax].sort() });
        inputs['entra.audit_event'] = { observedAt: readAt };
      } catch (e) {
        fail(e, 'entra:ListDirectoryAudits', 'AuditLog.Read.All', ['entra.audit_event']);
        if (saved) cursors[ENTRA_AUDIT_CURSOR] = saved;
      }

      return {
        source: 'entra', scope: tenant, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts, errors, apiCalls: client.apiCalls, minApiCalls,
        metrics: { throttled: client.throttled, users: users?.length ?? 0 }, cursors,
      };
    },
  };
}
