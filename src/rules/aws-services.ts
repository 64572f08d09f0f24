// Helpers shared by the aws.* rules over CloudTrail, RDS, Backup, S3 and CloudWatch: tag matching and event summaries.
import type { Resource, RuleOutcome, Snapshot } from '../core/types.js';

/** `key=value` matches that tag value; `key` alone matches any value. */
export function hasTag(tags: unknown, spec: string): boolean {
  if (!tags || typeof tags !== 'object') return false;
  const t = tags as Record<string, string>;
  const i = spec.indexOf('=');
  return i < 0 ? spec in t : t[spec.slice(0, i)] === spec.slice(i + 1);
}

export const accountId = (s: Snapshot): string => `arn:aws:iam::${s.scope}:root`;

/** Events of the run, and one summary outcome per region read: the population an auditor samples, region by region. */
export function eventOutcomes(
  snapshot: Snapshot,
  judge: (e: Resource) => { status: RuleOutcome['status']; reason: string } | undefined,
  summary: (count: number, h: Resource) => { status: RuleOutcome['status']; reason: string },
): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  const perRegion = new Map<string, number>();
  for (const e of snapshot.resources.filter((r) => r.type === 'aws.cloudtrail.event')) {
    const v = judge(e);
    if (!v) continue;
    const a = e.attributes;
    perRegion.set(e.region ?? '', (perRegion.get(e.region ?? '') ?? 0) + 1);
    out.push({
      resourceId: e.id,
      ...v,
      ...(e.region ? { region: e.region } : {}),
      occurredAt: String(a.eventTime),
      details: { eventName: a.eventName, userType: a.userType, userName: a.userName, target: a.target, mfaUsed: a.mfaUsed, sourceIp: a.sourceIp },
    });
  }
  for (const h of snapshot.resources.filter((r) => r.type === 'aws.cloudtrail.history').sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const n = perRegion.get(h.region ?? '') ?? 0;
    out.push({ resourceId: h.id, ...summary(n, h), ...(h.region ? { region: h.region } : {}), details: { from: h.attributes.from, to: h.attributes.to, events: n } });
  }
  return out;
}
