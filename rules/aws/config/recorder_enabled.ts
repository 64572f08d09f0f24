// aws.config.recorder_enabled: an AWS Config recorder records every supported resource type in every enabled region, and
// its delivery channel delivers.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

interface Recorder {
  name: string;
  allSupported: boolean | null;
  includeGlobalResourceTypes: boolean | null;
  recording: boolean | null;
  lastStatus: string | null;
}

interface Channel {
  name: string;
  statusRead: boolean;
  historyStatus: string | null;
  snapshotStatus: string | null;
  lastErrorCode: string | null;
}

/** Why the region's delivery channels do not deliver, '' when one does, or null when it could not be told. */
function deliveryProblem(channels: unknown): string | null {
  if (!Array.isArray(channels)) return null;
  const list = channels as Channel[];
  if (list.length === 0) return 'no delivery channel (recorded changes go nowhere)';
  const failed = (s: string | null): boolean => s !== null && s.toLowerCase() === 'failure';
  const bad = list.filter((c) => failed(c.historyStatus) || failed(c.snapshotStatus));
  if (bad.length > 0) return `delivery channel ${bad.map((c) => `${c.name} last delivery failed${c.lastErrorCode ? ` (${c.lastErrorCode})` : ''}`).join(', ')}`;
  if (list.some((c) => !c.statusRead)) return null;
  return '';
}

export default defineRule({
  id: 'aws.config.recorder_enabled',
  title: 'An AWS Config recorder is recording all supported resource types, with a delivery channel that delivers, in every enabled region',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.config.recorders'],
  permissions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus', 'config:DescribeDeliveryChannels', 'config:DescribeDeliveryChannelStatus'],
  rationale: 'The Config recorder keeps the history of every configuration change, the record that shows what changed, when, and whether it was detected.',
  remediation: 'aws configservice put-configuration-recorder (recordingGroup allSupported=true), put-delivery-channel (an existing bucket Config may write to) and start-configuration-recorder in every region; fix the channel when its last delivery failed.',
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
        const delivery = deliveryProblem(c.attributes.deliveryChannels);
        if (good && delivery === '') return { resourceId: c.id, status: 'pass' as const, reason: `${c.region}: recorder ${good.name} recording all supported types, delivery channel delivering`, ...where };
        // a fail seen on what was read stands; only then may an unread part make it "could not tell"
        if (good && delivery) return { resourceId: c.id, status: 'fail' as const, reason: `${c.region}: recorder ${good.name} recording, but ${delivery}`, ...where };
        if (!good && list.some((r) => r.recording === null || r.allSupported === null)) return unreadOutcome(c, ['recording', 'allSupported']);
        if (good) return unreadOutcome(c, ['delivery channel status']);
        const why = list.length === 0 ? 'no configuration recorder' : list.map((r) => `${r.name}: ${[r.recording ? null : 'not recording', r.allSupported ? null : 'not all resource types', r.lastStatus === 'FAILURE' ? 'last delivery failed' : null].filter(Boolean).join(', ')}`).join('; ');
        return { resourceId: c.id, status: 'fail' as const, reason: `${c.region}: ${why}${delivery ? `; ${delivery}` : ''}`, ...where };
      });
  },
});
