// Verify step for RFC 3161 time stamps: each token in timestamps/index.tsv against the bundled checkpoint it names.
import type { X509Certificate } from 'node:crypto';
import { verifyToken } from '../timestamp/rfc3161.js';
import { checkpointDigest, parseTimestampIndex, TIMESTAMP_INDEX } from '../timestamp/bundle-index.js';
import type { BundleFiles } from './bundle-files.js';
import type { BundleFault } from './bundle-steps.js';

/** What the result says about time stamps: how many checked, and whether their chain to a trusted TSA root was. */
export interface TimestampSummary {
  count: number;
  chainChecked: boolean;
}

/**
 * Each token's message imprint must be the SHA-256 of the bundled checkpoint's body (computed here, not taken from the
 * index), its CMS signature and ESS signing-certificate binding must hold, and, with `trusted` (--tsa-ca), its
 * certificate must chain to one of those roots. Every failure is a fault naming the checkpoint and the token.
 */
export async function checkTimestamps(bundle: BundleFiles, present: Set<string>, trusted: X509Certificate[] | undefined, fault: (f: BundleFault) => void): Promise<TimestampSummary> {
  const summary: TimestampSummary = { count: 0, chainChecked: trusted !== undefined };
  if (!present.has(TIMESTAMP_INDEX)) return summary;
  const { rows, problems } = parseTimestampIndex(bundle.read(TIMESTAMP_INDEX).toString('utf8'));
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
