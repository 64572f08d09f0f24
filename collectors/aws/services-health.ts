// AWS Health: the account's open issues and upcoming scheduled changes, once per account from the global endpoint
// (us-east-1). The Health API needs a Business, Enterprise On-Ramp or Enterprise support plan; without one every call
// answers SubscriptionRequiredException, which is recorded as the read's failure: the rule is `error`, never a pass.
import { HealthClient, DescribeEventsCommand } from '@aws-sdk/client-health';
import { pages, type Item } from './services-regional.js';
import type { AnyClient, Reader } from './service-reader.js';

/** The Health API's one endpoint for the commercial partition. */
export const HEALTH_REGION = 'us-east-1';

export const HEALTH_ACTION_INPUTS: Record<string, string[]> = { 'health:DescribeEvents': ['aws.health.events'] };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const iso = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : null);

/** Open issues and upcoming scheduled changes; true when every page was read. */
export async function collectHealth(rd: Reader): Promise<boolean> {
  const health = rd.client(HealthClient as never, HEALTH_REGION) as AnyClient;
  const filter = { eventTypeCategories: ['issue', 'scheduledChange'], eventStatusCodes: ['open', 'upcoming'] };
  const events = await pages(rd, 'health:DescribeEvents', HEALTH_REGION, health, (t) => new DescribeEventsCommand({ filter: filter as never, maxResults: 100, ...(t ? { nextToken: t } : {}) }), 'events', (r) => r.nextToken);
  if (!events) return false;
  if (events.some((e: Item) => !str(e.arn))) {
    rd.malformed('health:DescribeEvents', HEALTH_REGION, 'an event without arn');
    return false;
  }
  rd.res('aws.health.events', `arn:aws:health:${HEALTH_REGION}:${rd.account}:events/open`, `health-events/${rd.account}`, undefined, {
    events: events.map((e: Item) => ({
      arn: String(e.arn),
      service: str(e.service),
      eventTypeCode: str(e.eventTypeCode),
      category: str(e.eventTypeCategory),
      region: str(e.region),
      status: str(e.statusCode),
      startTime: iso(e.startTime),
      lastUpdatedTime: iso(e.lastUpdatedTime),
    })),
  });
  return true;
}
