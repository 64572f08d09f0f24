// The bundle's RFC 3161 time stamps: the token of each day seal's checkpoint the bundle holds, and timestamps/index.tsv.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/collector.js';
import type { EvidenceStore } from '../ledger/store.js';
import { parseJsonBytes } from '../ledger/canonical.js';
import type { LeafOf } from '../ledger/leaf-catalogue.js';
import { checkpointDigest, formatTimestampIndex, TIMESTAMP_INDEX, type TimestampRow } from '../timestamp/bundle-index.js';

const attachment = (sha: string): string => `attachments/sha256/${sha.slice(0, 2)}/${sha}.gz`;

/**
 * Writes timestamps/index.tsv for the bundled checkpoints that have a `timestamp.token` leaf (written after the
 * checkpoint, so at or after the slice start, and often after its end: the last day's seal is stamped once signed).
 * Returns the token blobs to carry as attachments; none (and no index) when nothing was time-stamped.
 */
export async function writeTimestampIndex(ro: EvidenceStore, work: string, checkpointSizes: number[], s: number, logger: Logger): Promise<{ tokens: string[] }> {
  const inBundle = new Set(checkpointSizes);
  const rows: TimestampRow[] = [];
  const tokens: string[] = [];
  for await (const l of ro.leaves({ fromSeq: s, types: ['timestamp.token'] })) {
    const t = parseJsonBytes(l.body) as LeafOf<'timestamp.token'>;
    if (!inBundle.has(t.checkpointSize)) continue;
    if (!(await ro.hasBlob(t.tokenSha256))) {
      logger.warn({ seq: l.seq, checkpointSize: t.checkpointSize }, 'export: the time-stamp token blob is not in the store; the bundle carries no time stamp for that checkpoint');
      continue;
    }
    const checkpoint = `ledger/checkpoints/${t.checkpointSize}.checkpoint`;
    // The digest the auditor recomputes from the bundled note, not the leaf's word for it: a token for another hash shows.
    const digest = checkpointDigest(readFileSync(join(work, checkpoint))).toString('hex');
    rows.push({ checkpoint, digest, token: attachment(t.tokenSha256), genTime: t.genTime, serial: t.serial, tsa: t.tsa });
    tokens.push(t.tokenSha256);
  }
  if (rows.length === 0) return { tokens: [] };
  mkdirSync(join(work, 'timestamps'), { recursive: true });
  writeFileSync(join(work, TIMESTAMP_INDEX), formatTimestampIndex(rows));
  return { tokens };
}
