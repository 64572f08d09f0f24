// github.repo.merged_changes_reviewed: every PR merged to a default branch in the period had an approval from someone other than its author.
import { defineRule } from '../../../src/rules/define.js';
import { day } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubPullRequestAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.repo.merged_changes_reviewed',
  title: 'Every pull request merged to a default branch was approved by someone other than its author',
  severity: 'high',
  source: 'github',
  mode: 'period',
  inputs: ['github.pull_request'],
  permissions: ['repo (classic)', 'Pull requests: read'],
  rationale:
    'Configured protection shows design; the merged changes show operation. Each merged PR is one item of the change population an auditor samples for CC8.1, and a self-approved or unreviewed merge is an exception to explain.',
  remediation: 'Review the listed merge with its author, record the retroactive review or the emergency-change justification, and require approvals on the branch (github.repo.pr_review_required).',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const p of resourcesOfType<GithubPullRequestAttributes>(snapshot, 'github.pull_request')) {
      const a = p.attributes;
      if (!a.toDefaultBranch) continue;
      if (a.approvers === null) {
        out.push({ resourceId: p.id, status: 'error', reason: `${p.id} merged ${day(a.mergedAt)}: its approving reviews could not be read`, occurredAt: a.mergedAt });
        continue;
      }
      const independent = a.approvers.filter((l) => l !== a.author);
      const details = { author: a.author, mergedBy: a.mergedBy, mergedAt: a.mergedAt, approvers: a.approvers, url: a.url };
      const what = `${p.id} merged ${day(a.mergedAt)} into ${a.baseRef} by ${a.mergedBy ?? 'unknown'}`;
      // Each merge is an event: recorded once (occurredAt), since later runs read only merges after the cursor.
      out.push(independent.length > 0
        ? { resourceId: p.id, status: 'pass', reason: `${what}: approved by ${independent.join(', ')}`, details, occurredAt: a.mergedAt }
        : { resourceId: p.id, status: 'fail', reason: `${what}: no approval from anyone but the author ${a.author ?? '(unknown)'}`, details, occurredAt: a.mergedAt });
    }
    return out;
  },
});
