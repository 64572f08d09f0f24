// Writes a WORM copy of each signed checkpoint and each day seal to an S3 bucket under Object Lock COMPLIANCE retention,
// off the intake path; checks the lock with HeadObject and records each copy as a `publish.s3` leaf.
import { createHash } from 'node:crypto';
import { GetObjectLockConfigurationCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Clock, Logger } from '../core/collector.js';
import { clockSleep } from '../core/abortable-sleep.js';
import { CoalescedRounds } from '../core/coalesced-rounds.js';
import type { Checkpoint, Ledger } from '../ledger/ledger.js';
import type { S3PublishConfig } from './config.js';

/** Tries per S3 call for what a retry can mend (5xx, SlowDown, a missed deadline, a dropped connection). */
export const PUBLISH_ATTEMPTS = 4;
/** Back-off before try n+1: 2 s, 8 s, 32 s. */
export const publishBackoffMs = (attempt: number): number => 2_000 * 4 ** (attempt - 1);
/** Objects written per round at most; a longer backlog is taken by the rounds that follow at once. */
export const PUBLISH_ROUND_MAX = 50;

/** Failures that say the copy would not be WORM (or not this data): an alert at once, never a retry. */
const ALARMING = new Set(['no-object-lock', 'not-versioned', 'not-locked', 'retention-short', 'content-mismatch']);

/** `<prefix>/<origin>/checkpoints/<size>.txt` and `<prefix>/<origin>/seals/<date>.json`. */
export function objectKey(prefix: string, origin: string, p: { object: 'checkpoint'; checkpointSize: number } | { object: 'seal'; date: string }): string {
  const base = `${prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`}${origin}`;
  return p.object === 'checkpoint' ? `${base}/checkpoints/${p.checkpointSize}.txt` : `${base}/seals/${p.date}.json`;
}

/** The S3 client of a `publish.s3` block: the SDK's credential chain, one try per call (retries are ours, on the clock). */
export function createS3Client(config: S3PublishConfig): S3Client {
  const opts: S3ClientConfig = { maxAttempts: 1 };
  if (config.region) opts.region = config.region;
  if (config.endpoint) opts.endpoint = config.endpoint;
  // A custom endpoint (the emulator, an S3-compatible store) is addressed path-style, as the AWS collector does.
  if (config.endpoint !== undefined || process.env.AWS_ENDPOINT_URL !== undefined) opts.forcePathStyle = true;
  return new S3Client(opts);
}

/** Why a copy was not made: a stable `failure` word, a message naming the call, and whether a retry may mend it. */
export class PublishError extends Error {
  constructor(
    readonly failure: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** An object waiting for its copy: a checkpoint note, or a day seal's leaf bytes once a checkpoint holds it. */
interface PendingObject {
  object: 'checkpoint' | 'seal';
  id: string;
  key: string;
  body: Buffer;
  contentType: string;
  checkpointSize: number;
  date?: string;
  sealSeq?: number;
}

/** What one round did: the keys written, and the failure that ended it, if any. */
export interface PublishRound {
  published: string[];
  /** The round did nothing: the last failure was a refusal and no newer checkpoint has been signed since. */
  held?: true;
  failed?: { key: string; failure: string; error: string };
  /** Objects still waiting after the round. */
  pending: number;
}

export interface S3PublisherOptions {
  ledger: Ledger;
  config: S3PublishConfig;
  clock: Clock;
  logger: Logger;
  /** Hands the seqs of appended `alert` leaves to delivery. */
  onAlerts?: (seqs: number[]) => Promise<void>;
  /** @defaultValue createS3Client(config) */
  client?: S3Client;
  /** How often to look for unpublished checkpoints besides `kick()`. @defaultValue 60000 */
  pollMs?: number;
}

/**
 * One background loop per writer process. A round first confirms (once per process) that the bucket has Object Lock
 * enabled, then writes every checkpoint and seal that has no `publish.s3` leaf for this bucket, oldest first, each with
 * COMPLIANCE retention until now + retentionDays, reads the version back with HeadObject, and records the leaf only
 * when the lock, the retention date and the SHA-256 are what was asked. Evidence intake never waits for it.
 */
export class S3Publisher {
  private readonly loop = new CoalescedRounds(
    async () => void (await this.round()),
    (e) => this.opts.logger.error({ err: (e as Error).message }, 'WORM publish round failed (retried at the next checkpoint)'),
    () => this.abort.signal.aborted,
  );
  private readonly abort = new AbortController();
  private readonly client: S3Client;
  private lockConfirmed = false;
  /**
   * After a refusal (no Object Lock, a lock not applied, credentials refused) the poll does not try again: only a newer
   * checkpoint does, so a persistent misconfiguration cannot leave a locked, undeletable version behind every minute.
   */
  private heldAtSize = -1;
  /** Versions written whose read-back failed, by key: the next try reads that version again before writing another. */
  private readonly unconfirmed = new Map<string, { versionId: string; etag?: string; retainUntil: Date }>();
  private timer?: NodeJS.Timeout;
  /** Alert keys raised by this process. */
  private readonly raised = new Set<string>();
  /** The last rounds' outcomes (at most 100), newest last. */
  readonly rounds: PublishRound[] = [];

  constructor(private readonly opts: S3PublisherOptions) {
    this.client = opts.client ?? createS3Client(opts.config);
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 60_000);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    this.loop.kick();
  }

  async idle(): Promise<void> {
    await this.loop.idle();
  }

  /** Lets the round in flight and one more (the shutdown checkpoint's) finish, at most `timeoutMs`; then stops. */
  async drainAndStop(timeoutMs: number): Promise<void> {
    this.kick();
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    const outcome = await Promise.race([this.idle(), late]);
    clearTimeout(timer);
    if (outcome === 'late') this.opts.logger.warn({ timeoutMs }, 'the last checkpoint was not copied to S3 before shutdown; the next start copies it');
    await this.stop();
  }

  /** Cuts a call or back-off short and waits for the round in hand (a copy confirmed is still recorded whole). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort(new Error('stopping'));
    await this.idle();
    this.client.destroy();
  }

  /** One round: confirm the lock, then each pending object in order; the first that fails ends the round. */
  async round(): Promise<PublishRound> {
    const { config, logger } = this.opts;
    const pending = await this.pending();
    const result: PublishRound = { published: [], pending: pending.length };
    const newest = pending.reduce((n, p) => Math.max(n, p.checkpointSize), -1);
    if (pending.length > 0 && newest <= this.heldAtSize) return { ...result, held: true };
    try {
      if (pending.length > 0 && !this.lockConfirmed) await this.confirmLock();
      for (const p of pending.slice(0, PUBLISH_ROUND_MAX)) {
        if (this.abort.signal.aborted) break;
        await this.publish(p);
        result.published.push(p.key);
        result.pending--;
      }
    } catch (e) {
      const err = e instanceof PublishError ? e : new PublishError('failed', (e as Error).message);
      const key = pending[result.published.length]?.key ?? '';
      result.failed = { key, failure: err.failure, error: err.message };
      if (this.abort.signal.aborted) logger.warn({ bucket: config.bucket, key }, 'WORM copy cut short by shutdown (written at the next start)');
      else {
        if (ALARMING.has(err.failure) || !err.retryable) this.heldAtSize = newest;
        await this.failed(err, key, pending);
      }
    }
    this.rounds.push(result);
    if (this.rounds.length > 100) this.rounds.shift();
    if (!result.failed && result.pending > 0 && !this.abort.signal.aborted) this.kick();
    return result;
  }

  /** Checkpoints and seals with no `publish.s3` leaf for this bucket, in checkpoint order. */
  private async pending(): Promise<PendingObject[]> {
    const { ledger, config } = this.opts;
    const done = new Set<string>();
    for await (const l of ledger.readLeaves({ types: ['publish.s3'] })) {
      if (l.body.bucket === config.bucket) done.add(l.body.object === 'checkpoint' ? `checkpoint:${l.body.checkpointSize}` : `seal:${l.body.date}`);
    }
    const cps: Checkpoint[] = (await ledger.checkpoints()).sort((a, b) => a.size - b.size);
    const out: PendingObject[] = [];
    for (const cp of cps) {
      const id = `checkpoint:${cp.size}`;
      if (!done.has(id)) out.push({ object: 'checkpoint', id, key: objectKey(config.prefix, ledger.origin, { object: 'checkpoint', checkpointSize: cp.size }), body: Buffer.from(cp.note, 'utf8'), contentType: 'text/plain; charset=utf-8', checkpointSize: cp.size });
    }
    for await (const l of ledger.leaves({ types: ['day.sealed'] })) {
      const date = (JSON.parse(l.body.toString('utf8')) as { date: string }).date;
      // The seal's checkpoint is the first signed one that holds it; none yet: the next round.
      const cp = cps.find((c) => c.size > l.seq);
      const id = `seal:${date}`;
      if (cp === undefined || done.has(id)) continue;
      out.push({ object: 'seal', id, key: objectKey(config.prefix, ledger.origin, { object: 'seal', date }), body: l.body, contentType: 'application/json', checkpointSize: cp.size, date, sealSeq: l.seq });
    }
    return out.sort((a, b) => a.checkpointSize - b.checkpointSize || (a.object === b.object ? 0 : a.object === 'checkpoint' ? -1 : 1));
  }

  /** GetObjectLockConfiguration: a bucket without Object Lock enabled would take plain, deletable objects. */
  private async confirmLock(): Promise<void> {
    const { config, logger } = this.opts;
    const out = await this.call('GetObjectLockConfiguration', '', (signal) => this.client.send(new GetObjectLockConfigurationCommand({ Bucket: config.bucket }), { abortSignal: signal }));
    const lock = out.ObjectLockConfiguration;
    if (lock?.ObjectLockEnabled !== 'Enabled') throw new PublishError('no-object-lock', `S3 bucket ${config.bucket} does not have Object Lock enabled: a copy there could be deleted, so none is written`);
    const d = lock.Rule?.DefaultRetention;
    logger.info({ bucket: config.bucket, defaultRetention: d ? { mode: d.Mode, days: d.Days, years: d.Years } : null, retentionDays: config.retentionDays }, 'WORM bucket has Object Lock enabled; each copy gets its own COMPLIANCE retention');
    this.lockConfirmed = true;
  }

  private async publish(p: PendingObject): Promise<void> {
    const { config, clock, ledger, logger } = this.opts;
    const sha = createHash('sha256').update(p.body);
    const sha256 = sha.copy().digest('hex');
    const sha256b64 = sha.digest('base64');
    // Whole seconds: S3 keeps retention dates to the second at least, so the read-back compares like with like.
    // A version written earlier whose read-back failed (say, HeadObject lacked s3:GetObjectRetention) is read again
    // first: once it checks, it is the copy, and no second locked version is left behind.
    const earlier = this.unconfirmed.get(p.key);
    if (earlier !== undefined) {
      try {
        const again = await this.confirm(p, earlier.versionId, earlier.retainUntil, sha256b64);
        this.unconfirmed.delete(p.key);
        await this.record(p, earlier.versionId, again.etag ?? earlier.etag, again.held, sha256);
        logger.info({ bucket: config.bucket, key: p.key, versionId: earlier.versionId, retainUntil: again.held.toISOString() }, 'WORM copy written earlier now confirmed');
        return;
      } catch (e) {
        if (!(e instanceof PublishError) || e.retryable) throw e;
        this.unconfirmed.delete(p.key);
      }
    }
    const retainUntil = new Date(Math.ceil((clock.now().getTime() + config.retentionDays * 86_400_000) / 1000) * 1000);
    const put = await this.call('PutObject', p.key, (signal) =>
      this.client.send(
        new PutObjectCommand({ Bucket: config.bucket, Key: p.key, Body: p.body, ContentType: p.contentType, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha256b64, ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retainUntil }),
        { abortSignal: signal },
      ),
    );
    if (!put.VersionId) throw new PublishError('not-versioned', `S3 PutObject ${config.bucket}/${p.key} returned no version id: the bucket is not versioned, so the object is not locked`);
    this.unconfirmed.set(p.key, { versionId: put.VersionId, retainUntil, ...(put.ETag ? { etag: put.ETag } : {}) });
    const head = await this.confirm(p, put.VersionId, retainUntil, sha256b64);
    this.unconfirmed.delete(p.key);
    await this.record(p, put.VersionId, head.etag ?? put.ETag, head.held, sha256);
    logger.info({ bucket: config.bucket, key: p.key, versionId: put.VersionId, retainUntil: head.held.toISOString() }, 'WORM copy written and its lock confirmed');
  }

  /** HeadObject of the version: COMPLIANCE, retained at least until `retainUntil`, the same SHA-256 and length. */
  private async confirm(p: PendingObject, versionId: string, retainUntil: Date, sha256b64: string): Promise<{ held: Date; etag?: string }> {
    const { config } = this.opts;
    const head = await this.call('HeadObject', p.key, (signal) => this.client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: p.key, VersionId: versionId, ChecksumMode: 'ENABLED' }), { abortSignal: signal }));
    const where = `S3 ${config.bucket}/${p.key} version ${versionId}`;
    if (head.ObjectLockMode !== 'COMPLIANCE') throw new PublishError('not-locked', `${where} is not under COMPLIANCE retention (HeadObject says ${head.ObjectLockMode ?? 'no lock'}; it omits the lock without s3:GetObjectRetention)`);
    const held = head.ObjectLockRetainUntilDate;
    if (!(held instanceof Date) || held.getTime() < retainUntil.getTime()) {
      throw new PublishError('retention-short', `${where} is retained until ${held instanceof Date ? held.toISOString() : 'no date'}, not ${retainUntil.toISOString()} as asked (${config.retentionDays} days)`);
    }
    if (head.ChecksumSHA256 !== sha256b64 || head.ContentLength !== p.body.length) {
      throw new PublishError('content-mismatch', `${where} holds ${head.ContentLength ?? '?'} bytes with SHA-256 ${head.ChecksumSHA256 ?? 'unknown'}, not the ${p.body.length} bytes written (${sha256b64})`);
    }
    return { held, ...(head.ETag ? { etag: head.ETag } : {}) };
  }

  /** The `publish.s3` leaf of a confirmed copy. */
  private async record(p: PendingObject, versionId: string, etag: string | undefined, held: Date, sha256: string): Promise<void> {
    const { config, ledger } = this.opts;
    await ledger.append([
      {
        type: 'publish.s3',
        idempotencyKey: `publish.s3:${config.bucket}:${p.id}`,
        data: {
          object: p.object,
          bucket: config.bucket,
          key: p.key,
          versionId,
          etag: (etag ?? '').replace(/"/g, ''),
          sha256,
          bytes: p.body.length,
          mode: 'COMPLIANCE',
          retainUntil: held.toISOString(),
          checkpointSize: p.checkpointSize,
          ...(p.date !== undefined ? { date: p.date } : {}),
          ...(p.sealSeq !== undefined ? { sealSeq: p.sealSeq } : {}),
        },
      },
    ]);
  }

  /** One S3 call with a deadline, retried on the clock for what a retry can mend. */
  private async call<T>(operation: string, key: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { config, clock, logger } = this.opts;
    for (let attempt = 1; ; attempt++) {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error('deadline')), config.timeoutMs);
      const onStop = (): void => deadline.abort(this.abort.signal.reason);
      this.abort.signal.addEventListener('abort', onStop, { once: true });
      try {
        return await send(deadline.signal);
      } catch (e) {
        const err = classify(e, `S3 ${operation} ${config.bucket}${key ? `/${key}` : ''}`, deadline.signal.aborted && !this.abort.signal.aborted, config.timeoutMs);
        if (this.abort.signal.aborted || !err.retryable || attempt >= PUBLISH_ATTEMPTS) throw err;
        logger.warn({ bucket: config.bucket, key, operation, attempt, err: err.message }, 'S3 call failed; retrying');
        await clockSleep(clock, publishBackoffMs(attempt), this.abort.signal);
      } finally {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', onStop);
      }
    }
  }

  /** Logs the failure; alerts at once when the copy would not be WORM, else once the backlog passes the threshold. */
  private async failed(err: PublishError, key: string, pending: PendingObject[]): Promise<void> {
    const { config, ledger, logger } = this.opts;
    logger.error({ bucket: config.bucket, key, failure: err.failure, err: err.message }, 'WORM copy not written (retried at the next checkpoint)');
    const alarming = ALARMING.has(err.failure) || !err.retryable;
    const waiting = pending.filter((p) => p.object === 'checkpoint').length;
    if (!alarming && waiting <= config.alertAfterCheckpoints) return;
    const newest = pending[pending.length - 1]!;
    const idempotencyKey = `alert:publish.s3:${config.bucket}:${err.failure}:${newest.id}`;
    if (this.raised.has(idempotencyKey)) return;
    this.raised.add(idempotencyKey);
    try {
      const out = await ledger.append([
        {
          type: 'alert',
          idempotencyKey,
          data: {
            kind: 'publish',
            severity: alarming ? 'critical' : 'high',
            title: `WORM copy to S3 bucket ${config.bucket} failed (${err.failure}); ${pending.length} object(s) not copied: ${err.message}`.slice(0, 500),
            count: 1,
            publish: { target: 's3', bucket: config.bucket, failure: err.failure, message: err.message.slice(0, 1000), ...(key ? { key } : {}), pending: pending.length },
          },
        },
      ]);
      const fresh = out.filter((o) => !o.duplicate).map((o) => o.seq);
      if (fresh.length > 0) await this.opts.onAlerts?.(fresh);
    } catch (e) {
      logger.error({ err: (e as Error).message }, 'WORM publish alert not recorded');
    }
  }
}

/** Connection failures a retry may mend (the SDK passes Node's error code through). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'CredentialsProviderError']);

/** An SDK error as a PublishError: what failed, in S3's own words (no credentials are in them), and whether to retry. */
export function classify(e: unknown, what: string, timedOut: boolean, timeoutMs: number): PublishError {
  if (e instanceof PublishError) return e;
  if (timedOut) return new PublishError('timeout', `${what}: no answer within ${timeoutMs} ms`, true);
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const message = `${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`;
  if (CREDENTIAL_ERRORS.has(name)) return new PublishError('credentials', message);
  if (name === 'AccessDenied') return new PublishError('denied', message);
  if (name === 'NoSuchBucket') return new PublishError('no-bucket', message);
  if (name === 'ObjectLockConfigurationNotFoundError' || (name === 'InvalidRequest' && /object ?lock/i.test(err.message ?? ''))) return new PublishError('no-object-lock', message);
  if ((status !== undefined && status >= 500) || name === 'SlowDown' || name === 'RequestTimeout' || name === 'TimeoutError' || NETWORK_CODES.has(err.code ?? '')) {
    return new PublishError('unavailable', message, true);
  }
  // Anything else (a 4xx, a client-side error such as "Region is missing") needs a person, not a retry.
  return new PublishError('refused', message);
}

/** How long a stopping writer lets the shutdown checkpoint's copy be written. */
const DRAIN_MS = 15_000;

/** The composition root's start: a publisher when `publish.s3` is configured, started (it copies the backlog). */
export function startPublishing(config: S3PublishConfig | undefined, opts: Omit<S3PublisherOptions, 'config'>): S3Publisher | undefined {
  if (!config) return undefined;
  const p = new S3Publisher({ ...opts, config });
  p.start();
  return p;
}

export async function stopPublishing(p: S3Publisher | undefined): Promise<void> {
  await p?.drainAndStop(DRAIN_MS);
}
