// Run-length populations for the auditor report: one row per (resource, unchanged status and reason) interval, and a seeded sample of single evaluations drawn from them.
import { createHash } from 'node:crypto';

/** One run leaf of a scope, as a population row names it. */
export interface RunRef {
  seq: number;
  hash: string;
  slot: string;
}

export interface ResultLike {
  ruleId: string;
  resourceId: string;
  status: string;
  reason: string;
}

/** Header of populations/<rule>.csv: every evaluation of the interval's runs had this status and reason. */
export const POPULATION_HEADER = [
  'source', 'scope', 'resource', 'status', 'reason',
  'first_run_seq', 'first_run_leaf_hash', 'first_slot',
  'last_run_seq', 'last_run_leaf_hash', 'last_slot', 'runs',
];

interface OpenInterval {
  ruleId: string;
  resourceId: string;
  status: string;
  reason: string;
  first: RunRef;
  /** The scope's run counter before the interval's first run: runs in it = counter at close − this. */
  startCount: number;
  /** Generation of the last results blob that held this result; older ones are closed as absent. */
  gen: number;
}

/** A closed interval, handed to the caller to write as a population row and offer to the sampler. */
export interface Interval {
  ruleId: string;
  source: string;
  scope: string;
  resourceId: string;
  status: string;
  reason: string;
  first: RunRef;
  last: RunRef;
  runs: number;
  /** Index of the first run in the scope's run list for the period. */
  startIndex: number;
}

export function populationRow(iv: Interval): unknown[] {
  return [iv.source, iv.scope, iv.resourceId, iv.status, iv.reason, iv.first.seq, iv.first.hash, iv.first.slot, iv.last.seq, iv.last.hash, iv.last.slot, iv.runs];
}

/**
 * Per-scope interval tracker. A run whose results blob equals the previous run's costs O(1): every open interval just
 * grows by one run. A changed blob walks its results once. Memory: the open intervals (one per rule × resource) and the
 * scope's run list (seq, hash, slot per run, for resolving sampled runs).
 */
export class ScopeIntervals {
  readonly runs: RunRef[] = [];
  private readonly open = new Map<string, OpenInterval>();
  /**
   * The open intervals in the order of the last results blob, when its (rule, resource) pairs were all distinct. A
   * changed blob usually holds the same pairs in the same order (only statuses moved): it is then compared index by
   * index, with no key built or looked up; `open` is rebuilt from this list only when the pairs differ.
   */
  private aligned: OpenInterval[] | undefined;
  private sha: string | undefined;
  private gen = 0;

  constructor(readonly source: string, readonly scope: string) {}

  /** Records one run; `results` is read only when `resultsSha256` differs from the previous run's. Returns the intervals this run closed. */
  async run(ref: RunRef, resultsSha256: string, results: () => Promise<ResultLike[]>): Promise<Interval[]> {
    let closed: Interval[] = [];
    if (resultsSha256 !== this.sha || this.runs.length === 0) {
      const rs = await results();
      closed = this.sameKeys(rs) ? this.runAligned(ref, rs) : this.runKeyed(ref, rs);
      this.sha = resultsSha256;
    }
    this.runs.push(ref);
    return closed;
  }

  private sameKeys(rs: ResultLike[]): boolean {
    const a = this.aligned;
    if (a === undefined || a.length !== rs.length) return false;
    for (let i = 0; i < rs.length; i++) if (a[i]!.ruleId !== rs[i]!.ruleId || a[i]!.resourceId !== rs[i]!.resourceId) return false;
    return true;
  }

  /** The same pairs in the same order as the last blob: what `runKeyed` does, index by index (nothing can be gone). */
  private runAligned(ref: RunRef, rs: ResultLike[]): Interval[] {
    const a = this.aligned!;
    const closed: Interval[] = [];
    const gen = ++this.gen;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      const iv = a[i]!;
      if (iv.status === r.status && iv.reason === r.reason) {
        iv.gen = gen;
        continue;
      }
      closed.push(this.close(iv));
      a[i] = { ruleId: iv.ruleId, resourceId: iv.resourceId, status: r.status, reason: r.reason, first: ref, startCount: this.runs.length, gen };
    }
    this.open.clear(); // rebuilt from `aligned` if a later blob's pairs differ
    return closed;
  }

  private runKeyed(ref: RunRef, rs: ResultLike[]): Interval[] {
    if (this.open.size === 0 && this.aligned) for (const iv of this.aligned) this.open.set(`${iv.ruleId}\u0000${iv.resourceId}`, iv);
    const closed: Interval[] = [];
    const gen = ++this.gen;
    const order: OpenInterval[] = [];
    for (const r of rs) {
      const k = `${r.ruleId}\u0000${r.resourceId}`;
      const iv = this.open.get(k);
      if (iv && iv.gen !== gen && iv.status === r.status && iv.reason === r.reason) {
        iv.gen = gen;
        order.push(iv);
        continue;
      }
      if (iv) closed.push(this.close(iv));
      const next = { ruleId: r.ruleId, resourceId: r.resourceId, status: r.status, reason: r.reason, first: ref, startCount: this.runs.length, gen };
      this.open.set(k, next);
      order.push(next);
    }
    const gone: OpenInterval[] = [];
    for (const [k, iv] of this.open) {
      if (iv.gen !== gen) {
        gone.push(iv);
        this.open.delete(k);
      }
    }
    gone.sort(byRuleResource);
    for (const iv of gone) closed.push(this.close(iv));
    this.aligned = this.open.size === rs.length ? order : undefined;
    if (this.aligned) this.open.clear();
    return closed;
  }

  /** The intervals still open at the end of the period, by rule and resource. */
  finish(): Interval[] {
    const rest = [...(this.aligned ?? this.open.values())].sort(byRuleResource).map((iv) => this.close(iv));
    this.open.clear();
    this.aligned = undefined;
    return rest;
  }

  private close(iv: OpenInterval): Interval {
    return {
      ruleId: iv.ruleId,
      source: this.source,
      scope: this.scope,
      resourceId: iv.resourceId,
      status: iv.status,
      reason: iv.reason,
      first: iv.first,
      last: this.runs[this.runs.length - 1]!,
      runs: this.runs.length - iv.startCount,
      startIndex: iv.startCount,
    };
  }
}

const byRuleResource = (a: { ruleId: string; resourceId: string }, b: { ruleId: string; resourceId: string }): number =>
  a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0;

/** A number in (0, 1) from sha256(text): the top 52 bits, shifted off both ends. */
export function uniform(text: string): number {
  const h = createHash('sha256').update(text, 'utf8').digest();
  const hi = h.readUInt32BE(0) >>> 0;
  const lo = h.readUInt32BE(4) >>> 12;
  return (hi * 2 ** 20 + lo + 0.5) / 2 ** 52;
}

export interface SampledEvaluation {
  item: string;
  sortKey: number;
  interval: Interval;
  offset: number;
}

/**
 * Bottom-k sample of single evaluations, exact and uniform over every (interval, run) pair without enumerating them.
 * Each evaluation conceptually gets an independent uniform key; an interval of w runs yields its keys in increasing
 * order as order statistics: m₁ = 1 − (1 − u₁)^(1/w), m_j = m_{j−1} + (1 − m_{j−1})(1 − (1 − u_j)^(1/(w−j+1))), with
 * u_j = uniform(seed ":" item ":" j), item = "<source>:<scope>:<rule>:<resource>:<first_run_seq>". The j-th key belongs
 * to run offset o_j = the first draw of floor(uniform(seed ":" item ":" j ":" t) · w), t = 0, 1, … not taken earlier in
 * the interval. The n smallest keys over all intervals are the sample; offsets count runs of the scope from first_run_seq.
 */
export class EvaluationSampler {
  private readonly best: SampledEvaluation[] = [];
  constructor(private readonly seed: string, private readonly k: number) {}

  offer(iv: Interval): void {
    const item = `${iv.source}:${iv.scope}:${iv.ruleId}:${iv.resourceId}:${iv.first.seq}`;
    let m = 0;
    const taken = new Set<number>();
    for (let j = 1; j <= Math.min(iv.runs, this.k); j++) {
      const u = uniform(`${this.seed}:${item}:${j}`);
      m = m + (1 - m) * (1 - Math.pow(1 - u, 1 / (iv.runs - j + 1)));
      if (this.best.length >= this.k && m >= this.best[this.best.length - 1]!.sortKey) return;
      let offset = 0;
      for (let t = 0; ; t++) {
        offset = Math.floor(uniform(`${this.seed}:${item}:${j}:${t}`) * iv.runs);
        if (!taken.has(offset)) break;
      }
      taken.add(offset);
      this.best.push({ item: `${item}:${offset}`, sortKey: m, interval: iv, offset });
      this.best.sort((a, b) => a.sortKey - b.sortKey || (a.item < b.item ? -1 : 1));
      if (this.best.length > this.k) this.best.pop();
    }
  }

  selected(n: number): SampledEvaluation[] {
    return this.best.slice(0, n);
  }
}
