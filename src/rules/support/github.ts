// Pure helpers the github.* rules share: the active-branch population, the layers that set a branch's rules, and alert feeds with their SLAs.
import type { RuleOutcome, Snapshot } from '../../core/types.js';
import type { GithubAlertAttributes, GithubAlertFeedAttributes, GithubBranchRulesAttributes } from '../../core/contracts/github.js';
import { resourcesOfType } from './resources.js';
import { day, olderThanDays } from './time.js';

export const BRANCH_RULE_PERMISSIONS = ['App: Administration read (or classic token scope repo, held by a repository admin)'];

/**
 * Applies `judge` to the default branch of every non-archived repository. Archived repos cannot change, so they are
 * outside the population; a branch whose protection the token could not see is `error`, never `pass`.
 */
export function perActiveBranch(
  snapshot: Snapshot,
  judge: (a: GithubBranchRulesAttributes) => { ok: boolean; reason: string; details?: Record<string, unknown> },
): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const b of resourcesOfType<GithubBranchRulesAttributes>(snapshot, 'github.branch_rules')) {
    const a = b.attributes;
    if (a.archived) continue;
    const where = `${a.repository} branch ${a.branch}`;
    if (!a.visible) {
      out.push({ resourceId: b.id, status: 'error', reason: `${where}: could not read its protection: needs admin on the repository (App permission Administration: read, or a classic token of a repository admin)` });
      continue;
    }
    if (a.complete === false) {
      // What was read could make a fail look certain (no ruleset seen) when the rulesets were simply not read.
      out.push({ resourceId: b.id, status: 'error', reason: `${where}: its rules were read incompletely (see the collection errors), so no verdict` });
      continue;
    }
    const v = judge(a);
    out.push({ resourceId: b.id, status: v.ok ? 'pass' : 'fail', reason: `${where}: ${v.reason}`, ...(v.details ? { details: v.details } : {}) });
  }
  return out;
}

/** Which layers set the branch's rules, for reasons: "classic protection + ruleset infra-default-branch". */
export function layers(a: GithubBranchRulesAttributes): string {
  const parts = [a.classicProtection ? 'classic protection' : null, ...a.rulesets.filter((r) => r.enforcement === 'ACTIVE').map((r) => `ruleset ${r.name}`)].filter(Boolean);
  return parts.length > 0 ? parts.join(' + ') : 'no protection';
}

/**
 * One outcome on the kind's feed (`github.alert_feed`): `pass`/`fail` when the whole list was read (summing the
 * per-alert verdicts), `not_applicable` when GitHub says the feature is not enabled (whether it should be is judged by
 * the repository rules), `error` when the list could not be read. The feed outcome is what stops an unread list from
 * ever reading as "no alerts past SLA".
 */
export function feedOutcome(snapshot: Snapshot, kind: GithubAlertAttributes['kind'], label: string, perAlert: RuleOutcome[]): RuleOutcome[] {
  const feeds = resourcesOfType<GithubAlertFeedAttributes>(snapshot, 'github.alert_feed').filter((f) => f.attributes.kind === kind);
  const out: RuleOutcome[] = [];
  for (const f of feeds) {
    const a = f.attributes;
    if (a.state === 'unread') { out.push({ resourceId: f.id, status: 'error', reason: `${label} alerts of ${snapshot.scope} could not be listed` }); continue; }
    if (a.state === 'not_enabled') {
      out.push({ resourceId: f.id, status: 'not_applicable', reason: `${label} is not enabled in ${snapshot.scope} (GitHub: ${a.detail ?? 'not enabled'}): there are no ${label} alerts to judge` });
      continue;
    }
    const late = perAlert.filter((o) => o.status === 'fail').length;
    out.push({
      resourceId: f.id, status: late > 0 ? 'fail' : 'pass',
      reason: `${snapshot.scope}: ${a.openAlerts} open ${label} alert(s) listed in full; ${late > 0 ? `${late} past their SLA` : 'none with an SLA is past it'}`,
      details: { openAlerts: a.openAlerts, pastSla: late },
    });
  }
  return [...out, ...perAlert];
}

/** Open alerts of one kind with a critical/high SLA: pass within it, fail past it; other severities are outside the population. */
export function severitySlaOutcomes(snapshot: Snapshot, kind: GithubAlertAttributes['kind'], label: string, now: Date, sla: { criticalDays: number; highDays: number }): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const al of resourcesOfType<GithubAlertAttributes>(snapshot, 'github.alert')) {
    const a = al.attributes;
    if (a.kind !== kind || a.state !== 'open') continue;
    const days = a.severity === 'critical' ? sla.criticalDays : a.severity === 'high' ? sla.highDays : null;
    if (days === null) continue;
    const late = olderThanDays(a.createdAt, now, days);
    out.push({
      resourceId: al.id, status: late ? 'fail' : 'pass',
      reason: `${a.severity} ${label} alert ${a.repository}#${a.number} open since ${day(a.createdAt)}: ${late ? 'past' : 'within'} the ${days}-day SLA`,
      details: { severity: a.severity, createdAt: a.createdAt, url: a.url },
    });
  }
  return feedOutcome(snapshot, kind, label, out);
}
