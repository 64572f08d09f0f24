// Okta collector: users with factors, admin roles (group-held ones expanded), policies, log streams, API tokens and
// System Log lifecycle events, each read completely or reported as a CollectionError naming its real cause.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import type { OktaOrgAttributes } from '../../src/core/contracts/okta.js';
import { OktaClient, type OktaAuth } from './client.js';
import type { OktaConfig } from './config.js';
import { artifact, OktaReader } from './reader.js';
import { readAdminRoles, type HeldRole } from './admin-roles.js';
import { oktaError, startRun } from './run.js';
import { pushUsers, readFactors, readUsers } from './users.js';
import { readApiTokens, readLogEvents, readLogStreams, readPolicies } from './org-reads.js';

export { artifact };
export { factorMethod } from './users.js';
export { OKTA_LOG_CURSOR, OKTA_LOG_EVENT_TYPES } from './org-reads.js';

export function createOktaCollector(config: OktaConfig, deps: CollectorDeps): Collector {
  const orgUrl = config.orgUrl.replace(/\/+$/, '');
  // The org's scope is its host name without the port: a real org is always on 443, so this is its host, while a local
  // emulator (vigil demo) keeps one scope across restarts on different ports instead of adding a tenant each time.
  const host = new URL(orgUrl).hostname;
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
      const run = startRun({ ctx, config, orgUrl, host, client, r });
      if (config.auth.type === 'oauth') r.minApiCalls++;

      const users = await readUsers(run);
      // Admin roles, direct and group-held. Any failed read leaves the whole inventory incomplete.
      let rolesByUser: Map<string, HeldRole[]> | null = null;
      try {
        rolesByUser = await readAdminRoles(r, orgUrl, config.concurrency, ctx.signal);
        run.inputs['okta.admin_role'] = { observedAt: run.observed() };
      } catch (e) {
        run.errors.push(oktaError(e, 'okta:ListRoleAssignees'));
      }
      if (users) pushUsers(run, users, await readFactors(run, users), rolesByUser);

      await readPolicies(run);
      await readLogStreams(run);
      await readApiTokens(run, users, rolesByUser);
      const cursors: Record<string, string> = {};
      const systemLogRead = await readLogEvents(run, cursors);

      if (users) {
        const at = run.observed();
        const a: OktaOrgAttributes = { orgUrl, userCount: users.length, systemLogRead };
        run.push('okta.org', host, host, a, at);
        run.inputs['okta.org'] = { observedAt: at };
      }

      return {
        source: 'okta', scope: host, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources: run.resources, inputs: run.inputs, artifacts: r.artifacts, errors: run.errors, apiCalls: client.apiCalls, minApiCalls: r.minApiCalls,
        metrics: { throttled: client.throttled, users: users?.length ?? 0 },
        cursors,
      };
    },
  };
}
