// github.repo.default_branch_protected: every active repository's default branch is covered by classic protection or an active ruleset.
import { defineRule } from '../../../src/rules/define.js';
import { BRANCH_RULE_PERMISSIONS, layers, perActiveBranch } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.repo.default_branch_protected',
  title: 'The default branch of every active repository is protected by branch protection or an active ruleset',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.branch_rules'],
  permissions: BRANCH_RULE_PERMISSIONS,
  rationale:
    'The default branch is what ships. Without protection anyone with write access can push straight to it, so no change-management control (review, checks, history) applies.',
  remediation: 'Add a branch ruleset targeting the default branch (Settings → Rules → Rulesets, or an org ruleset for all repositories), or classic branch protection.',
  params: {},
  evaluate(snapshot) {
    return perActiveBranch(snapshot, (a) => ({
      ok: a.protected,
      reason: a.protected ? `protected by ${layers(a)}` : `not protected (no classic protection and no active ruleset${a.rulesets.some((r) => r.enforcement === 'EVALUATE') ? '; evaluate-mode rulesets do not enforce' : ''})`,
    }));
  },
});
