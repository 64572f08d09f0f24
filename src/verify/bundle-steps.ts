// The checks verify runs on a bundle before the report is recomputed, one function a step: container, manifest and key, checkpoints, leaves and tree, attachments.
import type { ProgressListener } from '../core/progress.js';
import type { KeyObject } from 'node:crypto';
import { isCanonicalJson } from '../ledger/canonical.js';
import { leafProblem } from '../ledger/leaf-catalogue.js';
import { Frontier, leafHash } from '../ledger/merkle.js';
import { ed25519Verifier, openCheckpoint, openNote, type NoteVerifier } from '../ledger/note.js';
import type { ReportParams } from '../export/report.js';
import { BUNDLE_FORMAT, UNSUMMED, manifestNoteText } from '../export/files.js';
import type { BundleFiles, GunzipResult } from './bundle-files.js';
import { genesisKeyProblem, resolveBundleKey, type BundleKey, type KeyPin } from './bundle-key.js';
import { resolveRotatedKey } from './bundle-key-chain.js';
import { readBundleChain, type Handover } from './key-chain-step.js';
import type { KeyChain } from '../ledger/rotation.js';

export interface BundleFault {
  code: string;
  file?: string;
  seq?: number;
  message: string;
}

/** What was checked, counted. */
export interface VerifyStats {
  leaves: number;
  checkpoints: number;
  attachments: number;
  reportFiles: number;
}

/** What the bundle says it is, and the key its signatures were checked with, as the result states them. */
export interface BundleMeta {
  bundle?: { type: number; period: string; tz: string; start: string; end: string; origin: string };
  key?: BundleKey;
}

const ALLOWED_NAME = /^[A-Za-z0-9._%+-]+$/;
/** One strict decoder for every leaf line (one per line was measurable at a year's 250,000 leaves). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** What is wrong with a bundle path, if anything (the same rule for folder files and zip entry names). */
export function pathProblem(name: string): string | undefined {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.includes('\\')) return 'backslash in path';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return 'path traversal or empty path segment';
  if (parts.some((p) => !ALLOWED_NAME.test(p))) return 'unexpected characters in file name';
  return undefined;
}

/** 1. Container: every file listed in SHA256SUMS with its hash; nothing unlisted; sane names. Returns the files present. */
export function checkContainer(bundle: BundleFiles, fault: (f: BundleFault) => void, progress: ProgressListener = () => undefined): Set<string> {
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
  let hashed = 0;
  for (const [f, want] of listed) {
    progress({ phase: 'checksums', unit: 'files', done: hashed++, total: listed.size });
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
  progress({ phase: 'checksums', unit: 'files', done: listed.size, total: listed.size });
  // A year's bundle lists tens of thousands of files: what only this step needs is released before the report is recomputed.
  listed.clear();
  lowerSeen.clear();
  return present;
}

/** What the manifest says, and the key its signatures are checked with (step 2). */
export interface ManifestAndKey {
  manifest: Record<string, unknown>;
  origin: string;
  verifiers: NoteVerifier[];
  signingKey?: KeyObject;
  /** The keys checkpoints may be signed by, in order (one key when the ledger never rotated; src/verify/key-chain-step.ts). */
  chain?: KeyChain;
  /** Handover checkpoints of the chain's rotations, checked against the end checkpoint once it is verified. */
  handovers: Handover[];
  tree: { startSize?: number; endSize?: number };
  reportMeta: ReportParams & { frameworkFile?: string };
}

/** 2. Keys and the manifest note: the key chosen (src/verify/bundle-key.ts), the note's signature and what it commits to. */
export function checkManifest(
  bundle: BundleFiles,
  present: Set<string>,
  pin: KeyPin,
  fault: (f: BundleFault) => void,
  warnings: string[],
  meta: BundleMeta,
): ManifestAndKey {
  let manifest: Record<string, unknown> = {};
  try {
    manifest = JSON.parse(bundle.read('manifest.json').toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    fault({ code: 'MANIFEST', file: 'manifest.json', message: `unreadable: ${(e as Error).message}` });
  }
  const origin = typeof manifest.origin === 'string' ? manifest.origin : '';
  const keyFile = `keys/ledger-${String(manifest.keyId)}.pub.pem`;
  const tree = (manifest.tree ?? {}) as { startSize?: number; endSize?: number };
  const bundlePem = present.has(keyFile) ? bundle.read(keyFile).toString('utf8') : undefined;
  let verifiers: NoteVerifier[] = [];
  let signingKey: KeyObject | undefined;
  let chain: KeyChain | undefined;
  let handovers: Handover[] = [];
  if (present.has('ledger/key-chain.json')) {
    // A ledger whose key was rotated: the pin may be any key of the chain the bundle carries (bundle-key-chain.ts).
    const r = resolveRotatedKey(bundle, present, pin, origin, keyFile, bundlePem, tree.endSize ?? 0, fault, warnings);
    if (r !== undefined) {
      ({ chain, handovers, signingKey } = r);
      verifiers = chain.keys.map((k) => k.verifier);
      meta.key = r.info;
    }
  } else {
    const resolved = resolveBundleKey(pin, origin, keyFile, bundlePem);
    for (const f of resolved.faults) fault(f);
    warnings.push(...resolved.warnings);
    try {
      if (resolved.key === undefined) throw new Error(`no public key (${keyFile} is missing)`);
      verifiers = [ed25519Verifier(origin, resolved.key)];
      signingKey = resolved.key;
      chain = readBundleChain(bundle, present, origin, resolved.key, fault)?.chain;
      if (resolved.info) meta.key = resolved.info;
    } catch (e) {
      fault({ code: 'KEY', file: 'keys/', message: `no usable ledger public key for origin ${JSON.stringify(origin)}: ${(e as Error).message}` });
    }
  }
  const reportMeta = (manifest.report ?? {}) as ReportParams & { frameworkFile?: string };
  if (reportMeta.type === 1 || reportMeta.type === 2) meta.bundle = {
    type: reportMeta.type,
    period: reportMeta.type === 2 ? `${String(reportMeta.from)} to ${String(reportMeta.to)}` : `as of the close of ${String(reportMeta.asOf)}`,
    tz: String(reportMeta.tz),
    start: String(reportMeta.start),
    end: String(reportMeta.end),
    origin,
  };
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
  return { manifest, origin, verifiers, ...(signingKey ? { signingKey } : {}), ...(chain ? { chain } : {}), handovers, tree, reportMeta };
}

/** 3. Checkpoints: strict parse, trusted signature, origin, name = size; no two roots for one size. Returns the roots by size. */
export function checkCheckpoints(bundle: BundleFiles, chain: KeyChain, origin: string, s: number, e: number, fault: (f: BundleFault) => void, stats: VerifyStats): Map<number, Buffer> {
  const files = bundle.files;
  const roots = new Map<number, Buffer>();
  for (const f of files.filter((x) => x.startsWith('ledger/checkpoints/'))) {
    const m = /^ledger\/checkpoints\/(0|[1-9][0-9]*)\.checkpoint$/.exec(f);
    if (!m) {
      fault({ code: 'CHECKPOINT', file: f, message: 'unexpected file name' });
      continue;
    }
    try {
      // Signed by the key active at that size: the chain names a key it never introduced (KEY_NOT_INTRODUCED) or one not active then.
      const opened = chain.openAt(bundle.read(f), Number(m[1]));
      if ('problem' in opened) {
        fault({ code: opened.problem.code, file: f, message: opened.problem.message });
        continue;
      }
      const cp = opened.body;
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
  return roots;
}

/** A `day.sealed` leaf of the slice: the time-stamp step looks for its checkpoint's token. */
export interface DaySeal {
  seq: number;
  date: string;
}

/**
 * 4. Tree: fold the start frontier, stream every leaf, compare at each checkpoint; size must end at e. Returns the leaf
 * files, how many leaf lines could not be read as evidence, the blobs the run leaves reference, and the day seals.
 */
export function checkLeaves(
  bundle: BundleFiles,
  m: ManifestAndKey,
  roots: Map<number, Buffer>,
  s: number,
  e: number,
  fault: (f: BundleFault) => void,
  stats: VerifyStats,
  progress: ProgressListener = () => undefined,
): { leafFiles: string[]; badLeaves: number; referenced: Set<string>; resultsBlobs: Set<string>; confidential: Map<string, string>; seals: DaySeal[] } {
  const { manifest, origin } = m;
  // The genesis leaf names the chain's first key, whichever key signs now.
  const signingKey = m.chain?.root.publicKey ?? m.signingKey;
  const files = bundle.files;
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
  /** The results blobs of run leaves: the report recomputation reads them (src/verify/verify-bundle.ts). */
  const resultsBlobs = new Set<string>();
  // Confidential manual evidence: its file must be withheld (declared in attachments/withheld.json); sha256 → evidence id.
  const confidential = new Map<string, string>();
  const seals: DaySeal[] = [];
  let leafBytes = 0;
  for (const [i, f] of leafFiles.entries()) {
    progress({ phase: 'leaves', unit: 'leaf files', done: i, total: leafFiles.length, bytes: leafBytes });
    const buf = bundle.read(f);
    leafBytes += buf.length;
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
        const v = JSON.parse(UTF8.decode(bytes)) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
        body = v as Record<string, unknown>;
      } catch (err) {
        fault({ code: 'LEAF_MALFORMED', file: f, seq: seqHere, message: `line for seq ${seqHere} is not a UTF-8 JSON object (${(err as Error).message})` });
        badLeaves++;
      }
      if (body) {
        if (seqHere === 0 && signingKey) {
          // A slice from genesis: the key the genesis leaf names must be the key that signed the checkpoints.
          const problem = genesisKeyProblem(body, origin, signingKey);
          if (problem) fault({ code: 'GENESIS_KEY', file: f, seq: 0, message: problem });
        }
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
          if (typeof body.resultsSha256 === 'string') {
            referenced.add(body.resultsSha256);
            resultsBlobs.add(body.resultsSha256);
          }
          if (body.source === 'hris' && typeof body.resourcesSha256 === 'string') referenced.add(body.resourcesSha256);
          for (const a of (Array.isArray(body.artifacts) ? body.artifacts : []) as Array<{ sha256?: unknown }>) if (typeof a.sha256 === 'string') referenced.add(a.sha256);
        } else if (body.type === 'timestamp.token' && typeof body.tokenSha256 === 'string') referenced.add(body.tokenSha256);
        else if (body.type === 'evidence.added' && typeof body.sha256 === 'string') {
          if (body.confidential === true) confidential.set(body.sha256, String(body.id));
          else referenced.add(body.sha256);
        } else if (body.type === 'review.started' || body.type === 'review.closed') {
          const r = body as { review?: { populationSha256?: unknown }; populationSha256?: unknown; decisionsSha256?: unknown };
          for (const sha of [r.review?.populationSha256, r.populationSha256, r.decisionsSha256]) if (typeof sha === 'string') referenced.add(sha);
        } else if (body.type === 'day.sealed') seals.push({ seq: seqHere, date: String(body.date) });
        else if (body.type === 'key.rotated' && m.chain && !m.chain.steps.some((st) => st.seq === seqHere)) {
          // A rotation in the slice is handed over by the end checkpoint, so the chain the bundle carries must hold it.
          fault({ code: 'ROTATION_NOT_IN_CHAIN', file: f, seq: seqHere, message: `the key.rotated leaf at seq ${seqHere} is missing from ledger/key-chain.json (or its chain broke before it)` });
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
  progress({ phase: 'leaves', unit: 'leaf files', done: leafFiles.length, total: leafFiles.length, bytes: leafBytes });
  if (frontier.size !== e) fault({ code: 'SIZE_MISMATCH', file: 'ledger/leaves/', seq: Math.min(frontier.size, e), message: `the leaves end at size ${frontier.size}, but the signed end checkpoint is at size ${e}` });
  for (const h of referenced) confidential.delete(h); // the same bytes also recorded openly: the file is in the bundle
  return { leafFiles, badLeaves, referenced, resultsBlobs, confidential, seals };
}

/** A blob a leaf references whose file the bundle does not carry, and why (attachments/withheld.json). */
export interface WithheldFile {
  sha256: string;
  reason: string;
}

/** One attachment's content checked against its name: a fault naming the file, or one more attachment counted. */
export function attachmentVerdict(f: string, sha: string, d: GunzipResult, fault: (f: BundleFault) => void, stats: VerifyStats): boolean {
  if ('problem' in d) fault({ code: 'ATTACHMENT_MISMATCH', file: f, message: d.problem });
  else if (d.sha256 !== sha) fault({ code: 'ATTACHMENT_MISMATCH', file: f, message: 'uncompressed content does not match its SHA-256 name' });
  else {
    stats.attachments++;
    return true;
  }
  return false;
}

/**
 * 5. Attachments: each named by its hash (so a changed file no longer matches the ledger record that names it); every
 * referenced blob present or declared withheld; confidential manual evidence withheld, never included. Returns what
 * is withheld, for the result to show. Attachments in `deferred` (paths) are not read here: the caller reads them
 * anyway and checks each with attachmentVerdict, then the ones it did not read (src/verify/verify-bundle.ts).
 */
export async function checkAttachments(
  bundle: BundleFiles,
  present: Set<string>,
  refs: { referenced: Set<string>; confidential: Map<string, string>; deferred?: ReadonlySet<string> },
  fault: (f: BundleFault) => void,
  stats: VerifyStats,
  progress: ProgressListener = () => undefined,
): Promise<WithheldFile[]> {
  const { referenced, confidential } = refs;
  const files = bundle.files;
  let withheld = new Set<string>();
  let declared: WithheldFile[] = [];
  if (present.has('attachments/withheld.json')) {
    try {
      declared = (JSON.parse(bundle.read('attachments/withheld.json').toString('utf8')) as Array<{ sha256: unknown; reason: unknown }>).map((w) => ({ sha256: String(w.sha256), reason: String(w.reason) }));
      withheld = new Set(declared.map((w) => w.sha256));
    } catch {
      fault({ code: 'ATTACHMENT', file: 'attachments/withheld.json', message: 'not valid JSON' });
    }
  }
  // Streamed through gunzip and SHA-256: an attachment is never held whole here.
  const attachments = files.filter((x) => x.startsWith('attachments/sha256/'));
  for (const [i, f] of attachments.entries()) {
    progress({ phase: 'attachments', unit: 'files', done: i, total: attachments.length });
    const m = /^attachments\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\.gz$/.exec(f);
    if (!m || m[1] !== m[2]!.slice(0, 2)) {
      fault({ code: 'ATTACHMENT', file: f, message: 'unexpected attachment path (expected attachments/sha256/<aa>/<sha256>.gz)' });
      continue;
    }
    if (refs.deferred?.has(f)) continue;
    attachmentVerdict(f, m[2]!, await bundle.gunzip(f, false), fault, stats);
  }
  progress({ phase: 'attachments', unit: 'files', done: attachments.length, total: attachments.length });
  for (const h of referenced) {
    const f = attachmentPath(h);
    if (!present.has(f) && !withheld.has(h)) fault({ code: 'ATTACHMENT_MISSING', file: f, message: 'referenced by a leaf but neither present nor declared withheld' });
  }
  for (const [h, id] of confidential) {
    const f = attachmentPath(h);
    if (present.has(f)) fault({ code: 'CONFIDENTIAL_INCLUDED', file: f, message: `the file of confidential evidence ${id} is in the bundle; its record says it is withheld` });
    else if (!withheld.has(h)) fault({ code: 'ATTACHMENT_MISSING', file: f, message: `confidential evidence ${id} is not declared withheld in attachments/withheld.json` });
  }
  return declared.filter((w) => !present.has(attachmentPath(w.sha256)));
}

export const attachmentPath = (sha: string): string => `attachments/sha256/${sha.slice(0, 2)}/${sha}.gz`;
