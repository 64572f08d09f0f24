// The evidence ledger: one append-only RFC 6962 log of canonical JSON leaves with Ed25519-signed C2SP checkpoints.
import { randomBytes, createHash } from 'node:crypto';
import { join } from 'node:path';
import { AppError, UsageError } from '../core/errors.js';
import { silentLogger, systemClock, type Clock, type Logger } from '../core/collector.js';
import { parseJsonBytes } from './canonical.js';
import { loadLedgerKey, PUBLIC_KEY_FILE } from './keys.js';
import { Frontier, leafHash } from './merkle.js';
import {
  ed25519Signer,
  ed25519Verifier,
  formatCheckpoint,
  isValidKeyName,
  openCheckpoint,
  rawEd25519PublicKey,
  signNote,
  type NoteSigner,
  type NoteVerifier,
} from './note.js';
import { SqliteEvidenceStore } from './sqlite-store.js';
import { PgEvidenceStore } from './pg-store.js';
import { verifyStore, type VerifyReport } from './verify.js';
import { putBlob as storePutBlob, sha256Hex, type EvidenceStore, type StoredCheckpoint, type StoredLeaf } from './store.js';
import { proveLeaf, type LeafProof } from './prove.js';
import { genesisLeaf, planAppend, validateInput, type AppendedLeaf, type RawLeafInput } from './leaf-input.js';
import { LEAF_CATALOGUE, type BodyOf, type LeafAuthor, type LeafCatalogue, type LeafInputOf, type TypesOf, type VigilCatalogue, type WriterRole } from './leaf-catalogue.js';
import { CHECKPOINT_REASONS, daySealKey, daySealedLeaf, sealableDay, toCheckpoint, type Checkpoint, type CheckpointReason } from './seals.js';
import { selfCheck } from './self-check.js';
import type { ProgressListener } from '../core/progress.js';
import type { LedgerOptions } from './ledger-options.js';

export type { AppendedLeaf, LeafInput } from './leaf-input.js';
export type { LedgerOptions } from './ledger-options.js';
export type { Checkpoint, CheckpointReason } from './seals.js';


export { LEAF_FORMAT_VERSION } from './verify.js';
export type { VerifyReport } from './verify.js';

/**
 * Ledger roles that sign checkpoints (the writer's start, hourly, daily and shutdown ones; `vigil collect`'s start and
 * shutdown; an export's, under the default role), so need the private key. The others (`worker`: a collect worker or
 * the scheduler; `api`: `vigil serve`; `exceptions`) append at most exception leaves and sign nothing: they open a
 * ledger with only its public key, so the signing key can stay on the writer's host (docs/architecture.md).
 */
const SIGNING_ROLES: ReadonlySet<WriterRole> = new Set<WriterRole>(['writer', 'collect']);

/**
 * The ledger's one writer handle (or a reader's): appends and checkpoints are serialised through `exclusive`; the
 * roles live beside it — leaf-input.ts (appending), seals.ts (checkpoints, day seals), self-check.ts, prove.ts, verify.ts.
 */
export class Ledger<C extends LeafCatalogue = VigilCatalogue> {
  readonly origin: string;
  /** The role appends are checked against. */
  readonly role: WriterRole;
  readonly publicKeyPem: string;
  /** Hex signed-note key ID of the ledger key under `origin`. */
  readonly keyId: string;
  /** Why the ledger refuses to sign, or null. Set when the startup self-check finds stored data that disagrees with what was signed. */
  alarm: string | null = null;

  private readonly store: EvidenceStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly readOnly: boolean;
  private readonly signer: NoteSigner | undefined;
  private readonly verifier: NoteVerifier;
  private readonly rawPublicKey: Buffer;
  private readonly catalogue: LeafCatalogue;
  private frontier = new Frontier();
  private last: { size: number; root: Buffer } | undefined;
  /** Set when fewer leaves are stored than were signed: appending would give signed seqs new content, so nothing is appended. */
  private truncated = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(args: {
    store: EvidenceStore;
    clock: Clock;
    logger: Logger;
    readOnly: boolean;
    origin: string;
    publicKeyPem: string;
    signer: NoteSigner | undefined;
    verifier: NoteVerifier;
    rawPublicKey: Buffer;
    role: WriterRole;
    catalogue: LeafCatalogue;
  }) {
    this.store = args.store;
    this.clock = args.clock;
    this.logger = args.logger;
    this.readOnly = args.readOnly;
    this.origin = args.origin;
    this.publicKeyPem = args.publicKeyPem;
    this.signer = args.signer;
    this.verifier = args.verifier;
    this.rawPublicKey = args.rawPublicKey;
    this.keyId = args.verifier.keyId.toString('hex');
    this.role = args.role;
    this.catalogue = args.catalogue;
  }

  static async open<C extends LeafCatalogue = VigilCatalogue>(opts: LedgerOptions<C>): Promise<Ledger<C>> {
    const readOnly = opts.readOnly ?? false;
    const logger = opts.logger ?? silentLogger;
    const store =
      opts.store ??
      (opts.databaseUrl !== undefined
        ? await PgEvidenceStore.open({ url: opts.databaseUrl, readOnly, logger })
        : SqliteEvidenceStore.open({ path: join(opts.dataDir, 'ledger.sqlite'), readOnly }));
    try {
      if ((store instanceof SqliteEvidenceStore || store instanceof PgEvidenceStore) && store.restoredTriggers.length > 0) {
        logger.warn({ triggers: store.restoredTriggers }, 'ledger append-only triggers were missing and have been recreated; run `vigil ledger verify`');
      }
      const count = await store.leafCount();
      const storedOrigin = await store.getMeta('origin');
      if (readOnly && (count === 0 || storedOrigin === undefined)) {
        throw new AppError('LEDGER_NOT_FOUND', `${store.location} holds no initialized ledger`, { exitCode: 2, remediation: 'check --data-dir' });
      }
      if (!readOnly && count > 0 && storedOrigin === undefined) {
        throw new AppError('LEDGER_CORRUPT', `${store.location} holds leaves but no ledger origin`);
      }
      const isNew = count === 0;
      // A collect worker or scheduler started before the writer would otherwise create the ledger with a key of its
      // own (on its own host), and the writer could then not sign for it: the writer creates it.
      if (isNew && !readOnly && opts.role === 'worker') {
        throw new AppError('LEDGER_NOT_FOUND', `${store.location} holds no ledger yet: a collect worker or scheduler never creates one`, {
          retryable: true,
          remediation: 'start the writer (vigil worker, or vigil run) first; it creates the ledger and its signing key',
        });
      }
      const key = await loadLedgerKey(opts.dataDir, { create: !readOnly && isNew });
      const role = opts.role ?? 'writer';
      if (key === undefined || (!readOnly && SIGNING_ROLES.has(role) && key.privateKey === undefined)) {
        throw new AppError('LEDGER_KEY_MISSING', `the ledger ${SIGNING_ROLES.has(role) && !readOnly ? 'signing' : 'public'} key is missing from ${join(opts.dataDir, 'keys')}`, {
          remediation: SIGNING_ROLES.has(role) && !readOnly
            ? 'restore keys/ledger-ed25519.key from backup; a new key cannot sign for an existing ledger'
            : `copy keys/${PUBLIC_KEY_FILE} from the writer's data dir (a process that signs no checkpoint needs only the public key)`,
        });
      }
      let origin: string;
      if (storedOrigin === undefined) {
        const ledgerId = await store.initMeta('ledger_id', randomBytes(8).toString('hex'));
        const wanted = opts.origin ?? `vigil.local/${ledgerId}`;
        if (!isValidKeyName(wanted)) throw new UsageError('LEDGER_BAD_ORIGIN', `ledger origin ${JSON.stringify(wanted)} must be non-empty without spaces or '+'`);
        origin = await store.initMeta('origin', wanted);
      } else {
        origin = storedOrigin;
        if (opts.origin !== undefined && opts.origin !== storedOrigin) {
          throw new UsageError('LEDGER_ORIGIN_MISMATCH', `ledger origin is ${storedOrigin}, not ${opts.origin}; an origin is fixed when the ledger is created`);
        }
      }
      const ledger = new Ledger<C>({
        store,
        role,
        catalogue: opts.catalogue ?? LEAF_CATALOGUE,
        clock: opts.clock ?? systemClock,
        logger,
        readOnly,
        origin,
        publicKeyPem: key.publicKeyPem,
        signer: key.privateKey === undefined || readOnly ? undefined : ed25519Signer(origin, key.privateKey),
        verifier: ed25519Verifier(origin, key.publicKey),
        rawPublicKey: rawEd25519PublicKey(key.publicKey),
      });
      if (isNew) {
        const ledgerId = (await store.getMeta('ledger_id')) ?? null;
        await ledger.appendNow([genesisLeaf({ origin, ledgerId, keyId: ledger.keyId, rawPublicKey: ledger.rawPublicKey })], 'ledger');
        if (key.created) logger.info({ origin, keyId: ledger.keyId }, 'new ledger created with a new signing key');
      } else {
        await ledger.selfCheck(opts.startupCheck ?? 'full', opts.progress);
      }
      return ledger;
    } catch (e) {
      if (opts.store === undefined) await store.close();
      throw e;
    }
  }

  /** Rebuilds the tree from storage and compares it with the last signed checkpoint; any disagreement raises the alarm. */
  private async selfCheck(mode: 'full' | 'hashes', progress?: ProgressListener): Promise<void> {
    const r = await selfCheck(this.store, { origin: this.origin, keyId: this.keyId, verifier: this.verifier }, mode, progress);
    // Before the alarm: a truncated ledger must not take even the alarm leaf, and the frontier is what later appends continue.
    this.truncated = r.truncated;
    if (r.last !== undefined) this.last = r.last;
    this.frontier = r.frontier;
    if (r.alarm !== undefined) await this.raiseAlarm(r.alarm.message, r.alarm.details);
  }

  private async raiseAlarm(message: string, details: Record<string, unknown>): Promise<void> {
    this.alarm = message;
    this.logger.error({ alarm: message, ...details }, 'LEDGER ALARM: stored evidence disagrees with signed checkpoints; signing is disabled');
    if (this.readOnly || this.truncated) return;
    const key = `ledger.alarm:${createHash('sha256').update(message).digest('hex').slice(0, 32)}`;
    await this.appendNow([{ type: 'ledger.alarm', idempotencyKey: key, data: { message, ...details } }], 'ledger');
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('LEDGER_CLOSED', 'the ledger is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new AppError('LEDGER_READ_ONLY', 'the ledger was opened read-only');
  }

  /** Checkpoints and day seals are signed: a role opened with only the public key (SIGNING_ROLES) cannot make them. */
  private assertCanSign(): void {
    this.assertWritable();
    if (this.signer === undefined) throw new AppError('LEDGER_NO_SIGNING_KEY', `this process opened the ledger as '${this.role}' without the signing key: only the writer signs checkpoints`);
  }

  size(): number {
    return this.frontier.size;
  }

  rootHex(): string {
    return this.frontier.root().toString('hex');
  }

  /**
   * Appends a batch atomically, as this ledger's role. Refuses (`LEDGER_UNKNOWN_LEAF_TYPE`, `LEDGER_BAD_LEAF_BODY`,
   * `LEDGER_WRITER_FORBIDDEN`, `LEDGER_BAD_LEAF`) any input the catalogue does not allow, naming it; nothing is written then.
   */
  append<T extends TypesOf<C> = TypesOf<C>>(inputs: ReadonlyArray<LeafInputOf<C, T>>): Promise<AppendedLeaf[]> {
    return this.exclusive(() => this.appendNow(inputs as readonly RawLeafInput[], this.role));
  }

  /**
   * Takes in leaves another process appended since this one last looked (`vigil collect` beside `vigil run`), after
   * checking each stored body against its hash, so this writer continues the same tree instead of failing for good.
   */
  private async catchUp(): Promise<void> {
    const stored = await this.store.leafCount();
    if (stored <= this.frontier.size) return;
    const next = this.frontier.clone();
    for await (const l of this.store.leaves({ fromSeq: next.size })) {
      if (l.seq !== next.size || !leafHash(l.body).equals(l.leafHash)) {
        throw new AppError('LEDGER_CONCURRENT_WRITER', `leaf ${l.seq} written by another process does not match its hash; run \`vigil ledger verify\``);
      }
      next.append(l.leafHash);
    }
    this.logger.info({ from: this.frontier.size, to: next.size }, 'ledger: took in leaves appended by another process');
    this.frontier = next;
    const lastCp = await this.store.lastCheckpoint();
    if (lastCp !== undefined && (this.last === undefined || lastCp.size > this.last.size)) this.last = { size: lastCp.size, root: lastCp.root };
  }

  private async appendNow(inputs: readonly RawLeafInput[], author: LeafAuthor): Promise<AppendedLeaf[]> {
    this.assertWritable();
    await this.catchUp();
    if (this.truncated) {
      throw new AppError('LEDGER_ALARM', `refusing to append: ${this.alarm ?? 'the ledger holds fewer leaves than were signed'}`, {
        remediation: 'restore the ledger database from a backup that holds every signed leaf',
      });
    }
    const prepared = inputs.map((x, i) => validateInput(x, i, author, this.catalogue));
    const keys = [...new Set(prepared.flatMap((p) => (p.idempotencyKey === undefined ? [] : [p.idempotencyKey])))];
    const existing = keys.length === 0 ? new Map<string, number>() : await this.store.seqsOfKeys(keys);
    const observedAt = this.clock.now().toISOString();
    const { rows, out, next } = planAppend(prepared, existing, this.frontier, observedAt);
    if (rows.length > 0) await this.store.appendLeaves(rows);
    this.frontier = next;
    // Duplicates of earlier batches report the stored leaf's hash so callers can cite it.
    const needHash = out.filter((o) => o.duplicate && o.hash === '');
    if (needHash.length > 0) {
      for await (const l of this.lookupHashes(needHash.map((o) => o.seq))) {
        for (const o of needHash) if (o.seq === l.seq) o.hash = l.leafHash.toString('hex');
      }
    }
    return out;
  }

  private async *lookupHashes(seqs: number[]): AsyncIterable<StoredLeaf> {
    for (const s of [...new Set(seqs)]) {
      for await (const l of this.store.leaves({ fromSeq: s, toSeq: s })) yield l;
    }
  }

  async seqOfKey(idempotencyKey: string): Promise<number | undefined> {
    this.assertOpen();
    return (await this.store.seqsOfKeys([idempotencyKey])).get(idempotencyKey);
  }

  checkpoint(reason: CheckpointReason): Promise<Checkpoint | null> {
    return this.exclusive(() => this.checkpointNow(reason));
  }

  private async checkpointNow(reason: CheckpointReason): Promise<Checkpoint | null> {
    this.assertCanSign();
    if (!CHECKPOINT_REASONS.has(reason)) throw new AppError('LEDGER_BAD_REASON', `unknown checkpoint reason ${JSON.stringify(reason)}`);
    if (this.alarm !== null) {
      throw new AppError('LEDGER_ALARM', `refusing to sign a checkpoint: ${this.alarm}`, {
        remediation: 'run `vigil ledger verify`, investigate the named leaves, and restore the ledger from a trusted copy',
      });
    }
    await this.catchUp();
    const size = this.frontier.size;
    const root = this.frontier.root();
    if (this.last !== undefined) {
      if (size < this.last.size) throw new AppError('LEDGER_ROLLBACK', `tree size ${size} is below the signed size ${this.last.size}; refusing to sign`);
      if (size === this.last.size) {
        if (root.equals(this.last.root)) return null;
        const message = `tree of size ${size} has root ${root.toString('hex')} but ${this.last.root.toString('hex')} was signed`;
        await this.raiseAlarm(message, { size });
        throw new AppError('LEDGER_ALARM', `refusing to sign a checkpoint: ${message}`);
      }
    }
    const note = signNote(formatCheckpoint({ origin: this.origin, size, root }), [this.signer as NoteSigner]);
    openCheckpoint(note, [this.verifier], this.origin);
    const createdAt = this.clock.now().toISOString();
    const stored: StoredCheckpoint = { size, root, note, reason, createdAt, frontier: this.frontier.serialize() };
    await this.store.addCheckpoint(stored);
    this.last = { size, root };
    this.logger.info({ size, root: root.toString('hex'), reason }, 'ledger checkpoint signed');
    return toCheckpoint(stored);
  }

  /**
   * Seals a UTC day: appends one `day.sealed` leaf (first/last seq of the day, counts by type, the previous daily
   * checkpoint) unless that day is already sealed, then signs a `daily` checkpoint.
   */
  async sealDay(utcDate: string): Promise<Checkpoint | null> {
    const day = sealableDay(utcDate, this.clock.now());
    await this.exclusive(async () => {
      this.assertCanSign();
      const key = daySealKey(utcDate);
      if ((await this.store.seqsOfKeys([key])).has(key)) return;
      await this.appendNow([await daySealedLeaf(this.store, utcDate, day)], 'ledger');
    });
    return this.checkpoint('daily');
  }

  async putBlob(data: Buffer, mediaType: string): Promise<{ sha256: string; size: number; isNew: boolean }> {
    this.assertWritable();
    return storePutBlob(this.store, data, mediaType);
  }

  /** The blob's bytes, re-hashed on the way out so a corrupted blob is never served as evidence. */
  async getBlob(sha256: string): Promise<Buffer | undefined> {
    this.assertOpen();
    const b = await this.store.getBlob(sha256);
    if (b === undefined) return undefined;
    if (sha256Hex(b.data) !== sha256) throw new AppError('LEDGER_BLOB_CORRUPT', `stored blob ${sha256} no longer matches its hash`);
    return b.data;
  }

  async hasBlob(sha256: string): Promise<boolean> {
    this.assertOpen();
    return this.store.hasBlob(sha256);
  }

  /** The last leaf of a type (and source, scope), typed by the catalogue; the stored bytes are trusted as appended. */
  async lastLeaf<T extends TypesOf<C>>(filter: { type: T; source?: string; scope?: string }): Promise<{ seq: number; body: BodyOf<C, T> } | undefined> {
    this.assertOpen();
    const l = await this.store.lastLeaf(filter);
    return l === undefined ? undefined : { seq: l.seq, body: parseJsonBytes(l.body) as BodyOf<C, T> };
  }

  async *leaves(opts: { fromSeq?: number; toSeq?: number; types?: string[]; source?: string; scope?: string } = {}): AsyncIterable<{
    seq: number;
    type: string;
    observedAt: string;
    body: Buffer;
    hash: string;
  }> {
    this.assertOpen();
    for await (const l of this.store.leaves(opts)) {
      yield { seq: l.seq, type: l.type, observedAt: l.observedAt, body: l.body, hash: l.leafHash.toString('hex') };
    }
  }

  /**
   * The leaves of the given types (and source, scope, seq range), each body typed by the catalogue: a union of those
   * types, narrowed by `type`. The stored bytes are trusted as appended, like `readLeaf` (`verify()` re-checks them).
   */
  async *readLeaves<T extends TypesOf<C>>(opts: { types: readonly T[]; fromSeq?: number; toSeq?: number; source?: string; scope?: string }): AsyncIterable<{
    seq: number;
    observedAt: string;
    hash: string;
    body: BodyOf<C, T>;
  }> {
    for await (const l of this.leaves({ ...opts, types: [...opts.types] })) {
      yield { seq: l.seq, observedAt: l.observedAt, hash: l.hash, body: JSON.parse(l.body.toString('utf8')) as BodyOf<C, T> };
    }
  }

  async checkpoints(): Promise<Checkpoint[]> {
    this.assertOpen();
    return (await this.store.checkpoints()).map(toCheckpoint);
  }

  /**
   * Read access to the stored checkpoints (with their frontiers) and leaf hashes: what a consistency proof between two
   * checkpoint sizes is built from (the witness submitter's `storeProofSource`). Reads only; appends stay with the ledger.
   */
  proofReader(): Pick<EvidenceStore, 'checkpoints' | 'leafHashes'> {
    this.assertOpen();
    const store = this.store;
    return { checkpoints: () => store.checkpoints(), leafHashes: (fromSeq?: number) => store.leafHashes(fromSeq) };
  }

  /** Proves leaf `seq` is in the signed log from the two checkpoints around it (see prove.ts); cheap at any ledger size. */
  async proveLeaf(seq: number): Promise<LeafProof> {
    this.assertOpen();
    return proveLeaf(this.store, seq, { origin: this.origin, verifier: this.verifier });
  }

  /**
   * Re-derives everything from the stored bytes: each body canonical and consistent with its columns, each hash,
   * every checkpoint's signature and root. Keeps going after a fault and reports them all (up to 1000).
   */
  async verify(opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<VerifyReport> {
    this.assertOpen();
    return verifyStore(this.store, { origin: this.origin, keyId: this.keyId, verifier: this.verifier }, { ...opts, catalogue: this.catalogue });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.store.close();
  }
}
