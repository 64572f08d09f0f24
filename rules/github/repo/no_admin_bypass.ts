// github.repo.no_admin_bypass: protection applies to administrators and no active ruleset has a bypass list.
import { defineRule } from '../../../src/rules/define.js';
import { BRANCH_RULE_PERMISSIONS, perActiveBranch } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.repo.no_admin_bypass',
  title: 'Default-branch protection applies to administrators and rulesets have no bypass actors',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.branch_rules'],
  permissions: BRANCH_RULE_PERMISSIONS,
  rationale: 'Protection that admins or bypass actors can skip is not a control over them: the people with the most power could merge unreviewed changes.',
  remediation: 'Classic protection: tick "Do not allow bypassing the above settings" (enforce admins). Rulesets: empty the bypass list, or keep only a break-glass role in pull-request-only mode and record it as an exception.',
  params: {
    allowedBypassActors: { description: 'Bypass actors tolerated per active ruleset (e.g. 1 for a documented break-glass role).', default: 0 },
  },
  evaluate(snapshot, { params }) {
    return perActiveBranch(snapshot, (a) => {
      if (!a.protected) return { ok: false, reason: 'not protected, so nothing applies to admins either' };
      const problems = a.rulesets.filter((r) => r.enforcement === 'ACTIVE' && r.bypassActorCount > params.allowedBypassActors)
        .map((r) => `ruleset ${r.name} has ${r.bypassActorCount} bypass actor(s)`);
      if (a.enforceAdmins === false) problems.push('classic protection does not apply to administrators (enforce_admins off)');
      return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, reason: 'administrators are bound by the protection; no ruleset can be bypassed' };
    });
  },
});
