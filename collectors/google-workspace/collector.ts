// Google Workspace collector: Directory users (2SV, suspension, admin, last login), admin roles, Reports admin/login activity.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { UsageError, redactSecrets } from '../../src/core/errors.js';
import { GoogleApiError, GoogleClient } from './client.js';
import { GOOGLE_WORKSPACE_SCOPES, type GoogleWorkspaceConfig } from './config.js';
import type {
  GoogleWorkspaceActivityAttributes, GoogleWorkspaceCustomerAttributes, GoogleWorkspaceRoleAssignmentAttributes, GoogleWorkspaceUserAttributes,
} from './types.js';

/** Reports streams read each run: every admin event, and the chosen login events (one stream per event name). */
export function reportStreams(loginEvents: string[]): Array<{ app: 'admin' | 'login'; eventName?: string }> {
  return [{ app: 'admin' }, ...loginEvents.map((eventName) => ({ app: 'login' as const, eventName }))];
}
export const reportCursorKey = (app: string, eventName?: string) => `google-workspace.reports.${app}${eventName ? `.${eventName}` : ''}`;

/** Directory's lastLoginTime for a user who never signed in. */
const NEVER = '1970-01-01T00:00:00.000Z';
const SUPER_ADMIN_ROLE = '_SEED_ADMIN_ROLE';

function artifact(label: string, body: string): Artifact {
  const buf = Buffer.from(redactSecrets(body));
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType: 'application/json', size: buf.length, label, body: buf };
}

interface RawUser {
  id: string; primaryEmail: string; name?: { fullName?: string }; isAdmin?: boolean; isDelegatedAdmin?: boolean; lastLoginTime?: string;
  creationTime?: string; suspended?: boolean; archived?: boolean; isEnrolledIn2Sv?: boolean; isEnforcedIn2Sv?: boolean; orgUnitPath?: string;
}
interface RawRole { roleId: string; roleName: string; isSuperAdminRole?: boolean; isSystemRole?: boolean }
interface RawAssignment { roleAssignmentId: string; roleId: string; assignedTo: string; assigneeType?: string; scopeType: string; orgUnitId?: string }
interface RawActivity {
  id: { time: string; uniqueQualifier: string; applicationName: string };
  actor?: { email?: string };
  events?: Array<{ type?: string; name: string; parameters?: Array<{ name: string; value?: string; boolValue?: boolean; multiValue?: string[] }> }>;
}

const PERMS = {
  users: { permission: `${GOOGLE_WORKSPACE_SCOPES.users} (admin privilege Users › Read)`, inputs: ['google-workspace.customer', 'google-workspace.user'] },
  roles: { permission: `${GOOGLE_WORKSPACE_SCOPES.roles} (admin privilege Admin roles › Read)`, inputs: ['google-workspace.admin_role_assignment'] },
  reports: { permission: `${GOOGLE_WORKSPACE_SCOPES.reports} (admin privilege Reports)`, inputs: ['google-workspace.activity'] },
};

export function createGoogleWorkspaceCollector(config: GoogleWorkspaceConfig, deps: CollectorDeps): Collector {
  const scope = config.customerId;
  const key = (): { pem: string; kid?: string } => {
    const sa = config.serviceAccount;
    if (sa.privateKey) return { pem: sa.privateKey, kid: sa.privateKeyId };
    const file = resolve(deps.configDir, sa.keyFile ?? '');
    let j: { private_key?: string; private_key_id?: string };
    try { j = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
      throw new UsageError('BAD_KEY_FILE', `sources.google-workspace.serviceAccount.keyFile: cannot read ${file} as a service-account JSON key`, { cause: e });
    }
    if (!j.private_key) throw new UsageError('BAD_KEY_FILE', `sources.google-workspace.serviceAccount.keyFile: ${file} has no private_key`);
    return { pem: j.private_key, kid: sa.privateKeyId ?? j.private_key_id };
  };

  return {
    source: 'google-workspace',
    async scopes() { return [scope]; },
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const k = key();
      const client = new GoogleClient({
        clientEmail: config.serviceAccount.clientEmail, privateKeyPem: k.pem, privateKeyId: k.kid, subject: config.subject,
        tokenUrl: config.tokenUrl, rootUrl: config.rootUrl, maxRetries: config.maxRetries, backoffMs: config.backoffMs, logger: ctx.logger, signal: ctx.signal,
      });
      const resources: Resource[] = [];
      const artifacts: Artifact[] = [];
      const errors: CollectionError[] = [];
      const inputs: Snapshot['inputs'] = {};
      const observed = () => ctx.clock.now().toISOString();
      let minApiCalls = 0;
      const tokenScopes = new Set<string>();

      const fail = (e: unknown, operation: string, p: { permission: string; inputs: string[] }) => {
        const g = e instanceof GoogleApiError ? e : null;
        errors.push({
          operation: g?.operation === 'google:token' ? `${operation} (token)` : operation,
          code: g?.code ?? 'NetworkError',
          message: redactSecrets(g ? `${g.summary} (needs ${p.permission})` : e instanceof Error ? e.message : String(e)),
          permission: p.permission, inputs: p.inputs, retryable: !g || g.status === 429 || g.status >= 500,
        });
      };
      /** pageToken paging; every page is an artifact. */
      const listAll = async <T>(path: string, field: string, scopeUrl: string, operation: string): Promise<T[]> => {
        tokenScopes.add(scopeUrl);
        const out: T[] = [];
        let pageToken: string | undefined;
        let n = 0;
        do {
          const sep = path.includes('?') ? '&' : '?';
          const { body, raw }: { body: Record<string, unknown> & { nextPageToken?: string }; raw: string } =
            await client.get(path + (pageToken ? `${sep}pageToken=${encodeURIComponent(pageToken)}` : ''), scopeUrl, operation);
          artifacts.push(artifact(`${operation}#${++n}`, raw));
          out.push(...((body[field] as T[] | undefined) ?? []));
          pageToken = body.nextPageToken || undefined;
        } while (pageToken);
        minApiCalls += n;
        return out;
      };

      const cust = encodeURIComponent(config.customerId);
      const roleNames = new Map<string, RawRole>();
      const rolesByUser = new Map<string, string[]>();
      let assignments: RawAssignment[] | null = null;
      try {
        for (const r of await listAll<RawRole>(`/admin/directory/v1/customer/${cust}/roles?maxResults=100`, 'items', GOOGLE_WORKSPACE_SCOPES.roles, 'admin.directory.roles.list')) roleNames.set(r.roleId, r);
        assignments = await listAll<RawAssignment>(`/admin/directory/v1/customer/${cust}/roleassignments?maxResults=200`, 'items', GOOGLE_WORKSPACE_SCOPES.roles, 'admin.directory.roleAssignments.list');
        for (const a of assignments) {
          const role = roleNames.get(a.roleId);
          const name = role?.roleName === SUPER_ADMIN_ROLE ? 'Super Admin' : role?.roleName ?? a.roleId;
          rolesByUser.set(a.assignedTo, [...(rolesByUser.get(a.assignedTo) ?? []), name]);
        }
      } catch (e) {
        fail(e, e instanceof GoogleApiError && e.operation !== 'google:token' ? e.operation : 'admin.directory.roles.list', PERMS.roles);
      }

      let users: RawUser[] | null = null;
      try {
        const fields = 'nextPageToken,users(id,primaryEmail,name/fullName,isAdmin,isDelegatedAdmin,lastLoginTime,creationTime,suspended,archived,isEnrolledIn2Sv,isEnforcedIn2Sv,orgUnitPath)';
        users = await listAll<RawUser>(`/admin/directory/v1/users?customer=${cust}&maxResults=${config.pageSize}&projection=basic&fields=${encodeURIComponent(fields)}`, 'users', GOOGLE_WORKSPACE_SCOPES.users, 'admin.directory.users.list');
      } catch (e) {
        fail(e, 'admin.directory.users.list', PERMS.users);
      }

      if (users) {
        const at = observed();
        const loginOf = new Map(users.map((u) => [u.id, u.primaryEmail.toLowerCase()]));
        for (const u of users) {
          const login = u.primaryEmail.toLowerCase();
          const roles = [...new Set([...(u.isAdmin ? ['Super Admin'] : []), ...(rolesByUser.get(u.id) ?? [])])].sort();
          const active = !u.suspended && !u.archived;
          const attrs: GoogleWorkspaceUserAttributes = {
            email: login, login, displayName: u.name?.fullName ?? login,
            status: u.archived ? 'archived' : u.suspended ? 'suspended' : 'active', active,
            isAdmin: !!u.isAdmin || !!u.isDelegatedAdmin, adminRoles: roles,
            mfaEnrolled: !!u.isEnrolledIn2Sv, mfaMethods: [], phishingResistant: null,
            lastLogin: !u.lastLoginTime || u.lastLoginTime === NEVER ? null : u.lastLoginTime, lastLoginKnown: true,
            created: u.creationTime ?? null, statusChanged: null,
            isEnrolledIn2Sv: !!u.isEnrolledIn2Sv, isEnforcedIn2Sv: !!u.isEnforcedIn2Sv, suspended: !!u.suspended, archived: !!u.archived,
            isSuperAdmin: !!u.isAdmin, isDelegatedAdmin: !!u.isDelegatedAdmin, orgUnitPath: u.orgUnitPath ?? '/',
          };
          resources.push({ source: 'google-workspace', scope, type: 'google-workspace.user', id: u.id, name: login, attributes: { ...attrs }, observedAt: at });
        }
        const c: GoogleWorkspaceCustomerAttributes = { userCount: users.length };
        resources.push({ source: 'google-workspace', scope, type: 'google-workspace.customer', id: scope, name: scope, attributes: { ...c }, observedAt: at });
        inputs['google-workspace.user'] = { observedAt: at };
        inputs['google-workspace.customer'] = { observedAt: at };
        if (assignments) {
          for (const a of assignments) {
            const role = roleNames.get(a.roleId);
            const attrs: GoogleWorkspaceRoleAssignmentAttributes = {
              roleId: a.roleId, roleName: role?.roleName === SUPER_ADMIN_ROLE ? 'Super Admin' : role?.roleName ?? a.roleId,
              isSuperAdminRole: !!role?.isSuperAdminRole, assignedTo: a.assignedTo, assigneeType: a.assigneeType ?? 'user',
              assigneeLogin: loginOf.get(a.assignedTo) ?? null, scopeType: a.scopeType, orgUnitId: a.orgUnitId ?? null,
            };
            resources.push({ source: 'google-workspace', scope, type: 'google-workspace.admin_role_assignment', id: a.roleAssignmentId, name: `${attrs.assigneeLogin ?? a.assignedTo} ${attrs.roleName}`, attributes: { ...attrs }, observedAt: at });
          }
          inputs['google-workspace.admin_role_assignment'] = { observedAt: at };
        }
      }

      // Reports: from the saved instant, skipping the ids already read at that instant (the API is newest-first, startTime inclusive).
      const cursors: Record<string, string> = {};
      let reportsOk = true;
      const readAt = observed();
      for (const { app, eventName } of reportStreams(config.loginEvents)) {
        const keyName = reportCursorKey(app, eventName);
        const saved = ctx.cursors?.[keyName];
        let cursor: { t: string; ids: string[] } | null = null;
        try { cursor = saved ? JSON.parse(saved) : null; } catch { cursor = null; }
        try {
          const start = cursor?.t ?? new Date(Date.parse(ctx.slot) - config.reportsLookbackDays * 86_400_000).toISOString();
          const ev = eventName ? `&eventName=${encodeURIComponent(eventName)}` : '';
          const items = await listAll<RawActivity>(`/admin/reports/v1/activity/users/all/applications/${app}?startTime=${encodeURIComponent(start)}&maxResults=1000${ev}`, 'items', GOOGLE_WORKSPACE_SCOPES.reports, 'admin.reports.activities.list');
          const skip = new Set(cursor?.ids ?? []);
          let maxT = start;
          let ids = new Set(cursor?.ids ?? []);
          for (const it of items) {
            const id = `${app}:${it.id.time}:${it.id.uniqueQualifier}`;
            if (it.id.time === cursor?.t && skip.has(id)) continue;
            const attrs: GoogleWorkspaceActivityAttributes = {
              application: app, time: it.id.time, actor: it.actor?.email?.toLowerCase() ?? null,
              events: (it.events ?? []).map((e) => ({
                type: e.type ?? null, name: e.name,
                parameters: Object.fromEntries((e.parameters ?? []).map((p) => [p.name, p.value ?? p.boolValue ?? p.multiValue ?? ''])),
              })),
              readAt,
            };
            resources.push({ source: 'google-workspace', scope, type: 'google-workspace.activity', id, name: attrs.events.map((e) => e.name).join(',') || app, attributes: { ...attrs }, observedAt: it.id.time });
            if (Date.parse(it.id.time) > Date.parse(maxT)) { maxT = it.id.time; ids = new Set([id]); } else if (it.id.time === maxT) ids.add(id);
          }
          cursors[keyName] = JSON.stringify({ t: maxT, ids: [...ids].sort() });
        } catch (e) {
          reportsOk = false;
          fail(e, `admin.reports.activities.list(${app}${eventName ? `:${eventName}` : ''})`, PERMS.reports);
          if (saved) cursors[keyName] = saved;
        }
      }
      if (reportsOk) inputs['google-workspace.activity'] = { observedAt: readAt };
      minApiCalls += tokenScopes.size;

      return {
        source: 'google-workspace', scope, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts, errors, apiCalls: client.apiCalls, minApiCalls,
        metrics: { throttled: client.throttled, users: users?.length ?? 0 }, cursors,
      };
    },
  };
}
