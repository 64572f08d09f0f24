// Reads the alert feed back from the ledger (cursor = ledger seq) and renders it as JSON, Atom and JSON Feed.
import type { Ledger } from '../ledger/ledger.js';
import type { AlertRecord } from './engine.js';

export interface AlertPage {
  alerts: AlertRecord[];
  /** Pass as `after` to get the next page; equal to the input when there is nothing new. */
  next: number;
}

export function toAlertRecord(seq: number, body: Record<string, unknown>): AlertRecord {
  const { v: _v, type: _t, idempotencyKey: _k, ...rest } = body;
  return { ...(rest as unknown as AlertRecord), seq };
}

/** Alerts with seq > after, oldest first. `after` = -1 starts from the beginning. */
export async function readAlerts(ledger: Ledger, after = -1, limit = 100): Promise<AlertPage> {
  const alerts: AlertRecord[] = [];
  let next = after;
  for await (const l of ledger.readLeaves({ fromSeq: after + 1, types: ['alert'] })) {
    alerts.push(toAlertRecord(l.seq, l.body));
    next = l.seq;
    if (alerts.length >= limit) break;
  }
  return { alerts, next };
}

/** The newest `limit` alerts, newest first (feed readers want the latest). */
export async function latestAlerts(ledger: Ledger, limit = 50): Promise<AlertRecord[]> {
  const ring: AlertRecord[] = [];
  for await (const l of ledger.readLeaves({ types: ['alert'] })) {
    ring.push(toAlertRecord(l.seq, l.body));
    if (ring.length > limit) ring.shift();
  }
  return ring.reverse();
}

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export function alertText(a: AlertRecord, maxItems = 20): string {
  const lines = [a.title];
  if (a.source) lines.push(`${a.source} ${a.scope ?? ''}${a.slot ? ` · run ${a.slot}` : ''}`);
  for (const it of (a.items ?? []).slice(0, maxItems)) lines.push(`- ${it.resourceId}: ${it.from ?? 'new'} → ${it.to} (${it.reason})`);
  if ((a.items?.length ?? 0) > maxItems) lines.push(`… and ${a.items!.length - maxItems} more`);
  if (a.gap) lines.push(a.gap.reason);
  if (a.health) for (const e of a.health.errors.slice(0, maxItems)) lines.push(`- ${e.operation}: ${e.cause} (${e.code}): ${e.message}`);
  if (a.exception) lines.push(`approved by ${a.exception.approver} for ${a.exception.requester}: ${a.exception.reason}`);
  return lines.join('\n');
}

/** Atom 1.0 (RFC 4287). Entry ids are tag URIs of the ledger origin and seq, so they never change. */
export function renderAtom(alerts: AlertRecord[], origin: string, selfUrl: string): string {
  const updated = alerts[0]?.observedAt ?? new Date(0).toISOString();
  const tag = `tag:vigil,2026:${origin}`;
  const entries = alerts
    .map(
      (a) => `  <entry>
    <id>${esc(`${tag}/alert/${a.seq}`)}</id>
    <title>${esc(`[${a.kind}] ${a.title}`)}</title>
    <updated>${esc(a.observedAt)}</updated>
    <category term="${esc(a.kind)}"/>
    <category term="severity:${esc(a.severity)}"/>
    <content type="text">${esc(alertText(a))}</content>
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${esc(`${tag}/alerts`)}</id>
  <title>Vigil alerts (${esc(origin)})</title>
  <updated>${esc(updated)}</updated>
  <link rel="self" href="${esc(selfUrl)}"/>
  <author><name>vigil</name></author>
${entries}
</feed>
`;
}

/** JSON Feed 1.1. */
export function renderJsonFeed(alerts: AlertRecord[], origin: string, selfUrl: string): Record<string, unknown> {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: `Vigil alerts (${origin})`,
    feed_url: selfUrl,
    items: alerts.map((a) => ({
      id: `${origin}/alert/${a.seq}`,
      title: `[${a.kind}] ${a.title}`,
      content_text: alertText(a),
      date_published: a.observedAt,
      tags: [a.kind, `severity:${a.severity}`],
      _vigil: a,
    })),
  };
}
