// github.org.inactive_members: no member or owner has gone without an audit-log event for longer than the limit.
import { defineRule } from '../../../src/rules/define.js';
import { DAY_MS, day } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubAuditLogAttributes, GithubMemberAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.org.inactive_members',
  title: 'No organization member or owner has been inactive for more than 90 days',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.member', 'github.audit_log'],
  permissions: ['read:audit_log or admin:org (classic, as an organization owner)', 'Organization administration: read', 'GitHub Enterprise Cloud (the organization audit-log API)'],
  rationale:
    'An account nobody uses still opens every repository it can read, and its loss goes unnoticed. Removing dormant members (owners first) keeps access to those who need it (CC6.2). GitHub only tells activity through the Enterprise Cloud audit log; without it the rule cannot judge and says so.',
  remediation:
    'Organization → People: remove or convert the listed members after confirming with their manager. On plans without the audit log, configure an identity-provider source: xsys.github_inactive_members then judges the same members by their IdP sign-ins.',
  params: {
    inactiveDays: { description: 'Days without any audit-log event (as actor) after which a member is inactive; a member added to the org more recently is in grace.', default: 90 },
  },
  evaluate(snapshot, { now, params }) {
    const feeds = resourcesOfType<GithubAuditLogAttributes>(snapshot, 'github.audit_log').filter((f) => f.attributes.stream === 'activity');
    const members = resourcesOfType<GithubMemberAttributes>(snapshot, 'github.member');
    if (feeds.length === 0) {
      return [{ resourceId: `github:${snapshot.scope}`, status: 'error', reason: `could not tell: no audit-log activity read was recorded for ${snapshot.scope}` }];
    }
    const out: RuleOutcome[] = [];
    for (const f of feeds) {
      const a = f.attributes;
      if (a.state !== 'listed' || a.from === null) {
        out.push({ resourceId: f.id, status: 'error', reason: feedError(snapshot.scope, a, members.length) });
        continue;
      }
      const readDays = Math.floor((now.getTime() - Date.parse(a.from)) / DAY_MS);
      if (Number.isNaN(readDays) || readDays < params.inactiveDays) {
        out.push({ resourceId: f.id, status: 'error', reason: `could not tell: the audit log of ${snapshot.scope} was read from ${day(a.from)} only, fewer days than the ${params.inactiveDays} the rule looks back (raise sources.github.auditLogActivityDays, at most 180)` });
        continue;
      }
      const cutoff = now.getTime() - params.inactiveDays * DAY_MS;
      for (const m of members) out.push(judge(m.id, m.attributes.role, a, cutoff, params.inactiveDays));
    }
    return out;
  },
});

function feedError(scope: string, a: GithubAuditLogAttributes, members: number): string {
  if (a.state === 'not_available') {
    return `not assessable from GitHub: ${a.detail ?? 'the audit-log API is not available'} (plan ${a.plan ?? 'unknown'}), so the activity of ${members} member(s) is unknown; xsys.github_inactive_members judges them by IdP sign-ins where an identity provider is configured`;
  }
  return `could not tell: the audit log of ${scope} could not be read (see the collection errors), so the activity of ${members} member(s) is unknown`;
}

/** Reasons carry the last event's date (stable while the member stays idle), never the moving cutoff. */
function judge(login: string, role: string, a: GithubAuditLogAttributes, cutoff: number, days: number): RuleOutcome {
  const who = `${role === 'admin' ? 'owner' : 'member'} ${login}`;
  const last = a.lastActivity[login];
  const added = a.addedAt[login];
  const details = { lastActivity: last ?? null, addedAt: added ?? null, role };
  if (last !== undefined && Date.parse(last) >= cutoff) return { resourceId: login, status: 'pass', reason: `${who} acted within the last ${days} days`, details };
  if (added !== undefined && Date.parse(added) >= cutoff) {
    return { resourceId: login, status: 'pass', reason: `${who} was added to the organization on ${day(added)}, within the ${days}-day grace`, details };
  }
  const seen = last !== undefined ? `last event on ${day(last)}` : 'none in the whole audit-log window read';
  return { resourceId: login, status: 'fail', reason: `${who} has no audit-log event in the last ${days} days (${seen})`, details };
}
