// github.repo.dependabot_alerts_enabled: Dependabot alerts are on for every active repository.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubRepositoryAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.repo.dependabot_alerts_enabled',
  title: 'Dependabot alerts are enabled on every active repository',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.repository'],
  permissions: ['Administration: read (or classic repo scope as a repository admin)'],
  rationale: 'Vulnerable dependencies are the commonest route into an application; without alerts nobody learns of them, so the vulnerability-management control (CC7.1) has no input.',
  remediation: 'Repository → Settings → Code security → enable Dependabot alerts, or apply an org code-security configuration that enables them for all repositories.',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const r of resourcesOfType<GithubRepositoryAttributes>(snapshot, 'github.repository')) {
      if (r.attributes.archived) continue;
      const on = r.attributes.dependabotAlerts;
      out.push(on === null
        ? { resourceId: r.id, status: 'error', reason: `${r.id}: could not tell whether Dependabot alerts are on (needs admin on the repository)` }
        : { resourceId: r.id, status: on ? 'pass' : 'fail', reason: `${r.id}: Dependabot alerts ${on ? 'enabled' : 'disabled'}` });
    }
    return out;
  },
});
