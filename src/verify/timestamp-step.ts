// Verify step for RFC 3161 time stamps: each token in timestamps/index.tsv against the bundled checkpoint it names.
import type { X509Certificate } from 'node:crypto';
import { verifyToken } from '../timestamp/rfc3161.js';
import { checkpointDigest, parseTimestampIndex, TIMESTAMP_INDEX } from '../timestamp/bundle-index.js';
import type { BundleFiles } from './bundle-files.js';
import type { BundleFault, DaySeal } from './bundle-steps.js';

/** What the result says about time stamps: how many checked, of how many day seals, and whether their chain to a trusted TSA root was. */
export interface TimestampSummary {
  count: number;
  /** Day seals in the slice (their checkpoints, counted once). */
  seals: number;
  chainChecked: boolean;
}

export interface TimestampCheckInput {
  /** --tsa-ca: the roots each token must chain to. */
  trusted: X509Certificate[] | undefined;
  /** The slice's `day.sealed` leaves, and the sizes of the valid signed checkpoints: a seal's checkpoint is the first above it. */
  seals: DaySeal[];
  checkpointSizes: number[];
}

/**
 * Each token's message imprint must be the SHA-256 of the bundled checkpoint's body (computed here, not taken from the
 * index), its CMS signature and ESS signing-certificate binding must hold, and, with `trusted` (--tsa-ca), its
 * certificate must chain to one of those roots. Every failure is a fault naming the checkpoint and the token.
 */
export async function checkTimestamps(
  bundle: BundleFiles,
  present: Set<string>,
  input: TimestampCheckInput,
  fault: (f: BundleFault) => void,
  warnings: string[],
): Promise<TimestampSummary> {
  const { trusted } = input;
  const sealed = sealCheckpoints(input);
  const summary: TimestampSummary = { count: 0, seals: sealed.size, chainChecked: trusted !== undefined };
  const hasIndex = present.has(TIMESTAMP_INDEX);
  const { rows, problems } = hasIndex ? parseTimestampIndex(bundle.read(TIMESTAMP_INDEX).toString('utf8')) : { rows: [], problems: [] };
  // A seal without a token is not a fault (the TSA may have failed that night), but it is named once stamps are expected.
  const listed = new Set(rows.map((r) => r.checkpoint));
  const bare = [...sealed].filter(([cp]) => !listed.has(cp)).map(([, dates]) => dates.join(', '));
  if ((hasIndex || trusted) && bare.length > 0) warnings.push(`${bare.length} of ${sealed.size} day seal(s) in this bundle carry no RFC 3161 time stamp: ${bare.join('; ')}`);
  for (const p of problems) fault({ code: 'TIMESTAMP_INDEX', file: TIMESTAMP_INDEX, message: p });
  for (const r of rows) {
    const where = `the time stamp of ${r.checkpoint} (${r.token})`;
    if (!present.has(r.checkpoint)) {
      fault({ code: 'TIMESTAMP_INDEX', file: TIMESTAMP_INDEX, message: `names ${r.checkpoint}, which is not in the bundle` });
      continue;
    }
    let digest: Buffer;
    try {
      digest = checkpointDigest(bundle.read(r.checkpoint));
    } catch (e) {
      fault({ code: 'TIMESTAMP', file: r.checkpoint, message: `${where}: the checkpoint is not a signed note (${(e as Error).message})` });
      continue;
    }
    if (digest.toString('hex') !== r.digest) fault({ code: 'TIMESTAMP_INDEX', file: TIMESTAMP_INDEX, message: `gives ${r.digest} for ${r.checkpoint}, whose body hashes to ${digest.toString('hex')}` });
    if (!present.has(r.token)) {
      fault({ code: 'TIMESTAMP_MISSING', file: r.token, message: `${where}: the token is not in the bundle` });
      continue;
    }
    const d = await bundle.gunzip(r.token, true);
    if (!('data' in d) || d.data === undefined) {
      fault({ code: 'TIMESTAMP', file: r.token, message: `${where}: the token cannot be read (${'problem' in d ? d.problem : 'no data'})` });
      continue;
    }
    const check = verifyToken(d.data, { digest, ...(trusted ? { trusted } : {}) });
    if (check.problems.length > 0) {
      fault({ code: 'TIMESTAMP_INVALID', file: r.token, message: `${where}: ${check.problems.join('; ')}` });
      continue;
    }
    if (check.genTime?.toISOString() !== r.genTime || check.serial !== r.serial) {
      fault({ code: 'TIMESTAMP_INDEX', file: TIMESTAMP_INDEX, message: `says ${r.checkpoint} was time-stamped at ${r.genTime} (serial ${r.serial}); the token says ${check.genTime?.toISOString()} (serial ${check.serial})` });
      continue;
    }
    summary.count++;
  }
  return summary;
}

/** Each day seal's checkpoint file (the first valid checkpoint above its leaf), with the dates it seals. */
function sealCheckpoints(input: TimestampCheckInput): Map<string, string[]> {
  const sizes = [...input.checkpointSizes].sort((a, b) => a - b);
  const out = new Map<string, string[]>();
  for (const s of input.seals) {
    const size = sizes.find((c) => c > s.seq);
    if (size === undefined) continue;
    const file = `ledger/checkpoints/${size}.checkpoint`;
    out.set(file, [...(out.get(file) ?? []), s.date]);
  }
  return out;
}
