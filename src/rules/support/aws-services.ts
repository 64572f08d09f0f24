// Helpers shared by the aws.* rules over CloudTrail, RDS, Backup, S3 and CloudWatch: tag matching and event summaries.
import type { Resource, RuleOutcome, Snapshot } from '../../core/types.js';

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
  const unjudged = new Map<string, number>();
  for (const e of snapshot.resources.filter((r) => r.type === 'aws.cloudtrail.event')) {
    const v = judge(e);
    if (!v) continue;
    const a = e.attributes;
    // an event that could not be judged leaves the region's summary "could not tell", not a clean pass
    if (v.status === 'error') unjudged.set(e.region ?? '', (unjudged.get(e.region ?? '') ?? 0) + 1);
    else perRegion.set(e.region ?? '', (perRegion.get(e.region ?? '') ?? 0) + 1);
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
    const u = unjudged.get(h.region ?? '') ?? 0;
    const s = u > 0 ? { status: 'error' as const, reason: `${u} event(s) between ${String(h.attributes.from)} and ${String(h.attributes.to)} could not be judged` } : summary(n, h);
    out.push({ resourceId: h.id, ...s, ...(h.region ? { region: h.region } : {}), details: { from: h.attributes.from, to: h.attributes.to, events: n } });
  }
  return out;
}

/**
 * Attributes among `keys` the collector could not read for `r` (null or absent). A rule that needs one gives `error`
 * for that resource ("could not tell"), never a verdict from a default.
 */
export function unread(r: Resource, keys: readonly string[]): string[] {
  return keys.filter((k) => r.attributes[k] === null || r.attributes[k] === undefined);
}

/** The `error` outcome for a resource missing attributes a rule needs. */
export function unreadOutcome(r: Resource, missing: string[]): RuleOutcome {
  return { resourceId: r.id, status: 'error', reason: `${r.name}: could not tell — ${missing.join(', ')} not reported by AWS`, ...(r.region ? { region: r.region } : {}), details: { unread: missing } };
}

/**
 * The critical data stores the backup rules judge: RDS clusters and stand-alone RDS instances tagged `criticalTag`,
 * plus those whose tags were not reported (the rule is then `error` for them, never a silent skip).
 */
export function criticalStores(snapshot: Snapshot, criticalTag: string): Resource[] {
  return snapshot.resources.filter((r) => (r.type === 'aws.rds.cluster' || (r.type === 'aws.rds.instance' && !r.attributes.clusterId)) && (r.attributes.tags === null || hasTag(r.attributes.tags, criticalTag)));
}
