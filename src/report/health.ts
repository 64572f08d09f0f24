// Monitoring health of one run: whether a source/scope could be read at all, and why not, from its `run` leaf alone.
import type { FailureCause } from '../core/types.js';
import { FAILURE_CAUSES } from '../core/types.js';
import { describeCollectionError } from '../core/failure.js';
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import type { Ledger } from '../ledger/ledger.js';
import { RetiredScopes, RETIREMENT_TYPES } from '../ledger/retired-scopes.js';

/** One collection error as the run leaf records it (the pipeline drops `retryable`). */
export interface RunErrorSummary {
  operation: string;
  code: string;
  cause: FailureCause;
  message: string;
  permission?: string;
}

export interface RunHealth {
  /**
   * `failing`: the run observed nothing it could judge — every result is `error`, or no result at all beside collection
   * errors. Monitoring of that scope is down, which is itself a control failure (an auditor's "could not tell").
   * `healthy`: at least one result was judged (pass, fail or not_applicable); partial errors are rule-level matters.
   */
  state: 'healthy' | 'failing';
  /** Distinct causes of the run's collection errors, most frequent first (a healthy run may have some: partial errors). */
  causes: FailureCause[];
  /** The run's collection errors (at most MAX_ERRORS), for alerts and /readyz. */
  errors: RunErrorSummary[];
  /** How many collection errors the run recorded in all. */
  errorCount: number;
  /** One line saying why the run is failing, naming the first error's operation and cause; undefined when healthy. */
  reason?: string;
}

const MAX_ERRORS = 20;
const isCause = (c: unknown): c is FailureCause => typeof c === 'string' && (FAILURE_CAUSES as readonly string[]).includes(c);

/** The health of a run from its leaf body (`counts`, `errors`). A leaf without counts is judged by its errors alone. */
export function runHealth(body: Record<string, unknown>): RunHealth {
  const counts = (body.counts && typeof body.counts === 'object' ? body.counts : {}) as Record<string, unknown>;
  const n = (k: string) => (typeof counts[k] === 'number' ? (counts[k] as number) : 0);
  const total = n('pass') + n('fail') + n('error') + n('not_applicable');
  const rawErrors = Array.isArray(body.errors) ? (body.errors as Array<Record<string, unknown>>) : [];
  const errors: RunErrorSummary[] = rawErrors.slice(0, MAX_ERRORS).map((e) => ({
    operation: String(e.operation ?? 'unknown'),
    code: String(e.code ?? 'UNKNOWN'),
    // A leaf written before causes existed has none: say "internal" rather than guess a cause that was not recorded.
    cause: isCause(e.cause) ? e.cause : 'internal',
    message: String(e.message ?? ''),
    ...(typeof e.permission === 'string' ? { permission: e.permission } : {}),
  }));
  const failing = total > 0 ? n('error') === total : rawErrors.length > 0;
  const tally = new Map<FailureCause, number>();
  for (const e of rawErrors) {
    const c = isCause(e.cause) ? e.cause : 'internal';
    tally.set(c, (tally.get(c) ?? 0) + 1);
  }
  const causes = [...tally.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  if (!failing) return { state: 'healthy', causes, errors, errorCount: rawErrors.length };
  const first = errors[0];
  const more = rawErrors.length > 1 ? ` (+${rawErrors.length - 1} more error${rawErrors.length === 2 ? '' : 's'})` : '';
  const reason = first ? `${describeCollectionError(first)}${more}` : `every one of its ${total} results is error`;
  return { state: 'failing', causes, errors, errorCount: rawErrors.length, reason };
}

/**
 * Drops the run of a source's UNRESOLVED_SCOPE once a later run of that source has a real scope: the scopes resolved
 * again, so that failure is over (each real scope then speaks for itself). Input and output are keyed `source|scope`.
 */
export function supersedeUnresolved<T extends { seq: number; body: Record<string, unknown> }>(latest: Map<string, T>, unresolvedScope: string): Map<string, T> {
  const out = new Map(latest);
  for (const [k, r] of latest) {
    if (String(r.body.scope) !== unresolvedScope) continue;
    const later = [...latest.values()].some((o) => o.body.source === r.body.source && String(o.body.scope) !== unresolvedScope && o.seq > r.seq);
    if (later) out.delete(k);
  }
  return out;
}

/** The latest run of one source/scope with its health and, when failing, since when (first run of the streak). */
export interface ScopeHealth {
  source: string;
  scope: string;
  seq: number;
  body: Record<string, unknown>;
  health: RunHealth;
  /** `endedAt` of the first run of the current failing streak. */
  failingSince?: string;
  /** Consecutive failing runs up to the latest. */
  failedRuns: number;
}

/**
 * Health of the latest run of every source/scope in scope, keyed `source|scope`, in one pass over the run and
 * retirement leaves: a retired scope is left out (and put in `retired` when given), and the UNRESOLVED_SCOPE run of a
 * source is dropped once a later run of that source has a real scope.
 */
export async function latestScopeHealth(ledger: Ledger, retired = new RetiredScopes()): Promise<Map<string, ScopeHealth>> {
  const out = new Map<string, ScopeHealth>();
  for await (const leaf of ledger.readLeaves({ types: ['run', ...RETIREMENT_TYPES] })) foldScopeHealth(out, retired, leaf.seq, leaf.body);
  return inScope(out, retired);
}

/** Folds one run or retirement leaf into the latest-run-per-scope map (and the retirements). */
export function foldScopeHealth(out: Map<string, ScopeHealth>, retired: RetiredScopes, seq: number, body: Record<string, unknown>): void {
  if (body.type !== 'run') {
    retired.leaf(seq, body);
    return;
  }
  const key = `${String(body.source)}|${String(body.scope)}`;
  const prev = out.get(key);
  const health = runHealth(body);
  const failing = health.state === 'failing';
  out.set(key, {
    source: String(body.source),
    scope: String(body.scope),
    seq,
    body,
    health,
    ...(failing ? { failingSince: prev?.failingSince ?? String(body.endedAt ?? body.slot) } : {}),
    failedRuns: failing ? (prev?.failedRuns ?? 0) + 1 : 0,
  });
}

export function inScope(all: Map<string, ScopeHealth>, retired: RetiredScopes): Map<string, ScopeHealth> {
  const out = new Map(all);
  for (const r of retired.list()) out.delete(`${r.source}|${r.scope}`);
  return supersedeUnresolved(out, UNRESOLVED_SCOPE);
}

/** Failing scopes first (longest streak first), then the rest by source and scope: the order `vigil status` prints. */
export function unhealthyFirst<T extends { source: string; scope: string; failedRuns?: number }>(a: T, b: T): number {
  const fa = a.failedRuns ?? 0;
  const fb = b.failedRuns ?? 0;
  if ((fa > 0) !== (fb > 0)) return fa > 0 ? -1 : 1;
  if (fa !== fb) return fb - fa;
  const ka = `${a.source}\u0000${a.scope}`;
  const kb = `${b.source}\u0000${b.scope}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
