// github.repo.pr_review_required: merging to the default branch needs approving reviews, with stale approvals dismissed.
import { defineRule } from '../../../src/rules/define.js';
import { BRANCH_RULE_PERMISSIONS, layers, perActiveBranch } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.repo.pr_review_required',
  title: 'Default branches require at least one approving review and dismiss stale approvals',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.branch_rules'],
  permissions: BRANCH_RULE_PERMISSIONS,
  rationale:
    'Two-person review is the core change-management control of CC8.1. Approvals must be dismissed when new commits arrive, or code can be changed after it was approved.',
  remediation: 'In the ruleset "Require a pull request before merging" (or classic "Require approvals"): set the approval count and tick "Dismiss stale pull request approvals when new commits are pushed".',
  params: {
    minApprovals: { description: 'Fewest approving reviews required.', default: 1 },
    requireStaleDismissal: { description: 'Also require stale approvals to be dismissed on push.', default: true },
    requireLastPushApproval: { description: 'Also require approval of the most recent push by someone other than its author.', default: false },
  },
  evaluate(snapshot, { params }) {
    return perActiveBranch(snapshot, (a) => {
      const problems: string[] = [];
      if (!a.requiresPullRequest) problems.push('pull requests are not required');
      else if (a.requiredApprovingReviewCount < params.minApprovals) problems.push(`${a.requiredApprovingReviewCount} approval(s) required, fewer than ${params.minApprovals}`);
      if (a.requiresPullRequest && params.requireStaleDismissal && !a.dismissStaleReviews) problems.push('stale approvals are not dismissed on push');
      if (a.requiresPullRequest && params.requireLastPushApproval && !a.requireLastPushApproval) problems.push('last-push approval is not required');
      const details = { requiredApprovingReviewCount: a.requiredApprovingReviewCount, dismissStaleReviews: a.dismissStaleReviews, requireLastPushApproval: a.requireLastPushApproval };
      return problems.length > 0
        ? { ok: false, reason: `${problems.join('; ')} (${layers(a)})`, details }
        : { ok: true, reason: `${a.requiredApprovingReviewCount} approval(s) required, stale approvals dismissed (${layers(a)})`, details };
    });
  },
});
