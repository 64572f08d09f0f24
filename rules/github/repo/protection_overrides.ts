// github.repo.protection_overrides: no branch protection or ruleset was bypassed, removed or changed in the period without justification.
import { defineRule } from '../../../src/rules/define.js';
import { day } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubAuditEventAttributes, GithubAuditLogAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

/** What each audit-log action means for change control; anything else in the searched categories is reviewed too. */
const MEANING: Record<string, { status: 'pass' | 'fail'; what: string; note?: string }> = {
  'protected_branch.policy_override': { status: 'fail', what: 'bypassed branch protection' },
  'protected_branch.destroy': { status: 'fail', what: 'removed branch protection' },
  'repository_ruleset.destroy': { status: 'fail', what: 'deleted ruleset' },
  'repository_ruleset.update': { status: 'fail', what: 'changed ruleset', note: ' (the change may weaken or disable it)' },
  'repository_ruleset.create': { status: 'pass', what: 'created ruleset' },
};

export default defineRule({
  id: 'github.repo.protection_overrides',
  title: 'No branch protection or ruleset was bypassed, removed or changed without justification during the period',
  severity: 'high',
  source: 'github',
  mode: 'period',
  inputs: ['github.audit_log', 'github.audit_event'],
  permissions: ['read:audit_log or admin:org (classic, as an organization owner)', 'Organization administration: read', 'GitHub Enterprise Cloud (the organization audit-log API)'],
  rationale:
    'Protection configured today says nothing about the day an admin pushed past it or deleted it and put it back. The audit log is the record of those moments; each override is an exception to the change process that must be justified (CC8.1), and monitoring them is part of evaluating controls (CC4.1, CC7.2).',
  remediation:
    'For each listed event, record the justification (an emergency change ticket, or `vigil exceptions add`); restore any removed protection; limit who may bypass (github.repo.no_admin_bypass). Read the audit log at least every 180 days so no span is lost.',
  params: {},
  evaluate(snapshot) {
    const feeds = resourcesOfType<GithubAuditLogAttributes>(snapshot, 'github.audit_log').filter((f) => f.attributes.stream === 'protection');
    if (feeds.length === 0) return [{ resourceId: `github:${snapshot.scope}`, status: 'error', reason: `could not tell: no audit-log read of protection changes was recorded for ${snapshot.scope}` }];
    const out: RuleOutcome[] = feeds.map((f) => feedOutcome(snapshot.scope, f.id, f.attributes));
    if (!feeds.every((f) => f.attributes.state === 'listed')) return out;
    for (const e of resourcesOfType<GithubAuditEventAttributes>(snapshot, 'github.audit_event')) {
      const a = e.attributes;
      const m = MEANING[a.action] ?? { status: 'fail' as const, what: `${a.action} on`, note: ' (an unrecognized action in a searched category)' };
      const where = [a.repository, a.target].filter(Boolean).join(' ') || snapshot.scope;
      // Each event is judged once (occurredAt): later runs read only events after the cursor.
      out.push({
        resourceId: e.id, status: m.status, occurredAt: a.createdAt,
        reason: `${a.actor ?? 'an unknown actor'} ${m.what} ${where} on ${day(a.createdAt)}${m.note ?? ''}${m.status === 'fail' ? ': justify it or record an exception' : ''}`,
        details: { action: a.action, actor: a.actor, repository: a.repository, target: a.target, createdAt: a.createdAt },
      });
    }
    return out;
  },
});

/** The run's verdict on the log itself: read without a lost span (pass), or why the period is not evidenced (error). */
function feedOutcome(scope: string, id: string, a: GithubAuditLogAttributes): RuleOutcome {
  if (a.state === 'not_available') {
    return { resourceId: id, status: 'error', reason: `not assessable from GitHub: ${a.detail ?? 'the audit-log API is not available'} (plan ${a.plan ?? 'unknown'}); protection overrides in the period cannot be evidenced from the audit log` };
  }
  if (a.state === 'unread') return { resourceId: id, status: 'error', reason: `could not tell: the audit log of ${scope} could not be read (see the collection errors)` };
  if (a.lostFrom !== null && a.lostTo !== null) {
    return {
      resourceId: id, status: 'error',
      reason: `could not tell: no run read the audit log between ${a.lostFrom} and ${a.lostTo}, and GitHub keeps only 180 days, so overrides in that span can never be evidenced`,
      details: { lostFrom: a.lostFrom, lostTo: a.lostTo },
    };
  }
  return { resourceId: id, status: 'pass', reason: `the audit log of ${scope} was read without a gap since the previous read; each override found is judged on its own` };
}
