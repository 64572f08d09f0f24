// Okta's org-wide reads after users and roles: policies with their rules, log streams, API tokens and the System Log.
import type {
  OktaApiTokenAttributes, OktaLogEventAttributes, OktaLogStreamAttributes, OktaPolicyAttributes,
} from '../../src/core/contracts/okta.js';
import { parsePolicy, parseRule, parseStream, parseToken, type RawUser } from './parse.js';
import type { HeldRole } from './admin-roles.js';
import { readSystemLog } from './system-log.js';
import { oktaError, type OktaRun } from './run.js';

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

/** Policies of the four judged types, with the rules of sign-on and access policies; all or none. */
export async function readPolicies(run: OktaRun): Promise<void> {
  const { r } = run;
  try {
    const policyAt = run.observed();
    for (const type of ['PASSWORD', 'OKTA_SIGN_ON', 'ACCESS_POLICY', 'MFA_ENROLL'] as const) {
      const policies = await r.listAll(`/api/v1/policies?type=${type}`, 'okta:ListPolicies', parsePolicy);
      if ((type === 'PASSWORD' || type === 'OKTA_SIGN_ON') && policies.length === 0) {
        // Okta keeps a required Default Policy of each type that cannot be deleted: an empty list is a short read,
        // and the rules would call the org "nothing in scope".
        run.errors.push({ operation: 'okta:ListPolicies', code: 'EMPTY_POLICIES', message: `no ${type} policy returned (Okta keeps an undeletable Default Policy of each type)`, inputs: ['okta.policy'], cause: 'incomplete', retryable: true });
      }
      for (const p of policies) {
        const rules = type === 'OKTA_SIGN_ON' || type === 'ACCESS_POLICY'
          ? await r.listAll(`/api/v1/policies/${encodeURIComponent(p.id)}/rules`, 'okta:ListPolicyRules', parseRule)
          : [];
        if ((type === 'OKTA_SIGN_ON' || type === 'ACCESS_POLICY') && rules.length === 0) {
          // Okta keeps a Default Rule (global session) or Catch-all Rule (authentication) on every such policy and
          // refuses to delete it: an empty list is a short read, and judging it would pass a policy nobody saw.
          run.errors.push({ operation: 'okta:ListPolicyRules', code: 'EMPTY_RULES', message: `policy ${p.id} returned no rules (Okta keeps a default rule on every policy)`, inputs: ['okta.policy'], resources: [p.id], cause: 'incomplete', retryable: true });
        }
        const password = p.settings?.password;
        if (type === 'PASSWORD' && (typeof password !== 'object' || password === null)) {
          // The password rule needs settings.password; without it this policy cannot be judged.
          run.errors.push({ operation: 'okta:ListPolicies', code: 'MISSING_FIELD', message: `policy ${p.id} has no settings.password`, inputs: ['okta.policy'], resources: [p.id], cause: 'malformed', retryable: false });
        }
        const a: OktaPolicyAttributes = {
          type, status: p.status, priority: p.priority, system: p.system,
          settings: type === 'PASSWORD' && typeof password === 'object' && password !== null ? password as Record<string, unknown> : null,
          rules,
        };
        run.push('okta.policy', p.id, p.name, a, policyAt);
      }
    }
    run.inputs['okta.policy'] = { observedAt: policyAt };
  } catch (e) {
    run.errors.push(oktaError(e, 'okta:ListPolicies'));
    // Policies already pushed came from an incomplete read: drop them so no rule judges half a policy set.
    run.drop('okta.policy');
  }
}

export async function readLogStreams(run: OktaRun): Promise<void> {
  try {
    const streams = await run.r.listAll('/api/v1/logStreams', 'okta:ListLogStreams', parseStream);
    const at = run.observed();
    for (const s of streams) run.push('okta.log_stream', s.id, s.name, { type: s.type, status: s.status } satisfies OktaLogStreamAttributes, at);
    run.inputs['okta.log_stream'] = { observedAt: at };
  } catch (e) {
    run.errors.push(oktaError(e, 'okta:ListLogStreams'));
  }
}

/** API token metadata: who owns each token (tokens act with their owner's roles) and where it may be used from. */
export async function readApiTokens(run: OktaRun, users: RawUser[] | null, rolesByUser: Map<string, HeldRole[]> | null): Promise<void> {
  try {
    const tokens = await run.r.listAll('/api/v1/api-tokens', 'okta:ListApiTokens', parseToken);
    const at = run.observed();
    const loginById = new Map((users ?? []).map((u) => [u.id, u.profile.login.toLowerCase()]));
    for (const t of tokens) {
      const a: OktaApiTokenAttributes = {
        ownerId: t.userId, ownerLogin: loginById.get(t.userId) ?? null,
        ownerRoles: [...new Set((rolesByUser?.get(t.userId) ?? []).map((x) => x.type))].sort(),
        networkConnection: t.networkConnection, expiresAt: t.expiresAt, lastUpdated: t.lastUpdated,
      };
      run.push('okta.api_token', t.id, t.name, a, at);
    }
    run.inputs['okta.api_token'] = { observedAt: at };
  } catch (e) {
    run.errors.push(oktaError(e, 'okta:ListApiTokens'));
  }
}

/**
 * System Log: each run reads up to now from the last window's end minus an overlap; events de-duplicate by uuid.
 * Sets the cursor (kept as it was when the read fails) and returns whether the log was read.
 */
export async function readLogEvents(run: OktaRun, cursors: Record<string, string>): Promise<boolean> {
  const { ctx, config } = run;
  try {
    const readAt = ctx.clock.now();
    const { events, cursor } = await readSystemLog(run.r, {
      filter: OKTA_LOG_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or '),
      pageSize: config.logPageSize, lookbackDays: config.logLookbackDays, overlapMinutes: config.logOverlapMinutes,
      slot: ctx.slot, until: readAt, saved: ctx.cursors?.[OKTA_LOG_CURSOR], logger: ctx.logger,
    });
    for (const ev of events) {
      const a: OktaLogEventAttributes = {
        eventType: ev.eventType, published: ev.published, actor: ev.actor, targets: ev.target, outcome: ev.outcome, readAt: readAt.toISOString(),
      };
      run.push('okta.log_event', ev.uuid, ev.eventType, a, ev.published);
    }
    cursors[OKTA_LOG_CURSOR] = cursor;
    run.inputs['okta.log_event'] = { observedAt: readAt.toISOString() };
    return true;
  } catch (e) {
    run.errors.push(oktaError(e, 'okta:ListLogEvents'));
    run.drop('okta.log_event');
    if (ctx.cursors?.[OKTA_LOG_CURSOR]) cursors[OKTA_LOG_CURSOR] = ctx.cursors[OKTA_LOG_CURSOR];
    return false;
  }
}
