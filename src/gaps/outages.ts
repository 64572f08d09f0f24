// Declared outages: an operator records a known monitoring outage of a source as an `outage.declared` leaf. The report
// labels the missed slots inside one `declared outage`; the declaration removes and rewrites nothing.
import { UsageError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { LeafInput, Ledger } from '../ledger/ledger.js';

/** How far ahead a planned outage may be declared (its `to`), as an exception's expiry. */
export const MAX_DAYS_AHEAD = 366;

export interface OutageInput {
  source: string;
  scope?: string;
  from: string;
  to: string;
  reason: string;
}

export interface OutageDeclaration {
  source: string;
  /** Absent: every scope of the source. */
  scope?: string;
  /** [from, to], both included, as UTC instants. */
  from: string;
  to: string;
  reason: string;
  declaredBy: Principal;
}

export interface RecordedOutage extends OutageDeclaration {
  seq: number;
  /** When the declaration was recorded (its leaf's observedAt): after `to` when declared after the fact. */
  declaredAt: string;
}

/** An ISO 8601 instant with a date, a time and a zone (`Z` or ±hh:mm): a bare date or a local time is ambiguous. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(s: string, flag: string, where: string): string {
  const t = Date.parse(s);
  if (!INSTANT.test(s) || Number.isNaN(t)) throw new UsageError('OUTAGE_INVALID', `${where}: ${flag} ${JSON.stringify(s)} is not an ISO 8601 instant with a time and a zone (e.g. 2025-03-01T08:00:00Z)`);
  return new Date(t).toISOString();
}

/**
 * Checks a declaration before it is recorded: a source this build ships, a non-empty scope when given, instants with
 * a zone, `from` before `to`, `to` at most MAX_DAYS_AHEAD days from now (a planned outage may lie ahead), and a reason.
 */
export function validateOutage(o: OutageInput, now: Date, knownSources: readonly string[], by: Principal, where = 'vigil gaps declare'): OutageDeclaration {
  if (!knownSources.includes(o.source)) throw new UsageError('OUTAGE_INVALID', `${where}: unknown source ${JSON.stringify(o.source)} (sources: ${knownSources.join(', ')})`);
  if (o.scope !== undefined && o.scope.trim() === '') throw new UsageError('OUTAGE_INVALID', `${where}: --scope is empty (leave it out to mean every scope of ${o.source})`);
  if (typeof o.reason !== 'string' || o.reason.trim() === '') throw new UsageError('OUTAGE_INVALID', `${where}: --reason is required`);
  const from = instant(o.from, '--from', where);
  const to = instant(o.to, '--to', where);
  if (Date.parse(from) >= Date.parse(to)) throw new UsageError('OUTAGE_INVALID', `${where}: --from ${from} is not before --to ${to}`);
  if (Date.parse(to) - now.getTime() > MAX_DAYS_AHEAD * 86_400_000) throw new UsageError('OUTAGE_INVALID', `${where}: --to ${to} is more than ${MAX_DAYS_AHEAD} days ahead`);
  return { source: o.source, ...(o.scope !== undefined ? { scope: o.scope } : {}), from, to, reason: o.reason, declaredBy: by };
}

export function outageLeaf(d: OutageDeclaration): LeafInput<'outage.declared'> {
  return { type: 'outage.declared', source: d.source, ...(d.scope !== undefined ? { scope: d.scope } : {}), data: { from: d.from, to: d.to, reason: d.reason, declaredBy: d.declaredBy } };
}

export async function declareOutage(ledger: Ledger, d: OutageDeclaration): Promise<{ seq: number }> {
  const [out] = await ledger.append([outageLeaf(d)]);
  return { seq: out!.seq };
}

/** Every declaration in the ledger, in the order recorded. */
export async function listOutages(ledger: Ledger): Promise<RecordedOutage[]> {
  const out: RecordedOutage[] = [];
  for await (const l of ledger.readLeaves({ types: ['outage.declared'] })) {
    const b = l.body;
    out.push({ seq: l.seq, declaredAt: String(b.observedAt), source: String(b.source), ...(typeof b.scope === 'string' ? { scope: b.scope } : {}), from: b.from, to: b.to, reason: b.reason, declaredBy: b.declaredBy });
  }
  return out;
}
