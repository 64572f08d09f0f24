// Okta collector: users with factors, admin roles (group-held ones expanded), policies, log streams, API tokens and
// System Log lifecycle events, each read completely or reported as a CollectionError naming its real cause.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { collectionErrorFrom } from '../../src/core/failure.js';
import { PHISHING_RESISTANT_METHODS } from '../../src/core/contracts/identity.js';
import { OktaApiError, OktaClient, type OktaAuth } from './client.js';
import type { OktaConfig } from './config.js';
import { artifact, OktaReader } from './reader.js';
import { asList, parseFactor, parsePolicy, parseRule, parseStream, parseToken, parseUser, type RawFactor, type RawUser } from './parse.js';
import { pool, readAdminRoles, type HeldRole } from './admin-roles.js';
import { readSystemLog } from './system-log.js';
import type {
  OktaAdminRoleAttributes, OktaApiTokenAttributes, OktaLogEventAttributes, OktaLogStreamAttributes, OktaOrgAttributes, OktaPolicyAttributes,
  OktaUserAttributes,
} from '../../src/core/contracts/okta.js';

export { artifact };

/** System Log events that evidence offboarding and privilege changes. */
export const OKTA_LOG_EVENT_TYPES = [
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.lifecycle.activate',
  'user.lifecycle.reactivate',
  'user.account.privilege.grant',
  'user.account.privilege.revoke',
  'group.privilege.grant',
  'group.privilege.revoke',
];

export const OKTA_LOG_CURSOR = 'okta.systemLog';

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

/** Which read failed maps to which permission and which inputs it leaves incomplete. */
const PERMISSIONS: Record<string, { permission: string; inputs: string[] }> = {
  'okta:oauth2/v1/token': { permission: 'okta.users.read', inputs: [] },
  'okta:ListUsers': { permission: 'okta.users.read', inputs: ['okta.org', 'okta.user', 'okta.user.factors'] },
  'okta:ListFactors': { permission: 'okta.users.read', inputs: ['okta.user.factors'] },
  'okta:ListRoleAssignees': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListRolesForUser': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListGroups': { permission: 'okta.groups.read', inputs: ['okta.admin_role'] },
  'okta:ListGroupAssignedRoles': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListGroupUsers': { permission: 'okta.groups.read', inputs: ['okta.admin_role'] },
  'okta:ListPolicies': { permission: 'okta.policies.read', inputs: ['okta.policy'] },
  'okta:ListPolicyRules': { permission: 'okta.policies.read', inputs: ['okta.policy'] },
  'okta:ListLogStreams': { permission: 'okta.logStreams.read', inputs: ['okta.log_stream'] },
  'okta:ListLogEvents': { permission: 'okta.logs.read', inputs: ['okta.log_event'] },
  'okta:ListApiTokens': { permission: 'okta.apiTokens.read', inputs: ['okta.api_token'] },
};

/**
 * A CollectionError for a failed read. The error's own operation (the request that failed, e.g. the token endpoint)
 * names it; the inputs are those of the read the caller attempted (`readOp`).
 */
function oktaError(e: unknown, readOp: string, extra: { resources?: string[]; inputs?: string[] } = {}): CollectionError {
  const failedOp = e instanceof OktaApiError ? e.operation : (e as { operation?: unknown })?.operation;
  const operation = typeof failedOp === 'string' && failedOp.startsWith('okta:') ? failedOp : readOp;
  const p = PERMISSIONS[operation] ?? PERMISSIONS[readOp] ?? { permission: undefined, inputs: [] };
  const inputs = extra.inputs ?? PERMISSIONS[readOp]?.inputs ?? p.inputs;
  return collectionErrorFrom(e, { operation, inputs, ...(p.permission ? { permission: p.permission } : {}), ...(extra.resources ? { resources: extra.resources } : {}) },
    e instanceof OktaApiError ? { code: e.errorCode, cause: e.cause_ } : {});
}

export function createOktaCollector(config: OktaConfig, deps: CollectorDeps): Collector {
  const orgUrl = config.orgUrl.replace(/\/+$/, '');
  const host = new URL(orgUrl).host;
  const auth = (): OktaAuth => {
    const a = config.auth;
    if (a.type === 'ssws') return a;
    const pem = a.privateKey ?? readFileSync(resolve(deps.configDir, a.privateKeyFile ?? ''), 'utf8');
    return { type: 'oauth', clientId: a.clientId, privateKeyPem: pem, keyId: a.keyId, scopes: a.scopes };
  };

  return {
    source: 'okta',
    async scopes() { return [host]; },
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const client = new OktaClient({
        orgUrl, auth: auth(), logger: ctx.logger, maxRetries: config.maxRetries, rateLimitReserve: config.rateLimitReserve,
        requestTimeoutMs: config.requestTimeoutMs, maxRateLimitWaitMs: config.maxRateLimitWaitMs, signal: ctx.signal, clock: ctx.clock,
        ...(ctx.onOperation ? { onOperation: ctx.onOperation } : {}),
      });
      const r = new OktaReader(client);
      const resources: Resource[] = [];
      const errors: CollectionError[] = [];
      const inputs: Snapshot['inputs'] = {};
      const observed = () => ctx.clock.now().toISOString();
      if (config.auth.type === 'oauth') r.minApiCalls++;
      const push = (type: string, id: string, name: string, attributes: object, observedAt: string) =>
        resources.push({ source: 'okta', scope: host, type, id, name, attributes: { ...attributes } as Record<string, unknown>, observedAt });

      // Users: the default list omits DEPROVISIONED users, who matter most for offboarding, so read them too.
      let users: RawUser[] | null = null;
      try {
        const live = await r.listAll(`/api/v1/users?limit=${config.pageSize}`, 'okta:ListUsers', parseUser);
        const gone = await r.listAll(
          `/api/v1/users?limit=${config.pageSize}&search=${encodeURIComponent('status eq "DEPROVISIONED"')}`, 'okta:ListUsers', parseUser);
        users = [...new Map([...live, ...gone].map((u) => [u.id, u])).values()];
      } catch (e) {
        errors.push(oktaError(e, 'okta:ListUsers'));
      }

      // Admin roles, direct and group-held. Any failed read leaves the whole inventory incomplete.
      let rolesByUser: Map<string, HeldRole[]> | null = null;
      try {
        rolesByUser = await readAdminRoles(r, orgUrl, config.concurrency, ctx.signal);
        inputs['okta.admin_role'] = { observedAt: observed() };
      } catch (e) {
        errors.push(oktaError(e, 'okta:ListRoleAssignees'));
      }

      if (users) {
        const byId = new Map(users.map((u) => [u.id, u]));
        // Factors: Okta has no bulk factor endpoint, so this is the one per-user read, paced by X-Rate-Limit-*.
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
          inputs['okta.user.factors'] = { observedAt: observed() };
        } else if (fatal || failed.size === signInUsers.length) {
          const first = fatal ?? [...failed.values()][0]!;
          errors.push({ ...first, message: `${first.message} (${failed.size} of ${signInUsers.length} users unread)` });
        } else {
          // Only these users' factors are unknown: their MFA verdicts become `error`, everyone else is judged.
          inputs['okta.user.factors'] = { observedAt: observed() };
          const byCause = new Map<string, { err: CollectionError; ids: string[] }>();
          for (const [id, err] of failed) {
            const k = `${err.cause}:${err.code}`;
            const g = byCause.get(k) ?? { err, ids: [] };
            g.ids.push(id);
            byCause.set(k, g);
          }
          for (const { err, ids } of byCause.values()) errors.push({ ...err, inputs: ['okta.user.factors'], resources: ids.sort(), message: `${err.message} (${ids.length} of ${signInUsers.length} users unread)` });
        }

        const usersAt = observed();
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
          push('okta.user', u.id, login, attrs, usersAt);
        }
        if (unknownLastLogin.length > 0) {
          errors.push({ operation: 'okta:ListUsers', code: 'MISSING_FIELD', message: `lastLogin missing on ${unknownLastLogin.length} users`, inputs: ['okta.user'], resources: unknownLastLogin, cause: 'malformed', retryable: false });
        }
        inputs['okta.user'] = { observedAt: usersAt };
        if (rolesByUser) {
          for (const [uid, roles] of rolesByUser) {
            for (const x of roles) {
              const a: OktaAdminRoleAttributes = {
                roleType: x.type, label: x.label, assignmentType: x.via, principalId: x.groupId ?? uid,
                principalLogin: byId.get(uid)?.profile.login.toLowerCase() ?? null, status: x.status,
              };
              push('okta.admin_role', `${uid}:${x.id}`, `${a.principalLogin ?? uid} ${x.type}${x.groupName ? ` via ${x.groupName}` : ''}`, a, usersAt);
            }
          }
        }
      }

      // Policies and their rules.
      try {
        const policyAt = observed();
        for (const type of ['PASSWORD', 'OKTA_SIGN_ON', 'ACCESS_POLICY', 'MFA_ENROLL'] as const) {
          const policies = await r.listAll(`/api/v1/policies?type=${type}`, 'okta:ListPolicies', parsePolicy);
          if ((type === 'PASSWORD' || type === 'OKTA_SIGN_ON') && policies.length === 0) {
            // Okta keeps a required Default Policy of each type that cannot be deleted: an empty list is a short read,
            // and the rules would call the org "nothing in scope".
            errors.push({ operation: 'okta:ListPolicies', code: 'EMPTY_POLICIES', message: `no ${type} policy returned (Okta keeps an undeletable Default Policy of each type)`, inputs: ['okta.policy'], cause: 'incomplete', retryable: true });
          }
          for (const p of policies) {
            const rules = type === 'OKTA_SIGN_ON' || type === 'ACCESS_POLICY'
              ? await r.listAll(`/api/v1/policies/${encodeURIComponent(p.id)}/rules`, 'okta:ListPolicyRules', parseRule)
              : [];
            if ((type === 'OKTA_SIGN_ON' || type === 'ACCESS_POLICY') && rules.length === 0) {
              // Okta keeps a Default Rule (global session) or Catch-all Rule (authentication) on every such policy and
              // refuses to delete it: an empty list is a short read, and judging it would pass a policy nobody saw.
              errors.push({ operation: 'okta:ListPolicyRules', code: 'EMPTY_RULES', message: `policy ${p.id} returned no rules (Okta keeps a default rule on every policy)`, inputs: ['okta.policy'], resources: [p.id], cause: 'incomplete', retryable: true });
            }
            const password = p.settings?.password;
            if (type === 'PASSWORD' && (typeof password !== 'object' || password === null)) {
              // The password rule needs settings.password; without it this policy cannot be judged.
              errors.push({ operation: 'okta:ListPolicies', code: 'MISSING_FIELD', message: `policy ${p.id} has no settings.password`, inputs: ['okta.policy'], resources: [p.id], cause: 'malformed', retryable: false });
            }
            const a: OktaPolicyAttributes = {
              type, status: p.status, priority: p.priority, system: p.system,
              settings: type === 'PASSWORD' && typeof password === 'object' && password !== null ? password as Record<string, unknown> : null,
              rules,
            };
            push('okta.policy', p.id, p.name, a, policyAt);
          }
        }
        inputs['okta.policy'] = { observedAt: policyAt };
      } catch (e) {
        errors.push(oktaError(e, 'okta:ListPolicies'));
        // Policies already pushed came from an incomplete read: drop them so no rule judges half a policy set.
        for (let i = resources.length - 1; i >= 0; i--) if (resources[i]!.type === 'okta.policy') resources.splice(i, 1);
      }

      try {
        const streams = await r.listAll('/api/v1/logStreams', 'okta:ListLogStreams', parseStream);
        const at = observed();
        for (const s of streams) push('okta.log_stream', s.id, s.name, { type: s.type, status: s.status } satisfies OktaLogStreamAttributes, at);
        inputs['okta.log_stream'] = { observedAt: at };
      } catch (e) {
        errors.push(oktaError(e, 'okta:ListLogStreams'));
      }

      // API token metadata: who owns each token (tokens act with their owner's roles) and where it may be used from.
      try {
        const tokens = await r.listAll('/api/v1/api-tokens', 'okta:ListApiTokens', parseToken);
        const at = observed();
        const loginById = new Map((users ?? []).map((u) => [u.id, u.profile.login.toLowerCase()]));
        for (const t of tokens) {
          const a: OktaApiTokenAttributes = {
            ownerId: t.userId, ownerLogin: loginById.get(t.userId) ?? null,
            ownerRoles: [...new Set((rolesByUser?.get(t.userId) ?? []).map((x) => x.type))].sort(),
            networkConnection: t.networkConnection, expiresAt: t.expiresAt, lastUpdated: t.lastUpdated,
          };
          push('okta.api_token', t.id, t.name, a, at);
        }
        inputs['okta.api_token'] = { observedAt: at };
      } catch (e) {
        errors.push(oktaError(e, 'okta:ListApiTokens'));
      }

      // System Log: each run reads up to now from the last window's end minus an overlap; events de-duplicate by uuid.
      const cursors: Record<string, string> = {};
      let systemLogRead = false;
      try {
        const readAt = ctx.clock.now();
        const { events, cursor } = await readSystemLog(r, {
          filter: OKTA_LOG_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or '),
          pageSize: config.logPageSize, lookbackDays: config.logLookbackDays, overlapMinutes: config.logOverlapMinutes,
          slot: ctx.slot, until: readAt, saved: ctx.cursors?.[OKTA_LOG_CURSOR],
        });
        for (const ev of events) {
          const a: OktaLogEventAttributes = {
            eventType: ev.eventType, published: ev.published, actor: ev.actor, targets: ev.target, outcome: ev.outcome, readAt: readAt.toISOString(),
          };
          push('okta.log_event', ev.uuid, ev.eventType, a, ev.published);
        }
        cursors[OKTA_LOG_CURSOR] = cursor;
        systemLogRead = true;
        inputs['okta.log_event'] = { observedAt: readAt.toISOString() };
      } catch (e) {
        errors.push(oktaError(e, 'okta:ListLogEvents'));
        for (let i = resources.length - 1; i >= 0; i--) if (resources[i]!.type === 'okta.log_event') resources.splice(i, 1);
        if (ctx.cursors?.[OKTA_LOG_CURSOR]) cursors[OKTA_LOG_CURSOR] = ctx.cursors[OKTA_LOG_CURSOR];
      }

      if (users) {
        const at = observed();
        const a: OktaOrgAttributes = { orgUrl, userCount: users.length, systemLogRead };
        push('okta.org', host, host, a, at);
        inputs['okta.org'] = { observedAt: at };
      }

      return {
        source: 'okta', scope: host, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts: r.artifacts, errors, apiCalls: client.apiCalls, minApiCalls: r.minApiCalls,
        metrics: { throttled: client.throttled, users: users?.length ?? 0 },
        cursors,
      };
    },
  };
}
