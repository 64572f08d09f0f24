// xsys.access_review_revocations: an account an access reviewer decided to `revoke` must be gone (or hold no access)
// within a grace period after the decision. Pure: the accounts of the latest runs, the open revocations, and a param.
import type { Result } from '../../src/core/types.js';
import type { AccountRow } from './accounts.js';
import type { CrossSourceRule } from './xsys.js';

export const accessReviewRevocations: CrossSourceRule = {
  id: 'xsys.access_review_revocations',
  title: 'Accounts an access review decided to revoke are removed within the grace period',
  severity: 'high',
  mode: 'snapshot',
  inputs: ['okta.user', 'google-workspace.user', 'entra.user', 'github.member', 'aws.iam.user'],
  rationale:
    'CC6.2 and CC6.3 expect access reviews to be acted on: a reviewer’s `revoke` decision that is never carried out leaves the access the review found inappropriate. Each revoke decision (`vigil review decide`) is tracked against later runs until the account is gone or holds no access.',
  remediation: 'Remove the account (or its credentials and membership) as decided, or record a new decision (`keep` or `modify`, with the reason) in a later review.',
  params: { graceDays: { description: 'Days allowed from a revoke decision to the account’s removal.', default: 7 } },
};

/** A `revoke` decision not superseded by a later decision on the same account. */
export interface Revocation {
  reviewId: string;
  account: string;
  source: string;
  scope: string;
  decidedAt: string;
  decidedBy: string;
  reason: string;
}

/**
 * One result per revocation: `fail` when the account still holds access in a run observed more than `graceDays` after
 * the decision; `pass` when it is gone or holds no access, or is still within the grace period; `error` when the
 * account's source and scope were not joined (nothing says whether it is gone).
 */
export function evaluateRevocations(accounts: AccountRow[], joined: ReadonlySet<string>, revocations: Revocation[], opts: { graceDays?: number; now: Date }): Result[] {
  const graceDays = opts.graceDays ?? (accessReviewRevocations.params.graceDays!.default as number);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const out: Result[] = [];
  for (const r of revocations) {
    const base = { ruleId: accessReviewRevocations.id, resourceId: `account:${r.account}` };
    const details = { reviewId: r.reviewId, decidedAt: r.decidedAt, decidedBy: r.decidedBy, graceDays };
    const due = new Date(Date.parse(r.decidedAt) + graceDays * 86_400_000).toISOString();
    if (!joined.has(`${r.source}|${r.scope}`)) {
      out.push({ ...base, status: 'error', reason: `could not tell: ${r.source} ${r.scope} is not in the person view, so nothing shows whether ${r.account} (revoked in review ${r.reviewId}) is gone`, observedAt: opts.now.toISOString(), details });
      continue;
    }
    const a = byId.get(r.account);
    if (!a || !a.holdsAccess) {
      out.push({ ...base, status: 'pass', reason: `${r.account} ${a ? 'holds no access' : 'is gone'} as of the run of ${a?.observedAt ?? 'its scope'}, as decided in review ${r.reviewId} on ${r.decidedAt.slice(0, 10)}`, observedAt: a?.observedAt ?? opts.now.toISOString(), details });
      continue;
    }
    const days = (Date.parse(a.observedAt) - Date.parse(r.decidedAt)) / 86_400_000;
    if (days > graceDays) {
      out.push({ ...base, status: 'fail', reason: `${r.account} still holds access (${a.privileges.join(', ') || 'account present'}) ${days.toFixed(1)} days after ${r.decidedBy} decided to revoke it in review ${r.reviewId} (grace ${graceDays} days, due ${due})`, observedAt: a.observedAt, details: { ...details, due } });
    } else {
      out.push({ ...base, status: 'pass', reason: `${r.account} is to be removed by ${due} (revoked in review ${r.reviewId} by ${r.decidedBy}); still within the ${graceDays}-day grace period`, observedAt: a.observedAt, details: { ...details, due, pending: true } });
    }
  }
  return out;
}
