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

export async function listFindings(ledger: Ledger, q: FindingsQuery, now: Date, ctx: FindingsContext = {}): Promise<{ findings: Finding[]; total: number }> {
  const runs = await (ctx.latestRuns ?? (() => latestRuns(ledger)))();
  const load = ctx.results ?? ((sha: string) => loadResults(ledger, sha));
  const book = await loadExceptions(ledger);
  const out: Finding[] = [];
  let total = 0;
  const limit = q.limit ?? 1000;
  for (const { seq, body } of [...runs.values()].sort((a, b) => a.seq - b.seq)) {
    if (q.source && body.source !== q.source) continue;
    if (q.scope && body.scope !== q.scope) continue;
    for (const r of (await load(String(body.resultsSha256))) ?? []) {
      if (q.rule && r.ruleId !== q.rule) continue;
      const exc = r.status === 'fail' ? book.acceptedBy(r.ruleId, r.resourceId, now) : undefined;
      const display = exc ? 'fail (accepted)' : r.status;
      if (q.status && q.status !== r.status && q.status !== display && !(q.status === 'accepted' && exc)) continue;
      const severity = ctx.severityOf?.(r.ruleId);
      if (q.severity && severity !== q.severity) continue;
      const owner = ctx.ownerOf?.({ source: String(body.source), scope: String(body.scope), ruleId: r.ruleId });
      if (q.owner && owner !== q.owner) continue;
      const firstSeen = ctx.firstSeenOf?.(String(body.scope), r.ruleId, r.resourceId, r.status);
      const durationMs = firstSeen ? now.getTime() - Date.parse(firstSeen) : undefined;
      if (q.minAgeDays !== undefined && (durationMs === undefined || durationMs < q.minAgeDays * 86_400_000)) continue;
      total++;
      if (out.length >= limit) continue;
      out.push({
        ruleId: r.ruleId,
        resourceId: r.resourceId,
        source: String(body.source),
        scope: String(body.scope),
        status: r.status,
        display,
        reason: r.reason,
        ...(r.region ? { region: r.region } : {}),
        runSeq: seq,
        slot: String(body.slot),
        ...(severity ? { severity } : {}),
        ...(owner ? { owner } : {}),
        ...(firstSeen ? { firstSeen, durationMs: durationMs! } : {}),
        ...(exc ? { exception: { id: exc.id, expiresAt: exc.expiresAt, approver: exc.approver, requester: exc.requester, reason: exc.reason } } : {}),
      });
    }
  }
  return { findings: out, total };
}
