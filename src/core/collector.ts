// The contract between the pipeline and a source's collector: data in, no judgement out.
import type { Snapshot, SourceId } from './types.js';

/** Minimal structured logger (pino-compatible subset), injected so tests and the CLI choose where logs go. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

/**
 * The scope recorded when a source's scopes could not be resolved at all (e.g. sts:GetCallerIdentity unreachable and no
 * accountId configured): the failure is still recorded as an `error` run of this scope, never dropped.
 */
export const UNRESOLVED_SCOPE = '(unresolved)';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Injected clock; the pipeline and tests decide what "now" is, and how a wait for time to pass is spent. */
export interface Clock {
  now(): Date;
  /**
   * Waits `ms` on this clock, rejecting at once with the signal's reason when `signal` is (or becomes) aborted.
   * Collectors' back-off and rate-limit waits go through it (`clockSleep`), so a test clock can let the time pass
   * without the test waiting for it. @defaultValue a real timer (`abortableSleep`)
   */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

export interface CollectContext {
  /** The scope to collect (AWS account id, GitHub org, IdP tenant). */
  scope: string;
  /** ISO 8601 UTC instant of the scheduled slot. */
  slot: string;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  /**
   * Incremental-read cursors saved by the previous run of this source and scope (e.g. CloudTrail LookupEvents,
   * PR merges). Read from the ledger; the collector returns updated cursors in `Snapshot.cursors`.
   */
  cursors?: Record<string, string>;
  /**
   * Called by the collector as each API operation starts (e.g. `iam:GetCredentialReport`), so a collection cut short
   * by its deadline can name the operation in flight. Optional: collectors call it through `ctx.onOperation?.(op)`.
   */
  onOperation?: (operation: string) => void;
}

/**
 * A collector reads one source. It returns resources and raw artifacts and contains no compliance `if`.
 * A read that fails is reported in `Snapshot.errors` (never thrown away); `collect` throws only for a failure that
 * left nothing to report, and the pipeline then records `error` results for every rule of the source.
 */
export interface Collector {
  source: SourceId;
  /** Scopes this collector is configured for (resolving them may call the source, e.g. STS GetCallerIdentity). */
  scopes(): Promise<string[]>;
  /**
   * The scopes its config names, without calling the source; undefined when only the source can say (an AWS
   * organization's accounts, the account of ambient credentials). A scope with history that the config no longer
   * names is retired as removed from config when the writer starts (src/pipeline/scope-retirement.ts).
   */
  configScopes?(): string[] | undefined;
  collect(ctx: CollectContext): Promise<Snapshot>;
}
