// github.repo.status_checks_required: default branches require passing status checks before merge.
import { defineRule } from '../../../src/rules/define.js';
import { BRANCH_RULE_PERMISSIONS, layers, perActiveBranch } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.repo.status_checks_required',
  title: 'Default branches require status checks to pass before merging',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.branch_rules'],
  permissions: BRANCH_RULE_PERMISSIONS,
  rationale: 'Required checks make tests, builds and security scans a gate rather than advice: a change that breaks them cannot reach the default branch.',
  remediation: 'In the ruleset "Require status checks to pass" (or classic "Require status checks to pass before merging"), add the CI checks; optionally require branches to be up to date.',
  params: {
    requireStrict: { description: 'Also require the branch to be up to date with the base before merging.', default: false },
  },
  evaluate(snapshot, { params }) {
    return perActiveBranch(snapshot, (a) => {
      const details = { requiredStatusChecks: a.requiredStatusChecks, strict: a.strictStatusChecks };
      if (a.requiredStatusChecks.length === 0) return { ok: false, reason: `no required status checks (${layers(a)})`, details };
      if (params.requireStrict && !a.strictStatusChecks) return { ok: false, reason: `checks ${a.requiredStatusChecks.join(', ')} required but the branch need not be up to date`, details };
      return { ok: true, reason: `requires ${a.requiredStatusChecks.join(', ')}${a.strictStatusChecks ? ' (strict)' : ''}`, details };
    });
  },
});
