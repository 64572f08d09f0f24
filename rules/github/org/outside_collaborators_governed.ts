// github.org.outside_collaborators_governed: no outside collaborator holds admin (or, optionally, write) on any repository.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubOutsideCollaboratorAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

const RANK: Record<string, number> = { READ: 0, TRIAGE: 1, WRITE: 2, MAINTAIN: 3, ADMIN: 4 };

export default defineRule({
  id: 'github.org.outside_collaborators_governed',
  title: 'No outside collaborator holds admin rights on a repository',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.outside_collaborator'],
  permissions: ['read:org (classic, as an organization owner)', 'Members: read'],
  rationale:
    'Outside collaborators are not org members, so SSO, 2FA policy and offboarding by team do not reach them. Admin rights let them change protection, add others and delete the repository.',
  remediation: 'Repository → Settings → Collaborators: lower the permission, or make the person a member under SSO. Record a sponsor and expiry for each outside collaborator you keep.',
  params: {
    highestAllowed: { description: 'Highest permission an outside collaborator may hold: READ, TRIAGE, WRITE or MAINTAIN.', default: 'WRITE' },
  },
  evaluate(snapshot, { params }) {
    const limit = RANK[params.highestAllowed.toUpperCase()] ?? RANK.WRITE!;
    const out: RuleOutcome[] = [];
    for (const c of resourcesOfType<GithubOutsideCollaboratorAttributes>(snapshot, 'github.outside_collaborator')) {
      const over = c.attributes.repositories.filter((r) => (RANK[r.permission] ?? 4) > limit).map((r) => `${r.permission} on ${r.repository}`).sort();
      const all = c.attributes.repositories.map((r) => `${r.repository}:${r.permission}`).sort();
      out.push(over.length > 0
        ? { resourceId: c.id, status: 'fail', reason: `outside collaborator ${c.id} holds ${over.join(', ')} (at most ${params.highestAllowed} allowed)`, details: { repositories: all } }
        : { resourceId: c.id, status: 'pass', reason: `outside collaborator ${c.id} holds at most ${params.highestAllowed} on ${all.length} repositories`, details: { repositories: all } });
    }
    return out;
  },
});
