// github.repo.secret_scanning_enabled: secret scanning (and optionally push protection) is on for every active repository.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubRepositoryAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.repo.secret_scanning_enabled',
  title: 'Secret scanning and push protection are enabled on every active repository',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.repository'],
  permissions: ['Administration: read (or classic repo scope as an organization owner)'],
  rationale: 'Credentials committed to a repository are usable by anyone who can read it. Secret scanning finds them; push protection stops them being pushed at all.',
  remediation: 'Repository → Settings → Code security → enable Secret scanning and Push protection (private repositories need GitHub Secret Protection), or apply an org code-security configuration.',
  params: {
    requirePushProtection: { description: 'Also require push protection.', default: true },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const r of resourcesOfType<GithubRepositoryAttributes>(snapshot, 'github.repository')) {
      const a = r.attributes;
      if (a.archived) continue;
      if (a.secretScanning === null || (params.requirePushProtection && a.secretScanningPushProtection === null)) {
        out.push({ resourceId: r.id, status: 'error', reason: `${r.id}: security_and_analysis not visible (needs admin on the repository)` });
        continue;
      }
      const problems = [a.secretScanning ? null : 'secret scanning disabled', !params.requirePushProtection || a.secretScanningPushProtection ? null : 'push protection disabled'].filter((p): p is string => p !== null);
      out.push(problems.length > 0
        ? { resourceId: r.id, status: 'fail', reason: `${r.id}: ${problems.join('; ')}` }
        : { resourceId: r.id, status: 'pass', reason: `${r.id}: secret scanning${params.requirePushProtection ? ' and push protection' : ''} enabled` });
    }
    return out;
  },
});
