// The evidence ledger: one append-only RFC 6962 log of canonical JSON leaves with Ed25519-signed C2SP checkpoints.
import { randomBytes, createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AppError, UsageError } from '../core/errors.js';
import { silentLogger, systemClock, type Clock, type Logger } from '../core/collector.js';
import { parseJsonBytes } from './canonical.js';
import { loadLedgerKey, PUBLIC_KEY_FILE } from './keys.js';
import { Frontier, leafHash } from './merkle.js';
import {
  ed25519Signer,
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
import { chainKey, KeyChain, rotationLeaf, storeKeyChain, type ChainFault, type ChainKey } from './rotation.js';
import { activeFileIs, findPrivateKey, nextKeyPath, promoteNextKey, writeNextKey } from './key-files.js';
import type { Principal } from '../core/principal.js';

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
  /** Why the ledger refuses to sign, or null. Set when the startup self-check finds stored data that disagrees with what was signed. */
  alarm: string | null = null;

  private readonly store: EvidenceStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly readOnly: boolean;
  private signer: NoteSigner | undefined;
  private signingKey: KeyObject | undefined;
  private verifier: NoteVerifier;
  private readonly rawPublicKey: Buffer;
  /** The keys that signed this ledger, from the genesis key through each `key.rotated` leaf (rotation.ts). */
  private chain: KeyChain;
  private readonly dataDir: string;
  /** Key id of the key in keys/ this process loaded: verify() checks it is one of the chain's. */
  private readonly fileKeyId: string;
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
    signingKey: KeyObject | undefined;
    chain: KeyChain;
    rawPublicKey: Buffer;
    role: WriterRole;
    catalogue: LeafCatalogue;
    dataDir: string;
    fileKeyId: string;
  }) {
    this.store = args.store;
    this.clock = args.clock;
    this.logger = args.logger;
    this.readOnly = args.readOnly;
    this.origin = args.origin;
    this.chain = args.chain;
    this.verifier = args.chain.current.verifier;
    this.signingKey = args.signingKey;
    this.signer = args.signingKey === undefined ? undefined : ed25519Signer(args.origin, args.signingKey);
    this.rawPublicKey = args.rawPublicKey;
    this.role = args.role;
    this.catalogue = args.catalogue;
    this.dataDir = args.dataDir;
    this.fileKeyId = args.fileKeyId;
  }

  /** Hex signed-note key ID of the key that signs this ledger's checkpoints now (it changes with `rotateKey`). */
  get keyId(): string {
    return this.verifier.keyId.toString('hex');
  }

  /** SPKI PEM of the key that signs now. */
  get publicKeyPem(): string {
    return this.chain.current.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /** The key chain, genesis key first (a copy of the list: the chain is this ledger's). */
  keyChain(): { keys: ChainKey[]; current: ChainKey; rotations: Array<{ seq: number; from: string; to: string; handoverSize?: number }> } {
    return {
      keys: this.chain.keys,
      current: this.chain.current,
      rotations: this.chain.steps.map((st) => ({ seq: st.seq, from: st.from.keyId, to: st.to.keyId, ...(st.handoverSize !== undefined ? { handoverSize: st.handoverSize } : {}) })),
    };
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
      const fileKey = chainKey(origin, key.publicKey);
      const loaded = isNew ? { chain: new KeyChain(origin, fileKey), faults: [] as ChainFault[] } : await storeKeyChain(store, origin);
      const chain = loaded.chain ?? new KeyChain(origin, fileKey);
      const signs = !readOnly && key.privateKey !== undefined;
      const signingKey = !signs ? undefined : chain.current.keyId === fileKey.keyId ? key.privateKey : await findPrivateKey(opts.dataDir, origin, chain.current.keyId);
      // Only a signing role needs the current key; a worker holding a stale copy of an old private key just signs nothing.
      if (signs && signingKey === undefined && SIGNING_ROLES.has(role)) {
        throw new AppError('LEDGER_KEY_MISSING', `the ledger is signed by key ${chain.current.keyId} (${chain.current.fingerprint}) since its last rotation, but no key file in ${join(opts.dataDir, 'keys')} holds it`, {
          remediation: 'restore the keys/ directory from backup; if that key is lost, follow "A lost or compromised key" in docs/ledger.md',
        });
      }
      const ledger = new Ledger<C>({
        store,
        role,
        catalogue: opts.catalogue ?? LEAF_CATALOGUE,
        clock: opts.clock ?? systemClock,
        logger,
        readOnly,
        origin,
        signingKey,
        chain,
        rawPublicKey: rawEd25519PublicKey(key.publicKey),
        dataDir: opts.dataDir,
        fileKeyId: fileKey.keyId,
      });
      if (isNew) {
        const ledgerId = (await store.getMeta('ledger_id')) ?? null;
        await ledger.appendNow([genesisLeaf({ origin, ledgerId, keyId: ledger.keyId, rawPublicKey: ledger.rawPublicKey })], 'ledger');
        if (key.created) logger.info({ origin, keyId: ledger.keyId }, 'new ledger created with a new signing key');
      } else {
        await ledger.selfCheck(opts.startupCheck ?? 'full', opts.progress);
        await ledger.checkKeyChain(loaded.faults, fileKey);
        if (signs && SIGNING_ROLES.has(role) && ledger.alarm === null) await ledger.completeRotation();
      }
      return ledger;
    } catch (e) {
      if (opts.store === undefined) await store.close();
      throw e;
    }
  }

  /** Rebuilds the tree from storage and compares it with the last signed checkpoint; any disagreement raises the alarm. */
  private async selfCheck(mode: 'full' | 'hashes', progress?: ProgressListener): Promise<void> {
    const chain = this.chain;
    const r = await selfCheck(this.store, { origin: this.origin, keyId: chain.root.keyId, verifier: this.verifier, verifierAt: (size) => chain.keyAt(size).verifier }, mode, progress);
    // Before the alarm: a truncated ledger must not take even the alarm leaf, and the frontier is what later appends continue.
    this.truncated = r.truncated;
    if (r.last !== undefined) this.last = r.last;
    this.frontier = r.frontier;
    if (r.alarm !== undefined) await this.raiseAlarm(r.alarm.message, r.alarm.details);
  }

  /**
   * The stored rotations must each be signed by the key they replace (else someone with write access to the database
   * introduced a key: the alarm), and the key in keys/ must be one of the chain's.
   */
  private async checkKeyChain(faults: readonly ChainFault[], fileKey: ChainKey): Promise<void> {
    const problems = faults.map((f) => `${f.code}: ${f.message}`);
    if (this.chain.find(fileKey.keyId) === undefined) {
      problems.push(`KEY_NOT_INTRODUCED: the key in keys/ (${fileKey.keyId}, ${fileKey.fingerprint}) is neither the genesis key nor one a rotation introduced`);
    }
    if (problems.length > 0 && this.alarm === null) await this.raiseAlarm(`ledger key chain: ${problems.join('; ')}`, {});
  }

  /**
   * Finishes a rotation a crash interrupted (rotateKey's steps, each one repeatable): a `key.rotated` leaf without its
   * handover checkpoint gets one, signed by the old key; then the new key becomes the signer and the active key file.
   */
  private async completeRotation(): Promise<void> {
    const pending = this.chain.newest !== this.chain.current ? this.chain.newest : undefined;
    if (pending !== undefined) {
      const next = await findPrivateKey(this.dataDir, this.origin, pending.keyId);
      if (next === undefined) {
        throw new AppError('LEDGER_ROTATION_INCOMPLETE', `a key rotation to ${pending.keyId} was recorded but its new key is not in ${nextKeyPath(this.dataDir)}`, {
          remediation: 'restore keys/ from backup; if the new key is lost, follow "A lost or compromised key" in docs/ledger.md',
        });
      }
      this.logger.warn({ keyId: pending.keyId }, 'ledger: completing a key rotation that was interrupted');
      await this.checkpointNow('key-rotation');
      this.useKey(next);
    }
    // The files may lag the chain (a crash between the handover and the rename): the active file becomes the current key.
    // A stale next key no leaf names (a crash before step 2) is left alone: the next rotation replaces it.
    if (!(await activeFileIs(this.dataDir, this.origin, this.keyId))) await promoteNextKey(this.dataDir, this.origin, { keyId: this.keyId });
  }

  /** Signs from now on with `key`, which must be the chain's current key. */
  private useKey(key: KeyObject): void {
    this.signingKey = key;
    this.signer = ed25519Signer(this.origin, key);
    this.verifier = this.chain.current.verifier;
    if (this.signer.keyId.toString('hex') !== this.keyId) throw new AppError('LEDGER_KEY_MISMATCH', `the signing key is not the chain's current key ${this.keyId}`);
  }

  /**
   * Replaces the signing key (`vigil ledger rotate-key`; the caller holds the writer lock). Steps, each safe to crash
   * after — Ledger.open finishes what was started: (1) the new key is written to keys/ledger-ed25519.next.key; (2) a
   * `key.rotated` leaf signed by both keys is appended; (3) a checkpoint covering it is signed by the old key (the
   * handover); (4) the old key file is archived and the new one becomes keys/ledger-ed25519.key. Before (2) nothing
   * happened (a stale next key is replaced by the next rotation); after (2) the rotation is done once (3) is signed.
   * `afterStep` lets tests crash between steps.
   */
  rotateKey(by: Principal, opts: { afterStep?: (step: 'next-key' | 'leaf' | 'handover') => void } = {}): Promise<{ from: ChainKey; to: ChainKey; seq: number; handover: Checkpoint }> {
    return this.exclusive(async () => {
      this.assertCanSign();
      if (this.alarm !== null) throw new AppError('LEDGER_ALARM', `refusing to rotate the key: ${this.alarm}`);
      if (this.chain.newest !== this.chain.current) throw new AppError('LEDGER_ROTATION_INCOMPLETE', 'a rotation is still waiting for its handover checkpoint; reopen the ledger to finish it');
      const from = this.chain.current;
      const newKey = generateKeyPairSync('ed25519').privateKey;
      await writeNextKey(this.dataDir, newKey);
      opts.afterStep?.('next-key');
      const input = rotationLeaf({ origin: this.origin, oldKey: this.signingKey as KeyObject, newKey, rotatedAt: this.clock.now().toISOString(), by });
      const [appended] = await this.appendNow([input], 'ledger');
      const problem = this.chain.addRotation(appended!.seq, input.data as unknown as Record<string, unknown>);
      if (problem !== undefined) throw new AppError('LEDGER_ROTATION_FAILED', `${problem.code}: ${problem.message}`);
      opts.afterStep?.('leaf');
      const handover = await this.checkpointNow('key-rotation');
      if (handover === null) throw new AppError('LEDGER_ROTATION_FAILED', 'no handover checkpoint was signed');
      this.useKey(newKey);
      opts.afterStep?.('handover');
      await promoteNextKey(this.dataDir, this.origin, { keyId: this.keyId });
      this.logger.info({ from: from.keyId, to: this.keyId, seq: appended!.seq }, 'ledger signing key rotated');
      return { from, to: this.chain.current, seq: appended!.seq, handover };
    });
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
    this.chain.noteCheckpoint(size);
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
    // Read afresh: another process (rotate-key) may have rotated the key since this one opened the ledger.
    const chain = (await storeKeyChain(this.store, this.origin)).chain ?? this.chain;
    return proveLeaf(this.store, seq, { origin: this.origin, verifier: this.verifier, verifierAt: (size) => chain.keyAt(size).verifier });
  }

  /**
   * Re-derives everything from the stored bytes: each body canonical and consistent with its columns, each hash,
   * every checkpoint's signature and root. Keeps going after a fault and reports them all (up to 1000).
   */
  async verify(opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<VerifyReport> {
    this.assertOpen();
    return verifyStore(this.store, { origin: this.origin, keyId: this.fileKeyId, verifier: this.verifier }, { ...opts, catalogue: this.catalogue });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.store.close();
  }
}
