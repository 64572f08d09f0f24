// What the dashboard reads beyond the plain API answers: the posture trend per criterion by day, one result's evidence
// with its inclusion proof, each source's runs, errors, gaps and next slot, and when each finding's status began.
// Each is memoised on the ledger's version (the last seq of the leaf types it reads), so a repeat read costs a lookup.
import { createHash } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.js';
import type { Framework } from '../rules/frameworks.js';
import { loadResults } from '../pipeline/record.js';
import type { RecordedResult } from '../pipeline/collect-stage.js';
import { RETIREMENT_TYPES } from '../ledger/retired-scopes.js';
import { assessCriterion, ruleInScope, ruleOutcome, type CriterionState } from '../rules/coverage.js';
import { latestScopeHealth } from '../report/health.js';
import { tallyResults, type BlobTally } from '../report/posture.js';
import { slotsBetween } from '../pipeline/slots.js';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { ApiError } from './errors.js';

/**
 * The ledger's size as this reader last saw it, caught up by reading only the leaves appended since (another process
 * may be the writer, so the in-process tree size can lag): a memo keyed on it is fresh whoever appended. Cheaper than
 * asking for the last leaf of each type, which the store answers by scanning that type's index.
 */
export class LedgerHead {
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly ledger: Ledger) {}

  version(): Promise<number> {
    this.chain = this.chain.catch(() => undefined).then(async () => {
      this.size = Math.max(this.size, this.ledger.size());
      for await (const l of this.ledger.leaves({ fromSeq: this.size })) this.size = l.seq + 1;
    });
    return this.chain.then(() => this.size);
  }
}

/** A memo of one async computation per key, keeping the last `max` keys. */
export class Memo<T> {
  private readonly m = new Map<string, Promise<T>>();
  constructor(private readonly max = 8) {}
  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.m.get(key);
    if (hit) return hit;
    const p = compute();
    p.catch(() => this.m.delete(key));
    this.m.set(key, p);
    while (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
    return p;
  }
  delete(key: string): void {
    this.m.delete(key);
  }
}

type Tally = { pass: number; fail: number; error: number; notApplicable: number };

/** Parsed results blobs by hash (content-addressed: never stale); bounded, since one blob can hold 100,000 results. */
const parsed = new Memo<RecordedResult[] | undefined>(32);
export function cachedResults(ledger: Ledger, sha: string): Promise<RecordedResult[] | undefined> {
  return parsed.get(`${ledger.origin}|${sha}`, () => loadResults(ledger, sha));
}

/** Per-rule tallies of one results blob, and its failures (blobs are content-addressed: a tally never goes stale). */
const tallies = new Memo<BlobTally>(1024);
export function cachedTally(ledger: Ledger, sha: string): Promise<BlobTally> {
  return tallies.get(`${ledger.origin}|${sha}`, async () => tallyResults((await cachedResults(ledger, sha)) ?? []));
}

export interface PostureTrend {
  /** UTC dates, oldest first; each state is the criterion's at the end of that day. */
  dates: string[];
  criteria: Array<{ id: string; title: string; states: CriterionState[] }>;
}

/** The first seq observed at or after `t` (binary search on observedAt, which grows with seq), or the ledger's end. */
async function firstSeqAt(ledger: Ledger, t: number, size: number): Promise<number> {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let at: number | undefined;
    for await (const l of ledger.leaves({ fromSeq: mid, toSeq: mid })) at = Date.parse(l.observedAt);
    if (at === undefined || at >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** How far before the window the trend looks for each scope's last run (a weekly schedule still has one). */
const LOOKBACK_MS = 8 * 86_400_000;

/**
 * Each criterion's state at the end of each of the last `days` UTC days, judged as /v1/posture judges the latest runs:
 * from the last run of each scope before the day ended (a scope whose last run is older than the window plus 8 days
 * does not count).
 */
export async function postureTrend(ledger: Ledger, framework: Framework, sources: readonly string[], days: number, now: Date, size: number): Promise<PostureTrend> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const ends = Array.from({ length: days }, (_, i) => today - (days - 1 - i) * 86_400_000 + 86_400_000);
  const from = await firstSeqAt(ledger, ends[0]! - 86_400_000 - LOOKBACK_MS, size);
  const latest = new Map<string, string>();
  const snapshots: string[][] = [];
  let day = 0;
  for await (const l of ledger.readLeaves({ types: ['run', ...RETIREMENT_TYPES], fromSeq: from })) {
    const at = Date.parse(l.observedAt);
    while (day < ends.length && at >= ends[day]!) {
      snapshots.push([...latest.values()]);
      day++;
    }
    const b = l.body as Record<string, unknown>;
    const key = `${String(b.source)}|${String(b.scope)}`;
    if (b.type === 'run') latest.set(key, String(b.resultsSha256));
    else if (b.type === 'scope.retired') latest.delete(key);
  }
  while (snapshots.length < ends.length) snapshots.push([...latest.values()]);
  const states: CriterionState[][] = framework.criteria.map(() => []);
  for (const shas of snapshots) {
    const byRule = new Map<string, Tally>();
    for (const sha of shas) {
      for (const [rule, t] of (await cachedTally(ledger, sha)).byRule) {
        const c = byRule.get(rule) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 };
        byRule.set(rule, { pass: c.pass + t.pass, fail: c.fail + t.fail, error: c.error + t.error, notApplicable: c.notApplicable + t.notApplicable });
      }
    }
    framework.criteria.forEach((cr, i) => {
      const outcome = (id: string) => ruleOutcome({ ...(byRule.get(id) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 }), inScope: ruleInScope(id, sources) });
      states[i]!.push(assessCriterion(cr, outcome).state);
    });
  }
  return {
    dates: ends.map((e) => new Date(e - 86_400_000).toISOString().slice(0, 10)),
    criteria: framework.criteria.map((cr, i) => ({ id: cr.id, title: cr.title, states: states[i]! })),
  };
}

/**
 * One result's evidence: the run leaf (its exact bytes' hashes and body), the result found in the run's results blob,
 * the blob's and raw replies' hashes, and the leaf's inclusion proof against the signed checkpoints around it.
 */
export async function resultEvidence(ledger: Ledger, seq: number, ruleId: string, resourceId: string) {
  let leaf: { seq: number; type: string; observedAt: string; body: Buffer; hash: string } | undefined;
  for await (const l of ledger.leaves({ fromSeq: seq, toSeq: seq })) leaf = l;
  if (!leaf) throw new ApiError('bad_request', `no ledger leaf ${seq}`);
  if (leaf.type !== 'run') throw new ApiError('bad_request', `leaf ${seq} is a ${leaf.type} leaf, not a run`);
  const body = JSON.parse(leaf.body.toString('utf8')) as Record<string, unknown>;
  const sha = String(body.resultsSha256);
  const blob = await ledger.getBlob(sha);
  if (!blob) throw new ApiError('bad_request', `the results blob ${sha} of run ${seq} is not in the store`);
  const blobSha = createHash('sha256').update(blob).digest('hex');
  const result = (JSON.parse(blob.toString('utf8')) as RecordedResult[]).find((r) => r.ruleId === ruleId && r.resourceId === resourceId);
  if (!result) throw new ApiError('bad_request', `run ${seq} has no result of rule ${ruleId} for resource ${resourceId}`);
  const proof = await ledger.proveLeaf(seq);
  const checkpoint = proof.ok ? (await ledger.checkpoints()).find((c) => c.size === proof.to) : undefined;
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
export async function sourcesView(ledger: Ledger, sources: ReadonlyArray<{ source: string; schedule: string }>, now: Date) {
  const scopes = await latestScopeHealth(ledger);
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

/**
 * When each (scope, rule, resource)'s current status began: the last `change` leaf moving it to that status. Read
 * incrementally: each call reads only the change leaves appended since the last one.
 */
export class FirstSeen {
  private readonly since = new Map<string, { to: string; at: string }>();
  private next = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ledger: Ledger) {}

  /**
   * Catches up with the ledger (one reader at a time). Reads every leaf after the last one seen and keeps the `change`
   * ones: a seq range is the store's cheapest read, where asking for one type from a seq walks that type's index whole.
   */
  refresh(): Promise<void> {
    this.chain = this.chain.catch(() => undefined).then(async () => {
      for await (const l of this.ledger.leaves({ fromSeq: this.next })) {
        if (l.type === 'change') {
          const b = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
          this.since.set(`${String(b.scope)}|${String(b.ruleId)}|${String(b.resourceId)}`, { to: String(b.to), at: l.observedAt });
        }
        this.next = l.seq + 1;
      }
    });
    return this.chain;
  }

  /** When the status began, or undefined when no change leaf records it (it was never seen to move). */
  of(scope: string, ruleId: string, resourceId: string, status: string): string | undefined {
    const c = this.since.get(`${scope}|${ruleId}|${resourceId}`);
    return c && c.to === status ? c.at : undefined;
  }
}
