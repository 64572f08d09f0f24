// Entra ID collector: users with sign-in activity and MFA registration, role holders (direct, group, PIM), Conditional
// Access, audits — each read checked against Graph's documented shape, every gap a CollectionError with its cause.
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Resource, Snapshot } from '../../src/core/types.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import { GraphClient } from './client.js';
import type { EntraConfig } from './config.js';
import { auditProblem, check, parseAuditCursor, type RawAudit } from './parse.js';
import { readAccessReviews, readAuthorizationPolicy, readRolePolicies } from './policies.js';
import { opOf, pushUsers, readConditionalAccess, readRegistrations, readRoleHolders, readUsers, startRun } from './reads.js';
import type { EntraAuditEventAttributes } from '../../src/core/contracts/entra.js';

export { entraMethod } from './reads.js';

export const ENTRA_AUDIT_CURSOR = 'entra.directoryAudits';

/** Directory audit activities that evidence offboarding and privilege changes. */
export const ENTRA_AUDIT_ACTIVITIES = [
  'Disable account', 'Enable account', 'Delete user', 'Hard delete user', 'Add member to role', 'Remove member from role',
  'Add eligible member to role',
];

export function createEntraCollector(config: EntraConfig, _deps: CollectorDeps): Collector {
  const tenant = config.tenantId;
  return {
    source: 'entra',
    async scopes() { return [tenant]; },
    configScopes: () => [tenant],
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const client = new GraphClient({ ...config, logger: ctx.logger, signal: ctx.signal, onOperation: ctx.onOperation, clock: ctx.clock });
      const run = startRun(ctx, config, client);
      const { resources, artifacts, errors, inputs, metrics, observed, fail, list } = run;

      const { users, signInKnown } = await readUsers(run);
      const registrations = await readRegistrations(run);
      const { rolesByUser, pimLicensed } = await readRoleHolders(run);
      const securityDefaults = await readConditionalAccess(run);
      await readAuthorizationPolicy(run);
      await readRolePolicies(run);
      await readAccessReviews(run);
      if (users) pushUsers(run, { users, signInKnown, registrations, rolesByUser, securityDefaults, pimLicensed });

      const cursors: Record<string, string> = {};
      if (!run.tokenFailed) {
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
        resources, inputs, artifacts, errors, apiCalls: client.apiCalls, minApiCalls: run.minApiCalls,
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
