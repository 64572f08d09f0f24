// Time-stamps each day seal's checkpoint with an RFC 3161 TSA, off the intake path, and records the token as evidence.
import type { Clock, Logger } from '../core/collector.js';
import { clockSleep } from '../core/abortable-sleep.js';
import { CoalescedRounds } from '../core/coalesced-rounds.js';
import type { Checkpoint, Ledger } from '../ledger/ledger.js';
import { checkpointDigest } from './bundle-index.js';
import { parseToken, requestTimestamp, TimestampError } from './rfc3161.js';
import type { TimestampingConfig } from './config.js';

/** The media type the token blob is stored under: a DER TimeStampToken (CMS ContentInfo), as `openssl ts -token_in` reads it. */
export const TOKEN_MEDIA_TYPE = 'application/timestamp-token';
/** Tries per seal and round; then the round ends, is logged and alerted, and the next seal tries again. */
export const STAMP_ATTEMPTS = 4;
/** Back-off before try n+1: 10 s, 40 s, 160 s. */
export const stampBackoffMs = (attempt: number): number => Math.min(600_000, 10_000 * 4 ** (attempt - 1));
/** Seals older than this are not time-stamped late: a stamp proves existence only at its own time. */
export const STAMP_BACKLOG_DAYS = 31;

export const tokenKey = (checkpointSize: number): string => `timestamp.token:${checkpointSize}`;

/** The URL as recorded and logged: scheme, host and path (a query string may carry an API key). */
export function tsaLabel(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export interface SealStamperOptions {
  ledger: Ledger;
  config: TimestampingConfig;
  clock: Clock;
  logger: Logger;
  /** Hands the seqs of appended `alert` leaves to delivery. */
  onAlerts?: (seqs: number[]) => Promise<void>;
  fetch?: typeof fetch;
}

/** A seal whose checkpoint has no token yet. */
interface PendingSeal {
  date: string;
  checkpoint: Checkpoint;
}

/** What one round did: the checkpoint sizes stamped, and the failure that ended it, if any. */
export interface StampRound {
  stamped: number[];
  failed?: { checkpointSize: number; error: string };
}

/**
 * Runs rounds one at a time: `kick()` after each seal asks for one (a kick during a round asks for another after it),
 * so a slow or absent TSA never holds the writer. Each round stamps every recent seal's checkpoint that has no token.
 */
export class SealStamper {
  private readonly loop = new CoalescedRounds(
    async () => void (await this.round()),
    (e) => this.opts.logger.error({ err: (e as Error).message }, 'time stamping round failed (retried at the next seal)'),
    () => this.abort.signal.aborted,
  );
  private readonly abort = new AbortController();
  /** The last rounds' outcomes (at most 100), newest last (tests and logs). */
  readonly rounds: StampRound[] = [];

  constructor(private readonly opts: SealStamperOptions) {}

  kick(): void {
    this.loop.kick();
  }

  /** Resolves when no round is running. */
  async idle(): Promise<void> {
    await this.loop.idle();
  }

  /** Cuts a back-off short and waits for the round in hand to end (a token already received is still recorded). */
  async stop(): Promise<void> {
    this.abort.abort(new Error('stopping'));
    await this.idle();
  }

  /** One round: each pending seal in date order; the first one that cannot be stamped ends the round. */
  async round(): Promise<StampRound> {
    const result: StampRound = { stamped: [] };
    const pending = await this.pendingSeals();
    for (const p of pending) {
      if (this.abort.signal.aborted) break;
      const err = await this.stamp(p);
      if (err === undefined) {
        result.stamped.push(p.checkpoint.size);
        continue;
      }
      result.failed = { checkpointSize: p.checkpoint.size, error: err };
      // Cut short by shutdown: not the TSA's failure, so no alert; the next start tries again.
      if (!this.abort.signal.aborted) await this.alert(p, pending[pending.length - 1]!, err);
      break;
    }
    this.rounds.push(result);
    if (this.rounds.length > 100) this.rounds.shift();
    return result;
  }

  /** Recent `day.sealed` leaves, each with the first checkpoint that includes it, that have no token yet. */
  private async pendingSeals(): Promise<PendingSeal[]> {
    const { ledger, clock } = this.opts;
    const oldest = new Date(clock.now().getTime() - STAMP_BACKLOG_DAYS * 86_400_000).toISOString().slice(0, 10);
    const seals: Array<{ seq: number; date: string }> = [];
    for await (const l of ledger.readLeaves({ types: ['day.sealed'] })) if (l.body.date >= oldest) seals.push({ seq: l.seq, date: l.body.date });
    if (seals.length === 0) return [];
    const cps = (await ledger.checkpoints()).sort((a, b) => a.size - b.size);
    const bySize = new Map<number, PendingSeal>();
    for (const s of seals) {
      // The seal's checkpoint is the first signed one that holds its leaf: usually the `daily` one signed right after,
      // or the hourly one when both fell on midnight together. None yet (a refused checkpoint): the next round.
      const cp = cps.find((c) => c.size > s.seq);
      if (!cp || (await ledger.seqOfKey(tokenKey(cp.size))) !== undefined) continue;
      bySize.set(cp.size, { date: s.date, checkpoint: cp });
    }
    return [...bySize.values()].sort((a, b) => a.checkpoint.size - b.checkpoint.size);
  }

  /** Requests, checks and records one token; the failure's message when there is none after the tries allowed. */
  private async stamp(p: PendingSeal): Promise<string | undefined> {
    const { ledger, config, logger } = this.opts;
    const digest = checkpointDigest(p.checkpoint.note);
    const tsa = tsaLabel(config.url);
    let last = '';
    for (let attempt = 1; attempt <= STAMP_ATTEMPTS; attempt++) {
      try {
        // requestTimestamp checks the reply's imprint, nonce and signature: a bad token is an error, never recorded.
        const token = await requestTimestamp(config.url, digest, { timeoutMs: config.timeoutMs, signal: this.abort.signal, ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}) });
        const info = parseToken(token).tstInfo;
        const blob = await ledger.putBlob(token, TOKEN_MEDIA_TYPE);
        await ledger.append([
          {
            type: 'timestamp.token',
            idempotencyKey: tokenKey(p.checkpoint.size),
            data: {
              date: p.date,
              checkpointSize: p.checkpoint.size,
              checkpointRoot: p.checkpoint.root,
              digest: digest.toString('hex'),
              tsa,
              genTime: info.genTime.toISOString(),
              serial: info.serial.toString(16),
              tokenSha256: blob.sha256,
            },
          },
        ]);
        logger.info({ date: p.date, checkpointSize: p.checkpoint.size, tsa, genTime: info.genTime.toISOString() }, 'day seal time-stamped');
        return undefined;
      } catch (e) {
        last = e instanceof TimestampError ? e.message : `TSA ${tsa}: ${(e as Error).message}`;
        const retryable = e instanceof TimestampError ? e.retryable : false;
        if (this.abort.signal.aborted) {
          logger.warn({ date: p.date, checkpointSize: p.checkpoint.size, tsa }, 'time stamp request cut short by shutdown (tried again at the next start)');
          return last;
        }
        logger.warn({ date: p.date, checkpointSize: p.checkpoint.size, tsa, attempt, err: last }, 'time stamp request failed');
        if (!retryable || attempt === STAMP_ATTEMPTS) break;
        try {
          await clockSleep(this.opts.clock, stampBackoffMs(attempt), this.abort.signal);
        } catch {
          return last; // shutdown: the next start tries again
        }
      }
    }
    logger.error({ date: p.date, checkpointSize: p.checkpoint.size, tsa, err: last }, 'day seal not time-stamped (retried at the next seal)');
    return last;
  }

  /** One alert per round that ends without a token, keyed by the newest seal still waiting. */
  private async alert(failed: PendingSeal, newest: PendingSeal, error: string): Promise<void> {
    const { ledger, logger } = this.opts;
    try {
      const out = await ledger.append([
        {
          type: 'alert',
          idempotencyKey: `alert:timestamp.failed:${newest.checkpoint.size}`,
          data: {
            kind: 'timestamp.failed',
            severity: 'medium',
            title: `Time stamping failed: the seal of ${failed.date} (checkpoint ${failed.checkpoint.size}) has no RFC 3161 time stamp: ${error}`.slice(0, 500),
            count: 1,
          },
        },
      ]);
      const fresh = out.filter((o) => !o.duplicate).map((o) => o.seq);
      if (fresh.length > 0) await this.opts.onAlerts?.(fresh);
    } catch (e) {
      logger.error({ err: (e as Error).message }, 'time stamping alert not recorded');
    }
  }
}
