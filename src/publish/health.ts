// The WORM copy's health read from the ledger (what any process sees: `vigil status`, /readyz): how many signed
// checkpoints and seals have a confirmed copy in the bucket, how many wait, and a failure not yet followed by a copy.
import type { Ledger } from '../ledger/ledger.js';
import type { PublishConfig } from './config.js';

export interface PublishHealth {
  target: 's3';
  bucket: string;
  state: 'ok' | 'degraded';
  /** Checkpoints with a confirmed copy in this bucket. */
  copiedCheckpoints: number;
  /** The latest checkpoint copied, and when its copy was recorded. */
  lastCopiedSize: number;
  lastCopiedAt?: string;
  /** Signed checkpoints, and day seals, with no copy yet. */
  pendingCheckpoints: number;
  pendingSeals: number;
  /** The latest failure alert after the latest copy. */
  alert?: { failure: string; message: string; at: string };
  /** Why it is degraded, in one line. */
  reason?: string;
}

/**
 * Degraded when the latest `publish` alert came after the latest copy (a bucket without Object Lock, a lock not applied,
 * credentials refused…), or when more than `alertAfterCheckpoints` signed checkpoints have no copy.
 */
export async function publishHealth(ledger: Pick<Ledger, 'checkpoints' | 'readLeaves'>, config: PublishConfig | undefined): Promise<PublishHealth[]> {
  const s3 = config?.s3;
  if (!s3) return [];
  const copied = new Set<number>();
  const seals = new Set<string>();
  let last: { size: number; seq: number; at: string } | undefined;
  for await (const l of ledger.readLeaves({ types: ['publish.s3'] })) {
    if (l.body.bucket !== s3.bucket) continue;
    if (l.body.object === 'seal' && l.body.date !== undefined) seals.add(l.body.date);
    if (l.body.object !== 'checkpoint') continue;
    copied.add(l.body.checkpointSize);
    if (!last || l.body.checkpointSize >= last.size) last = { size: l.body.checkpointSize, seq: l.seq, at: l.observedAt };
  }
  let alert: { seq: number; failure: string; message: string; at: string } | undefined;
  for await (const l of ledger.readLeaves({ types: ['alert'] })) {
    const p = l.body.publish;
    if (l.body.kind === 'publish' && p && p.bucket === s3.bucket) alert = { seq: l.seq, failure: p.failure, message: p.message, at: l.observedAt };
  }
  let pendingSeals = 0;
  for await (const l of ledger.readLeaves({ types: ['day.sealed'] })) if (!seals.has(l.body.date)) pendingSeals++;
  const pending = (await ledger.checkpoints()).filter((c) => !copied.has(c.size)).length;
  const open = alert !== undefined && (last === undefined || alert.seq > last.seq) ? alert : undefined;
  const reason = open
    ? `copy to S3 bucket ${s3.bucket} failing (${open.failure}) since ${open.at}: ${open.message}`
    : pending > s3.alertAfterCheckpoints
      ? `${pending} signed checkpoints have no copy in S3 bucket ${s3.bucket}`
      : undefined;
  return [
    {
      target: 's3',
      bucket: s3.bucket,
      state: reason ? 'degraded' : 'ok',
      copiedCheckpoints: copied.size,
      lastCopiedSize: last?.size ?? 0,
      ...(last ? { lastCopiedAt: last.at } : {}),
      pendingCheckpoints: pending,
      pendingSeals,
      ...(open ? { alert: { failure: open.failure, message: open.message, at: open.at } } : {}),
      ...(reason ? { reason } : {}),
    },
  ];
}

/** One line per target for `vigil status`. */
export function formatPublishHealth(list: readonly PublishHealth[]): string {
  return list
    .map((h) =>
      h.state === 'degraded'
        ? `WORM COPY DEGRADED: s3://${h.bucket}: ${h.reason}\n`
        : `WORM copy s3://${h.bucket}: ${h.copiedCheckpoints} checkpoint(s) copied under COMPLIANCE retention${h.lastCopiedAt ? ` (latest ${h.lastCopiedSize}, recorded ${h.lastCopiedAt})` : ''}, ${h.pendingCheckpoints} checkpoint(s) and ${h.pendingSeals} seal(s) waiting\n`,
    )
    .join('');
}
