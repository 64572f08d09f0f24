// github.repo.codeowners_enforced: a CODEOWNERS file exists and code-owner review is required on the default branch.
import { defineRule } from '../../../src/rules/define.js';
import { BRANCH_RULE_PERMISSIONS, perActiveBranch } from '../../../src/rules/support/github.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubRepositoryAttributes } from '../../../src/core/contracts/github.js';

export default defineRule({
  id: 'github.repo.codeowners_enforced',
  title: 'Active repositories have a CODEOWNERS file and require code-owner review',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.branch_rules', 'github.repository'],
  permissions: [...BRANCH_RULE_PERMISSIONS, 'Contents: read'],
  rationale: 'CODEOWNERS names who is responsible for each part of the code; requiring their review puts the right approver on each change rather than any colleague.',
  remediation: 'Add .github/CODEOWNERS on the default branch and enable "Require review from Code Owners" in the ruleset pull-request rule or classic protection.',
  params: {},
  evaluate(snapshot) {
    const repos = new Map(resourcesOfType<GithubRepositoryAttributes>(snapshot, 'github.repository').map((r) => [r.id, r.attributes]));
    return perActiveBranch(snapshot, (a) => {
      const path = repos.get(a.repository)?.codeownersPath ?? null;
      const problems = [path ? null : 'no CODEOWNERS file (CODEOWNERS, .github/CODEOWNERS or docs/CODEOWNERS)', a.requireCodeOwnerReview ? null : 'code-owner review not required']
        .filter((p): p is string => p !== null);
      return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, reason: `${path} present and code-owner review required` };
    });
  },
});
