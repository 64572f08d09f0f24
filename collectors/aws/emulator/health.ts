// The emulator's AWS Health (JSON 1.1, AWSHealth_20160804): DescribeEvents with its filter on categories and status
// codes, nextToken paging (maxResults 10-100), and SubscriptionRequiredException for an account without a Business,
// Enterprise On-Ramp or Enterprise support plan, as the Health API answers every call then.
import { ServiceError, input, page, secs, type ServiceRequest, type ServiceState } from './service-protocol.js';

export function health(r: ServiceRequest, action: string, st: ServiceState): unknown {
  if (action !== 'DescribeEvents') throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
  const h = st.services(r.account).health;
  if (!h?.subscribed) throw new ServiceError(400, 'SubscriptionRequiredException', 'The AWS Premium Support Subscription is required to use this service.');
  const inp = input(r);
  const max = Number(inp.maxResults ?? 100);
  if (!Number.isInteger(max) || max < 10 || max > 100) throw new ServiceError(400, 'ValidationException', `1 validation error detected: Value '${String(inp.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value between 10 and 100`);
  const f = (inp.filter ?? {}) as { eventTypeCategories?: string[]; eventStatusCodes?: string[] };
  const events = h.events.filter((e) => (!f.eventTypeCategories || f.eventTypeCategories.includes(e.category)) && (!f.eventStatusCodes || f.eventStatusCodes.includes(e.status)));
  const p = page(events, inp.nextToken, max);
  return {
    events: p.items.map((e) => ({
      arn: `arn:aws:health:${e.region}::event/${e.service}/${e.typeCode}/${e.id}`,
      service: e.service,
      eventTypeCode: e.typeCode,
      eventTypeCategory: e.category,
      region: e.region,
      startTime: secs(e.start),
      lastUpdatedTime: secs(e.start),
      statusCode: e.status,
      eventScopeCode: 'ACCOUNT_SPECIFIC',
    })),
    ...(p.next ? { nextToken: p.next } : {}),
  };
}
