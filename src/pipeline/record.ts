// The ledger writer's logic for one run: results blob, one `change` leaf per status that moved, one `run` leaf. Idempotent.
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import type { EvidenceJob, RecordedResult } from './collect-stage.js';
import type { Rule, Status } from '../core/types.js';
import { ruleDefinition, ruleSetVersion } from '../rules/version.js';
import { blobBytes, buildResults, prepareResults, resultKey, ResultsCache } from './results-cache.js';

export interface RecordOutcome {
  duplicate: boolean;
  runSeq: number;
  changes: number;
  resultsSha256: string;
  newResultsBlob: boolean;
  /** The identity run the writer derived from this run, if any (src/pipeline/people.ts). */
  derived?: { job: EvidenceJob; outcome: RecordOutcome };
}

export function runKey(source: string, scope: string, slot: string): string {
  return `run:${source}:${scope}:${slot}`;
}

/** Canonical bytes of a run's complete results: sorted, no timestamps, so an unchanged estate hashes the same every run. */
export function resultsBlob(results: RecordedResult[]): Buffer {
  return buildResults(results).bytes;
}

/** One cache per open ledger: the process that records runs keeps each scope's previous results in memory. */
const caches = new WeakMap<Ledger, ResultsCache>();

function cacheOf(ledger: Ledger): ResultsCache {
  let c = caches.get(ledger);
  if (c === undefined) {
    c = new ResultsCache();
    caches.set(ledger, c);
  }
  return c;
}

export async function loadResults(ledger: Ledger, sha256: string): Promise<RecordedResult[] | undefined> {
  const data = await ledger.getBlob(sha256);
  return data ? (JSON.parse(data.toString('utf8')) as RecordedResult[]) : undefined;
}

export async function recordRun(ledger: Ledger, job: EvidenceJob): Promise<RecordOutcome> {
  const s = job.summary;
  const key = runKey(s.source, s.scope, s.slot);
  const existing = await ledger.seqOfKey(key);
  if (existing !== undefined) {
    return { duplicate: true, runSeq: existing, changes: 0, resultsSha256: '', newResultsBlob: false };
  }
  const cache = cacheOf(ledger);
  const prepared = prepareResults(job.results, cache.get(s.source, s.scope));
  // Results equal to the cached previous run's: the blob is already stored under that hash, so nothing is serialized.
  const blob =
    prepared.bytes === undefined && (await ledger.hasBlob(prepared.sha256))
      ? { sha256: prepared.sha256, isNew: false }
      : await ledger.putBlob(prepared.bytes ?? blobBytes(prepared.next.order), 'application/json');

  const prev = await ledger.lastLeaf({ type: 'run', source: s.source, scope: s.scope });
  const leaves: LeafInput[] = [];
  const prevSha = prev?.body.resultsSha256;
  if (prev && prevSha && prevSha !== blob.sha256) {
    if (prepared.diff !== undefined && prepared.diff.base === prevSha) {
      // The cache holds exactly the previous run's results: the diff is known without reading its blob.
      for (const m of prepared.diff.moved) leaves.push(changeLeaf(s.source, s.scope, s.slot, m.result, m.from, m.result.status, m.result.reason));
      for (const e of prepared.diff.removed) {
        leaves.push(changeLeaf(s.source, s.scope, s.slot, e, e.status, 'absent', 'resource or rule no longer present in this run'));
      }
    } else {
      const before = await loadResults(ledger, prevSha);
      if (before) {
        const prevMap = new Map(before.map((r) => [resultKey(r), r]));
        for (const r of job.results) {
          const k = resultKey(r);
          const p = prevMap.get(k);
          prevMap.delete(k);
          if (p && p.status === r.status) continue;
          leaves.push(changeLeaf(s.source, s.scope, s.slot, r, p?.status ?? null, r.status, r.reason));
        }
        for (const p of prevMap.values()) {
          leaves.push(changeLeaf(s.source, s.scope, s.slot, p, p.status, 'absent', 'resource or rule no longer present in this run'));
        }
      }
    }
  }
  const earlier = job.declaredGaps && job.declaredGaps.length > 0 ? await declaredSpans(ledger, s.source, s.scope) : new Map<string, Array<[number, number]>>();
  leaves.push(...periodLeaves(job, prev?.body.slot, earlier));
  const failed = s.errors.length > 0 && s.populationSize === 0;
  leaves.push({
    type: 'run',
    idempotencyKey: key,
    source: s.source,
    scope: s.scope,
    data: {
      slot: s.slot,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      outcome: failed ? 'failed' : s.errors.length > 0 ? 'partial' : 'complete',
      ruleSetVersion: s.ruleSetVersion,
      population: s.populationSize,
      apiCalls: s.apiCalls,
      ...(s.minApiCalls !== undefined ? { minApiCalls: s.minApiCalls } : {}),
      ...(s.metrics ? { metrics: s.metrics } : {}),
      counts: s.counts,
      resultsSha256: blob.sha256,
      resultsCount: job.results.length,
      ...(s.resourcesSha256 ? { resourcesSha256: s.resourcesSha256 } : {}),
      ...(s.peopleStateSha256 ? { peopleStateSha256: s.peopleStateSha256 } : {}),
      changes: leaves.filter((l) => l.type === 'change').length,
      ...(job.events ? { events: job.events.length } : {}),
      artifacts: s.artifacts,
      errors: s.errors,
      ...(job.cursors ? { cursors: job.cursors } : {}),
      ...(job.manual ? { manual: true } : {}),
    },
  });
  let appended;
  try {
    appended = await ledger.append(leaves);
  } catch (e) {
    cache.delete(s.source, s.scope);
    throw e;
  }
  const run = appended[appended.length - 1]!;
  if (run.duplicate) cache.delete(s.source, s.scope);
  else cache.set(s.source, s.scope, prepared.next);
  return { duplicate: run.duplicate, runSeq: run.seq, changes: leaves.filter((l) => l.type === 'change').length, resultsSha256: blob.sha256, newResultsBlob: blob.isNew };
}

/** Events read this long after they happened count as read late even when no earlier run could have seen them. */
export const LATE_AFTER_MS = 26 * 3_600_000;

/**
 * `event` leaves (one per (rule, event), ever: the key has no slot, so an event read again by a later run is not
 * recorded twice) and declared `gap` leaves. An event is `late` when it was read on the first run of the scope, when it
 * happened before the previous run's slot (a run that should have covered it did not see it), or when it was read more
 * than LATE_AFTER_MS after it happened (downtime, delivery delay).
 */
function periodLeaves(job: EvidenceJob, prevSlot: string | undefined, earlier: Map<string, Array<[number, number]>>): LeafInput[] {
  const s = job.summary;
  const out: LeafInput[] = [];
  for (const g of job.declaredGaps ?? []) {
    const kind = gapKind(g.reason);
    const spans = earlier.get(kind) ?? [];
    const uncovered = uncoveredPart(Date.parse(g.from), Date.parse(g.to), spans);
    // Already declared in whole by an earlier run (a run that could not save its cursor declares it again): once only.
    if (!uncovered) continue;
    const from = new Date(uncovered[0]).toISOString();
    const to = new Date(uncovered[1]).toISOString();
    spans.push(uncovered);
    earlier.set(kind, spans);
    out.push({
      type: 'gap',
      idempotencyKey: `gap:declared:${s.source}:${s.scope}:${kind}:${from}:${to}`,
      source: s.source,
      scope: s.scope,
      data: { from, to, declared: true, kind, slot: s.slot, reason: g.reason },
    });
  }
  for (const e of job.events ?? []) {
    const occurred = Date.parse(e.occurredAt);
    const late = prevSlot === undefined || occurred < Date.parse(prevSlot) || Date.parse(e.readAt) - occurred > LATE_AFTER_MS;
    out.push({
      type: 'event',
      idempotencyKey: `event:${s.source}:${s.scope}:${e.ruleId}:${e.resourceId}`,
      source: s.source,
      scope: s.scope,
      data: {
        slot: s.slot,
        ruleId: e.ruleId,
        resourceId: e.resourceId,
        status: e.status,
        reason: e.reason,
        sourceTime: e.occurredAt,
        readAt: e.readAt,
        late,
        ...(e.region ? { region: e.region } : {}),
        ...(e.details ? { details: e.details } : {}),
      },
    });
  }
  return out;
}

/** What a declared gap is about, without its instants: two declarations of one kind may not cover the same span twice. */
export function gapKind(reason: string): string {
  return reason.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/g, '<t>').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Declared history gaps already in the ledger for one scope, by kind. Gaps are few (a handful per source a year). */
async function declaredSpans(ledger: Ledger, source: string, scope: string): Promise<Map<string, Array<[number, number]>>> {
  const out = new Map<string, Array<[number, number]>>();
  for await (const { body: b } of ledger.readLeaves({ types: ['gap'], source, scope })) {
    if (b.declared !== true || typeof b.from !== 'string' || typeof b.to !== 'string') continue;
    const kind = b.kind ?? gapKind(b.reason ?? '');
    out.set(kind, [...(out.get(kind) ?? []), [Date.parse(b.from), Date.parse(b.to)]]);
  }
  return out;
}

/**
 * The part of [from, to] no earlier span covers, when it is one piece: a span reaching past an earlier one keeps only
 * what is new. A new span with an uncovered hole in its middle is kept whole (the hole is new; the ends are not lost).
 */
function uncoveredPart(from: number, to: number, spans: Array<[number, number]>): [number, number] | undefined {
  let f = from;
  let t = to;
  for (let changed = true; changed; ) {
    changed = false;
    for (const [a, b] of spans) {
      if (a <= f && f < b && b < t) (f = b), (changed = true);
      else if (a < t && t <= b && f < a) (t = a), (changed = true);
      else if (a <= f && t <= b) return undefined;
    }
  }
  return [f, t];
}

function changeLeaf(source: string, scope: string, slot: string, r: Pick<RecordedResult, 'ruleId' | 'resourceId' | 'region'>, from: Status | null, to: Status | 'absent', reason: string): LeafInput {
  return {
    type: 'change',
    idempotencyKey: `change:${source}:${scope}:${slot}:${r.ruleId}:${r.resourceId}`,
    source,
    scope,
    data: { slot, ruleId: r.ruleId, resourceId: r.resourceId, from, to, reason, ...(r.region ? { region: r.region } : {}) },
  };
}

/** `rule.defined` leaves for every rule (once per logic hash) and one `ruleset.defined` per rule-set version. */
export async function recordRuleDefinitions(ledger: Ledger, rules: Rule[], params: Record<string, Record<string, unknown>> = {}): Promise<number> {
  const defs = rules.map((r) => ruleDefinition(r, params[r.id]));
  const leaves: LeafInput[] = defs.map((d) => ({
    type: 'rule.defined',
    idempotencyKey: `rule:${d.id}:${d.logicSha256}`,
    data: { rule: d },
  }));
  const bySource = new Map<string, Rule[]>();
  for (const r of rules) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  for (const [source, rs] of bySource) {
    const version = ruleSetVersion(rs, params);
    leaves.push({
      type: 'ruleset.defined',
      idempotencyKey: `ruleset:${source}:${version}`,
      source,
      data: { ruleSetVersion: version, rules: rs.map((r) => ({ id: r.id, logicSha256: ruleDefinition(r, params[r.id]).logicSha256 })) },
    });
  }
  const out = await ledger.append(leaves);
  return out.filter((l) => !l.duplicate).length;
}
