// The writer's account of which scopes are live: retires a scope removed from config or not seen for N of its source's
// runs (`scope.retired`), and reinstates one that is configured, listed or collected again (`scope.reinstated`).
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import { RetiredScopes, RETIREMENT_TYPES, type Retirement } from '../ledger/retired-scopes.js';
import { IDENTITY_SOURCE } from './people.js';

/** Default of `scopes.retireAfterRuns`: a day of hourly runs. */
export const DEFAULT_RETIRE_AFTER_RUNS = 24;

/** A configured source as the retirement check sees it. */
export interface LiveSource {
  source: string;
  /** The scopes its config names; undefined when only the source can say which exist (an AWS organization's accounts). */
  configScopes?: readonly string[];
}

interface ScopeSeen {
  lastRun: { seq: number; slot: string; at: string };
  /** The source's run counter at this scope's last run. */
  atRun: number;
}

const key = (source: string, scope: string): string => `${source}\u0000${scope}`;

/**
 * Reads `run` and retirement leaves incrementally and decides retirements and reinstatements; it appends them itself
 * and returns what it appended, so the writer can tell the person view. Used by the single writer only, in its turn.
 */
export class ScopeRetirement {
  private scannedTo = 0;
  readonly retired = new RetiredScopes();
  private readonly seen = new Map<string, ScopeSeen>();
  /** Per source: how many distinct later slots its runs have had (the clock "not seen for N runs" counts on). */
  private readonly runCounter = new Map<string, { n: number; maxSlot: number }>();
  /** Per source: the scopes last listed (config or scheduler); a listed scope is expected, so never "not seen". */
  private readonly listedScopes = new Map<string, Set<string>>();
  /** Seq of each scope's latest reinstatement, for the idempotency key of its next retirement. */
  private readonly reinstatedSeq = new Map<string, number>();

  constructor(
    private readonly ledger: Ledger,
    private readonly o: { retireAfterRuns: number; by: () => string },
  ) {}

  async catchUp(): Promise<void> {
    const upTo = this.ledger.size();
    if (upTo <= this.scannedTo) return;
    for await (const l of this.ledger.readLeaves({ types: ['run', ...RETIREMENT_TYPES], fromSeq: this.scannedTo, toSeq: upTo - 1 })) {
      const b = l.body;
      if (b.type === 'run') this.noteRun(String(b.source), String(b.scope), b.slot, l.seq, b.endedAt);
      else {
        this.retired.leaf(l.seq, b);
        if (b.type === 'scope.reinstated') this.reinstatedSeq.set(key(String(b.source), String(b.scope)), l.seq);
      }
    }
    this.scannedTo = upTo;
  }

  private noteRun(source: string, scope: string, slot: string, seq: number, at: string): void {
    // Imported findings (vigil import) are not a configured source: an account absent from one scanner file, or the
    // config naming no `findings` source, says nothing about it, so their scopes never retire (docs/findings-import.md).
    if (source === IDENTITY_SOURCE || source === 'findings' || scope === UNRESOLVED_SCOPE) return;
    const t = Date.parse(slot);
    const c = this.runCounter.get(source) ?? { n: 0, maxSlot: -Infinity };
    if (t > c.maxSlot) {
      c.n++;
      c.maxSlot = t;
    }
    this.runCounter.set(source, c);
    this.seen.set(key(source, scope), { lastRun: { seq, slot, at }, atRun: c.n });
  }

  /** Writer start: retires scopes whose source is gone or whose config no longer names them; reinstates those it names again. */
  async reconcileConfig(sources: readonly LiveSource[], slotOf: (source: string) => string): Promise<LeafInput[]> {
    await this.catchUp();
    const configured = new Map(sources.map((s) => [s.source, s.configScopes]));
    const leaves: LeafInput[] = [];
    for (const s of sources) if (s.configScopes) this.listedScopes.set(s.source, new Set(s.configScopes));
    for (const [k, seen] of this.seen) {
      const [source, scope] = k.split('\u0000') as [string, string];
      if (this.retired.isRetired(source, scope)) continue;
      const names = configured.get(source);
      const gone = !configured.has(source) ? `source ${source} is no longer configured` : names && !names.includes(scope) ? `the config of ${source} no longer names ${scope}` : undefined;
      if (gone) leaves.push(this.retirement(source, scope, seen, 'removed-from-config', `removed from config (${gone})`));
    }
    for (const r of this.retired.list()) {
      if (configured.get(r.source)?.includes(r.scope)) leaves.push(this.reinstatement(r, slotOf(r.source), 'configured again'));
    }
    return this.append(leaves);
  }

  /** The scheduler resolved `scopes` for `source` at `slot`: retired ones among them are reinstated. */
  async listed(source: string, scopes: readonly string[], slot: string): Promise<LeafInput[]> {
    await this.catchUp();
    this.listedScopes.set(source, new Set(scopes));
    const leaves = scopes.flatMap((scope) => {
      const r = this.retired.get(source, scope);
      return r ? [this.reinstatement(r, slot, `listed by ${source} again`)] : [];
    });
    return this.append(leaves);
  }

  /**
   * Before a run is recorded: a retired scope collected at a slot after its retirement is back. A run of a slot before
   * the retirement (a job queued before it) is history of its active time and reinstates nothing.
   */
  async beforeRun(source: string, scope: string, slot: string): Promise<LeafInput[]> {
    await this.catchUp();
    const r = this.retired.get(source, scope);
    if (!r || Date.parse(slot) < Date.parse(r.at)) return [];
    return this.append([this.reinstatement(r, slot, 'collected again')]);
  }

  /**
   * After a run of `source` is recorded: retires its scopes not listed and with no run in the last `retireAfterRuns`
   * slots its source completed (slots with a run of some other scope, the newest one excepted).
   */
  async afterRun(source: string): Promise<LeafInput[]> {
    await this.catchUp();
    const n = this.runCounter.get(source)?.n ?? 0;
    const listed = this.listedScopes.get(source);
    const leaves: LeafInput[] = [];
    for (const [k, seen] of this.seen) {
      const [src, scope] = k.split('\u0000') as [string, string];
      if (src !== source || this.retired.isRetired(src, scope) || listed?.has(scope)) continue;
      // The newest slot does not count yet: this scope's run of it may still be on its way.
      const missed = Math.max(0, n - seen.atRun - 1);
      if (missed >= this.o.retireAfterRuns) leaves.push(this.retirement(src, scope, seen, 'not-seen', `not seen for ${missed} runs of ${source}`, missed));
    }
    return this.append(leaves);
  }

  private retirement(source: string, scope: string, seen: ScopeSeen, why: 'removed-from-config' | 'not-seen', reason: string, runsMissed?: number): LeafInput<'scope.retired'> {
    const after = this.reinstatedSeq.get(key(source, scope)) ?? 'first';
    return {
      type: 'scope.retired',
      idempotencyKey: `scope.retired:${source}:${scope}:${after}`,
      source,
      scope,
      data: { why, reason, lastRun: seen.lastRun, ...(runsMissed !== undefined ? { runsMissed } : {}), by: this.o.by() },
    };
  }

  private reinstatement(r: Retirement, from: string, reason: string): LeafInput<'scope.reinstated'> {
    return { type: 'scope.reinstated', idempotencyKey: `scope.reinstated:${r.source}:${r.scope}:${r.seq}`, source: r.source, scope: r.scope, data: { from, reason, retiredSeq: r.seq, by: this.o.by() } };
  }

  private async append(leaves: LeafInput[]): Promise<LeafInput[]> {
    if (leaves.length === 0) return [];
    await this.ledger.append(leaves);
    await this.catchUp();
    return leaves;
  }
}
