// Scopes that retired, for the report: Type 1 leaves a scope retired at the instant out of its in-scope systems and lists
// it; Type 2 keeps a retired scope's runs of its active time and lists each retirement in the period with its reason.
import { RetiredScopes } from '../../ledger/retired-scopes.js';
import { str, type LeafRecord } from './types.js';

/** One line of summary.json's `retiredScopes`. */
export interface RetiredScopeRow {
  scope: string;
  retiredAt: string;
  why: string;
  reason: string;
  by: string;
  /** When the scope was last seen (its last run before the retirement); null when it never ran. */
  lastRunAt: string | null;
  /** Type 2: when it came back within the period. */
  reinstatedAt?: string;
}

export class ReportRetirements {
  /** As of the leaves folded so far (Type 1: as of the instant). */
  readonly inForce = new RetiredScopes();
  /** Type 2: every retirement in the period, in order. */
  private readonly events: RetiredScopeRow[] = [];

  constructor(private readonly type: 1 | 2) {}

  leaf(l: LeafRecord, type: string, at: string): void {
    const b = l.body;
    const name = `${str(b.source) ?? ''}/${str(b.scope) ?? ''}`;
    if (type === 'scope.reinstated' && this.type === 2) {
      const open = [...this.events].reverse().find((e) => e.scope === name && e.reinstatedAt === undefined);
      if (open) open.reinstatedAt = at;
    }
    if (type === 'scope.retired' && this.type === 2) {
      const lastRun = b.lastRun as { at?: unknown } | null | undefined;
      this.events.push({ scope: name, retiredAt: at, why: str(b.why) ?? '', reason: str(b.reason) ?? '', by: str(b.by) ?? '', lastRunAt: str(lastRun?.at) ?? null });
    }
    this.inForce.leaf(l.seq, b);
  }

  isRetired(source: string, scope: string): boolean {
    return this.inForce.isRetired(source, scope);
  }

  /** Type 1: source/scope of the scopes with a run before the instant that are retired at it (as staleScopes, from the slice). */
  readonly withRuns = new Set<string>();

  /** summary.json's `retiredScopes`: Type 1 the retirements in force at the instant, Type 2 those in the period. */
  rows(): RetiredScopeRow[] {
    if (this.type === 2) return this.events;
    return this.inForce
      .list()
      .filter((r) => this.withRuns.has(`${r.source}/${r.scope}`))
      .map((r) => ({ scope: `${r.source}/${r.scope}`, retiredAt: r.at, why: r.why, reason: r.reason, by: r.by, lastRunAt: r.lastRun?.at ?? null }));
  }
}
