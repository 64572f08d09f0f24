// What the dashboard reads beyond the plain API answers: the posture trend per criterion by day (from the ledger view,
// src/report/ledger-view.ts), one result's evidence with its inclusion proof, and each source's runs, errors, gaps and
// next slot. The handlers memoise each on the ledger's size, so a repeat read costs a lookup.
import { createHash } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.js';
import type { Framework } from '../rules/frameworks.js';
import type { RecordedResult } from '../pipeline/collect-stage.js';
import { assessCriterion, ruleInScope, ruleOutcome, type CriterionState } from '../rules/coverage.js';
import type { ScopeHealth } from '../report/health.js';
import { DAY_MS, type LedgerView } from '../report/ledger-view.js';
import { slotsBetween } from '../pipeline/slots.js';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { toCheckpoint } from '../ledger/seals.js';
import { ApiError } from './errors.js';

type Tally = { pass: number; fail: number; error: number; notApplicable: number };

export interface PostureTrend {
  /** UTC dates, oldest first; each state is the criterion's at the end of that day. */
  dates: string[];
  criteria: Array<{ id: string; title: string; states: CriterionState[] }>;
}

/** How far before the window the trend looks for each scope's last run (a weekly schedule still has one). */
const LOOKBACK_MS = 8 * DAY_MS;

/** Criterion states by the set of results blobs they were judged on (blobs are content-addressed: never stale). */
export type TrendStates = Map<string, CriterionState[]>;

/**
 * Each criterion's state at the end of each of the last `days` UTC days, judged as /v1/posture judges the latest runs:
 * from the last run of each scope before the day ended (a scope whose last run is older than the window plus 8 days
 * does not count). Read from the ledger view (refreshed by the caller): each day's runs and their tallies are folded
 * there as the runs are recorded, so this sums per-rule tallies and judges each distinct set of blobs once.
 */
export async function postureTrend(view: LedgerView, framework: Framework, sources: readonly string[], days: number, now: Date, judged: TrendStates = new Map()): Promise<PostureTrend> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const ends = Array.from({ length: days }, (_, i) => today - (days - 1 - i) * DAY_MS + DAY_MS);
  const notBefore = ends[0]! - DAY_MS - LOOKBACK_MS;
  const states: CriterionState[][] = framework.criteria.map(() => []);
  for (const end of ends) {
    const shas = view.runsAt(end, notBefore).map((r) => r.sha).sort();
    const key = `${framework.id}|${shas.join(',')}`;
    let day = judged.get(key);
    if (!day) {
      day = await judgeBlobs(view, framework, sources, shas);
      if (judged.size >= 4096) judged.clear();
      judged.set(key, day);
    }
    day.forEach((s, i) => states[i]!.push(s));
  }
  return {
    dates: ends.map((e) => new Date(e - DAY_MS).toISOString().slice(0, 10)),
    criteria: framework.criteria.map((cr, i) => ({ id: cr.id, title: cr.title, states: states[i]! })),
  };
}

/** Each criterion's state judged on the summed per-rule tallies of these results blobs. */
async function judgeBlobs(view: LedgerView, framework: Framework, sources: readonly string[], shas: readonly string[]): Promise<CriterionState[]> {
  const byRule = new Map<string, Tally>();
  for (const sha of shas) {
    for (const [rule, t] of await view.tally(sha)) {
      const c = byRule.get(rule) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 };
      byRule.set(rule, { pass: c.pass + t.pass, fail: c.fail + t.fail, error: c.error + t.error, notApplicable: c.notApplicable + t.notApplicable });
    }
  }
  return framework.criteria.map((cr) => {
    const outcome = (id: string) => ruleOutcome({ ...(byRule.get(id) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 }), inScope: ruleInScope(id, sources) });
    return assessCriterion(cr, outcome).state;
  });
}

/**
 * One result's evidence: the run leaf (its exact bytes' hashes and body), the result found in the run's results blob,
 * the blob's and raw replies' hashes, and the leaf's inclusion proof against the signed checkpoints around it.
 */
export async function resultEvidence(ledger: Ledger, seq: number, ruleId: string, resourceId: string, parsed: (sha: string) => Promise<RecordedResult[] | undefined>) {
  let leaf: { seq: number; type: string; observedAt: string; body: Buffer; hash: string } | undefined;
  for await (const l of ledger.leaves({ fromSeq: seq, toSeq: seq })) leaf = l;
  if (!leaf) throw new ApiError('bad_request', `no ledger leaf ${seq}`);
  if (leaf.type !== 'run') throw new ApiError('bad_request', `leaf ${seq} is a ${leaf.type} leaf, not a run`);
  const body = JSON.parse(leaf.body.toString('utf8')) as Record<string, unknown>;
  const sha = String(body.resultsSha256);
  const blob = await ledger.getBlob(sha);
  if (!blob) throw new ApiError('bad_request', `the results blob ${sha} of run ${seq} is not in the store`);
  const blobSha = createHash('sha256').update(blob).digest('hex');
  // The parsed copy is of the same content-addressed blob, whose hash is recomputed from the bytes just above.
  const result = (await parsed(sha))?.find((r) => r.ruleId === ruleId && r.resourceId === resourceId);
  if (!result) throw new ApiError('bad_request', `run ${seq} has no result of rule ${ruleId} for resource ${resourceId}`);
  const proof = await ledger.proveLeaf(seq);
  const checkpoint = proof.checkpoint ? toCheckpoint(proof.checkpoint) : undefined;
  return {
    origin: ledger.origin,
    keyFingerprint: keyFingerprint(ledger.publicKeyPem),
    result,
    run: { seq, observedAt: leaf.observedAt, leafHash: leaf.hash, bodySha256: createHash('sha256').update(leaf.body).digest('hex'), body, bodyBase64: leaf.body.toString('base64') },
    resultsBlob: { sha256: sha, recomputed: blobSha, matches: blobSha === sha, bytes: blob.length },
    rawReplies: (Array.isArray(body.artifacts) ? (body.artifacts as Array<Record<string, unknown>>) : []).map((a) => ({ ...a })),
    inclusion: {
      ok: proof.ok,
      from: proof.from,
      to: proof.to,
      leavesRead: proof.leavesRead,
      ...(proof.problem ? { problem: proof.problem } : {}),
      ...(checkpoint ? { checkpoint: { size: checkpoint.size, root: checkpoint.root, reason: checkpoint.reason, createdAt: checkpoint.createdAt, note: checkpoint.note } } : {}),
    },
  };
}

/** Each configured source: its scopes' last runs (calls, errors and their causes), recent gaps, and the next slot. */
export async function sourcesView(ledger: Ledger, scopes: Map<string, ScopeHealth>, sources: ReadonlyArray<{ source: string; schedule: string }>, now: Date) {
  const gaps = new Map<string, Array<Record<string, unknown>>>();
  for await (const l of ledger.readLeaves({ types: ['gap'] })) {
    const b = l.body as Record<string, unknown>;
    const list = gaps.get(String(b.source)) ?? [];
    list.push({ seq: l.seq, scope: b.scope, from: b.from, to: b.to, reason: b.reason, ...(b.slots !== undefined ? { slots: b.slots } : {}), ...(b.declared ? { declared: true } : {}) });
    if (list.length > 20) list.shift();
    gaps.set(String(b.source), list);
  }
  const names = [...new Set([...sources.map((s) => s.source), ...[...scopes.values()].map((s) => String(s.body.source))])];
  return {
    sources: names.map((source) => {
      const schedule = sources.find((s) => s.source === source)?.schedule;
      const next = schedule ? slotsBetween(schedule, new Date(now.getTime() + 1), new Date(now.getTime() + 8 * 86_400_000), 1)[0] : undefined;
      return {
        source,
        configured: schedule !== undefined,
        ...(schedule ? { schedule } : {}),
        ...(next ? { nextRun: next.toISOString() } : {}),
        scopes: [...scopes.values()]
          .filter((s) => String(s.body.source) === source)
          .map((s) => ({
            scope: String(s.body.scope),
            seq: s.seq,
            slot: String(s.body.slot),
            endedAt: String(s.body.endedAt),
            outcome: String(s.body.outcome),
            apiCalls: Number(s.body.apiCalls),
            ...(typeof s.body.minApiCalls === 'number' ? { minApiCalls: s.body.minApiCalls } : {}),
            population: Number(s.body.population),
            counts: s.body.counts,
            health: s.health.state,
            failedRuns: s.failedRuns,
            ...(s.failingSince ? { failingSince: s.failingSince } : {}),
            ...(s.health.reason ? { reason: s.health.reason } : {}),
            causes: s.health.causes,
            errors: s.health.errors,
            errorCount: s.health.errorCount,
          })),
        gaps: (gaps.get(source) ?? []).reverse(),
      };
    }),
  };
}
