// github.alerts.dependabot_sla: no open critical or high Dependabot alert is older than its SLA.
import { defineRule } from '../../../src/rules/define.js';
import { severitySlaOutcomes } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.alerts.dependabot_sla',
  title: 'No open critical or high Dependabot alert is past its remediation SLA',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.alert', 'github.alert_feed'],
  permissions: ['security_events (classic)', 'Dependabot alerts: read'],
  rationale: 'Vulnerability management (CC7.1) is shown by fixing known vulnerabilities within a defined time; an alert open past its SLA is an exception to that policy.',
  remediation: 'Merge the Dependabot security update or upgrade the dependency; if it is not exploitable, dismiss the alert with a reason so the decision is recorded.',
  params: {
    criticalDays: { description: 'SLA in days for critical alerts.', default: 30 },
    highDays: { description: 'SLA in days for high alerts.', default: 90 },
  },
  evaluate(snapshot, { now, params }) {
    return severitySlaOutcomes(snapshot, 'dependabot', 'Dependabot', now, params);
  },
});
