// Collect → evaluate for one source, scope and slot: turns whatever happened into a snapshot, results and a run summary.
import type { Collector, Clock, Logger } from '../core/collector.js';
import type { Resource, Result, Rule, RunSummary, Snapshot, SourceId, Status } from '../core/types.js';
import { STATUSES } from '../core/types.js';
import { redactSecrets } from '../core/errors.js';
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
}

export async function collectAndEvaluate(
  collector: Collector,
  req: { source: SourceId; scope: string; slot: string; cursors?: Record<string, string>; signal?: AbortSignal },
  deps: CollectStageDeps,
): Promise<{ job: EvidenceJob; results: Result[]; snapshot: Snapshot }> {
  const startedAt = deps.clock.now().toISOString();
  let snapshot: Snapshot;
  try {
    snapshot = await collector.collect({
      scope: req.scope,
      slot: req.slot,
      clock: deps.clock,
      logger: deps.logger,
      signal: req.signal,
      cursors: req.cursors,
    });
  } catch (e) {
    // A collector that could not report anything still leaves evidence: every rule of the source becomes `error`.
    const err = e as Error & { code?: string; name?: string; operation?: string; permission?: string };
    const message = redactSecrets(err.message || String(e));
    deps.logger.error({ source: req.source, scope: req.scope, err: message }, 'collection failed');
    const inputs = [...new Set(deps.rules.filter((r) => r.source === req.source).flatMap((r) => r.inputs))];
    snapshot = {
      source: req.source,
      scope: req.scope,
      slot: req.slot,
      startedAt,
      endedAt: deps.clock.now().toISOString(),
      resources: [],
      inputs: {},
      artifacts: [],
      errors: [
        {
          operation: err.operation ?? `${req.source}:collect`,
          code: err.code ?? err.name ?? 'CollectionFailed',
          message,
          ...(err.permission ? { permission: err.permission } : {}),
          inputs,
          retryable: true,
        },
      ],
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
