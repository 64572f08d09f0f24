// `vigil export`: writes an evidence bundle (folder or deterministic zip) for a Type 2 period or a Type 1 instant, streaming from the ledger store.
import { keyFingerprint } from '../ledger/fingerprint.js';
import type { KeyObject } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError, UsageError } from '../core/errors.js';
import type { Clock, Logger } from '../core/collector.js';
import { Ledger } from '../ledger/ledger.js';
import { SqliteEvidenceStore } from '../ledger/sqlite-store.js';
import { PgEvidenceStore } from '../ledger/pg-store.js';
import type { EvidenceStore, StoredCheckpoint } from '../ledger/store.js';
import { ledgerKeyPaths, loadLedgerKey } from '../ledger/keys.js';
import { Frontier } from '../ledger/merkle.js';
import { ed25519Signer, formatVkey, rawEd25519PublicKey, signNote } from '../ledger/note.js';
import { canonicalString, parseJsonBytes } from '../ledger/canonical.js';
import { asOfInstant, periodFromDates } from './period.js';
import { buildReport, type FrameworkData, type LeafRecord, type ReportParams } from './report.js';
import { TYPE1_STALE_HOURS } from './report/walk.js';
import { RETIREMENT_TYPES } from '../ledger/retired-scopes.js';
import { BUNDLE_FORMAT, FileSink, gzipBundleFile, listFiles, manifestNoteText, sha256File, UNSUMMED, writeDeterministicZip } from './files.js';
import { bundleReadme } from './readme.js';
import { cosignExportCheckpoint, writeWitnessFiles, type BundleCosignature } from './witness-files.js';
import type { WitnessConfig } from '../witness/config.js';
import { applyBundleModes, bundleModes, checkOutPath, type BundleModes } from './out-path.js';
import { writeTimestampIndex } from './timestamps.js';
import { writeKeyChainFile } from './key-chain-file.js';
import { VERSION } from '../version.js';
import { readLeaf } from '../ledger/leaf-catalogue.js';
import { FINDINGS_SOURCE, importedRuleMap, withImportedRules } from '../rules/import-mapping.js';
import type { ProgressListener } from '../core/progress.js';
import { replayAppendixFile, replayAppendixText, type AppendixEntry } from './replay-appendix.js';
import type { ReplayReport } from '../report/replay.js';

export interface ExportOptions {
  dataDir: string;
  type: 1 | 2;
  /** Type 2: first and last date of the period (YYYY-MM-DD, both included). */
  from?: string;
  to?: string;
  /** Type 1: the date whose close the state is taken at. */
  asOf?: string;
  /** IANA zone the dates are in. @defaultValue 'UTC' */
  tz?: string;
  framework: FrameworkData;
  criteria?: string[];
  sampleSeed?: string;
  /** Sources configured: rules of other sources are out of scope in the report. @defaultValue every source in scope */
  sources?: string[];
  /** A folder (must not exist or be empty), or a path ending in `.zip`; never a symbolic link (src/export/out-path.ts). */
  out: string;
  /** Mode of the bundle's files (and the zip); folders get x where files get r. @defaultValue 0o600 (folders 0o700) */
  fileMode?: number;
  /** `postgres://…`: the ledger is in PostgreSQL (as for every other command, from DATABASE_URL); keys stay in dataDir. */
  databaseUrl?: string;
  /** A file holding the built verify/verify.mjs (src/export/lean.ts writes one); built here when absent. */
  verifierScript?: string;
  /**
   * Files each holding one rule's ReplayReport as JSON (`vigil export --replay`, which runs the rule code; the export
   * worker loads none): carried as appendix/replay/<rule>.json, labelled a what-if. @defaultValue none
   */
  replayReports?: string[];
  /** The config's witnesses: an export checkpoint the export signs is offered to them, and their cosignatures carried. */
  witnesses?: WitnessConfig[];
  clock: Clock;
  logger: Logger;
  /** Told as leaves, attachments and report leaves are written (src/core/progress.ts); nothing it sees changes a byte. */
  progress?: ProgressListener;
}

export interface ExportResult {
  out: string;
  files: number;
  startSize: number;
  endSize: number;
  leaves: number;
  attachments: number;
  withheld: number;
  bytes: number;
}

/** What `vigil export` prints when it is done: the result as JSON, or one line. */
export function printExportResult(r: ExportResult, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else process.stdout.write(`exported ${r.out}: leaves ${r.startSize}..${r.endSize - 1} (${r.leaves}), ${r.attachments} attachments, ${r.files} files, ${r.bytes} bytes\n`);
}

/** Bundle manifest (manifest.json): what verify needs to recompute the report, and what a reader needs to orient. */
export interface BundleManifest {
  format: string;
  origin: string;
  keyId: string;
  generator: { name: string; version: string };
  report: ReportParams & { frameworkFile: string };
  tree: { startSize: number; startRoot: string; endSize: number; endRoot: string };
  leafFiles: string[];
  checkpoints: number[];
  attachments: number;
  withheld: number;
  /** ledger/witness/: the witnesses' cosignatures carried (checked by `vigil verify --witness-key`). */
  witness?: { cosignatures: number; witnesses: string[]; files: string[] };
  /** appendix/: what-if files that are not evidence (rule replays), each checked by `vigil verify` (src/verify/appendix-step.ts). */
  appendix?: AppendixEntry[];
}

/** Export reads the ledger once, in seq order: a small page cache is as fast as the 16 MB default, and 14 MB lighter. */
const READER_CACHE_KIB = 2048;

/** Signs an export checkpoint and, with witnesses configured, has them cosign it (their cosignatures go in the bundle). */
async function tryExportCheckpoint(opts: ExportOptions): Promise<BundleCosignature[]> {
  let ledger: Ledger | undefined;
  try {
    ledger = await Ledger.open({ dataDir: opts.dataDir, clock: opts.clock, logger: opts.logger, startupCheck: 'hashes', ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}) });
    const cp = await ledger.checkpoint('export');
    return cp && opts.witnesses?.length ? await cosignExportCheckpoint(ledger, cp, opts.witnesses, opts.logger) : [];
  } catch (e) {
    opts.logger.warn({ err: (e as Error).message }, 'export: could not take an export checkpoint; exporting read-only from the last signed checkpoint');
    return [];
  } finally {
    await ledger?.close().catch(() => undefined);
  }
}

function firstLeafTime(store: EvidenceStore): Promise<string | undefined> {
  return (async () => {
    for await (const l of store.leaves({ fromSeq: 0, toSeq: 0 })) return l.observedAt;
    return undefined;
  })();
}

/** Checks the request before anything is read or written, so bad input changes nothing. */
function validateRequest(opts: ExportOptions, now: Date): { tz: string; outPath: string; zip: boolean; modes: BundleModes } {
  const tz = opts.tz ?? 'UTC';
  const modes = bundleModes(opts.fileMode);
  const { outPath, zip } = checkOutPath(opts.out);
  if (opts.databaseUrl === undefined && !existsSync(join(opts.dataDir, 'ledger.sqlite'))) throw new UsageError('EXPORT_NO_LEDGER', `no ledger at ${join(opts.dataDir, 'ledger.sqlite')} (check --data-dir, or DATABASE_URL for a PostgreSQL ledger)`);
  if (opts.type === 2) {
    if (!opts.from || !opts.to) throw new UsageError('EXPORT_BAD_RANGE', 'a Type 2 export needs --from and --to');
    periodFromDates(opts.from, opts.to, tz, { now });
  } else {
    if (!opts.asOf) throw new UsageError('EXPORT_BAD_RANGE', 'a Type 1 export needs --as-of');
    asOfInstant(opts.asOf, tz, now);
  }
  if (opts.criteria) {
    const known = new Set(opts.framework.criteria.map((c) => c.id));
    const bad = opts.criteria.filter((c) => !known.has(c));
    if (bad.length > 0) throw new UsageError('EXPORT_BAD_CRITERIA', `--criteria: ${bad.join(', ')} not in framework ${opts.framework.id} as scoped by the config (criteria.${opts.framework.id}; see \`vigil frameworks list\`)`);
  }
  return { tz, outPath, zip, modes };
}

/** The instants exported: a Type 2 period clipped to the ledger's start, or a Type 1 instant after it. */
interface ExportRange {
  startAt: string;
  endAt: string;
  period?: ReturnType<typeof periodFromDates>;
  t1?: ReturnType<typeof asOfInstant>;
}

export async function exportBundle(opts: ExportOptions): Promise<ExportResult> {
  const now = opts.clock.now();
  const { tz, outPath, zip, modes } = validateRequest(opts, now);
  const key = await loadLedgerKey(opts.dataDir, { create: false });
  if (key?.privateKey === undefined) {
    const file = ledgerKeyPaths(opts.dataDir).privateKey;
    const why = existsSync(file) ? `; this user cannot read ${file}` : '';
    throw new AppError('EXPORT_NO_KEY', `the ledger signing key in ${join(opts.dataDir, 'keys')} is needed to sign the bundle manifest${why}`, { exitCode: 2 });
  }

  const openReader = async (): Promise<EvidenceStore> =>
    opts.databaseUrl !== undefined
      ? PgEvidenceStore.open({ url: opts.databaseUrl, readOnly: true, logger: opts.logger })
      : SqliteEvidenceStore.open({ path: join(opts.dataDir, 'ledger.sqlite'), readOnly: true, cacheKiB: READER_CACHE_KIB });
  const store = await openReader();
  let ledgerStart: string | undefined;
  let sealedAt: string | undefined;
  try {
    ledgerStart = await firstLeafTime(store);
    sealedAt = (await store.lastCheckpoint())?.createdAt;
  } finally {
    await store.close();
  }
  const period = opts.type === 2 ? periodFromDates(opts.from!, opts.to!, tz, { now, ...(ledgerStart ? { ledgerStart } : {}) }) : undefined;
  const t1 = opts.type === 1 ? asOfInstant(opts.asOf!, tz, now) : undefined;
  if (t1 && ledgerStart && t1.at <= ledgerStart) throw new UsageError('EXPORT_BAD_RANGE', `--as-of ${opts.asOf} is before the ledger began at ${ledgerStart}`);
  const range: ExportRange = { startAt: period ? period.start : t1!.at, endAt: period ? period.end : t1!.at, ...(period ? { period } : {}), ...(t1 ? { t1 } : {}) };

  // Sign an export checkpoint only when no signed checkpoint covers the end yet: the end checkpoint is the first one at or
  // after the end, so one more would change nothing, and opening the ledger for writing costs memory and a write.
  const cosigned = sealedAt === undefined || sealedAt < range.endAt ? await tryExportCheckpoint(opts) : [];

  const ro = await openReader();
  const outExisted = existsSync(outPath);
  // The folder is owner-only while it fills (mkdtemp makes it so for a zip), so no file is readable by others before
  // its mode is set at the end.
  const work = zip ? mkdtempSync(join(dirname(outPath), '.vigil-export-')) : outPath;
  if (!zip) {
    mkdirSync(work, { recursive: true, mode: 0o700 });
    chmodSync(work, 0o700);
  }
  try {
    const written = await writeBundleFolder(opts, ro, range, tz, key, work, cosigned);
    const all = listFiles(work);
    let bytes = 0;
    for (const f of all) bytes += statSync(join(work, f)).size;
    if (zip) {
      const mtime = new Date(Math.max(Date.parse(range.endAt), Date.parse('1980-01-02T00:00:00Z')));
      await writeDeterministicZip(work, all, outPath, mtime, modes.file);
      bytes = statSync(outPath).size;
    } else {
      applyBundleModes(work, all, modes);
    }
    return { out: outPath, files: all.length, ...written, bytes };
  } catch (e) {
    // A failed export leaves no half-written bundle that could be mistaken for a whole one: the folder goes (or, if it
    // was there already, empty, goes back to empty).
    if (!zip && existsSync(outPath)) {
      if (outExisted) for (const f of readdirSync(outPath)) rmSync(join(outPath, f), { recursive: true, force: true });
      else rmSync(outPath, { recursive: true, force: true });
    }
    throw e;
  } finally {
    await ro.close();
    if (zip) rmSync(work, { recursive: true, force: true });
  }
}

/** Every file of the bundle written into `work`, signed last (SHA256SUMS, then the manifest note over it). */
async function writeBundleFolder(
  opts: ExportOptions,
  ro: EvidenceStore,
  range: ExportRange,
  tz: string,
  key: { privateKey?: KeyObject; publicKey: KeyObject },
  work: string,
  cosigned: readonly BundleCosignature[],
): Promise<Omit<ExportResult, 'out' | 'files' | 'bytes'>> {
  const origin = (await ro.getMeta('origin')) ?? '';
  const inScope = opts.criteria ? new Set(opts.framework.criteria.filter((c) => opts.criteria!.includes(c.id)).flatMap((c) => c.rules.map((r) => r.id))) : undefined;
  const { startCp, endCp, cps } = await chooseSlice(ro, range, inScope);
  const s = startCp?.size ?? 0;
  const e = endCp.size;
  const frontier = startCp ? Frontier.deserialize(startCp.frontier) : new Frontier();
  const progress = opts.progress ?? (() => undefined);
  const ledger = await writeLedgerSlice(ro, work, frontier, cps, s, e, progress);
  const stamps = await writeTimestampIndex(ro, work, ledger.checkpointSizes, s, opts.logger);
  for (const sha of stamps.tokens) ledger.referenced.add(sha);
  // The results blobs of runs are written as the report reads them (each decoded from the store once, not twice); those
  // it does not read, after it.
  const atts = new AttachmentWriter(ro, work, ledger.confidential);
  await atts.writeAll(ledger.referenced, ledger.resultsBlobs, progress);
  const witness = await writeWitnessFiles(ro, work, s, e, cosigned);
  const rotations = await writeKeyChainFile(ro, work, origin, e);

  // Imported scanner results count under the criteria their import mapped them to: the embedded framework lists them
  // (`imported: true`), so the report and the verifier's recomputation see the same mapping.
  const framework = await withImportsInSlice(ro, opts.framework, e);
  const frameworkFile = `framework/${framework.id}.json`;
  mkdirSync(join(work, 'framework'), { recursive: true });
  writeFileSync(join(work, frameworkFile), `${canonicalString(framework)}\n`);
  const appendix = writeReplayAppendices(work, opts.replayReports ?? [], { start: range.startAt, end: range.endAt });

  const { period, t1 } = range;
  const params: ReportParams = {
    type: opts.type,
    start: range.startAt,
    end: range.endAt,
    tz,
    ...(period ? { from: period.from, to: period.to } : { asOf: t1!.asOf }),
    framework,
    ...(opts.criteria ? { criteria: opts.criteria } : {}),
    ...(opts.sampleSeed !== undefined ? { sampleSeed: opts.sampleSeed } : {}),
    slice: { startSize: s, endSize: e },
    ...(opts.sources ? { sources: [...opts.sources].sort() } : {}),
    hrisRoster: true,
    // Stated in report.html's summary as computed at export; the verifier checks it against the bundle's key and checkpoints.
    integrity: { origin, keyFingerprint: keyFingerprint(key.publicKey), checkpoints: ledger.checkpointSizes.length, endRoot: endCp.root.toString('hex') },
  };
  const sink = new FileSink(work);
  async function* slice(): AsyncIterable<LeafRecord> {
    if (e <= s) return;
    let done = 0;
    for await (const l of ro.leaves({ fromSeq: s, toSeq: e - 1 })) {
      progress({ phase: 'report', unit: 'leaves', done: ++done, total: e - s });
      yield { seq: l.seq, hash: l.leafHash.toString('hex'), body: parseJsonBytes(l.body) as Record<string, unknown> };
    }
  }
  await buildReport(params, slice(), (sha) => atts.readForReport(sha), sink);
  sink.end();
  const att = await atts.finish();

  const signer = ed25519Signer(origin, key.privateKey!);
  const keyId = signer.keyId.toString('hex');
  writeKeys(work, origin, keyId, key.publicKey);
  await writeVerifier(work, opts.verifierScript);

  const { framework: _f, ...reportMeta } = params;
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    origin,
    keyId,
    generator: { name: 'vigil', version: VERSION },
    report: { ...reportMeta, framework: undefined as never, frameworkFile },
    tree: { startSize: s, startRoot: frontier.root().toString('hex'), endSize: e, endRoot: endCp.root.toString('hex') },
    leafFiles: ledger.leafFiles,
    checkpoints: ledger.checkpointSizes,
    attachments: att.attachments,
    withheld: att.withheld,
    ...(witness.cosignatures > 0 ? { witness } : {}),
    ...(appendix.length > 0 ? { appendix } : {}),
  };
  delete (manifest.report as Partial<ReportParams>).framework;
  writeFileSync(join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(work, 'README.txt'), bundleReadme(keyId, params, s, e, stamps.tokens.length, witness, rotations, appendix));

  const files = listFiles(work).filter((f) => !UNSUMMED.has(f));
  const sums = files.map((f) => `${sha256File(join(work, f))}  ${f}\n`).join('');
  writeFileSync(join(work, 'SHA256SUMS'), sums);
  const noteText = manifestNoteText({ origin, start: range.startAt, end: range.endAt, startSize: s, endSize: e, sumsSha256: sha256File(join(work, 'SHA256SUMS')) });
  writeFileSync(join(work, 'manifest.note'), signNote(noteText, [signer]));
  return { startSize: s, endSize: e, leaves: ledger.leaves, attachments: att.attachments, withheld: att.withheld };
}

/**
 * The slice of the log exported: it ends at the first signed checkpoint at or after the end (or the last one, when it
 * covers every leaf) and starts at the last checkpoint at or before the start — for Type 1, below the latest run of
 * each scope before the instant, so the state and the rule definitions in force are inside it.
 */
/** The framework with the imported rules of the `findings` runs among the slice's first `endSize` leaves (unchanged when none). */
async function withImportsInSlice(ro: EvidenceStore, fw: FrameworkData, endSize: number): Promise<FrameworkData> {
  const runs: Array<{ artifacts?: unknown }> = [];
  for await (const l of ro.leaves({ types: ['run'], source: FINDINGS_SOURCE })) {
    if (l.seq >= endSize) break;
    runs.push(readLeaf(l.body) as unknown as { artifacts?: unknown });
  }
  return withImportedRules(fw, importedRuleMap(runs, fw.id), (id, m) => ({ id, evidence: m.evidence, imported: true as const }));
}

async function chooseSlice(ro: EvidenceStore, range: ExportRange, inScope: Set<string> | undefined): Promise<{ startCp?: StoredCheckpoint; endCp: StoredCheckpoint; cps: StoredCheckpoint[] }> {
  const count = await ro.leafCount();
  const cps = (await ro.checkpoints()).sort((a, b) => a.size - b.size);
  let endCp = cps.find((c) => c.createdAt >= range.endAt);
  if (!endCp) {
    const last = cps[cps.length - 1];
    if (last && last.size === count) endCp = last;
  }
  if (!endCp) {
    throw new AppError('EXPORT_NO_END_CHECKPOINT', `no signed checkpoint covers ${range.endAt}: the newest leaves are not sealed yet`, {
      exitCode: 1,
      remediation: 'run the export where it can write the ledger (it signs an export checkpoint), or wait for the hourly checkpoint',
    });
  }
  let startCp: StoredCheckpoint | undefined;
  // Both types: the grant of every exception in force at the start, and every outage declared before it that reaches past it.
  const carried = await carriedInSeq(ro, endCp.size, range.startAt);
  if (range.period) {
    startCp = [...cps].reverse().find((c) => c.createdAt <= range.startAt && c.size <= Math.min(endCp.size, carried));
  } else {
    // Type 1 needs the latest run of each scope still reporting and the definition in force of every rule it reports
    // (`rule.defined`, written once per logic hash, often long before): start at the checkpoint below the earliest.
    const latestRun = new Map<string, { seq: number; at: string }>();
    for await (const l of ro.leaves({ toSeq: endCp.size - 1, types: ['run'] })) if (l.observedAt < range.startAt) latestRun.set(`${l.source}\u0000${l.scope}`, { seq: l.seq, at: l.observedAt });
    const freshFrom = Date.parse(range.startAt) - TYPE1_STALE_HOURS * 3_600_000;
    let minSeq = Math.min(endCp.size, carried);
    for (const r of latestRun.values()) if (Date.parse(r.at) >= freshFrom) minSeq = Math.min(minSeq, r.seq);
    // A scope retired before its latest run was recorded (a job queued before the retirement): its retirement too.
    const retiredAt = new Map<string, number>();
    for await (const l of ro.leaves({ toSeq: endCp.size - 1, types: [...RETIREMENT_TYPES] })) {
      if (l.observedAt >= range.startAt) continue;
      const k = `${l.source}\u0000${l.scope}`;
      if (l.type === 'scope.retired') retiredAt.set(k, l.seq);
      else retiredAt.delete(k);
    }
    for (const [k, seq] of retiredAt) {
      const r = latestRun.get(k);
      if (r && Date.parse(r.at) >= freshFrom) minSeq = Math.min(minSeq, seq);
    }
    const definedAt = new Map<string, number>();
    for await (const l of ro.leaves({ toSeq: endCp.size - 1, types: ['rule.defined'] })) {
      if (l.observedAt >= range.startAt) continue;
      const id = String(((parseJsonBytes(l.body) as { rule?: { id?: unknown } }).rule ?? {}).id ?? '');
      if (!inScope || inScope.has(id)) definedAt.set(id, l.seq);
    }
    for (const seq of definedAt.values()) minSeq = Math.min(minSeq, seq);
    startCp = [...cps].reverse().find((c) => c.size <= minSeq);
  }
  return { ...(startCp ? { startCp } : {}), endCp, cps };
}

/**
 * The lowest seq a report starting at `at` must read from before `at` (Infinity when none): the grant (or approval) leaf of each
 * exception in force at `at` (granted before it, not ended by a leaf before it, expiring after it), for the register's
 * rows active at the start, and each `outage.declared` leaf recorded before `at` whose window ends after it.
 */
async function carriedInSeq(ro: EvidenceStore, endSize: number, at: string): Promise<number> {
  const grants = new Map<string, { seq: number; expiresAt: string }>();
  let min = Infinity;
  if (endSize === 0) return min;
  for await (const l of ro.leaves({ toSeq: endSize - 1, types: ['exception.granted', 'exception.approved', 'exception.revoked', 'exception.expired', 'outage.declared'] })) {
    if (l.observedAt >= at) continue;
    const b = parseJsonBytes(l.body) as { exception?: { id?: unknown; expiresAt?: unknown }; exceptionId?: unknown; to?: unknown };
    if (l.type === 'outage.declared') {
      if (typeof b.to === 'string' && Date.parse(b.to) > Date.parse(at)) min = Math.min(min, l.seq);
    } else if (l.type === 'exception.granted') grants.set(String(b.exception?.id), { seq: l.seq, expiresAt: String(b.exception?.expiresAt) });
    // an approved request is the grant of a two-step exception
    else if (l.type === 'exception.approved') grants.set(String(b.exceptionId ?? b.exception?.id), { seq: l.seq, expiresAt: String(b.exception?.expiresAt) });
    else grants.delete(String(b.exceptionId));
  }
  for (const g of grants.values()) if (Date.parse(g.expiresAt) > Date.parse(at)) min = Math.min(min, g.seq);
  return min;
}

/** ledger/: the frontier at the slice start, the checkpoints inside the slice, and the leaves by UTC day, exact bytes. */
async function writeLedgerSlice(
  ro: EvidenceStore,
  work: string,
  frontier: Frontier,
  cps: StoredCheckpoint[],
  s: number,
  e: number,
  progress: ProgressListener,
): Promise<{ leafFiles: string[]; checkpointSizes: number[]; referenced: Set<string>; resultsBlobs: Set<string>; confidential: Map<string, string>; leaves: number }> {
  mkdirSync(join(work, 'ledger', 'leaves'), { recursive: true });
  mkdirSync(join(work, 'ledger', 'checkpoints'), { recursive: true });
  writeFileSync(join(work, 'ledger', 'frontier-start.json'), `${JSON.stringify(frontier.toJSON(), null, 2)}\n`);
  const checkpointSizes: number[] = [];
  for (const c of cps) {
    if (c.size < s || c.size > e) continue;
    writeFileSync(join(work, 'ledger', 'checkpoints', `${c.size}.checkpoint`), c.note);
    checkpointSizes.push(c.size);
  }
  // Hourly checkpoints are ~9,000 notes and frontiers a year: not kept through the report.
  cps.length = 0;

  // Leaves, one file per UTC day of observedAt, exact bytes; collect the blobs they reference.
  const referenced = new Set<string>();
  const resultsBlobs = new Set<string>();
  const confidential = new Map<string, string>();
  const leafFiles: string[] = [];
  let fd: number | undefined;
  let day = '';
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const flush = (): void => {
    if (fd !== undefined && pendingLen > 0) writeSync(fd, Buffer.concat(pending));
    pending = [];
    pendingLen = 0;
  };
  let leaves = 0;
  let bytes = 0;
  if (e > s) {
    for await (const l of ro.leaves({ fromSeq: s, toSeq: e - 1 })) {
      const d = l.observedAt.slice(0, 10);
      if (d !== day) {
        flush();
        if (fd !== undefined) closeSync(fd);
        day = d > day ? d : day; // a clock step back keeps writing the current file, so file order stays seq order
        const name = `ledger/leaves/${day}.jsonl`;
        if (!leafFiles.includes(name)) leafFiles.push(name);
        fd = openSync(join(work, name), 'a');
      }
      pending.push(l.body, NEWLINE);
      pendingLen += l.body.length + 1;
      if (pendingLen > 1 << 20) flush();
      leaves++;
      bytes += l.body.length + 1;
      progress({ phase: 'ledger', unit: 'leaves', done: leaves, total: e - s, bytes });
      if (l.type === 'run') {
        const b = parseJsonBytes(l.body) as Record<string, unknown>;
        if (typeof b.resultsSha256 === 'string') {
          referenced.add(b.resultsSha256);
          resultsBlobs.add(b.resultsSha256);
        }
        // The HR roster as read (normalized): the population per-hire evidence is judged on, recomputed by the verifier.
        if (b.source === 'hris' && typeof b.resourcesSha256 === 'string') referenced.add(b.resourcesSha256);
        for (const a of (Array.isArray(b.artifacts) ? b.artifacts : []) as Array<{ sha256?: unknown }>) if (typeof a.sha256 === 'string') referenced.add(a.sha256);
      } else if (l.type === 'timestamp.token') {
        const t = parseJsonBytes(l.body) as { tokenSha256?: unknown };
        if (typeof t.tokenSha256 === 'string') referenced.add(t.tokenSha256);
      } else if (l.type === 'evidence.added') {
        // Manual evidence: the file goes in the bundle unless it is confidential, when only its hash and record do.
        const ev = parseJsonBytes(l.body) as { sha256?: unknown; confidential?: unknown; id?: unknown; criterion?: unknown; requirement?: unknown };
        if (typeof ev.sha256 === 'string') {
          if (ev.confidential === true) confidential.set(ev.sha256, `${String(ev.id)} (${String(ev.criterion)}/${String(ev.requirement)})`);
          else referenced.add(ev.sha256);
        }
      } else if (l.type === 'review.started' || l.type === 'review.closed') {
        // An access review's frozen population and final decisions travel with it, checked by their hashes.
        const r = parseJsonBytes(l.body) as { review?: { populationSha256?: unknown }; populationSha256?: unknown; decisionsSha256?: unknown };
        for (const sha of [r.review?.populationSha256, r.populationSha256, r.decisionsSha256]) if (typeof sha === 'string') referenced.add(sha);
      }
    }
    flush();
    if (fd !== undefined) closeSync(fd);
  }
  for (const h of referenced) confidential.delete(h);
  return { leafFiles, checkpointSizes, referenced, resultsBlobs, confidential, leaves };
}

const NEWLINE = Buffer.from('\n');

/**
 * attachments/: every referenced blob gzipped under its SHA-256, or declared withheld when the store lacks it; the
 * files of confidential manual evidence (sha256 → which evidence) are declared withheld and never written. Results
 * blobs the report reads are written when it reads them (`readForReport`), so each is decoded from the store once.
 */
class AttachmentWriter {
  private readonly withheld: Array<{ sha256: string; reason: string }>;
  private attachments = 0;
  /** Results blobs not written yet: the report writes them as it reads them, `finish` the rest. */
  private readonly deferred = new Set<string>();

  constructor(private readonly ro: EvidenceStore, private readonly work: string, confidential: Map<string, string>) {
    this.withheld = [...confidential].map(([sha256, what]) => ({
      sha256,
      reason: `confidential manual evidence ${what}: the file is withheld; its hash, size, media type and record are in the ledger`,
    }));
  }

  /** Every referenced blob except the results blobs (`later`), which wait for the report. */
  async writeAll(referenced: Set<string>, later: Set<string>, progress: ProgressListener): Promise<void> {
    const now = [...referenced].filter((sha) => /^[0-9a-f]{64}$/.test(sha) && !later.has(sha)).sort();
    for (const sha of referenced) if (later.has(sha) && /^[0-9a-f]{64}$/.test(sha)) this.deferred.add(sha);
    let bytes = 0;
    for (const [done, sha] of now.entries()) {
      progress({ phase: 'attachments', unit: 'blobs', done, total: now.length, bytes });
      bytes += await this.fromStore(sha);
    }
    progress({ phase: 'attachments', unit: 'blobs', done: now.length, total: now.length, bytes });
  }

  /** A results blob for the report, written to attachments/ the first time it is read. */
  async readForReport(sha: string): Promise<Buffer | undefined> {
    const data = (await this.ro.getBlob(sha))?.data;
    if (data !== undefined && this.deferred.delete(sha)) this.write(sha, data);
    return data;
  }

  /** The results blobs the report did not read, then withheld.json; the counts for the manifest. */
  async finish(): Promise<{ attachments: number; withheld: number }> {
    for (const sha of [...this.deferred].sort()) await this.fromStore(sha);
    this.deferred.clear();
    const withheld = this.withheld.sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
    if (withheld.length > 0) {
      mkdirSync(join(this.work, 'attachments'), { recursive: true });
      writeFileSync(join(this.work, 'attachments', 'withheld.json'), `${JSON.stringify(withheld, null, 2)}\n`);
    }
    return { attachments: this.attachments, withheld: withheld.length };
  }

  private async fromStore(sha: string): Promise<number> {
    const b = await this.ro.getBlob(sha);
    if (!b) {
      this.withheld.push({ sha256: sha, reason: 'not in the ledger blob store' });
      return 0;
    }
    this.write(sha, b.data);
    return b.data.length;
  }

  private write(sha: string, data: Buffer): void {
    const dir = join(this.work, 'attachments', 'sha256', sha.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    // Named by the SHA-256 of the content, stored gzipped: results blobs are repetitive JSON (about 10x smaller).
    writeFileSync(join(dir, `${sha}.gz`), gzipBundleFile(data));
    this.attachments++;
  }
}

/** appendix/replay/: each replay report wrapped with the what-if label and the bundle's period. */
function writeReplayAppendices(work: string, reportFiles: readonly string[], period: { start: string; end: string }): AppendixEntry[] {
  const entries: AppendixEntry[] = [];
  for (const f of reportFiles) {
    const report = JSON.parse(readFileSync(f, 'utf8')) as ReplayReport;
    const file = replayAppendixFile(String(report.ruleId));
    if (file === undefined || entries.some((x) => x.file === file)) throw new AppError('EXPORT_BAD_APPENDIX', `${f}: replay of ${JSON.stringify(report.ruleId)} cannot be attached (bad or repeated rule id)`);
    mkdirSync(join(work, 'appendix', 'replay'), { recursive: true });
    writeFileSync(join(work, file), replayAppendixText(report, period, VERSION));
    entries.push({ kind: 'rule-replay', ruleId: report.ruleId, file });
  }
  return entries;
}

/** keys/: the ledger public key as PEM, and as JSON with its vkey (what a witness or Go's note package reads). */
function writeKeys(work: string, origin: string, keyId: string, publicKey: KeyObject): void {
  const rawPub = rawEd25519PublicKey(publicKey);
  mkdirSync(join(work, 'keys'), { recursive: true });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  writeFileSync(join(work, 'keys', `ledger-${keyId}.pub.pem`), pem);
  writeFileSync(
    join(work, 'keys', 'ledger-keys.json'),
    `${JSON.stringify([{ name: origin, key_id: keyId, alg: 'ed25519', public_key_b64: rawPub.toString('base64'), vkey: formatVkey(origin, rawPub), pem }], null, 2)}\n`,
  );
}

/** verify/: the bundled verifier and the version that wrote the bundle. */
async function writeVerifier(work: string, verifierScript: string | undefined): Promise<void> {
  mkdirSync(join(work, 'verify'), { recursive: true });
  // The export worker is handed the verifier already built, so it needs no bundler of its own.
  const verifier = verifierScript !== undefined ? readFileSync(verifierScript, 'utf8') : await (await import('./verifier-script.js')).buildVerifierScript();
  writeFileSync(join(work, 'verify', 'verify.mjs'), verifier);
  writeFileSync(join(work, 'verify', 'VERSION'), `vigil ${VERSION} ${BUNDLE_FORMAT}\n`);
}
