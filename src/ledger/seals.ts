// Checkpoints and daily seals as the ledger hands them out: reasons, the public checkpoint shape, the day.sealed leaf.
import { UsageError } from '../core/errors.js';
import type { EvidenceStore, StoredCheckpoint } from './store.js';
import type { LeafInput } from './leaf-input.js';

export interface Checkpoint {
  size: number;
  /** Hex root. */
  root: string;
  note: string;
  reason: string;
  createdAt: string;
}

export type CheckpointReason = 'hourly' | 'daily' | 'shutdown' | 'export' | 'start' | 'manual' | 'key-rotation';

export const CHECKPOINT_REASONS = new Set<string>(['hourly', 'daily', 'shutdown', 'export', 'start', 'manual', 'key-rotation']);

export const toCheckpoint = (c: StoredCheckpoint): Checkpoint => ({
  size: c.size,
  root: c.root.toString('hex'),
  note: c.note,
  reason: c.reason,
  createdAt: c.createdAt,
});

function nextUtcDay(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/** The UTC day `utcDate` as [start, end) ISO times; refuses a non-date and a day that has not ended at `now`. */
export function sealableDay(utcDate: string, now: Date): { start: string; end: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(utcDate) || Number.isNaN(Date.parse(`${utcDate}T00:00:00Z`)) || new Date(`${utcDate}T00:00:00Z`).toISOString().slice(0, 10) !== utcDate) {
    throw new UsageError('LEDGER_BAD_DATE', `sealDay: ${JSON.stringify(utcDate)} is not a calendar date YYYY-MM-DD`);
  }
  const start = `${utcDate}T00:00:00.000Z`;
  const end = nextUtcDay(utcDate);
  if (now.toISOString() < end) {
    throw new UsageError('LEDGER_DAY_NOT_OVER', `sealDay: ${utcDate} has not ended yet (UTC); a day is sealed once it is over`);
  }
  return { start, end };
}

/** The idempotency key that makes a day sealed once. */
export const daySealKey = (utcDate: string): string => `day.sealed:${utcDate}`;

/** The `day.sealed` leaf of a day: first/last seq and counts by type from the store, and the previous daily checkpoint. */
export async function daySealedLeaf(store: EvidenceStore, utcDate: string, day: { start: string; end: string }): Promise<LeafInput<'day.sealed'>> {
  const stats = await store.dayStats(day.start, day.end);
  const prev = (await store.checkpoints()).filter((c) => c.reason === 'daily').pop();
  return {
    type: 'day.sealed',
    idempotencyKey: daySealKey(utcDate),
    data: {
      date: utcDate,
      from: day.start,
      to: day.end,
      firstSeq: stats.firstSeq,
      lastSeq: stats.lastSeq,
      leafCount: Object.values(stats.counts).reduce((a, b) => a + b, 0),
      countsByType: stats.counts,
      previousDayCheckpoint: prev === undefined ? null : { size: prev.size, root: prev.root.toString('hex') },
    },
  };
}
