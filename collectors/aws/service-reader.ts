// What the AWS service readers share: pacing and history constants, whole-day gap edges, and the Reader they record through.
import type { CollectContext } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import type { RateLimiter } from './limits.js';

/** LookupEvents: 2 requests per second per account and region; we aim a little under so arrival jitter never tips it. */
export const LOOKUP_EVENTS_PER_SECOND = 1.8;
/** Other read APIs: a conservative per service × account × region pace. */
export const DEFAULT_PER_SECOND = 10;
/** How long CloudTrail may take to make an event visible; the cursor stays this far behind now. */
export const CLOUDTRAIL_DELIVERY_LAG_MS = 15 * 60_000;
export const LOOKUP_WINDOW_MS = 90 * 86_400_000;
export const BACKUP_JOB_WINDOW_MS = 30 * 86_400_000;
/** Pages of one listing before it counts as a loop of tokens (50 events a page: a million events per stream). */
export const MAX_PAGES = 20_000;
/** The event streams read per region: every write, and everything root did (reads included). */
export const LOOKUP_STREAMS = { writes: { AttributeKey: 'ReadOnly', AttributeValue: 'false' }, root: { AttributeKey: 'Username', AttributeValue: 'root' } } as const;

export const DAY_MS = 86_400_000;
/**
 * History gaps are whole UTC days: the edge a run cannot read moves with the clock, and a gap re-declared by a later
 * run (its cursor lost) must carry the same from/to so the writer's idempotency key dedupes it.
 */
export const dayFloor = (ms: number): Date => new Date(Math.floor(ms / DAY_MS) * DAY_MS);
export const dayCeil = (ms: number): Date => new Date(Math.ceil(ms / DAY_MS) * DAY_MS);

export interface ServicesOptions {
  clientConfig: Record<string, unknown>;
  /** Home region: global clients and DescribeTrails. */
  region: string;
  regions?: string[];
  regionConcurrency: number;
  periodStart?: string;
  limiter: RateLimiter;
  pathStyle: boolean;
}

export type ServicesPart = Pick<Snapshot, 'resources' | 'inputs' | 'artifacts' | 'errors' | 'apiCalls' | 'minApiCalls' | 'cursors' | 'declaredGaps' | 'metrics'>;

export type AnyClient = { send(cmd: never, o?: unknown): Promise<unknown>; middlewareStack: { add(mw: unknown, o: Record<string, unknown>): void }; destroy(): void };

/** Whether a failed call's code, status and message are the service's documented "nothing there". */
export type Absent = (code: string, status: number | undefined, message: string) => boolean;

/** What the per-service readers share: sending, recording resources, artifacts, errors, gaps and cursors. */
export interface Reader {
  account: string;
  ctx: CollectContext;
  o: ServicesOptions;
  now: Date;
  cursors: Record<string, string>;
  gaps: Map<string, { from: string; to: string; reason: string }>;
  metrics: Record<string, number>;
  client<T extends AnyClient>(C: new (c: Record<string, unknown>) => T, region: string, extra?: Record<string, unknown>): T;
  /**
   * Sends one command; on success checks `list` is a list, and returns the output; on failure records a
   * CollectionError (cause from status and code) and returns undefined, or `null` when `absent(code, status, message)`
   * says the failure is the service's documented answer for "nothing there" (S3 NoSuchTagSet, an account without a
   * Public Access Block, a region where Security Hub is not enabled). `inputs` names the types a failure leaves
   * incomplete when the operation feeds different types from different readers (default: SERVICE_ACTION_INPUTS).
   */
  send<T>(op: string, region: string, c: AnyClient, cmd: unknown, opt?: { list?: string; perSecond?: number; absent?: Absent; inputs?: string[] }): Promise<T | null | undefined>;
  /** Records a reply that is not the documented shape (an item without its id, a loop of tokens). */
  malformed(op: string, region: string, detail: string, cause?: 'malformed' | 'incomplete'): void;
  res(type: string, id: string, name: string, region: string | undefined, attributes: Record<string, unknown>): void;
  art(label: string, out: unknown): void;
  mark(type: string): void;
  count(n?: number): void;
}

