// Google Workspace collector: Directory users (2SV, suspension, admin, last login), admin roles (groups expanded), Reports admin/login activity.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { UsageError, redactSecrets } from '../../src/core/errors.js';
import { MalformedReplyError, collectionErrorFrom } from '../../src/core/failure.js';
import { GoogleApiError, GoogleClient } from './client.js';
import { GOOGLE_WORKSPACE_SCOPES, type GoogleWorkspaceConfig } from './config.js';
import { parsePage, parseUser, type ListShape, type ParsedUser } from './parse.js';
import { readRoles, type ListAll, type RoleRead } from './roles.js';
import { PERMS, pushUsers } from './users.js';
import { POLICY_PERMS, readPolicies } from './policies.js';
import { parseCursor, readStream, reportCursorKey, reportStreams } from './reports.js';

export { reportCursorKey, reportStreams } from './reports.js';

/** More pages than any real list has: a server that keeps handing out new tokens is cut off as incomplete, not followed forever. */
const MAX_PAGES = 10_000;

function artifact(label: string, body: string): Artifact {
  const buf = Buffer.from(redactSecrets(body));
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType: 'application/json', size: buf.length, label, body: buf };
}

const USERS: ListShape = { kind: 'admin#directory#users', field: 'users', mayBeEmpty: false };


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
    configScopes: () => [scope],
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const k = key();
      const client = new GoogleClient({
        clientEmail: config.serviceAccount.clientEmail, privateKeyPem: k.pem, privateKeyId: k.kid, subject: config.subject,
        tokenUrl: config.tokenUrl, rootUrl: config.rootUrl, maxRetries: config.maxRetries, backoffMs: config.backoffMs,
        maxBackoffMs: config.maxBackoffMs, requestTimeoutMs: config.requestTimeoutMs, logger: ctx.logger, signal: ctx.signal, onOperation: ctx.onOperation,
        clock: ctx.clock,
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
        const op = g ? g.operation : e instanceof MalformedReplyError ? e.operation : operation;
        errors.push(collectionErrorFrom(e, { operation: op, inputs: p.inputs, permission: p.permission },
          g ? { code: g.code, cause: g.failure, message: `HTTP ${g.status} ${g.summary}` } : {}));
      };
      const pages = { count: 0 };
      const listAll = pagedLister(client, artifacts, tokenScopes, pages);

      const cust = encodeURIComponent(config.customerId);
      let roles: RoleRead | null = null;
      try {
        roles = await readRoles(listAll, cust, { roles: GOOGLE_WORKSPACE_SCOPES.roles, groups: GOOGLE_WORKSPACE_SCOPES.groups });
      } catch (e) {
        const op = e instanceof GoogleApiError || e instanceof MalformedReplyError ? e.operation : 'admin.directory.roles.list';
        fail(e, op, op.includes('members.list') ? PERMS.groups : PERMS.roles);
      }

      let users: ParsedUser[] | null = null;
      try {
        const fields = 'kind,nextPageToken,users(id,primaryEmail,name/fullName,isAdmin,isDelegatedAdmin,lastLoginTime,creationTime,suspended,archived,isEnrolledIn2Sv,isEnforcedIn2Sv,orgUnitPath)';
        const op = 'admin.directory.users.list';
        const raw = await listAll(`/admin/directory/v1/users?customer=${cust}&maxResults=${config.pageSize}&projection=basic&fields=${encodeURIComponent(fields)}`, USERS, GOOGLE_WORKSPACE_SCOPES.users, op);
        users = raw.map((u) => parseUser(u, op));
        if (new Set(users.map((u) => u.id)).size !== users.length) throw new MalformedReplyError(op, 'the same user id on two pages');
      } catch (e) {
        users = null;
        fail(e, 'admin.directory.users.list', PERMS.users);
      }

      if (users) pushUsers({ resources, errors, inputs }, scope, users, roles, observed());

      try {
        resources.push(...await readPolicies(listAll, cust, config.policyRootUrl, scope, observed));
        const at = observed();
        inputs['google-workspace.org_unit'] = { observedAt: at };
        inputs['google-workspace.policy'] = { observedAt: at };
      } catch (e) {
        fail(e, 'cloudidentity.policies.list', POLICY_PERMS);
      }

      const cursors: Record<string, string> = {};
      let reportsOk = true;
      let cursorResets = 0;
      const readAt = observed();
      const floor = new Date(Date.parse(ctx.slot) - config.reportsLookbackDays * 86_400_000).toISOString();
      for (const s of reportStreams(config.loginEvents)) {
        const keyName = reportCursorKey(s.app, s.eventName);
        const saved = ctx.cursors?.[keyName];
        const cursor = parseCursor(saved, keyName, ctx.logger);
        if (saved !== undefined && !cursor) cursorResets++;
        try {
          const read = await readStream(listAll, GOOGLE_WORKSPACE_SCOPES.reports, s, cursor, { floor, overlapMs: config.reportsOverlapMinutes * 60_000, readAt });
          for (const a of read.activities) {
            resources.push({ source: 'google-workspace', scope, type: 'google-workspace.activity', id: a.id, name: a.name, attributes: { ...a.attributes }, observedAt: a.attributes.time });
          }
          cursors[keyName] = JSON.stringify(read.cursor);
        } catch (e) {
          reportsOk = false;
          fail(e, `admin.reports.activities.list(${s.app}${s.eventName ? `:${s.eventName}` : ''})`, PERMS.reports);
          if (saved !== undefined) cursors[keyName] = saved;
        }
      }
      if (reportsOk) inputs['google-workspace.activity'] = { observedAt: readAt };
      minApiCalls += pages.count + tokenScopes.size;

      return {
        source: 'google-workspace', scope, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts, errors, apiCalls: client.apiCalls, minApiCalls,
        metrics: { throttled: client.throttled, users: users?.length ?? 0, cursorResets }, cursors,
      };
    },
  };
}

/** A lister of pageToken pages to the last one, each page shape-checked and kept as an artifact; pages counted in `pages`. */
function pagedLister(client: GoogleClient, artifacts: Artifact[], tokenScopes: Set<string>, pages: { count: number }): ListAll {
  return async (path, shape, scopeUrl, operation) => {
    tokenScopes.add(scopeUrl);
    const out: Array<Record<string, unknown>> = [];
    const seenTokens = new Set<string>();
    let pageToken: string | undefined;
    let n = 0;
    do {
      if (n >= MAX_PAGES) throw new MalformedReplyError(operation, `more than ${MAX_PAGES} pages`);
      const sep = path.includes('?') ? '&' : '?';
      const { body, raw } = await client.get(path + (pageToken ? `${sep}pageToken=${encodeURIComponent(pageToken)}` : ''), scopeUrl, operation).catch((e: unknown) => {
        // A refused token names the API it was for, so the error points at the scope to grant.
        throw e instanceof GoogleApiError && e.operation === 'google:token' ? new GoogleApiError(e.status, e.code, e.summary, `${operation} (token)`, e.failure) : e;
      });
      artifacts.push(artifact(`${operation}#${++n}`, raw));
      const page = parsePage(body, shape, operation);
      out.push(...page.items);
      if (page.next !== undefined && seenTokens.has(page.next)) throw new MalformedReplyError(operation, 'nextPageToken repeats an earlier page');
      if (page.next !== undefined) seenTokens.add(page.next);
      pageToken = page.next;
    } while (pageToken);
    pages.count += n;
    return out;
  };
}
