// Offline verification of an evidence bundle: container, signatures, Merkle tree, attachments, and the report recomputed byte for byte.
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isCanonicalJson } from '../ledger/canonical.js';
import { Frontier, leafHash } from '../ledger/merkle.js';
import { leafProblem } from '../ledger/leaf-catalogue.js';
import { ed25519Verifier, openCheckpoint, openNote, type NoteVerifier } from '../ledger/note.js';
import { buildReport, type FrameworkData, type LeafRecord, type ReportParams } from '../export/report.js';
import { BUNDLE_FORMAT, gunzipBuffer, HashSink, UNSUMMED, manifestNoteText } from '../export/files.js';
import { folderFiles, zipFiles, type BundleFiles } from './bundle-files.js';

export interface BundleFault {
  code: string;
  file?: string;
  seq?: number;
  message: string;
}

export interface BundleVerification {
  ok: boolean;
  faults: BundleFault[];
  warnings: string[];
  stats: { leaves: number; checkpoints: number; attachments: number; reportFiles: number };
}

export interface VerifyBundleOptions {
  /** PEM (SPKI) of the ledger key obtained out of band. Without it the bundle's own keys/ are used, with a warning. */
  trustedKeyFile?: string;
  /** Refuse bundles (or zip entries) larger than this. @defaultValue 16 GiB */
  maxBytes?: number;
}

const MAX_FAULTS = 500;
/** A single bundle file larger than this is refused rather than read (a day of leaves at 10,000 resources is ~1 MB). */
const MAX_ENTRY_BYTES = 1 << 30;
const ALLOWED_NAME = /^[A-Za-z0-9._%+-]+$/;

class UsageProblem extends Error {
  readonly exitCode = 2;
}

/** Verifies a bundle folder or .zip; never throws for integrity faults, only for bad usage (missing path, unreadable key). */
export async function verifyBundle(path: string, opts: VerifyBundleOptions = {}): Promise<BundleVerification> {
  if (!existsSync(path)) throw new UsageProblem(`${path} does not exist`);
  let trusted: NoteVerifier[] | undefined;
  let trustedPem: string | undefined;
  if (opts.trustedKeyFile !== undefined) {
    try {
      trustedPem = readFileSync(opts.trustedKeyFile, 'utf8');
      createPublicKey(trustedPem);
    } catch {
      throw new UsageProblem(`--trusted-key ${opts.trustedKeyFile} is not a readable PEM public key`);
    }
  }
  const faults: BundleFault[] = [];
  const warnings: string[] = [];
  const fault = (f: BundleFault): void => {
    if (faults.length < MAX_FAULTS) faults.push(f);
  };
  const stats = { leaves: 0, checkpoints: 0, attachments: 0, reportFiles: 0 };
  const result = (): BundleVerification => ({ ok: faults.length === 0, faults, warnings, stats });

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
    if (faults.length > 0) {
      bundle.close();
      return result();
    }
  } else bundle = folderFiles(path, containerFault);
  try {
    await verifyFiles(bundle, { trusted, trustedPem }, fault, warnings, stats);
  } catch (e) {
    // A zip entry that cannot be read (corrupt deflate data, a header pointing outside the file) is a container fault.
    fault({ code: 'CONTAINER', file: path, message: `unreadable bundle entry: ${(e as Error).message}` });
  } finally {
    bundle.close();
  }
  return result();
}

function pathProblem(name: string): string | undefined {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.includes('\\')) return 'backslash in path';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return 'path traversal or empty path segment';
  if (parts.some((p) => !ALLOWED_NAME.test(p))) return 'unexpected characters in file name';
  return undefined;
}

async function verifyFiles(
  bundle: BundleFiles,
  keys: { trusted?: NoteVerifier[]; trustedPem?: string },
  fault: (f: BundleFault) => void,
  warnings: string[],
  stats: BundleVerification['stats'],
): Promise<void> {
  // 1. Container: every file listed in SHA256SUMS with its hash; nothing unlisted; sane names.
  const files = bundle.files;
  const lowerSeen = new Map<string, string>();
  for (const f of files) {
    const problem = pathProblem(f);
    if (problem) fault({ code: 'CONTAINER', file: f, message: problem });
    const prev = lowerSeen.get(f.toLowerCase());
    if (prev) fault({ code: 'CONTAINER', file: f, message: `name differs only in case from ${prev}` });
    lowerSeen.set(f.toLowerCase(), f);
  }
  const listed = new Map<string, string>();
  if (!bundle.has('SHA256SUMS')) {
    fault({ code: 'SUMS_MISSING', file: 'SHA256SUMS', message: 'SHA256SUMS is missing' });
  } else {
    const text = bundle.read('SHA256SUMS').toString('utf8');
    const lines = text.split('\n');
    if (lines.pop() !== '') fault({ code: 'SUMS_MALFORMED', file: 'SHA256SUMS', message: 'does not end with a newline' });
    lines.forEach((line, i) => {
      const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
      if (!m) return fault({ code: 'SUMS_MALFORMED', file: 'SHA256SUMS', message: `line ${i + 1} is not "<sha256>  <path>"` });
      if (listed.has(m[2]!)) fault({ code: 'SUMS_MALFORMED', file: 'SHA256SUMS', message: `line ${i + 1} lists ${m[2]} twice` });
      listed.set(m[2]!, m[1]!);
    });
  }
  const present = new Set(files);
  for (const f of files) if (!UNSUMMED.has(f) && !listed.has(f)) fault({ code: 'UNLISTED_FILE', file: f, message: 'file is not listed in SHA256SUMS' });
  for (const [f, want] of listed) {
    if (!present.has(f)) fault({ code: 'FILE_MISSING', file: f, message: 'listed in SHA256SUMS but missing' });
    else {
      let got: string;
      try {
        got = bundle.sha256(f);
      } catch (err) {
        // A zip entry whose compressed data is corrupt: named, and the rest of the bundle still checked.
        fault({ code: 'CONTAINER', file: f, message: `unreadable: ${(err as Error).message}` });
        continue;
      }
      if (got !== want) fault({ code: 'FILE_MODIFIED', file: f, message: 'content does not match its SHA256SUMS hash' });
    }
  }
  // A year's bundle lists tens of thousands of files: what only this step needs is released before the report is recomputed.
  listed.clear();
  lowerSeen.clear();

  // 2. Keys and the manifest note.
  let manifest: Record<string, unknown> = {};
  try {
    manifest = JSON.parse(bundle.read('manifest.json').toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    fault({ code: 'MANIFEST', file: 'manifest.json', message: `unreadable: ${(e as Error).message}` });
  }
  const origin = typeof manifest.origin === 'string' ? manifest.origin : '';
  let pem = keys.trustedPem;
  if (pem === undefined) {
    const keyFile = `keys/ledger-${String(manifest.keyId)}.pub.pem`;
    if (present.has(keyFile)) pem = bundle.read(keyFile).toString('utf8');
    warnings.push('no --trusted-key given: signatures were checked against the key inside the bundle, which proves consistency, not origin');
  }
  let verifiers: NoteVerifier[] = [];
  try {
    if (pem === undefined) throw new Error('no public key');
    verifiers = [ed25519Verifier(origin, createPublicKey(pem))];
  } catch (e) {
    fault({ code: 'KEY', file: 'keys/', message: `no usable ledger public key for origin ${JSON.stringify(origin)}: ${(e as Error).message}` });
  }
  const tree = (manifest.tree ?? {}) as { startSize?: number; endSize?: number };
  const reportMeta = (manifest.report ?? {}) as ReportParams & { frameworkFile?: string };
  if (manifest.format !== BUNDLE_FORMAT) fault({ code: 'MANIFEST', file: 'manifest.json', message: `format is ${JSON.stringify(manifest.format)}, not ${BUNDLE_FORMAT}` });
  if (!Number.isSafeInteger(tree.startSize) || !Number.isSafeInteger(tree.endSize) || tree.startSize! < 0 || tree.endSize! < tree.startSize!) {
    fault({ code: 'MANIFEST', file: 'manifest.json', message: 'tree.startSize/endSize are not valid sizes' });
  }
  if (present.has('manifest.note') && verifiers.length > 0) {
    try {
      const opened = openNote(bundle.read('manifest.note'), verifiers);
      const expected = manifestNoteText({
        origin,
        start: String(reportMeta.start),
        end: String(reportMeta.end),
        startSize: tree.startSize ?? -1,
        endSize: tree.endSize ?? -1,
        sumsSha256: bundle.has('SHA256SUMS') ? bundle.sha256('SHA256SUMS') : '',
      });
      if (opened.text !== expected) fault({ code: 'MANIFEST_MISMATCH', file: 'manifest.note', message: 'the signed note does not commit to this SHA256SUMS, period and tree slice (manifest.json or SHA256SUMS changed)' });
    } catch (e) {
      fault({ code: 'SIGNATURE', file: 'manifest.note', message: (e as Error).message });
    }
  } else if (!present.has('manifest.note')) {
    fault({ code: 'FILE_MISSING', file: 'manifest.note', message: 'the signed manifest note is missing' });
  }
  if (verifiers.length === 0 || !Number.isSafeInteger(tree.startSize) || !Number.isSafeInteger(tree.endSize)) return;
  const s = tree.startSize!;
  const e = tree.endSize!;

  // 3. Checkpoints: strict parse, trusted signature, origin, name = size; no two roots for one size.
  const roots = new Map<number, Buffer>();
  for (const f of files.filter((x) => x.startsWith('ledger/checkpoints/'))) {
    const m = /^ledger\/checkpoints\/(0|[1-9][0-9]*)\.checkpoint$/.exec(f);
    if (!m) {
      fault({ code: 'CHECKPOINT', file: f, message: 'unexpected file name' });
      continue;
    }
    try {
      const cp = openCheckpoint(bundle.read(f), verifiers, origin);
      if (cp.size !== Number(m[1])) fault({ code: 'CHECKPOINT', file: f, message: `signed size ${cp.size} differs from the file name` });
      const prev = roots.get(cp.size);
      if (prev && !prev.equals(cp.root)) fault({ code: 'EQUIVOCATION', file: f, message: `two different roots for size ${cp.size}` });
      roots.set(cp.size, cp.root);
      stats.checkpoints++;
    } catch (err) {
      fault({ code: 'SIGNATURE', file: f, message: (err as Error).message });
    }
  }
  if (!roots.has(e)) fault({ code: 'NO_END_CHECKPOINT', file: `ledger/checkpoints/${e}.checkpoint`, message: `no valid signed checkpoint at the end of the slice (size ${e})` });
  if (s > 0 && !roots.has(s)) fault({ code: 'NO_START_CHECKPOINT', file: `ledger/checkpoints/${s}.checkpoint`, message: `no valid signed checkpoint at the start of the slice (size ${s})` });

  // 4. Tree: fold the start frontier, stream every leaf, compare at each checkpoint; size must end at e.
  let frontier = new Frontier();
  try {
    frontier = Frontier.fromJSON(JSON.parse(bundle.read('ledger/frontier-start.json').toString('utf8')) as { size: number; hashes: string[] });
    if (frontier.size !== s) fault({ code: 'FRONTIER', file: 'ledger/frontier-start.json', message: `frontier size ${frontier.size} is not the slice start ${s}` });
    const r = roots.get(s);
    if (s > 0 && r && !r.equals(frontier.root())) fault({ code: 'ROOT_MISMATCH', file: 'ledger/frontier-start.json', message: `frontier root differs from the signed checkpoint at size ${s}` });
  } catch (err) {
    fault({ code: 'FRONTIER', file: 'ledger/frontier-start.json', message: (err as Error).message });
  }
  const leafFiles = files.filter((f) => f.startsWith('ledger/leaves/')).sort();
  for (const f of leafFiles) if (!/^ledger\/leaves\/\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)) fault({ code: 'CONTAINER', file: f, message: 'unexpected leaf file name' });
  const declared = Array.isArray(manifest.leafFiles) ? (manifest.leafFiles as string[]) : [];
  if (declared.join('\n') !== leafFiles.join('\n')) fault({ code: 'LEAF_FILES', file: 'ledger/leaves/', message: `leaf files differ from manifest.json (expected ${declared.length}, found ${leafFiles.length})` });
  let expected = s;
  let badLeaves = 0;
  let lastGood = s;
  const referenced = new Set<string>();
  for (const f of leafFiles) {
    const buf = bundle.read(f);
    if (buf.length > 0 && buf[buf.length - 1] !== 0x0a) fault({ code: 'LEAF_TRUNCATED', file: f, message: 'the file does not end with a newline (cut mid-line?)' });
    let pos = 0;
    while (pos < buf.length) {
      let nl = buf.indexOf(0x0a, pos);
      if (nl < 0) nl = buf.length;
      const bytes = buf.subarray(pos, nl);
      pos = nl + 1;
      const seqHere = expected;
      let body: Record<string, unknown> | undefined;
      try {
        const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
        body = v as Record<string, unknown>;
      } catch (err) {
        fault({ code: 'LEAF_MALFORMED', file: f, seq: seqHere, message: `line for seq ${seqHere} is not a UTF-8 JSON object (${(err as Error).message})` });
        badLeaves++;
      }
      if (body) {
        if (body.seq !== seqHere) {
          fault({ code: 'SEQ_MISMATCH', file: f, seq: seqHere, message: `leaf at position ${seqHere} says seq ${JSON.stringify(body.seq)}` });
          badLeaves++;
        } else if (!isCanonicalJson(bytes)) {
          fault({ code: 'LEAF_NOT_CANONICAL', file: f, seq: seqHere, message: 'leaf bytes are not RFC 8785 canonical JSON (reformatted?)' });
          badLeaves++;
        }
        const problem = leafProblem(body); // an unknown type, or data its type's schema refuses (leaf-catalogue.ts)
        if (problem) fault({ code: problem.code, file: f, seq: seqHere, message: problem.message });
        if (body.type === 'run') {
          if (typeof body.resultsSha256 === 'string') referenced.add(body.resultsSha256);
          for (const a of (Array.isArray(body.artifacts) ? body.artifacts : []) as Array<{ sha256?: unknown }>) if (typeof a.sha256 === 'string') referenced.add(a.sha256);
        }
      }
      frontier.append(leafHash(bytes));
      expected++;
      stats.leaves++;
      const r = roots.get(frontier.size);
      if (r) {
        if (!r.equals(frontier.root())) {
          fault({ code: 'ROOT_MISMATCH', file: `ledger/checkpoints/${frontier.size}.checkpoint`, seq: lastGood, message: `recomputed root differs from the signed root: leaves ${lastGood}..${frontier.size - 1} were changed, dropped, inserted or reordered` });
        } else lastGood = frontier.size;
      }
    }
  }
  if (frontier.size !== e) fault({ code: 'SIZE_MISMATCH', file: 'ledger/leaves/', seq: Math.min(frontier.size, e), message: `the leaves end at size ${frontier.size}, but the signed end checkpoint is at size ${e}` });

  // 5. Attachments: each named by its hash; every referenced blob present or declared withheld.
  let withheld = new Set<string>();
  if (present.has('attachments/withheld.json')) {
    try {
      withheld = new Set((JSON.parse(bundle.read('attachments/withheld.json').toString('utf8')) as Array<{ sha256: string }>).map((w) => w.sha256));
    } catch {
      fault({ code: 'ATTACHMENT', file: 'attachments/withheld.json', message: 'not valid JSON' });
    }
  }
  // Streamed through gunzip and SHA-256: an attachment is never held whole here.
  for (const f of files.filter((x) => x.startsWith('attachments/sha256/'))) {
    const m = /^attachments\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\.gz$/.exec(f);
    if (!m || m[1] !== m[2]!.slice(0, 2)) {
      fault({ code: 'ATTACHMENT', file: f, message: 'unexpected attachment path (expected attachments/sha256/<aa>/<sha256>.gz)' });
      continue;
    }
    const d = await bundle.gunzip(f, false);
    if ('problem' in d) fault({ code: 'ATTACHMENT_MISMATCH', file: f, message: d.problem });
    else if (d.sha256 !== m[2]) fault({ code: 'ATTACHMENT_MISMATCH', file: f, message: 'uncompressed content does not match its SHA-256 name' });
    else stats.attachments++;
  }
  for (const h of referenced) {
    const f = attachmentPath(h);
    if (!present.has(f) && !withheld.has(h)) fault({ code: 'ATTACHMENT_MISSING', file: f, message: 'referenced by a leaf but neither present nor declared withheld' });
  }
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
  // A `.gz` report file is compared by its content (the recomputation is text); its container is checked like an attachment's.
  const sink = new HashSink((p, want, head) => {
    stats.reportFiles++;
    if (!present.has(p)) return fault({ code: 'REPORT_MISSING', file: p, message: 'report file recomputed from the leaves is missing from the bundle' });
    if (p.endsWith('.gz')) {
      const d = gunzipBuffer(bundle.read(p));
      if ('problem' in d) fault({ code: 'REPORT_MISMATCH', file: p, message: d.problem });
      else if (createHash('sha256').update(d.data).digest('hex') !== want) {
        fault({ code: 'REPORT_MISMATCH', file: p, message: `uncompressed content differs from the recomputation from the leaves${firstDiff(d.data.subarray(0, 65_536).toString('utf8'), head)}` });
      }
    } else if (bundle.sha256(p) !== want) fault({ code: 'REPORT_MISMATCH', file: p, message: `differs from the recomputation from the leaves${firstDiff(bundle.head(p), head)}` });
  });
  async function* leavesOf(): AsyncIterable<LeafRecord> {
    let seq = s;
    for (const f of leafFiles) {
      for await (const line of bundle.lines(f)) {
        if (line === '' && seq >= e) continue;
        const bytes = Buffer.from(line, 'utf8');
        yield { seq, hash: leafHash(bytes).toString('hex'), body: JSON.parse(line) as Record<string, unknown> };
        seq++;
      }
    }
  }
  const blobs = async (sha: string): Promise<Buffer | undefined> => {
    if (!/^[0-9a-f]{64}$/.test(sha) || !present.has(attachmentPath(sha))) return undefined;
    const d = await bundle.gunzip(attachmentPath(sha), true);
    return 'sha256' in d && d.sha256 === sha ? d.data : undefined;
  };
  try {
    await buildReport(params, leavesOf(), blobs, sink);
  } catch (err) {
    fault({ code: 'REPORT', message: `report could not be recomputed: ${(err as Error).message}` });
    return;
  }
  const digests = sink.finish();
  for (const f of files) if (f.startsWith('report/') && !digests.has(f)) fault({ code: 'REPORT_EXTRA', file: f, message: 'report file that the leaves do not produce' });
}

const attachmentPath = (sha: string): string => `attachments/sha256/${sha.slice(0, 2)}/${sha}.gz`;

function firstDiff(actual: string, expected: string): string {
  const a = actual.split('\n');
  const b = expected.split('\n');
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return ` (first difference at line ${i + 1}: expected ${JSON.stringify(b[i]!.slice(0, 120))}, found ${JSON.stringify(a[i]!.slice(0, 120))})`;
  }
  return a.length !== b.length ? ` (line count differs)` : '';
}
