// okta.logs.retained_externally: the System Log outlives Okta's 90-day retention (an active log stream).
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaLogStreamAttributes, OktaOrgAttributes } from '../../../src/core/contracts/okta.js';

export default defineRule({
  id: 'okta.logs.retained_externally',
  title: 'The Okta System Log is streamed to durable storage',
  severity: 'high',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.org', 'okta.log_stream'],
  permissions: ['okta.logStreams.read', 'okta.logs.read'],
  rationale:
    'Okta deletes System Log events after 90 days, shorter than a Type 2 period. Without a stream to a SIEM or bucket, sign-in and admin history for most of the period cannot be shown to an auditor.',
  remediation:
    'Reports › Log Streaming: add an AWS EventBridge or Splunk Cloud stream and keep it ACTIVE, or export the log to your SIEM through its Okta integration.',
  params: {
    acceptAgentExport: {
      description: 'Pass when this agent reads the System Log each run (it keeps lifecycle and privilege events only).',
      default: false,
    },
  },
  evaluate(snapshot, { params }) {
    const org = resourcesOfType<OktaOrgAttributes>(snapshot, 'okta.org')[0];
    if (!org) return [];
    const streams = resourcesOfType<OktaLogStreamAttributes>(snapshot, 'okta.log_stream');
    const active = streams.filter((s) => s.attributes.status === 'ACTIVE').map((s) => `${s.name} (${s.attributes.type})`);
    if (active.length) return [{ resourceId: org.id, status: 'pass', reason: `System Log streamed by ${active.join(', ')}` }];
    if (params.acceptAgentExport && org.attributes.systemLogRead) {
      return [{ resourceId: org.id, status: 'pass', reason: 'no active log stream; the agent exports System Log lifecycle events each run' }];
    }
    return [{ resourceId: org.id, status: 'fail', reason: `no active System Log stream (${streams.length} configured, none ACTIVE)` }];
  },
});
