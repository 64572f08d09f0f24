// The emulated CloudTrail (JSON 1.1): trails with their status and selectors, and LookupEvents over a 90-day window with its rate limit.
import { ServiceError, input, page, secs, type ServiceRequest, type ServiceState } from './service-protocol.js';
import type { AccountServices } from './services-estate.js';

const LOOKUP_WINDOW_MS = 90 * 86_400_000;

function trailArn(region: string, account: string, name: string): string {
  return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
}

export function cloudtrail(r: ServiceRequest, action: string, st: ServiceState, lookups: Map<string, number[]>): unknown {
  const s = st.services(r.account);
  const inp = input(r);
  const findTrail = (name: unknown) => {
    const n = String(name ?? '');
    const t = s.trails.find((x) => x.name === n || trailArn(x.homeRegion, r.account, x.name) === n);
    if (!t) throw new ServiceError(400, 'TrailNotFoundException', `Unknown trail: ${n} for the user: ${r.account}`);
    return t;
  };
  switch (action) {
    case 'DescribeTrails': {
      const shadow = inp.includeShadowTrails !== false;
      const list = s.trails.filter((t) => t.homeRegion === r.region || (shadow && t.multiRegion));
      return {
        trailList: list.map((t) => ({
          Name: t.name,
          S3BucketName: `cloudtrail-${r.account}`,
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: t.multiRegion,
          HomeRegion: t.homeRegion,
          TrailARN: trailArn(t.homeRegion, r.account, t.name),
          LogFileValidationEnabled: t.logFileValidation,
          ...(t.kmsKeyId ? { KmsKeyId: t.kmsKeyId } : {}),
          ...(t.cloudWatchLogsDelivery ? { CloudWatchLogsLogGroupArn: `arn:aws:logs:${t.homeRegion}:${r.account}:log-group:cloudtrail:*` } : {}),
          HasCustomEventSelectors: t.selectors !== 'all',
          HasInsightSelectors: false,
          IsOrganizationTrail: t.organization,
        })),
      };
    }
    case 'GetTrailStatus': {
      const t = findTrail(inp.Name);
      const now = st.now();
      return {
        IsLogging: t.logging,
        LatestDeliveryTime: now.getTime() / 1000 - 300,
        ...(t.latestDeliveryError ? { LatestDeliveryError: t.latestDeliveryError } : {}),
        ...(t.cloudWatchLogsDelivery ? { LatestCloudWatchLogsDeliveryTime: secs(t.cloudWatchLogsDelivery) } : {}),
        StartLoggingTime: now.getTime() / 1000 - 86_400 * 400,
      };
    }
    case 'GetEventSelectors': {
      const t = findTrail(inp.TrailName);
      return {
        TrailARN: trailArn(t.homeRegion, r.account, t.name),
        EventSelectors: [{ ReadWriteType: t.selectors === 'write' ? 'WriteOnly' : 'All', IncludeManagementEvents: t.selectors !== 'none', DataResources: [], ExcludeManagementEventSources: [] }],
      };
    }
    case 'LookupEvents':
      return lookupEvents(r, inp, st, lookups);
    default:
      throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
  }
}

function lookupEvents(r: ServiceRequest, inp: Record<string, unknown>, st: ServiceState, lookups: Map<string, number[]>): unknown {
  // The published limit: 2 requests per second per account per region; beyond it, ThrottlingException.
  const key = `${r.account}/${r.region}`;
  // Real time, not the emulator's clock: the collector paces LookupEvents with a real-time limiter (in Redis, on
  // Redis's TIME when workers share it), and this limit is what that pacing is checked against.
  const t = Date.now();
  const recent = (lookups.get(key) ?? []).filter((x) => x > t - 1000);
  if (recent.length >= st.lookupEventsPerSecond) {
    lookups.set(key, recent);
    throw new ServiceError(400, 'ThrottlingException', 'Rate exceeded', 1);
  }
  recent.push(t);
  lookups.set(key, recent);

  const attrs = (inp.LookupAttributes as Array<{ AttributeKey?: string; AttributeValue?: string }> | undefined) ?? [];
  if (attrs.length > 1) throw new ServiceError(400, 'InvalidLookupAttributesException', 'You can only specify one lookup attribute.');
  const max = inp.MaxResults === undefined ? 50 : Number(inp.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 50) throw new ServiceError(400, 'InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
  const now = st.now().getTime();
  const start = Math.max(inp.StartTime === undefined ? 0 : Number(inp.StartTime) * 1000, now - LOOKUP_WINDOW_MS);
  const end = inp.EndTime === undefined ? now : Number(inp.EndTime) * 1000;
  if (end < start && inp.StartTime !== undefined && Number(inp.StartTime) * 1000 > end) throw new ServiceError(400, 'InvalidTimeRangeException', 'StartTime must be before EndTime.');
  const a = attrs[0];
  const match = (e: AccountServices['events'][number]): boolean => {
    if (!a) return true;
    switch (a.AttributeKey) {
      case 'EventName':
        return e.name === a.AttributeValue;
      case 'EventSource':
        return e.source === a.AttributeValue;
      case 'ReadOnly':
        return String(e.readOnly) === a.AttributeValue;
      case 'Username':
        return e.userName === a.AttributeValue;
      case 'EventId':
        return e.id === a.AttributeValue;
      default:
        throw new ServiceError(400, 'InvalidLookupAttributesException', `Unsupported lookup attribute ${a.AttributeKey}`);
    }
  };
  const events = st
    .services(r.account)
    .events.filter((e) => e.region === r.region && match(e))
    .filter((e) => {
      const x = Date.parse(e.time);
      return x >= start && x <= end && x <= now;
    })
    .sort((x, y) => (x.time < y.time ? 1 : x.time > y.time ? -1 : x.id < y.id ? -1 : 1)); // newest first, as CloudTrail
  const p = page(events, inp.NextToken, max);
  return {
    Events: p.items.map((e) => ({
      EventId: e.id,
      EventName: e.name,
      ReadOnly: String(e.readOnly),
      EventTime: secs(e.time),
      EventSource: e.source,
      Username: e.userName,
      Resources: e.target ? [{ ResourceType: e.source === 'cloudtrail.amazonaws.com' ? 'AWS::CloudTrail::Trail' : 'AWS::IAM::User', ResourceName: e.target }] : [],
      CloudTrailEvent: JSON.stringify({
        eventVersion: '1.09',
        userIdentity: e.userType === 'Root' ? { type: 'Root', principalId: r.account, arn: `arn:aws:iam::${r.account}:root`, accountId: r.account } : { type: e.userType, arn: `arn:aws:iam::${r.account}:user/${e.userName}`, accountId: r.account, userName: e.userName },
        eventTime: e.time,
        eventSource: e.source,
        eventName: e.name,
        awsRegion: e.region,
        sourceIPAddress: '198.51.100.7',
        ...(e.outcome ? { responseElements: { ConsoleLogin: e.outcome } } : {}),
        ...(e.mfaUsed !== undefined ? { additionalEventData: { MFAUsed: e.mfaUsed ? 'Yes' : 'No', LoginTo: 'https://console.aws.amazon.com/' } } : {}),
        eventID: e.id,
        readOnly: e.readOnly,
        eventType: e.name === 'ConsoleLogin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: r.account,
      }),
    })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
}
