// The agent's side of witnessing: submits each signed checkpoint to every configured witness in the background, records
// each cosignature as a `witness.cosigned` leaf, and raises an alert when a witness refuses or falls behind.
import type { Clock, Logger } from '../core/collector.js';
import type { LeafInput, Ledger } from '../ledger/ledger.js';
import { submitCheckpoint, WitnessError, type ConsistencyProofSource, type SubmitCheckpointOptions } from './client.js';
import type { WitnessConfig } from './config.js';
import { storeProofSource } from './ledger-proofs.js';
import { CoalescedRounds } from '../core/coalesced-rounds.js';

/** What one witness looks like to `vigil status`, /readyz and the logs of this process. */
export interface WitnessState {
  name: string;
  /** Size of the latest checkpoint this witness cosigned (0: none yet). */
  cosignedSize: number;
  /** The latest refusal or failure since that cosignature, if any. */
  failure?: { kind: string; message: string; checkpointSize: number; at: string };
}

/** Refusals that say the log (or the witness) is not what it should be: each is an alert, not a retry. */
const ALARMING = new Set(['fork', 'bad-proof', 'bad-cosignature', 'bad-log-signature', 'witness-ahead', 'unknown-origin', 'malformed-request', 'unexpected-answer']);

export interface WitnessSubmitterOptions {
  ledger: Ledger;
  witnesses: readonly WitnessConfig[];
  clock: Clock;
  logger: Logger;
  /**
   * Appends an `alert` leaf (and delivers it). The writer process passes the alert engine's `raise`; without it (`vigil
   * collect`, which may not append alerts) a refusal is logged as an error and stays visible in `vigil status`.
   */
  raiseAlert?: (alert: LeafInput<'alert'>) => Promise<void>;
  /** How often the latest checkpoint is looked for, besides `nudge()`. @defaultValue 30000 */
  pollMs?: number;
  /** Passed to each submission (tests inject fetch and sleep). */
  submit?: Pick<SubmitCheckpointOptions, 'fetch' | 'sleep' | 'random' | 'backoffMs' | 'maxAttempts'>;
}

/**
 * One background loop per process: each round takes the ledger's latest signed checkpoint and offers it to every witness
 * that has not cosigned it, in parallel, with a proof from the size that witness last cosigned. Evidence intake never
 * waits for it: a round only reads the store and appends one leaf per cosignature. A retryable failure is retried at
 * the next round (the next checkpoint, or the poll); a refusal is an alert; so is a witness that has cosigned none of
 * the last `alertAfterCheckpoints` checkpoints.
 */
export class WitnessSubmitter {
  private readonly states = new Map<string, WitnessState>();
  private timer?: NodeJS.Timeout;
  private readonly rounds: CoalescedRounds;
  private readonly abort = new AbortController();
  private readonly proofs: ConsistencyProofSource;
  private stopped = false;
  /** Alert keys raised by this process: the ledger records a key once, and delivery should not hear it twice either. */
  private readonly raised = new Set<string>();

  constructor(private readonly opts: WitnessSubmitterOptions) {
    for (const w of opts.witnesses) this.states.set(w.name, { name: w.name, cosignedSize: 0 });
    this.proofs = storeProofSource(opts.ledger.proofReader());
    this.rounds = new CoalescedRounds(
      () => this.round(),
      (e) => opts.logger.error({ err: (e as Error).message }, 'witness round failed (retried at the next checkpoint)'),
      () => this.stopped,
    );
  }

  /** Reads what each witness last cosigned from the ledger, then polls. */
  async start(): Promise<void> {
    for await (const l of this.opts.ledger.readLeaves({ types: ['witness.cosigned'] })) {
      const s = this.states.get(l.body.witness);
      if (s && l.body.checkpointSize > s.cosignedSize) s.cosignedSize = l.body.checkpointSize;
    }
    this.timer = setInterval(() => this.nudge(), this.opts.pollMs ?? 30_000);
    this.timer.unref();
    this.nudge();
  }

  get state(): WitnessState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** A checkpoint was (or may have been) signed: run a round now, or right after the one in flight. */
  nudge(): void {
    this.rounds.kick();
  }

  /** Waits for the round in flight and one more (the shutdown checkpoint's), at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    // Two kicks: a round in flight may have read the checkpoints before the last one was signed; one more after it.
    this.rounds.kick();
    this.rounds.kick();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    const outcome = await Promise.race([this.rounds.idle(), late]);
    clearTimeout(timer);
    if (outcome === 'late') this.opts.logger.warn({ timeoutMs }, 'witnesses did not cosign the last checkpoint before shutdown; the next start submits it');
  }

  /** Stops polling and cuts short a submission in flight (nothing half-recorded: a leaf is appended whole or not at all). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.abort.abort();
    await this.rounds.idle();
  }

  private async round(): Promise<void> {
    const cps = await this.opts.ledger.checkpoints();
    const latest = cps[cps.length - 1];
    if (latest === undefined) return;
    await Promise.all(this.opts.witnesses.map((w) => this.offer(w, latest, cps.map((c) => c.size))));
  }

  private async offer(w: WitnessConfig, cp: { size: number; root: string; note: string }, sizes: number[]): Promise<void> {
    const s = this.states.get(w.name)!;
    if (s.cosignedSize >= cp.size) return;
    // A refusal is final for that checkpoint: the next one is offered, not the same one again.
    if (s.failure && ALARMING.has(s.failure.kind) && s.failure.checkpointSize === cp.size) return;
    try {
      const r = await submitCheckpoint({ url: w.url, vkey: w.key }, cp.note, s.cosignedSize, this.proofs, {
        timeoutMs: w.timeoutSeconds * 1000,
        maxAttempts: 3,
        signal: this.abort.signal,
        logger: this.opts.logger,
        ...this.opts.submit,
      });
      await this.opts.ledger.append([
        {
          type: 'witness.cosigned',
          idempotencyKey: `witness:${w.name}:${cp.size}`,
          data: {
            witness: w.name,
            keyId: r.keyId,
            checkpointSize: cp.size,
            rootHash: Buffer.from(cp.root, 'hex').toString('base64'),
            cosignature: r.cosignature,
            timestamp: r.timestamp,
          },
        },
      ]);
      if (s.failure) this.opts.logger.info({ witness: w.name, size: cp.size }, 'witness cosigns again');
      s.cosignedSize = cp.size;
      delete s.failure;
      this.opts.logger.info({ witness: w.name, size: cp.size, attempts: r.attempts }, 'checkpoint cosigned by witness');
    } catch (e) {
      if (this.abort.signal.aborted) return;
      const kind = e instanceof WitnessError ? e.kind : 'unavailable';
      const message = (e as Error).message;
      s.failure = { kind, message, checkpointSize: cp.size, at: this.opts.clock.now().toISOString() };
      if (ALARMING.has(kind)) {
        this.opts.logger.error({ witness: w.name, kind, size: cp.size, err: message }, 'witness refused the checkpoint');
        await this.alert(w, kind, cp.size, message);
        return;
      }
      this.opts.logger.warn({ witness: w.name, kind, size: cp.size, err: message }, 'witness not reached; the next checkpoint retries');
      const missing = sizes.filter((n) => n > s.cosignedSize).length;
      if (missing >= w.alertAfterCheckpoints) {
        await this.alert(w, 'missing', cp.size, `witness ${w.name} has cosigned none of the last ${missing} checkpoints (latest size ${cp.size}): ${message}`, missing);
      }
    }
  }

  private async alert(w: WitnessConfig, failure: string, size: number, message: string, missing?: number): Promise<void> {
    if (!this.opts.raiseAlert) return;
    // Once per witness, failure and checkpoint: a refusal repeated at every poll is one alert until the log moves on.
    const key = missing === undefined ? `alert:witness:${w.name}:${failure}:${size}` : `alert:witness:${w.name}:missing:${this.states.get(w.name)!.cosignedSize}`;
    if (this.raised.has(key)) return;
    this.raised.add(key);
    await this.opts
      .raiseAlert({
        type: 'alert',
        idempotencyKey: key,
        data: {
          kind: 'witness',
          severity: missing === undefined ? 'critical' : 'high',
          title: missing === undefined ? `witness ${w.name} refused checkpoint ${size}: ${failure}` : `witness ${w.name}: no cosignature for ${missing} checkpoints`,
          count: 1,
          witness: { name: w.name, failure, checkpointSize: size, message, ...(missing !== undefined ? { missingCheckpoints: missing } : {}) },
        },
      })
      .catch((e: unknown) => this.opts.logger.error({ witness: w.name, err: (e as Error).message }, 'witness alert not recorded'));
  }
}

/** How long a stopping writer waits for its witnesses to cosign the shutdown checkpoint. */
const DRAIN_MS = 15_000;

/** The composition root's start: a submitter when `witnesses:` lists any, started (it offers the latest checkpoint). */
export async function startWitnessing(witnesses: readonly WitnessConfig[], opts: Omit<WitnessSubmitterOptions, 'witnesses'>): Promise<WitnessSubmitter | undefined> {
  if (witnesses.length === 0) return undefined;
  const w = new WitnessSubmitter({ ...opts, witnesses });
  await w.start();
  return w;
}

/** Lets the witnesses cosign the shutdown checkpoint (bounded), then stops the loop; call while the ledger is open. */
export async function stopWitnessing(w: WitnessSubmitter | undefined): Promise<void> {
  if (!w) return;
  await w.drain(DRAIN_MS);
  await w.stop();
}
