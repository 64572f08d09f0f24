// aws.cloudtrail.multi_region_trail_logging: a multi-region trail records all management events and delivers them.
import { defineRule } from '../../../src/rules/define.js';
import { accountId } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.cloudtrail.multi_region_trail_logging',
  title: 'A multi-region trail is logging read and write management events without delivery errors',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.cloudtrail.trail'],
  permissions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
  rationale: 'Without an account-wide trail, actions in an unwatched region or by an unexpected principal leave no record to detect or investigate them.',
  remediation: 'Create (or fix) a multi-region or organization trail with management events Read+Write, start logging, fix S3 delivery errors and integrate it with CloudWatch Logs.',
  params: {
    requireCloudWatchLogs: { description: 'Also require CloudWatch Logs delivery within maxCloudWatchLagHours.', default: true },
    maxCloudWatchLagHours: { description: 'Oldest acceptable last CloudWatch Logs delivery.', default: 24 },
  },
  evaluate(snapshot, { params, now }) {
    const trails = snapshot.resources.filter((r) => r.type === 'aws.cloudtrail.trail');
    const problems: string[] = [];
    const unknown: string[] = [];
    for (const t of trails) {
      const a = t.attributes;
      const why: string[] = [];
      // a trail whose scope, logging or selectors were not reported cannot qualify, nor be counted out
      const unreadKeys = ['logging', 'managementEvents', ...(a.multiRegion === null && a.organization === null ? ['multiRegion'] : [])].filter((k) => a[k] === null || a[k] === undefined);
      if (unreadKeys.length > 0) {
        unknown.push(`${t.name}: ${unreadKeys.join(', ')} unread`);
        continue;
      }
      if (!a.multiRegion && !a.organization) why.push('single-region');
      if (a.logging !== true) why.push('not logging');
      if (a.managementEvents !== 'all') why.push(`management events: ${String(a.managementEvents)}`);
      if (a.latestDeliveryError) why.push(`S3 delivery error ${String(a.latestDeliveryError)}`);
      if (params.requireCloudWatchLogs) {
        const d = typeof a.latestCloudWatchLogsDelivery === 'string' ? Date.parse(a.latestCloudWatchLogsDelivery) : NaN;
        if (Number.isNaN(d)) why.push('no CloudWatch Logs delivery');
        else if (now.getTime() - d > params.maxCloudWatchLagHours * 3_600_000) why.push(`last CloudWatch Logs delivery ${a.latestCloudWatchLogsDelivery}`);
      }
      if (why.length === 0) return [{ resourceId: t.id, status: 'pass', reason: `trail ${t.name} is multi-region, logging all management events, delivering without errors`, region: t.region }];
      problems.push(`${t.name}: ${why.join(', ')}`);
    }
    if (unknown.length > 0) return [{ resourceId: accountId(snapshot), status: 'error', reason: `no trail qualifies on what was read, and ${unknown.length} could not be judged (${unknown.join('; ')})`, details: { trails: trails.length } }];
    return [{ resourceId: accountId(snapshot), status: 'fail', reason: trails.length === 0 ? 'no CloudTrail trail in the account' : `no trail qualifies (${problems.join('; ')})`, details: { trails: trails.length } }];
  },
});
