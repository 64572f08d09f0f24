// github.alerts.dependabot_sla: no open critical or high Dependabot alert is older than its SLA.
import { defineRule } from '../../../src/rules/define.js';
import { day, ofType, olderThanDays } from '../../../collectors/github/rule-support.js';
import type { GithubAlertAttributes } from '../../../collectors/github/types.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.alerts.dependabot_sla',
  title: 'No open critical or high Dependabot alert is past its remediation SLA',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.alert'],
  permissions: ['security_events (classic)', 'Dependabot alerts: read'],
  rationale: 'Vulnerability management (CC7.1) is shown by fixing known vulnerabilities within a defined time; an alert open past its SLA is an exception to that policy.',
  remediation: 'Merge the Dependabot security update or upgrade the dependency; if it is not exploitable, dismiss the alert with a reason so the decision is recorded.',
  params: {
    criticalDays: { description: 'SLA in days for critical alerts.', default: 30 },
    highDays: { description: 'SLA in days for high alerts.', default: 90 },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    for (const al of ofType<GithubAlertAttributes>(snapshot, 'github.alert')) {
      const a = al.attributes;
      if (a.kind !== 'dependabot' || a.state !== 'open') continue;
      const sla = a.severity === 'critical' ? params.criticalDays : a.severity === 'high' ? params.highDays : null;
      if (sla === null) continue;
      const late = olderThanDays(a.createdAt, now, sla);
      out.push({
        resourceId: al.id, status: late ? 'fail' : 'pass',
        reason: `${a.severity} Dependabot alert ${a.repository}#${a.number} open since ${day(a.createdAt)}: ${late ? 'past' : 'within'} the ${sla}-day SLA`,
        details: { severity: a.severity, createdAt: a.createdAt, url: a.url },
      });
    }
    return out;
  },
});
