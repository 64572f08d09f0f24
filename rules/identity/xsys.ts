// Cross-source identity rules over the person view: orphaned access (xsys.identity_reconciliation) and offboarding
// timeliness (xsys.offboarding_timeliness). Pure functions of joined snapshots, a history of views and `now`.
import type { Result, Severity } from '../../src/core/types.js';
import type { Person, PeopleView } from './people.js';

/** Metadata of a rule that reads several sources; evaluated by `evaluatePeople`, not by the per-source engine. */
export interface CrossSourceRule {
  id: string;
  title: string;
  severity: Severity;
  mode: 'snapshot' | 'period';
  /** Resource types read, across sources. */
  inputs: string[];
  rationale: string;
  remediation: string;
  params: Record<string, { description: string; default: unknown }>;
}

export const identityReconciliation: CrossSourceRule = {
  id: 'xsys.identity_reconciliation',
  title: 'Every GitHub member and AWS IAM user belongs to an active identity-provider user',
  severity: 'high',
  mode: 'snapshot',
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user'],
  rationale:
    'Access outside the IdP does not end when employment ends. A person deactivated in the IdP who still holds GitHub membership or AWS credentials is orphaned access, the most common leaver finding in SOC 2 audits.',
  remediation:
    'Remove the GitHub membership and delete the IAM user (or its keys and password); map remaining accounts to people in the people mapping file, or declare bots as service accounts.',
  params: {},
};

export const offboardingTimeliness: CrossSourceRule = {
  id: 'xsys.offboarding_timeliness',
  title: 'Downstream access is removed within the SLA after IdP deactivation',
  severity: 'high',
  mode: 'period',
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user'],
  rationale:
    'CC6.2 expects access removed promptly on termination. Measured from the IdP deactivation to the first observation with no GitHub membership or AWS credential left, over the period’s history of snapshots.',
  remediation: 'Automate deprovisioning (SCIM to GitHub, Identity Center instead of IAM users) or add the downstream removals to the leaver checklist.',
  params: { slaHours: { description: 'Hours allowed from IdP deactivation to removal everywhere.', default: 24 } },
};

function describeAccess(p: Person): string {
  const parts = [
    ...p.github.map((g) => `GitHub ${g.org}/${g.login} (${g.role})`),
    ...p.aws.filter((a) => a.passwordEnabled || a.activeAccessKeys > 0).map((a) => `AWS user ${a.arn}${a.activeAccessKeys ? ` with ${a.activeAccessKeys} active access key${a.activeAccessKeys > 1 ? 's' : ''}` : ''}${a.passwordEnabled ? ' with a console password' : ''}`),
  ];
  return parts.join(', ');
}

function idpNames(p: Person): string {
  return p.idp.map((a) => `${a.source} ${a.login} (${a.status})`).join(', ');
}

const day = (iso: string) => iso.slice(0, 10);

export interface EvaluatePeopleOptions {
  now: Date;
  /** Earlier views, oldest first (from the ledger), for offboarding times. The current view need not be included. */
  history?: Array<{ observedAt: string; view: PeopleView }>;
  params?: { slaHours?: number };
}

/** Evaluates the cross-source rules; results carry `observedAt` = the newest source observation joined. */
export function evaluatePeople(view: PeopleView, opts: EvaluatePeopleOptions): Result[] {
  const observedAt = view.sources.map((s) => s.observedAt).sort().pop() ?? opts.now.toISOString();
  const sla = opts.params?.slaHours ?? (offboardingTimeliness.params.slaHours!.default as number);
  const out: Result[] = [];
  const push = (ruleId: string, resourceId: string, status: Result['status'], reason: string, details?: Record<string, unknown>) =>
    out.push({ ruleId, resourceId, status, reason, observedAt, ...(details ? { details } : {}) });

  for (const p of view.people) {
    if (p.github.length === 0 && p.aws.length === 0) continue;
    const details = { idp: p.idp.map((a) => ({ source: a.source, login: a.login, status: a.status })), github: p.github.map((g) => `${g.org}/${g.login}`), aws: p.aws.map((a) => a.arn) };
    if (p.idp.length === 0) push(identityReconciliation.id, `person:${p.email}`, 'fail', `${p.email} has downstream accounts (${describeAccess(p) || 'inactive'}) but no IdP identity`, details);
    else if (p.activeInIdp) push(identityReconciliation.id, `person:${p.email}`, 'pass', `${p.email} is active in the IdP (${idpNames(p)})`, details);
    else if (p.holdsDownstreamAccess) {
      push(identityReconciliation.id, `person:${p.email}`, 'fail', `orphaned access: ${p.email} is deactivated in the IdP (${idpNames(p)}${p.deactivatedAt ? ` since ${day(p.deactivatedAt)}` : ''}) but still holds ${describeAccess(p)}`, details);
    } else push(identityReconciliation.id, `person:${p.email}`, 'pass', `${p.email} is deactivated in the IdP and holds no active downstream access`, details);
  }
  for (const g of view.unmatched.github) push(identityReconciliation.id, `github:${g.org}/${g.login}`, 'fail', `GitHub member ${g.org}/${g.login} (${g.role}) matches no IdP user`);
  for (const a of view.unmatched.aws) {
    if (!a.passwordEnabled && a.activeAccessKeys === 0) continue;
    push(identityReconciliation.id, `aws:${a.arn}`, 'fail', `AWS IAM user ${a.arn} matches no IdP user and holds ${a.activeAccessKeys} active access key(s)${a.passwordEnabled ? ' and a console password' : ''}`);
  }

  // Offboarding: every person deactivated in the IdP who held downstream access at or after deactivation.
  const history = [...(opts.history ?? []), { observedAt, view }];
  const personAt = (v: PeopleView, email: string) => v.people.find((x) => x.email === email);
  for (const p of view.people) {
    if (p.activeInIdp || !p.deactivatedAt || p.idp.length === 0) continue;
    const deact = Date.parse(p.deactivatedAt);
    const after = history.filter((h) => Date.parse(h.observedAt) >= deact).map((h) => ({ t: h.observedAt, q: personAt(h.view, p.email) }));
    const heldAfter = after.filter((h) => h.q?.holdsDownstreamAccess);
    if (!p.holdsDownstreamAccess && heldAfter.length === 0) continue;
    const resourceId = `person:${p.email}`;
    const base = { deactivatedAt: p.deactivatedAt, slaHours: sla };
    if (p.holdsDownstreamAccess) {
      const overdue = opts.now.getTime() - deact > sla * 3_600_000;
      push(offboardingTimeliness.id, resourceId, overdue ? 'fail' : 'pass',
        overdue
          ? `${p.email} was deactivated ${day(p.deactivatedAt)} and still holds ${describeAccess(p)}, beyond the ${sla} h SLA`
          : `${p.email} was deactivated ${day(p.deactivatedAt)}; removal of ${describeAccess(p)} is pending within the ${sla} h SLA`,
        { ...base, pending: true });
      continue;
    }
    // Removed: the first observation after the last one that still showed access bounds the removal time.
    const lastHeld = heldAfter[heldAfter.length - 1]!.t;
    const removedSeen = after.find((h) => Date.parse(h.t) > Date.parse(lastHeld) && !h.q?.holdsDownstreamAccess)?.t ?? observedAt;
    const hours = Math.round(((Date.parse(removedSeen) - deact) / 3_600_000) * 10) / 10;
    push(offboardingTimeliness.id, resourceId, hours <= sla ? 'pass' : 'fail',
      `${p.email}: downstream access removed by ${removedSeen} (${hours} h after IdP deactivation ${p.deactivatedAt}; SLA ${sla} h)`,
      { ...base, removedObservedAt: removedSeen, lastSeenWithAccess: lastHeld, offboardingHours: hours });
  }
  return out.sort((a, b) => (a.ruleId + a.resourceId < b.ruleId + b.resourceId ? -1 : 1));
}
