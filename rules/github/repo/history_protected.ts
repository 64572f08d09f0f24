// github.repo.history_protected: force-push and deletion are blocked on default branches.
import { defineRule } from '../../../src/rules/define.js';
import { BRANCH_RULE_PERMISSIONS, layers, perActiveBranch } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.repo.history_protected',
  title: 'Force-pushes and deletion are blocked on default branches',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.branch_rules'],
  permissions: BRANCH_RULE_PERMISSIONS,
  rationale: 'Force-pushing rewrites history, removing reviewed commits and the audit trail of what shipped; deleting the branch does the same wholesale.',
  remediation: 'Rulesets: enable "Block force pushes" and "Restrict deletions". Classic protection: leave "Allow force pushes" and "Allow deletions" unticked.',
  params: {},
  evaluate(snapshot) {
    return perActiveBranch(snapshot, (a) => {
      const problems = [a.forcePushBlocked ? null : 'force-pushes allowed', a.deletionBlocked ? null : 'deletion allowed'].filter((p): p is string => p !== null);
      return problems.length > 0 ? { ok: false, reason: `${problems.join('; ')} (${layers(a)})` } : { ok: true, reason: `force-pushes and deletion blocked (${layers(a)})` };
    });
  },
});
