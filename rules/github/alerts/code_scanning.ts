// github.alerts.code_scanning: no open critical or high code-scanning alert is older than its SLA.
import { defineRule } from '../../../src/rules/define.js';
import { severitySlaOutcomes } from '../../../src/rules/support/github.js';

export default defineRule({
  id: 'github.alerts.code_scanning',
  title: 'No open critical or high code-scanning alert is past its remediation SLA',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.alert', 'github.alert_feed'],
  permissions: ['security_events (classic)', 'Code scanning alerts: read'],
  rationale: 'Static analysis finds vulnerabilities in the organisation’s own code; fixing the serious ones within a set time is evidence that findings are acted on (CC7.1).',
  remediation: 'Fix the flagged code, or dismiss the alert as a false positive or accepted risk with a comment so the decision is on record.',
  params: {
    criticalDays: { description: 'SLA in days for critical alerts.', default: 30 },
    highDays: { description: 'SLA in days for high alerts.', default: 90 },
  },
  evaluate(snapshot, { now, params }) {
    return severitySlaOutcomes(snapshot, 'code_scanning', 'code-scanning', now, params);
  },
});
