// Okta collector: users with factors, admin roles, policies, log streams and System Log lifecycle events, normalized.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { redactSecrets } from '../../src/core/errors.js';
import { PHISHING_RESISTANT_METHODS } from '../../rules/identity/types.js';
import { OktaApiError, OktaClient, type OktaAuth } from './client.js';
import type { OktaConfig } from './config.js';
import type {
  OktaAdminRoleAttributes, OktaApiTokenAttributes, OktaLogEventAttributes, OktaLogStreamAttributes, OktaOrgAttributes, OktaPolicyAttributes,
  OktaUserAttributes,
} from './types.js';

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

/** Statuses in which a user can sign in, so factors matter. */
const SIGN_IN_STATUSES = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY']);

interface RawUser {
  id: string;
  status: string;
  created?: string | null;
  statusChanged?: string | null;
  lastLogin?: string | null;
  profile?: { login?: string; email?: string; firstName?: string; lastName?: string; displayName?: string };
}
interface RawFactor { factorType: string; provider: string; status: string }
interface RawRole { id: string; type: string; label?: string; status?: string; assignmentType?: 'USER' | 'GROUP' }
interface RawPolicy { id: string; name: string; type: string; status: string; priority?: number; system?: boolean; settings?: { password?: unknown } }
interface RawRule { id: string; name: string; status: string; priority?: number; system?: boolean; conditions?: unknown; actions?: unknown }
interface RawLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  actor?: { id: string; type: string; alternateId: string } | null;
  target?: Array<{ id: string; type: string; alternateId: string; displayName: string }> | null;
  outcome?: { result?: string } | null;
}

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

export function artifact(label: string, body: string, mediaType = 'application/json'): Artifact {
  const buf = Buffer.from(redactSecrets(body));
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType, size: buf.length, label, body: buf };
}

/** Which read failed maps to which permission and which inputs it leaves incomplete. */
const PERMISSIONS: Record<string, { permission: string; inputs: string[] }> = {
  'okta:ListUsers': { permission: 'okta.users.read', inputs: ['okta.org', 'okta.user', 'okta.user.factors'] },
  'okta:ListFactors': { permission: 'okta.users.read', inputs: ['okta.user.factors'] },
  'okta:ListRoleAssignees': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListRolesForUser': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListPolicies': { permission: 'okta.policies.read', inputs: ['okta.policy'] },
  'okta:ListPolicyRules': { permission: 'okta.policies.read', inputs: ['okta.policy'] },
  'okta:ListLogStreams': { permission: 'okta.logStreams.read', inputs: ['okta.log_stream'] },
  'okta:ListLogEvents': { permission: 'okta.logs.read', inputs: ['okta.log_event'] },
  'okta:ListApiTokens': { permission: 'okta.apiTokens.read', inputs: ['okta.api_token'] },
};

function toCollectionError(e: unknown, operation: string): CollectionError {
  const p = PERMISSIONS[operation] ?? { permission: undefined, inputs: [] };
  if (e instanceof OktaApiError) {
    const denied = e.status === 403 || e.status === 401;
    return {
      operation,
      code: e.errorCode,
      message: redactSecrets(denied ? `${e.summary} (needs ${p.permission})` : e.message),
      permission: p.permission,
      inputs: p.inputs,
      retryable: e.status === 429 || e.status >= 500,
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { operation, code: 'NetworkError', message: redactSecrets(msg), permission: p.permission, inputs: p.inputs, retryable: true };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (i < items.length) {
      const item = items[i++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
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
      const logger = ctx.logger;
      const client = new OktaClient({
        orgUrl, auth: auth(), logger, maxRetries: config.maxRetries, rateLimitReserve: config.rateLimitReserve, signal: ctx.signal,
      });
      const resources: Resource[] = [];
      const artifacts: Artifact[] = [];
      const errors: CollectionError[] = [];
      const inputs: Snapshot['inputs'] = {};
      const observed = () => ctx.clock.now().toISOString();
      let minApiCalls = config.auth.type === 'oauth' ? 1 : 0;

      /** Follows Link headers; each page is one artifact. */
      const listAll = async <T>(path: string, operation: string): Promise<T[]> => {
        const out: T[] = [];
        let next: string | null = path;
        let n = 0;
        while (next) {
          const page: { items: T[]; next: string | null; raw: string } = await client.get<T[]>(next, operation);
          artifacts.push(artifact(`${operation}#${++n}`, page.raw));
          out.push(...page.items);
          next = page.items.length === 0 ? null : page.next;
        }
        minApiCalls += Math.max(1, n);
        return out;
      };

      // Users: the default list omits DEPROVISIONED users, who matter most for offboarding, so read them too.
      let users: RawUser[] | null = null;
      try {
        const live = await listAll<RawUser>(`/api/v1/users?limit=${config.pageSize}`, 'okta:ListUsers');
        const gone = await listAll<RawUser>(
          `/api/v1/users?limit=${config.pageSize}&search=${encodeURIComponent('status eq "DEPROVISIONED"')}`, 'okta:ListUsers');
        users = [...live, ...gone];
      } catch (e) {
        errors.push(toCollectionError(e, 'okta:ListUsers'));
      }

      // Admin roles: list assignees, then each admin's roles (admins are few; no per-user read for everyone).
      const rolesByUser = new Map<string, RawRole[]>();
      let rolesOk = true;
      try {
        let next: string | null = '/api/v1/iam/assignees/users?limit=200';
        const ids: string[] = [];
        let n = 0;
        while (next) {
          const page: { items: { value: Array<{ id: string }>; _links?: { next?: { href: string } } }; raw: string } =
            await client.get(next, 'okta:ListRoleAssignees');
          artifacts.push(artifact(`okta:ListRoleAssignees#${++n}`, page.raw));
          ids.push(...page.items.value.map((v) => v.id));
          const href = page.items._links?.next?.href;
          next = href ? (() => { const u = new URL(href, orgUrl); return u.pathname + u.search; })() : null;
        }
        minApiCalls += n + ids.length;
        const raws: Record<string, RawRole[]> = {};
        await pool(ids, config.concurrency, async (id) => {
          const page = await client.get<RawRole[]>(`/api/v1/users/${encodeURIComponent(id)}/roles`, 'okta:ListRolesForUser');
          rolesByUser.set(id, page.items);
          raws[id] = page.items;
        });
        artifacts.push(artifact('okta:ListRolesForUser', JSON.stringify(raws)));
        inputs['okta.admin_role'] = { observedAt: observed() };
      } catch (e) {
        rolesOk = false;
        errors.push(toCollectionError(e, e instanceof OktaApiError ? e.operation : 'okta:ListRoleAssignees'));
      }

      if (users) {
        const byId = new Map(users.map((u) => [u.id, u]));
        // Factors: Okta has no bulk factor endpoint, so this is the one per-user read, paced by X-Rate-Limit-*.
        const factors = new Map<string, RawFactor[]>();
        const signInUsers = users.filter((u) => SIGN_IN_STATUSES.has(u.status));
        let factorError: CollectionError | null = null;
        let factorFailures = 0;
        await pool(signInUsers, config.concurrency, async (u) => {
          if (factorError && !factorError.retryable) return;
          try {
            const page = await client.get<RawFactor[]>(`/api/v1/users/${encodeURIComponent(u.id)}/factors`, 'okta:ListFactors');
            factors.set(u.id, page.items);
          } catch (e) {
            // A user deleted between the list and this read is gone, not unreadable: leave its factors unknown.
            if (e instanceof OktaApiError && e.status === 404) return;
            factorFailures++;
            factorError ??= toCollectionError(e, 'okta:ListFactors');
          }
        });
        minApiCalls += signInUsers.length;
        if (factorError) {
          const fe = factorError as CollectionError;
          errors.push({ ...fe, message: `${fe.message} (${factorFailures} of ${signInUsers.length} users unread)` });
        } else {
          inputs['okta.user.factors'] = { observedAt: observed() };
        }
        artifacts.push(artifact('okta:ListFactors', JSON.stringify(Object.fromEntries(factors))));

        const usersAt = observed();
        for (const u of users) {
          const fs = factors.get(u.id);
          const active = (fs ?? []).filter((f) => f.status === 'ACTIVE');
          const methods = [...new Set(active.map((f) => factorMethod(f.factorType, f.provider)))].sort();
          const roles = rolesByUser.get(u.id) ?? [];
          const login = (u.profile?.login ?? u.id).toLowerCase();
          const attrs: OktaUserAttributes = {
            email: u.profile?.email?.toLowerCase() ?? null,
            login,
            displayName: u.profile?.displayName ?? [u.profile?.firstName, u.profile?.lastName].filter(Boolean).join(' '),
            status: u.status,
            active: SIGN_IN_STATUSES.has(u.status),
            isAdmin: roles.length > 0,
            adminRoles: [...new Set(roles.map((r) => r.type))].sort(),
            mfaEnrolled: fs ? active.length > 0 : null,
            mfaMethods: methods,
            phishingResistant: fs ? methods.some((m) => PHISHING_RESISTANT_METHODS.includes(m)) : null,
            lastLogin: u.lastLogin ?? null,
            lastLoginKnown: true,
            created: u.created ?? null,
            statusChanged: u.statusChanged ?? null,
            mfaFactors: (fs ?? []).map((f) => ({
              factorType: f.factorType, provider: f.provider, status: f.status, method: factorMethod(f.factorType, f.provider),
            })),
          };
          resources.push({ source: 'okta', scope: host, type: 'okta.user', id: u.id, name: login, attributes: { ...attrs }, observedAt: usersAt });
        }
        inputs['okta.user'] = { observedAt: usersAt };
        if (rolesOk) {
          for (const [uid, roles] of rolesByUser) {
            for (const r of roles) {
              const a: OktaAdminRoleAttributes = {
                roleType: r.type, label: r.label ?? r.type, assignmentType: r.assignmentType ?? 'USER', principalId: uid,
                principalLogin: byId.get(uid)?.profile?.login?.toLowerCase() ?? null, status: r.status ?? 'ACTIVE',
              };
              resources.push({ source: 'okta', scope: host, type: 'okta.admin_role', id: `${uid}:${r.id}`, name: `${a.principalLogin ?? uid} ${r.type}`, attributes: { ...a }, observedAt: usersAt });
            }
          }
        }
      }

      // Policies and their rules.
      try {
        const policyAt = observed();
        for (const type of ['PASSWORD', 'OKTA_SIGN_ON', 'ACCESS_POLICY', 'MFA_ENROLL'] as const) {
          const policies = await listAll<RawPolicy>(`/api/v1/policies?type=${type}`, 'okta:ListPolicies');
          for (const p of policies) {
            let rules: RawRule[] = [];
            if (type === 'OKTA_SIGN_ON' || type === 'ACCESS_POLICY') {
              try {
                rules = await listAll<RawRule>(`/api/v1/policies/${encodeURIComponent(p.id)}/rules`, 'okta:ListPolicyRules');
              } catch (e) {
                throw e instanceof OktaApiError ? e : new Error(String(e));
              }
            }
            const a: OktaPolicyAttributes = {
              type, status: p.status, priority: p.priority ?? null, system: p.system ?? false,
              settings: type === 'PASSWORD' ? ((p.settings?.password as Record<string, unknown> | undefined) ?? null) : null,
              rules: rules.map((r) => ({
                id: r.id, name: r.name, status: r.status, priority: r.priority ?? null, system: r.system ?? false,
                conditions: r.conditions ?? null, actions: r.actions ?? null,
              })),
            };
            resources.push({ source: 'okta', scope: host, type: 'okta.policy', id: p.id, name: p.name, attributes: { ...a }, observedAt: policyAt });
          }
        }
        inputs['okta.policy'] = { observedAt: policyAt };
      } catch (e) {
        errors.push(toCollectionError(e, e instanceof OktaApiError ? e.operation : 'okta:ListPolicies'));
      }

      try {
        const streams = await listAll<{ id: string; name: string; type: string; status: string }>('/api/v1/logStreams', 'okta:ListLogStreams');
        const at = observed();
        for (const s of streams) {
          const a: OktaLogStreamAttributes = { type: s.type, status: s.status };
          resources.push({ source: 'okta', scope: host, type: 'okta.log_stream', id: s.id, name: s.name, attributes: { ...a }, observedAt: at });
        }
        inputs['okta.log_stream'] = { observedAt: at };
      } catch (e) {
        errors.push(toCollectionError(e, 'okta:ListLogStreams'));
      }

      // API token metadata: who owns each token (tokens act with their owner's roles) and where it may be used from.
      try {
        const tokens = await listAll<{ id: string; name: string; userId: string; network?: { connection?: string }; expiresAt?: string; lastUpdated?: string }>(
          '/api/v1/api-tokens', 'okta:ListApiTokens');
        const at = observed();
        const loginById = new Map((users ?? []).map((u) => [u.id, u.profile?.login?.toLowerCase() ?? null]));
        for (const t of tokens) {
          const a: OktaApiTokenAttributes = {
            ownerId: t.userId, ownerLogin: loginById.get(t.userId) ?? null,
            ownerRoles: [...new Set((rolesByUser.get(t.userId) ?? []).map((r) => r.type))].sort(),
            networkConnection: t.network?.connection ?? 'ANYWHERE', expiresAt: t.expiresAt ?? null, lastUpdated: t.lastUpdated ?? null,
          };
          resources.push({ source: 'okta', scope: host, type: 'okta.api_token', id: t.id, name: t.name, attributes: { ...a }, observedAt: at });
        }
        inputs['okta.api_token'] = { observedAt: at };
      } catch (e) {
        errors.push(toCollectionError(e, 'okta:ListApiTokens'));
      }

      // System Log, polled in ascending order from the saved `next` link: each event is read exactly once.
      const cursors: Record<string, string> = {};
      let systemLogRead = false;
      try {
        const saved = ctx.cursors?.[OKTA_LOG_CURSOR];
        const filter = OKTA_LOG_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');
        const since = new Date(Date.parse(ctx.slot) - config.logLookbackDays * 86_400_000).toISOString();
        let next: string | null = saved && saved.startsWith('/api/v1/logs')
          ? saved
          : `/api/v1/logs?${new URLSearchParams({ since, sortOrder: 'ASCENDING', limit: String(config.logPageSize), filter })}`;
        let n = 0;
        const readAt = observed();
        while (next) {
          const page: { items: RawLogEvent[]; next: string | null; raw: string } = await client.get<RawLogEvent[]>(next, 'okta:ListLogEvents');
          n++;
          if (page.items.length > 0) artifacts.push(artifact(`okta:ListLogEvents#${n}`, page.raw));
          for (const ev of page.items) {
            const a: OktaLogEventAttributes = {
              eventType: ev.eventType, published: ev.published,
              actor: ev.actor ? { id: ev.actor.id, type: ev.actor.type, alternateId: ev.actor.alternateId } : null,
              targets: (ev.target ?? []).map((t) => ({ id: t.id, type: t.type, alternateId: t.alternateId, displayName: t.displayName })),
              outcome: ev.outcome?.result ?? null,
              readAt,
            };
            resources.push({ source: 'okta', scope: host, type: 'okta.log_event', id: ev.uuid, name: ev.eventType, attributes: { ...a }, observedAt: ev.published });
          }
          // A short page means we have caught up; its next link is where the following run resumes.
          if (page.next) cursors[OKTA_LOG_CURSOR] = page.next;
          next = page.items.length < config.logPageSize ? null : page.next;
        }
        minApiCalls += Math.max(1, n);
        systemLogRead = true;
        inputs['okta.log_event'] = { observedAt: readAt };
      } catch (e) {
        errors.push(toCollectionError(e, 'okta:ListLogEvents'));
        if (ctx.cursors?.[OKTA_LOG_CURSOR]) cursors[OKTA_LOG_CURSOR] = ctx.cursors[OKTA_LOG_CURSOR];
      }

      if (users) {
        const at = observed();
        const a: OktaOrgAttributes = { orgUrl, userCount: users.length, systemLogRead };
        resources.push({ source: 'okta', scope: host, type: 'okta.org', id: host, name: host, attributes: { ...a }, observedAt: at });
        inputs['okta.org'] = { observedAt: at };
      }

      return {
        source: 'okta', scope: host, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts, errors, apiCalls: client.apiCalls, minApiCalls,
        metrics: { throttled: client.throttled, users: users?.length ?? 0 },
        cursors,
      };
    },
  };
}
