// Collect → evaluate for one source, scope and slot: turns whatever happened into a snapshot, results and a run summary.
import type { Collector, Clock, Logger } from '../core/collector.js';
import type { Resource, Result, Rule, RunSummary, Snapshot, SourceId, Status } from '../core/types.js';
import { STATUSES } from '../core/types.js';
import { AppError, SourceError, redactSecrets } from '../core/errors.js';
import { collectionErrorFrom } from '../core/failure.js';
import { canonicalBytes } from '../ledger/canonical.js';
import { evaluateSnapshot } from '../rules/engine.js';
import { ruleSetVersion } from '../rules/version.js';

/** Where artifact bytes go: the ledger's content-addressed blob store. */
export interface BlobSink {
  putBlob(data: Buffer, mediaType: string): Promise<{ sha256: string; size: number; isNew: boolean }>;
}

/** A result as it travels to the ledger writer: the run leaf carries the time, so results do not. */
export type RecordedResult = Omit<Result, 'observedAt'>;

/** Payload of an `evidence` job: one run, its complete results, no secrets. */
export interface EvidenceJob {
  summary: RunSummary;
  /** Judgements of the current state: hashed as the run's results blob and diffed against the previous run. */
  results: RecordedResult[];
  /** Judgements of individual source events (results carrying `occurredAt`): each recorded once, as an `event` leaf. */
  events?: PeriodResult[];
  /** Period the source could not evidence (see Snapshot.declaredGaps), recorded once as `gap` leaves. */
  declaredGaps?: Array<{ from: string; to: string; reason: string }>;
  cursors?: Record<string, string>;
  manual?: boolean;
}

/** A result about one event: when it happened at the source (`occurredAt`) and when Vigil read it (`readAt`). */
export type PeriodResult = RecordedResult & { occurredAt: string; readAt: string };

export interface CollectStageDeps {
  rules: Rule[];
  params: Record<string, Record<string, unknown>>;
  clock: Clock;
  logger: Logger;
  blobs: BlobSink;
  /**
   * The collection's deadline: past it `ctx.signal` is aborted and the run is recorded as `error` (`TIMEOUT`) for every
   * input of the source, naming the operation in flight, whether or not the collector honours the signal.
   * Undefined: no deadline (only for callers that bound the work otherwise). See sourceDeadlineMs().
   */
  deadlineMs?: number;
}

/** What a request asks for: one source, scope and slot; `scopeError` when the scope could not even be resolved. */
export interface CollectRequest {
  source: SourceId;
  scope: string;
  slot: string;
  cursors?: Record<string, string>;
  /** Aborting it (shutdown) cuts the collection short; it is recorded as `error` (`timeout`, "cut short by shutdown"). */
  signal?: AbortSignal;
  /** The collector's scopes() failed: nothing is collected and the run records this failure for every input. */
  scopeError?: unknown;
}

/** Why a collection ended before the collector returned: its deadline passed, or the process is shutting down. */
class CollectionCut extends AppError {
  constructor(message: string) {
    super('TIMEOUT', message, { retryable: true });
    this.name = 'CollectionCut';
  }
}

export async function collectAndEvaluate(
  collector: Collector,
  req: CollectRequest,
  deps: CollectStageDeps,
): Promise<{ job: EvidenceJob; results: Result[]; snapshot: Snapshot }> {
  const startedAt = deps.clock.now().toISOString();
  const inputs = [...new Set(deps.rules.filter((r) => r.source === req.source).flatMap((r) => r.inputs))];
  let snapshot: Snapshot;
  let inFlight = `${req.source}:collect`;
  try {
    if (req.scopeError !== undefined) throw req.scopeError;
    snapshot = await collectWithin(collector, req, deps, (op) => (inFlight = op));
  } catch (e) {
    // A collector that could not report anything still leaves evidence: every rule of the source becomes `error`.
    // Only a SourceError (what collector clients throw) says which operation failed, what it needs and why.
    const failed = e instanceof SourceError ? e : undefined;
    const operation = req.scopeError !== undefined ? `${req.source}:scopes` : (failed?.operation ?? inFlight);
    const error =
      e instanceof CollectionCut
        ? collectionErrorFrom(e, { operation, inputs }, { code: 'TIMEOUT', cause: 'timeout', retryable: true })
        : collectionErrorFrom(e, { operation, inputs, ...(failed?.permission ? { permission: failed.permission } : {}) }, failed?.failureCause ? { cause: failed.failureCause } : {});
    deps.logger.error({ source: req.source, scope: req.scope, slot: req.slot, operation, cause: error.cause, err: error.message }, 'collection failed');
    snapshot = {
      source: req.source,
      scope: req.scope,
      slot: req.slot,
      startedAt,
      endedAt: deps.clock.now().toISOString(),
      resources: [],
      inputs: {},
      artifacts: [],
      errors: [error],
      apiCalls: 0,
    };
  }
  const rules = deps.rules.filter((r) => r.source === req.source);
  const results = evaluateSnapshot(snapshot, rules, { now: deps.clock.now(), params: deps.params });

  const artifacts = [];
  for (const a of snapshot.artifacts) {
    const stored = await deps.blobs.putBlob(a.body, a.mediaType);
    artifacts.push({ sha256: stored.sha256, mediaType: a.mediaType, size: stored.size, label: a.label });
  }
  const resources = await deps.blobs.putBlob(resourcesBlob(snapshot), 'application/json');
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of results) counts[r.status]++;
  const summary: RunSummary = {
    source: snapshot.source,
    scope: snapshot.scope,
    slot: req.slot,
    startedAt: snapshot.startedAt,
    endedAt: snapshot.endedAt,
    ruleSetVersion: ruleSetVersion(rules, deps.params),
    populationSize: snapshot.resources.length,
    apiCalls: snapshot.apiCalls,
    ...(snapshot.minApiCalls !== undefined ? { minApiCalls: snapshot.minApiCalls } : {}),
    ...(snapshot.metrics ? { metrics: snapshot.metrics } : {}),
    counts,
    errors: snapshot.errors.map(({ retryable: _r, ...e }) => ({ ...e, message: redactSecrets(e.message) })),
    artifacts,
    resourcesSha256: resources.sha256,
  };
  // Event judgements leave the state diff: the next run will not see the same events, and that is no change.
  const recorded: RecordedResult[] = [];
  const events: PeriodResult[] = [];
  for (const { observedAt, ...r } of results) {
    if (r.occurredAt !== undefined) events.push({ ...r, occurredAt: r.occurredAt, readAt: observedAt });
    else recorded.push(r);
  }
  return {
    job: {
      summary,
      results: recorded,
      ...(events.length > 0 ? { events } : {}),
      ...(snapshot.declaredGaps && snapshot.declaredGaps.length > 0 ? { declaredGaps: snapshot.declaredGaps } : {}),
      ...(snapshot.cursors ? { cursors: snapshot.cursors } : {}),
    },
    results,
    snapshot,
  };
}

/**
 * Runs `collector.collect` under its deadline and the caller's signal. Either one aborts the collector's signal and
 * throws CollectionCut at once: the worker slot is freed even when a collector ignores its signal (its promise is left
 * to settle on its own, its result unused). The deadline is a real timer; the injected clock only stamps times.
 */
async function collectWithin(collector: Collector, req: CollectRequest, deps: CollectStageDeps, onOperation: (op: string) => void): Promise<Snapshot> {
  const ac = new AbortController();
  let inFlight = `${req.source}:collect`;
  let cut: ((e: CollectionCut) => void) | undefined;
  const cutShort = new Promise<never>((_, reject) => (cut = reject));
  let cutBy: CollectionCut | undefined;
  const stop = (why: string): void => {
    cutBy ??= new CollectionCut(why);
    // Cut first: aborting runs the collector's listeners at once, and its own AbortError must not win the race.
    cut!(cutBy);
    ac.abort(cutBy);
  };
  const onShutdown = (): void => stop(`collection cut short by shutdown during ${inFlight}`);
  if (req.signal?.aborted) onShutdown();
  req.signal?.addEventListener('abort', onShutdown, { once: true });
  const timer =
    deps.deadlineMs !== undefined
      ? setTimeout(() => stop(`deadline of ${formatSeconds(deps.deadlineMs!)} passed during ${inFlight}`), deps.deadlineMs)
      : undefined;
  try {
    const collecting = collector.collect({
      scope: req.scope,
      slot: req.slot,
      clock: deps.clock,
      logger: deps.logger,
      signal: ac.signal,
      ...(req.cursors ? { cursors: req.cursors } : {}),
      onOperation: (op) => {
        inFlight = op;
        onOperation(op);
      },
    });
    // The losing collection may still reject later: that is expected and must not surface as an unhandled rejection.
    collecting.catch(() => {});
    const snapshot = await Promise.race([collecting, cutShort]).catch((e: unknown) => {
      throw cutBy ?? e;
    });
    if (cutBy) throw cutBy;
    return snapshot;
  } finally {
    if (timer) clearTimeout(timer);
    req.signal?.removeEventListener('abort', onShutdown);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** What a resources blob holds: the types collected (so "collected, none found" differs from "not attempted") and the resources. */
export interface ResourcesBlob {
  inputs: string[];
  resources: Array<Omit<Resource, 'observedAt'>>;
}

/**
 * Canonical bytes of a run's normalized resources, sorted by (type, id), without `observedAt` (the run leaf carries the
 * time), so an unchanged estate hashes the same every run and costs no new blob. The JSON round trip drops `undefined`
 * attribute values that canonical JSON would refuse; collectors put no secrets in resources (see Resource).
 */
export function resourcesBlob(snapshot: Pick<Snapshot, 'inputs' | 'resources'>): Buffer {
  const resources = snapshot.resources
    .map(({ observedAt: _o, ...r }) => r)
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const body: ResourcesBlob = { inputs: Object.keys(snapshot.inputs).sort(), resources };
  return canonicalBytes(JSON.parse(JSON.stringify(body)) as unknown, 'resources');
}

/** Rebuilds a run's snapshot from its stored resources blob; every resource and input is stamped `observedAt`. */
export function snapshotFromResources(
  blob: Buffer,
  run: { source: SourceId; scope: string; slot: string; startedAt: string; endedAt: string; errors?: Snapshot['errors'] },
  observedAt = run.endedAt,
): Snapshot {
  const parsed = JSON.parse(blob.toString('utf8')) as ResourcesBlob;
  return {
    source: run.source,
    scope: run.scope,
    slot: run.slot,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    resources: parsed.resources.map((r) => ({ ...r, observedAt })),
    inputs: Object.fromEntries(parsed.inputs.map((t) => [t, { observedAt }])),
    artifacts: [],
    errors: run.errors ?? [],
    apiCalls: 0,
  };
}
