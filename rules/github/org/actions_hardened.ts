// github.org.actions_hardened: the default GITHUB_TOKEN is read-only, workflows cannot approve PRs, allowed actions are restricted.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubOrgAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.org.actions_hardened',
  title: 'GitHub Actions defaults are hardened: read-only GITHUB_TOKEN, no PR approval by workflows, restricted actions',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.org'],
  permissions: ['admin:org (classic)', 'Organization administration: read'],
  rationale:
    'A write-scoped default token lets any compromised workflow step push code; a workflow that can approve pull requests defeats two-person review; unrestricted third-party actions run unvetted code with repository secrets.',
  remediation:
    'Organization settings → Actions → General: "Allow select actions" (or local only), Workflow permissions "Read repository contents", and untick "Allow GitHub Actions to create and approve pull requests".',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const o of resourcesOfType<GithubOrgAttributes>(snapshot, 'github.org')) {
      const a = o.attributes.actions;
      if (a === null) {
        out.push({ resourceId: o.id, status: 'error', reason: `org ${o.attributes.login}: could not read Actions settings (admin:org, or Organization administration: read)` });
        continue;
      }
      const problems: string[] = [];
      if (a.enabledRepositories !== 'none') {
        if (a.defaultWorkflowPermissions !== 'read') problems.push(`default GITHUB_TOKEN permission is ${a.defaultWorkflowPermissions ?? 'unknown'}`);
        if (a.canApprovePullRequestReviews !== false) problems.push('workflows can approve pull requests');
        if (a.allowedActions === 'all') problems.push('all actions are allowed');
      }
      out.push(problems.length > 0
        ? { resourceId: o.id, status: 'fail', reason: `org ${o.attributes.login}: ${problems.join('; ')}`, details: { ...a } }
        : { resourceId: o.id, status: 'pass', reason: `org ${o.attributes.login}: Actions ${a.enabledRepositories === 'none' ? 'disabled' : `restricted to ${a.allowedActions}, read-only token, no PR approval`}`, details: { ...a } });
    }
    return out;
  },
});
