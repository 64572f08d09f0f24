// github.alerts.secret_scanning_open: no open secret-scanning alert is older than its SLA.
import { defineRule } from '../../../src/rules/define.js';
import { day, olderThanDays } from '../../../src/rules/support/time.js';
import { feedOutcome } from '../../../src/rules/support/github.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubAlertAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.alerts.secret_scanning_open',
  title: 'No secret-scanning alert stays open past its SLA',
  severity: 'critical',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.alert', 'github.alert_feed'],
  permissions: ['security_events (classic)', 'Secret scanning alerts: read'],
  rationale: 'A leaked credential works for whoever found it until it is revoked. An open alert means the secret may still be live; `active` validity means GitHub confirmed it is.',
  remediation: 'Revoke and rotate the credential at its issuer, then close the alert as revoked. Never close it without rotating.',
  params: {
    slaDays: { description: 'Days an alert may stay open.', default: 7 },
    activeSlaDays: { description: 'Days an alert whose secret GitHub reports as still valid may stay open.', default: 1 },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    for (const al of resourcesOfType<GithubAlertAttributes>(snapshot, 'github.alert')) {
      const a = al.attributes;
      if (a.kind !== 'secret_scanning' || a.state !== 'open') continue;
      const sla = a.validity === 'active' ? params.activeSlaDays : params.slaDays;
      const late = olderThanDays(a.createdAt, now, sla);
      out.push({
        resourceId: al.id, status: late ? 'fail' : 'pass',
        reason: `${a.secretType ?? 'secret'} alert ${a.repository}#${a.number} (validity ${a.validity ?? 'unknown'}) open since ${day(a.createdAt)}: ${late ? 'past' : 'within'} the ${sla}-day SLA`,
        details: { secretType: a.secretType, validity: a.validity, createdAt: a.createdAt, url: a.url },
      });
    }
    return feedOutcome(snapshot, 'secret_scanning', 'secret-scanning', out);
  },
});
