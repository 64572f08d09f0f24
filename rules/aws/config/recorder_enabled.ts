// aws.config.recorder_enabled: an AWS Config recorder records every supported resource type in every enabled region.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

interface Recorder {
  name: string;
  allSupported: boolean | null;
  includeGlobalResourceTypes: boolean | null;
  recording: boolean | null;
  lastStatus: string | null;
}

export default defineRule({
  id: 'aws.config.recorder_enabled',
  title: 'An AWS Config recorder is recording all supported resource types in every enabled region',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.config.recorders'],
  permissions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
  rationale: 'The Config recorder keeps the history of every configuration change, the record that shows what changed, when, and whether it was detected.',
  remediation: 'aws configservice put-configuration-recorder (recordingGroup allSupported=true) and start-configuration-recorder in every region; fix the delivery channel when lastStatus is FAILURE.',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.config.recorders')
      .map((c) => {
        const recs = c.attributes.recorders;
        if (!Array.isArray(recs)) return unreadOutcome(c, ['recorders']);
        const where = c.region ? { region: c.region } : {};
        const list = recs as Recorder[];
        const good = list.find((r) => r.recording === true && r.allSupported === true && r.lastStatus !== 'FAILURE');
        if (good) return { resourceId: c.id, status: 'pass' as const, reason: `${c.region}: recorder ${good.name} recording all supported types`, ...where };
        if (list.some((r) => r.recording === null || r.allSupported === null)) return unreadOutcome(c, ['recording', 'allSupported']);
        const why = list.length === 0 ? 'no configuration recorder' : list.map((r) => `${r.name}: ${[r.recording ? null : 'not recording', r.allSupported ? null : 'not all resource types', r.lastStatus === 'FAILURE' ? 'last delivery failed' : null].filter(Boolean).join(', ')}`).join('; ');
        return { resourceId: c.id, status: 'fail' as const, reason: `${c.region}: ${why}`, ...where };
      });
  },
});
