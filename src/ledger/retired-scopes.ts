// Which scopes are retired, folded from `scope.retired` and `scope.reinstated` leaves in seq order: the one reading that
// posture, the person view, the gap sweep and the auditor report share (docs/pipeline.md, "Scopes that retire").
import type { Ledger } from './ledger.js';

/** The leaf types the fold reads. */
export const RETIREMENT_TYPES = ['scope.retired', 'scope.reinstated'] as const;

/** A retirement in force (or, for a report, one that happened). */
export interface Retirement {
  source: string;
  scope: string;
  /** Seq and `observedAt` of the `scope.retired` leaf: the scope is out of scope from then on. */
  seq: number;
  at: string;
  why: string;
  reason: string;
  by: string;
  /** The scope's last run before the retirement: since when it was last seen. */
  lastRun: { seq: number; slot: string; at: string } | null;
}

const key = (source: string, scope: string): string => `${source}\u0000${scope}`;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export class RetiredScopes {
  private readonly current = new Map<string, Retirement>();

  /** Folds one leaf body (envelope fields included); leaves of other types are ignored. Returns whether it was one of ours. */
  leaf(seq: number, body: Record<string, unknown>): boolean {
    const source = str(body.source);
    const scope = str(body.scope);
    if (body.type === 'scope.retired') {
      const lastRun = body.lastRun as Retirement['lastRun'] | undefined;
      this.current.set(key(source, scope), { source, scope, seq, at: str(body.observedAt), why: str(body.why), reason: str(body.reason), by: str(body.by), lastRun: lastRun ?? null });
      return true;
    }
    if (body.type === 'scope.reinstated') {
      this.current.delete(key(source, scope));
      return true;
    }
    return false;
  }

  isRetired(source: string, scope: string): boolean {
    return this.current.has(key(source, scope));
  }

  get(source: string, scope: string): Retirement | undefined {
    return this.current.get(key(source, scope));
  }

  /** Retirements in force, by source and scope. */
  list(): Retirement[] {
    return [...this.current.values()].sort((a, b) => (key(a.source, a.scope) < key(b.source, b.scope) ? -1 : 1));
  }
}

/** The retirements in force in a ledger (one pass over the two leaf types). */
export async function readRetiredScopes(ledger: Ledger): Promise<RetiredScopes> {
  const r = new RetiredScopes();
  for await (const l of ledger.readLeaves({ types: RETIREMENT_TYPES })) r.leaf(l.seq, l.body);
  return r;
}
