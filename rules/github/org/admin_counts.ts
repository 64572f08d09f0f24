// github.org.admin_counts: the number of organization owners is within bounds; lists them for access review.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubMemberAttributes, GithubOrgAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.org.admin_counts',
  title: 'The organization has between 2 and 5 owners',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.org', 'github.member'],
  permissions: ['read:org', 'Members: read'],
  rationale:
    'Owners can change every setting, remove protection and read every repository. One owner is a single point of failure; many owners widen who can silently weaken controls. The owner list is the population for the privileged access review.',
  remediation: 'Organization → People → filter by role Owner; demote owners who do not need it to member, or promote a second trusted owner.',
  params: {
    minOwners: { description: 'Fewest owners allowed.', default: 2 },
    maxOwners: { description: 'Most owners allowed.', default: 5 },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    const owners = resourcesOfType<GithubMemberAttributes>(snapshot, 'github.member').filter((m) => m.attributes.role === 'admin').map((m) => m.id);
    for (const o of resourcesOfType<GithubOrgAttributes>(snapshot, 'github.org')) {
      const n = owners.length;
      const ok = n >= params.minOwners && n <= params.maxOwners;
      out.push({
        resourceId: o.id, status: ok ? 'pass' : 'fail',
        reason: `org ${o.attributes.login}: ${n} owner(s) (${owners.join(', ') || 'none'}); expected ${params.minOwners} to ${params.maxOwners}`,
        details: { owners },
      });
    }
    return out;
  },
});
