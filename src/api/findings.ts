// Findings: the latest result of every rule on every resource, filtered, with accepted failures shown as `fail (accepted)`.
import type { Ledger } from '../ledger/ledger.js';
import { latestRuns } from '../report/posture.js';
import { loadResults } from '../pipeline/record.js';
import { loadExceptions } from '../exceptions/exceptions.js';

export interface Finding {
  ruleId: string;
  resourceId: string;
  source: string;
  scope: string;
  status: string;
  /** `status`, or `fail (accepted)` when an active exception accepts the failure. */
  display: string;
  reason: string;
  region?: string;
  runSeq: number;
  slot: string;
  exception?: { id: string; expiresAt: string; approver: string; requester: string; reason: string };
  /** The rule's severity, when the rule is known to this process. */
  severity?: string;
  /** When the current status began (the change leaf that moved it there); absent when no change leaf records it. */
  firstSeen?: string;
  /** Milliseconds from firstSeen to now. */
  durationMs?: number;
  /** Who owns it (config `owners:`), when an entry matches. */
  owner?: string;
}

export interface FindingsQuery {
  status?: string;
  rule?: string;
  source?: string;
  scope?: string;
  severity?: string;
  /** Only findings of this owner (config `owners:`). */
  owner?: string;
  /** Only findings whose current status began at least this many days ago (needs firstSeen: the rest are left out). */
  minAgeDays?: number;
  limit?: number;
}

/** What enriches findings when the caller has it: each rule's severity, and when each status began. */
export interface FindingsContext {
  severityOf?: (ruleId: string) => string | undefined;
  /** The owner of a finding (config `owners:`, src/report/owners.ts). */
  ownerOf?: (f: { source: string; scope: string; ruleId: string }) => string | undefined;
  firstSeenOf?: (scope: string, ruleId: string, resourceId: string, status: string) => string | undefined;
  /** The latest run per scope (a memo of latestRuns). @defaultValue latestRuns(ledger) */
  latestRuns?: () => ReturnType<typeof latestRuns>;
  /** A results blob by hash (a cache of loadResults). @defaultValue loadResults */
  results?: (sha: string) => ReturnType<typeof loadResults>;
}

/** A finding as far as it does not depend on the time of asking (exceptions expire; durations grow). */
export type FindingRow = Omit<Finding, 'display' | 'exception' | 'durationMs'>;

/**
 * Every finding of the latest runs, enriched and unfiltered: what a query filters. Built once per ledger size (the API
 * builds it as the view folds each run in, so the first read after a run only filters).
 */
export async function findingRows(ledger: Ledger, ctx: FindingsContext = {}): Promise<FindingRow[]> {
  const runs = await (ctx.latestRuns ?? (() => latestRuns(ledger)))();
  const load = ctx.results ?? ((sha: string) => loadResults(ledger, sha));
  const out: FindingRow[] = [];
  for (const { seq, body } of [...runs.values()].sort((a, b) => a.seq - b.seq)) {
    const source = String(body.source);
    const scope = String(body.scope);
    const slot = String(body.slot);
    for (const r of (await load(String(body.resultsSha256))) ?? []) {
      const severity = ctx.severityOf?.(r.ruleId);
      const owner = ctx.ownerOf?.({ source, scope, ruleId: r.ruleId });
      const firstSeen = ctx.firstSeenOf?.(scope, r.ruleId, r.resourceId, r.status);
      out.push({
        ruleId: r.ruleId,
        resourceId: r.resourceId,
        source,
        scope,
        status: r.status,
        reason: r.reason,
        ...(r.region ? { region: r.region } : {}),
        runSeq: seq,
        slot,
        ...(severity ? { severity } : {}),
        ...(owner ? { owner } : {}),
        ...(firstSeen ? { firstSeen } : {}),
      });
    }
  }
  return out;
}

/** The rows a query keeps (at most `limit` of them, and how many in all), with the exceptions in force at `now`. */
export async function filterFindings(ledger: Ledger, rows: readonly FindingRow[], q: FindingsQuery, now: Date): Promise<{ findings: Finding[]; total: number }> {
  const book = await loadExceptions(ledger);
  const out: Finding[] = [];
  let total = 0;
  const limit = q.limit ?? 1000;
  const minAgeMs = q.minAgeDays === undefined ? undefined : q.minAgeDays * 86_400_000;
  for (const r of rows) {
    if ((q.source && r.source !== q.source) || (q.scope && r.scope !== q.scope) || (q.rule && r.ruleId !== q.rule)) continue;
    if ((q.severity && r.severity !== q.severity) || (q.owner && r.owner !== q.owner)) continue;
    const exc = r.status === 'fail' ? book.acceptedBy(r.ruleId, r.resourceId, now) : undefined;
    const display = exc ? 'fail (accepted)' : r.status;
    if (q.status && q.status !== r.status && q.status !== display && !(q.status === 'accepted' && exc)) continue;
    const durationMs = r.firstSeen ? now.getTime() - Date.parse(r.firstSeen) : undefined;
    if (minAgeMs !== undefined && (durationMs === undefined || durationMs < minAgeMs)) continue;
    total++;
    if (out.length >= limit) continue;
    const { firstSeen, ...rest } = r;
    out.push({
      ...rest,
      display,
      ...(firstSeen ? { firstSeen, durationMs: durationMs! } : {}),
      ...(exc ? { exception: { id: exc.id, expiresAt: exc.expiresAt, approver: exc.approver, requester: exc.requester, reason: exc.reason } } : {}),
    });
  }
  return { findings: out, total };
}

export async function listFindings(ledger: Ledger, q: FindingsQuery, now: Date, ctx: FindingsContext = {}): Promise<{ findings: Finding[]; total: number }> {
  return filterFindings(ledger, await findingRows(ledger, ctx), q, now);
}
