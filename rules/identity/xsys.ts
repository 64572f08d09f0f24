// Cross-source identity rules over the person view: orphaned access (xsys.identity_reconciliation), access of HR leavers
// and of people missing from the HR roster (xsys.hr_reconciliation) and offboarding timeliness
// (xsys.offboarding_timeliness). Pure functions of joined snapshots, a history of views and `now`.
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
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user', 'hris.employee'],
  rationale:
    'Access outside the IdP does not end when employment ends. A person deactivated in the IdP who still holds GitHub membership or AWS credentials is orphaned access, the most common leaver finding in SOC 2 audits.',
  remediation:
    'Remove the GitHub membership and delete the IAM user (or its keys and password); map remaining accounts to people in the people mapping file, or declare bots as service accounts.',
  params: {},
};

export const offboardingTimeliness: CrossSourceRule = {
  id: 'xsys.offboarding_timeliness',
  title: 'Access is removed within the SLA after termination (HR termination date, else IdP deactivation)',
  severity: 'high',
  mode: 'period',
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user', 'hris.employee'],
  rationale:
    'CC6.2 expects access removed promptly on termination. Measured from the HR termination date when the HR roster records one (the auditor’s authoritative list; the IdP accounts must then be removed too), otherwise from the IdP deactivation, to the first observation with no access left, over the period’s history of snapshots.',
  remediation: 'Automate deprovisioning (SCIM to GitHub, Identity Center instead of IAM users) or add the downstream removals to the leaver checklist.',
  params: { slaHours: { description: 'Hours allowed from IdP deactivation to removal everywhere.', default: 24 } },
};

export const hrReconciliation: CrossSourceRule = {
  id: 'xsys.hr_reconciliation',
  title: 'Every person holding access is an employee on the HR roster, and no terminated employee holds access',
  severity: 'high',
  mode: 'snapshot',
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user', 'hris.employee'],
  rationale:
    'The HR roster is the authoritative list of who is employed. An active IdP account, GitHub membership or AWS credential of an employee HR has terminated is orphaned access, whether or not the IdP was told; an account with no HR record at all was granted outside the joiner process. Judged only when an HR roster source (`sources.hris`) is configured.',
  remediation:
    'Deactivate the terminated employee’s IdP accounts and remove their GitHub membership and AWS credentials; for accounts with no HR record, add the person to the roster, or declare shared and bot IdP accounts as `serviceAccounts.idp` in the people mapping file.',
  params: {},
};

export const githubInactiveMembers: CrossSourceRule = {
  id: 'xsys.github_inactive_members',
  title: 'Members of GitHub organizations without an audit log signed in to the identity provider within 90 days',
  severity: 'medium',
  mode: 'snapshot',
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user', 'hris.employee'],
  rationale:
    'Reads the person view (github.member with the org’s github.audit_log state from the same run). GitHub tells member activity only through the Enterprise Cloud audit log (github.org.inactive_members). For an organization without it, the catalogue falls back to the identity provider: a membership whose person is deactivated or has not signed in for the limit is dormant access (CC6.2). A member the IdP cannot vouch for (no matched identity, or a provider that does not report sign-ins) is error, never pass.',
  remediation: 'Remove the dormant GitHub memberships (or confirm them with the person’s manager); map unmatched logins to people in the people mapping file.',
  params: { inactiveDays: { description: 'Days without an IdP sign-in after which a GitHub membership is dormant.', default: 90 } },
};

/** Active IdP accounts, for leavers whose IdP accounts are access still to remove. */
function describeIdpAccess(p: Person): string[] {
  return p.idp.filter((a) => a.active).map((a) => `${a.source} account ${a.login} (${a.status})`);
}

function describeAccess(p: Person): string {
  const parts = [
    ...(p.offboardingBasis === 'hr' ? describeIdpAccess(p) : []),
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
  params?: { slaHours?: number; inactiveDays?: number };
  /**
   * Whether an HR roster source is configured. When it is but no roster was joined, xsys.hr_reconciliation is `error`;
   * when it is not, that rule records nothing (there is no roster to judge by). @defaultValue whether the view joined one
   */
  hrConfigured?: boolean;
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

  evaluateHr(view, opts.hrConfigured ?? view.hrJoined, push);
  evaluateGithubActivity(view, opts.now, opts.params?.inactiveDays ?? (githubInactiveMembers.params.inactiveDays!.default as number), push);
  evaluateOffboarding(view, opts, sla, observedAt, push);
  return out.sort((a, b) => (a.ruleId + a.resourceId < b.ruleId + b.resourceId ? -1 : 1));
}

type Push = (ruleId: string, resourceId: string, status: Result['status'], reason: string, details?: Record<string, unknown>) => void;

/** xsys.hr_reconciliation: HR leavers holding access, and people holding access the roster does not list. */
function evaluateHr(view: PeopleView, configured: boolean, push: Push): void {
  if (!configured) return;
  if (!view.hrJoined) {
    push(hrReconciliation.id, 'input:hris', 'error', 'could not tell: an HR roster is configured (sources.hris) but no complete read of it was joined');
    return;
  }
  for (const p of view.people) {
    const held = [...describeIdpAccess(p), describeAccess({ ...p, offboardingBasis: null })].filter((x) => x !== '').join(', ');
    const id = `person:${p.email}`;
    if (!p.hr) {
      if (p.serviceAccount || held === '') continue;
      push(hrReconciliation.id, id, 'fail', `${p.email} holds ${held} but has no record on the HR roster`, { idp: p.idp.map((a) => `${a.source}:${a.login}`) });
      continue;
    }
    const hr = { employeeId: p.hr.employeeId, roster: p.hr.scope, line: p.hr.line, status: p.hr.statusRaw, terminationDate: p.hr.terminationDate };
    if (p.hr.status === 'terminated') {
      if (held !== '') push(hrReconciliation.id, id, 'fail', `orphaned access: ${p.email} (employee ${p.hr.employeeId}) was terminated in HR on ${p.hr.terminationDate} but still holds ${held}`, hr);
      else if (p.idp.length + p.github.length + p.aws.length > 0) push(hrReconciliation.id, id, 'pass', `${p.email} (employee ${p.hr.employeeId}) was terminated in HR on ${p.hr.terminationDate} and holds no active access`, hr);
    } else if (held !== '') {
      push(hrReconciliation.id, id, 'pass', `${p.email} is employee ${p.hr.employeeId} (${p.hr.statusRaw}) on the HR roster`, hr);
    }
  }
}

/** xsys.offboarding_timeliness: every leaver (HR-terminated, else IdP-deactivated) who held access at or after leaving. */
function evaluateOffboarding(view: PeopleView, opts: EvaluatePeopleOptions, sla: number, observedAt: string, push: Push): void {
  const history = [...(opts.history ?? []), { observedAt, view }];
  const personAt = (v: PeopleView, email: string) => v.people.find((x) => x.email === email);
  for (const p of view.people) {
    if (!p.leaver || !p.offboardingFrom) continue;
    if (p.offboardingBasis === 'idp' && p.idp.length === 0) continue;
    const from = Date.parse(p.offboardingFrom);
    const after = history.filter((h) => Date.parse(h.observedAt) >= from).map((h) => ({ t: h.observedAt, q: personAt(h.view, p.email) }));
    const heldAfter = after.filter((h) => h.q?.holdsAccess);
    if (!p.holdsAccess && heldAfter.length === 0) continue;
    const resourceId = `person:${p.email}`;
    const event = p.offboardingBasis === 'hr' ? `terminated in HR on ${p.hr!.terminationDate}` : `deactivated in the IdP ${day(p.offboardingFrom)}`;
    const base = { offboardingFrom: p.offboardingFrom, basis: p.offboardingBasis, ...(p.offboardingBasis === 'idp' ? { deactivatedAt: p.offboardingFrom } : { terminationDate: p.hr!.terminationDate }), slaHours: sla };
    if (p.holdsAccess) {
      const overdue = opts.now.getTime() - from > sla * 3_600_000;
      push(offboardingTimeliness.id, resourceId, overdue ? 'fail' : 'pass',
        overdue
          ? `${p.email} was ${event} and still holds ${describeAccess(p)}, beyond the ${sla} h SLA`
          : `${p.email} was ${event}; removal of ${describeAccess(p)} is pending within the ${sla} h SLA`,
        { ...base, pending: true });
      continue;
    }
    // Removed: the first observation after the last one that still showed access bounds the removal time.
    const lastHeld = heldAfter[heldAfter.length - 1]!.t;
    const removedSeen = after.find((h) => Date.parse(h.t) > Date.parse(lastHeld) && !h.q?.holdsAccess)?.t ?? observedAt;
    const hours = Math.round(((Date.parse(removedSeen) - from) / 3_600_000) * 10) / 10;
    const what = p.offboardingBasis === 'hr' ? 'access' : 'downstream access';
    const since = p.offboardingBasis === 'hr' ? `the end of the HR termination date ${p.hr!.terminationDate}` : `IdP deactivation ${p.offboardingFrom}`;
    push(offboardingTimeliness.id, resourceId, hours <= sla ? 'pass' : 'fail',
      `${p.email}: ${what} removed by ${removedSeen} (${hours} h after ${since}; SLA ${sla} h)`,
      { ...base, removedObservedAt: removedSeen, lastSeenWithAccess: lastHeld, offboardingHours: hours });
  }
}

/**
 * xsys.github_inactive_members: GitHub members of orgs whose audit log was not read, judged by their person's IdP
 * sign-ins. Members of orgs with the audit log are judged by github.org.inactive_members and skipped here.
 */
function evaluateGithubActivity(view: PeopleView, now: Date, days: number, push: Push): void {
  const cutoff = now.getTime() - days * 86_400_000;
  const rid = githubInactiveMembers.id;
  for (const p of view.people) {
    for (const g of p.github) {
      if (g.auditLogRead === true) continue;
      const id = `github:${g.org}/${g.login}`;
      const who = `GitHub ${g.role === 'admin' ? 'owner' : 'member'} ${g.org}/${g.login} (${p.email})`;
      const active = p.idp.filter((a) => a.active);
      if (p.idp.length === 0) { push(rid, id, 'error', `could not tell: ${who} has no IdP identity whose sign-ins could stand in for GitHub activity`); continue; }
      if (active.length === 0) { push(rid, id, 'fail', `${who} is deactivated in the IdP (${idpNames(p)}) yet still a member: dormant access`); continue; }
      const known = active.filter((a) => a.lastLoginKnown === true);
      const recent = known.filter((a) => a.lastLogin != null && Date.parse(a.lastLogin) >= cutoff);
      const details = { idp: active.map((a) => ({ source: a.source, login: a.login, lastLogin: a.lastLogin ?? null, lastLoginKnown: a.lastLoginKnown ?? false })) };
      if (recent.length > 0) push(rid, id, 'pass', `${who} signed in to ${recent.map((a) => a.source).join(', ')} within the last ${days} days`, details);
      else if (known.length < active.length) push(rid, id, 'error', `could not tell: ${active.filter((a) => a.lastLoginKnown !== true).map((a) => a.source).join(', ')} does not report sign-ins for ${p.email}`, details);
      else {
        const last = known.map((a) => a.lastLogin).filter((x): x is string => x != null).sort().pop();
        push(rid, id, 'fail', `${who} has not signed in to the IdP in the last ${days} days (${last ? `last sign-in ${day(last)}` : 'never signed in'})`, details);
      }
    }
  }
  for (const g of view.unmatched.github) {
    if (g.auditLogRead === true) continue;
    push(rid, `github:${g.org}/${g.login}`, 'error', `could not tell: GitHub member ${g.org}/${g.login} matches no IdP user, so no sign-in can stand in for its activity`);
  }
}
