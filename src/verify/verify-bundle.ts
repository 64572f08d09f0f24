// Offline verification of an evidence bundle: container, signatures, Merkle tree, attachments, and the report recomputed byte for byte.
import { X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { leafHash } from '../ledger/merkle.js';
import { parseFingerprint } from '../ledger/fingerprint.js';
import { buildReport, type FrameworkData, type LeafRecord, type ReportParams } from '../export/report.js';
import { gunzipBuffer, HashSink } from '../export/files.js';
import { folderFiles, zipFiles, type BundleFiles } from './bundle-files.js';
import { ReportInvariants } from './report-invariants.js';
import { checkIntegrityStatement } from './integrity-statement.js';
import type { ProgressListener } from '../core/progress.js';
import type { KeyPin } from './bundle-key.js';
import {
  attachmentPath,
  attachmentVerdict,
  checkAttachments,
  checkCheckpoints,
  checkContainer,
  checkLeaves,
  checkManifest,
  pathProblem,
  type BundleFault,
  type WithheldFile,
  type BundleMeta,
  type VerifyStats,
} from './bundle-steps.js';
import { checkHandovers } from './key-chain-step.js';
import { checkWitnesses, witnessOptionProblem, type WitnessCheckOptions, type WitnessSummary } from './witness-step.js';
import { checkTimestamps, type TimestampSummary } from './timestamp-step.js';
import { checkAppendix, type AppendixSummary } from './appendix-step.js';

export type { BundleFault, WithheldFile } from './bundle-steps.js';

export interface BundleVerification {
  ok: boolean;
  faults: BundleFault[];
  warnings: string[];
  stats: VerifyStats;
  /** Faults found beyond the MAX_FAULTS listed. */
  omittedFaults: number;
  /** What the bundle says it is (from manifest.json), when it could be read. */
  bundle?: BundleMeta['bundle'];
  /** The key the signatures were checked with, when one was usable. */
  key?: BundleMeta['key'];
  /** Witness cosignatures carried, and whether they were checked (`witnessKeys`). */
  witness?: WitnessSummary;
  /** RFC 3161 time stamps checked (src/verify/timestamp-step.ts), when the bundle got that far. */
  timestamps?: TimestampSummary;
  /** Files a leaf references that the bundle withholds, and why (confidential manual evidence, blobs the store lacked). */
  withheld?: WithheldFile[];
  /** The what-if appendix (rule replays) checked, when the bundle carries one (src/verify/appendix-step.ts). */
  appendix?: AppendixSummary;
}

export interface VerifyBundleOptions {
  /** PEM (SPKI) of the ledger key obtained out of band. Without it the bundle's own keys/ are used, with a warning. */
  trustedKeyFile?: string;
  /** `SHA256:<hex>` fingerprint of the ledger key obtained out of band (`vigil ledger key`); the bundle's key must have it. */
  trustedFingerprint?: string;
  /** Refuse to verify without `trustedKeyFile` or `trustedFingerprint` (a usage error). @defaultValue false */
  requirePin?: boolean;
  /** Witness vkeys obtained out of band: the end (and start) checkpoints must be cosigned by `witnessQuorum` of them. */
  witnessKeys?: string[];
  /** @defaultValue every witness key given */
  witnessQuorum?: number;
  /** PEM file of the TSA root certificate(s) the auditor trusts: each time stamp must chain to one. Without it the chain is not checked (and the result says so). */
  tsaCaFile?: string;
  /** Refuse bundles (or zip entries) larger than this. @defaultValue 16 GiB */
  maxBytes?: number;
  /** Told as each step advances (src/core/progress.ts); the verification does not depend on it. */
  progress?: ProgressListener;
}

const MAX_FAULTS = 500;
/** A single bundle file larger than this is refused rather than read (a day of leaves at 10,000 resources is ~1 MB). */
const MAX_ENTRY_BYTES = 1 << 30;

class UsageProblem extends Error {
  readonly exitCode = 2;
}

/** Verifies a bundle folder or .zip; never throws for integrity faults, only for bad usage (missing path, unreadable key). */
export async function verifyBundle(path: string, opts: VerifyBundleOptions = {}): Promise<BundleVerification> {
  if (!existsSync(path)) throw new UsageProblem(`${path} does not exist`);
  const pin: KeyPin = {};
  if (opts.trustedKeyFile !== undefined && opts.trustedFingerprint !== undefined) throw new UsageProblem('give --trusted-key or --trusted-fingerprint, not both');
  if (opts.trustedKeyFile !== undefined) {
    try {
      pin.pem = readFileSync(opts.trustedKeyFile, 'utf8');
      createPublicKey(pin.pem);
    } catch {
      throw new UsageProblem(`--trusted-key ${opts.trustedKeyFile} is not a readable PEM public key`);
    }
  }
  if (opts.trustedFingerprint !== undefined) {
    pin.fingerprint = parseFingerprint(opts.trustedFingerprint);
    if (pin.fingerprint === undefined) throw new UsageProblem(`--trusted-fingerprint ${JSON.stringify(opts.trustedFingerprint)} is not SHA256: followed by 64 hex digits (as \`vigil ledger key\` prints it)`);
  }
  if (opts.requirePin && pin.pem === undefined && pin.fingerprint === undefined) {
    throw new UsageProblem('--require-pin: give the ledger key you obtained out of band as --trusted-fingerprint SHA256:… or --trusted-key FILE');
  }
  const witnessOpts: WitnessCheckOptions = { keys: opts.witnessKeys ?? [], ...(opts.witnessQuorum !== undefined ? { quorum: opts.witnessQuorum } : {}) };
  const witnessProblem = witnessOptionProblem(witnessOpts);
  if (witnessProblem !== undefined) throw new UsageProblem(witnessProblem);
  const tsaRoots = opts.tsaCaFile !== undefined ? readTsaRoots(opts.tsaCaFile) : undefined;
  const faults: BundleFault[] = [];
  const warnings: string[] = [];
  let omittedFaults = 0;
  const fault = (f: BundleFault): void => {
    if (faults.length < MAX_FAULTS) faults.push(f);
    else omittedFaults++;
  };
  const stats = { leaves: 0, checkpoints: 0, attachments: 0, reportFiles: 0 };
  const meta: BundleMeta & { timestamps?: TimestampSummary; witness?: WitnessSummary; withheld?: WithheldFile[]; appendix?: AppendixSummary } = {};
  const result = (): BundleVerification => ({ ok: faults.length === 0 && omittedFaults === 0, faults, warnings, stats, omittedFaults, ...meta });

  const containerFault = (p: { file?: string; message: string }): void => fault({ code: 'CONTAINER', ...p });
  let bundle: BundleFiles;
  if (statSync(path).isFile()) {
    // A .zip is read in place, entry by entry: nothing is extracted to disk. Every entry name is checked first.
    try {
      bundle = await zipFiles(path, { maxBytes: opts.maxBytes ?? 16 * 2 ** 30, maxEntryBytes: MAX_ENTRY_BYTES }, pathProblem, containerFault);
    } catch (e) {
      fault({ code: 'CONTAINER', file: path, message: `not a readable zip: ${(e as Error).message}` });
      return result();
    }
    warnings.push(...(bundle.notes ?? []));
    if (faults.length > 0) {
      bundle.close();
      return result();
    }
  } else bundle = folderFiles(path, containerFault);
  try {
    await verifyFiles(bundle, pin, tsaRoots, witnessOpts, fault, warnings, stats, meta, opts.progress ?? (() => undefined));
  } catch (e) {
    // A zip entry that cannot be read (corrupt deflate data, a header pointing outside the file) is a container fault.
    fault({ code: 'CONTAINER', file: path, message: `unreadable bundle entry: ${(e as Error).message}` });
  } finally {
    bundle.close();
  }
  return result();
}

/** Steps 1–5 (src/verify/bundle-steps.ts), then the report recomputed from the leaves and compared byte for byte. */
async function verifyFiles(
  bundle: BundleFiles,
  pin: KeyPin,
  tsaRoots: X509Certificate[] | undefined,
  witnessOpts: WitnessCheckOptions,
  fault: (f: BundleFault) => void,
  warnings: string[],
  stats: VerifyStats,
  meta: BundleMeta & { timestamps?: TimestampSummary; witness?: WitnessSummary; withheld?: WithheldFile[]; appendix?: AppendixSummary },
  progress: ProgressListener,
): Promise<void> {
  const present = checkContainer(bundle, fault, progress);
  const m = checkManifest(bundle, present, pin, fault, warnings, meta);
  const { verifiers, tree, reportMeta, chain } = m;
  if (verifiers.length === 0 || chain === undefined || !Number.isSafeInteger(tree.startSize) || !Number.isSafeInteger(tree.endSize)) return;
  const s = tree.startSize!;
  const e = tree.endSize!;
  const roots = checkCheckpoints(bundle, chain, m.origin, s, e, fault, stats);
  checkHandovers(m.handovers, e, roots.get(e), fault);
  meta.witness = checkWitnesses(bundle, present, verifiers, m.origin, { s, e, roots }, witnessOpts, fault);
  const { leafFiles, badLeaves, referenced, resultsBlobs, confidential, seals } = checkLeaves(bundle, m, roots, s, e, fault, stats, progress);
  const endRoot = roots.get(e);
  checkIntegrityStatement((reportMeta as { integrity?: unknown }).integrity, { origin: m.origin, checkpoints: stats.checkpoints, ...(m.signingKey ? { signingKey: m.signingKey } : {}), ...(endRoot ? { endRoot } : {}) }, fault);
  // Results blobs are checked where the report recomputation reads them (one gunzip and hash each instead of two); those
  // it does not read (outside the period, or the report not recomputed) right after it.
  const deferred = new Set([...resultsBlobs].filter((h) => /^[0-9a-f]{64}$/.test(h)).map(attachmentPath).filter((f) => present.has(f)));
  meta.withheld = await checkAttachments(bundle, present, { referenced, confidential, deferred }, fault, stats, progress);
  meta.timestamps = await checkTimestamps(bundle, present, { trusted: tsaRoots, seals, checkpointSizes: [...roots.keys()] }, fault, warnings);
  try {
    await recomputeReport(bundle, { present, reportMeta, leafFiles, badLeaves, deferred, s, e }, fault, stats, progress);
  } finally {
    for (const f of [...deferred].sort()) attachmentVerdict(f, f.slice(-67, -3), await bundle.gunzip(f, false), fault, stats);
  }
  // The appendix (a what-if, not evidence): present, labelled, and quoting the bundle's own recorded verdicts.
  const blobs = async (sha: string): Promise<Buffer | undefined> => {
    if (!/^[0-9a-f]{64}$/.test(sha) || !present.has(attachmentPath(sha))) return undefined;
    const d = await bundle.gunzip(attachmentPath(sha), true);
    return 'sha256' in d && d.sha256 === sha ? d.data : undefined;
  };
  const appendix = await checkAppendix(bundle, present, m.manifest, { start: String(reportMeta.start), end: String(reportMeta.end) }, leafFiles, blobs, fault);
  if (appendix) meta.appendix = appendix;
}

/** 6. The report recomputed from the leaves and compared byte for byte, and its invariants checked on the bundle's files. */
async function recomputeReport(
  bundle: BundleFiles,
  r: { present: Set<string>; reportMeta: ReportParams & { frameworkFile?: string }; leafFiles: string[]; badLeaves: number; deferred: Set<string>; s: number; e: number },
  fault: (f: BundleFault) => void,
  stats: VerifyStats,
  progress: ProgressListener,
): Promise<void> {
  const { present, reportMeta, leafFiles, badLeaves, deferred, s, e } = r;
  const files = bundle.files;
  if (badLeaves > 0) {
    fault({ code: 'REPORT_SKIPPED', message: `report not recomputed: ${badLeaves} leaf line(s) could not be read as evidence` });
    return;
  }

  // 6. Report: recompute every file from the leaves and compare byte for byte; extra or missing report files are faults.
  let framework: FrameworkData;
  try {
    framework = JSON.parse(bundle.read(String(reportMeta.frameworkFile)).toString('utf8')) as FrameworkData;
  } catch (err) {
    fault({ code: 'REPORT', file: String(reportMeta.frameworkFile), message: `framework data unreadable: ${(err as Error).message}` });
    return;
  }
  const params: ReportParams = { ...reportMeta, framework };
  delete (params as Partial<ReportParams & { frameworkFile: string }>).frameworkFile;
  if (params.slice?.startSize !== s || params.slice?.endSize !== e) fault({ code: 'MANIFEST', file: 'manifest.json', message: 'report slice differs from the tree slice' });
  // Each report file is compared as soon as its recomputation is complete, so nothing of it is held afterwards.
  // A `.gz` report file (a snapshot) is compared by its inflated bytes with the recomputation, neither side hashed; its container is checked like an attachment's.
  const sink = new HashSink(
    (p, want, head) => {
      stats.reportFiles++;
      if (!present.has(p)) return fault({ code: 'REPORT_MISSING', file: p, message: 'report file recomputed from the leaves is missing from the bundle' });
      if (bundle.sha256(p) !== want) fault({ code: 'REPORT_MISMATCH', file: p, message: `differs from the recomputation from the leaves${firstDiff(bundle.head(p), head)}` });
    },
    (p, want) => {
      stats.reportFiles++;
      if (!present.has(p)) return fault({ code: 'REPORT_MISSING', file: p, message: 'report file recomputed from the leaves is missing from the bundle' });
      const d = gunzipBuffer(bundle.read(p));
      if ('problem' in d) fault({ code: 'REPORT_MISMATCH', file: p, message: d.problem });
      else if (!d.data.equals(want)) {
        fault({ code: 'REPORT_MISMATCH', file: p, message: `uncompressed content differs from the recomputation from the leaves${firstDiff(d.data.subarray(0, 65_536).toString('utf8'), want.subarray(0, 65_536).toString('utf8'))}` });
      }
    },
  );
  async function* leavesOf(): AsyncIterable<LeafRecord> {
    let seq = s;
    for (const f of leafFiles) {
      for await (const line of bundle.lines(f)) {
        if (line === '' && seq >= e) continue;
        const bytes = Buffer.from(line, 'utf8');
        progress({ phase: 'report', unit: 'leaves', done: seq - s + 1, total: e - s });
        yield { seq, hash: leafHash(bytes).toString('hex'), body: JSON.parse(line) as Record<string, unknown> };
        seq++;
      }
    }
  }
  const blobs = async (sha: string): Promise<Buffer | undefined> => {
    const f = attachmentPath(sha);
    if (!/^[0-9a-f]{64}$/.test(sha) || !present.has(f)) return undefined;
    const d = await bundle.gunzip(f, true);
    if (deferred.delete(f)) return attachmentVerdict(f, sha, d, fault, stats) && 'data' in d ? d.data : undefined;
    return 'sha256' in d && d.sha256 === sha ? d.data : undefined;
  };
  // Facts any correct report holds, checked on the bundle's own files: recomputing only proves the exporter ran.
  const invariants = new ReportInvariants((p) => (present.has(p) ? bundle.read(p) : undefined), (p) => present.has(p));
  try {
    await buildReport(params, invariants.tap(leavesOf()), blobs, sink);
  } catch (err) {
    fault({ code: 'REPORT', message: `report could not be recomputed: ${(err as Error).message}` });
    return;
  }
  for (const f of invariants.check()) fault(f);
  const digests = sink.finish();
  for (const f of files) if (f.startsWith('report/') && !digests.has(f)) fault({ code: 'REPORT_EXTRA', file: f, message: 'report file that the leaves do not produce' });
}

/** The certificates of a PEM file (one or several); a usage error naming the file when there is none or one is bad. */
function readTsaRoots(file: string): X509Certificate[] {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new UsageProblem(`--tsa-ca ${file} cannot be read`);
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UsageProblem(`--tsa-ca ${file} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new UsageProblem(`--tsa-ca ${file}: certificate ${i + 1} is not readable (${(e as Error).message})`);
    }
  });
}

function firstDiff(actual: string, expected: string): string {
  const a = actual.split('\n');
  const b = expected.split('\n');
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return ` (first difference at line ${i + 1}: expected ${JSON.stringify(b[i]!.slice(0, 120))}, found ${JSON.stringify(a[i]!.slice(0, 120))})`;
  }
  return a.length !== b.length ? ` (line count differs)` : '';
}
