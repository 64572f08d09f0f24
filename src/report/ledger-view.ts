// A materialized view of the ledger for the API and dashboard: the latest run of every scope with its health, when each
// (scope, rule, resource)'s current status began, and each UTC day's closing set of latest runs with their per-rule
// tallies (the posture trend). Folded incrementally from the leaves appended since the last fold, and saved to a file so
// a restart folds only what was appended since the save. A cache of the truth, never the truth: a test derives every
// answer afresh from the ledger and compares.
import type { Clock, Logger } from '../core/collector.js';
import type { Ledger } from '../ledger/ledger.js';
import { RetiredScopes } from '../ledger/retired-scopes.js';
import { loadResults } from '../pipeline/record.js';
import type { RecordedResult } from '../pipeline/collect-stage.js';
import { Memo } from '../core/memo.js';
import { foldScopeHealth, inScope, type ScopeHealth } from './health.js';
import { tallyResults, type BlobTally } from './posture.js';
import { readViewFile, writeViewFile, type TrendRun, type ViewFile } from './ledger-view-file.js';

export type { TrendRun } from './ledger-view-file.js';

export const DAY_MS = 86_400_000;

/** How many closed days the view keeps: the trend reads at most 400 days, plus its 8-day lookback. */
const KEEP_DAYS = 410;

export type RuleTally = BlobTally['byRule'];


export interface LedgerViewOptions {
  /** Where the view is saved (`<dir>/ledger-view.json`); without it the view lives in memory only. */
  dir?: string;
  logger: Logger;
  clock: Clock;
  /** Save at most this often while folding (and always on close). @defaultValue 10 minutes */
  saveEveryMs?: number;
}

const dayEnd = (at: number): number => Math.floor(at / DAY_MS) * DAY_MS + DAY_MS;

export class LedgerView {
  private next = 0;
  private lastHash = '';
  private readonly all = new Map<string, ScopeHealth>();
  private retired = new RetiredScopes();
  /** The retirement leaves folded, kept so a saved view can rebuild `retired`. */
  private readonly retirements: Array<{ seq: number; body: Record<string, unknown> }> = [];
  private readonly since = new Map<string, { to: string; at: string }>();
  /** The trend's latest run per scope: set by each run, dropped by `scope.retired` (a reinstated scope waits for a run). */
  private readonly trendLatest = new Map<string, TrendRun>();
  /** Day end (ms) → the trend's latest runs as of that instant, for every day closed since the first leaf. */
  private readonly closes = new Map<number, TrendRun[]>();
  private openDayEnd: number | undefined;
  private readonly tallies = new Map<string, RuleTally>();
  /** Bounded: one blob can hold 100,000 results. */
  private readonly parsed = new Memo<RecordedResult[] | undefined>(16);
  private readonly full = new Memo<BlobTally>(64);
  private chain: Promise<void> = Promise.resolve();
  private loaded = false;
  private lastSave: number;
  private unsaved = 0;
  private closed = false;
  private readonly listeners: Array<(size: number) => unknown> = [];

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: LedgerViewOptions,
  ) {
    this.lastSave = opts.clock.now().getTime();
  }

  /** The number of leaves folded so far (the ledger's size when the last refresh ended). */
  get size(): number {
    return this.next;
  }

  /**
   * Catches up with the ledger, one caller at a time: folds the leaves appended since the last fold (after loading the
   * saved view, the first time), tallies the results blobs the trend will need, and saves now and then. A failed read
   * is its caller's error; the next refresh starts from where this one got to.
   */
  refresh(): Promise<void> {
    this.chain = this.chain.catch(() => undefined).then(() => this.catchUp());
    return this.chain;
  }

  private async catchUp(): Promise<void> {
    if (this.closed) return;
    if (!this.loaded) await this.load();
    let folded = 0;
    for await (const l of this.ledger.leaves({ fromSeq: this.next })) {
      if (this.closed) break;
      await this.fold(l);
      folded++;
    }
    for (const r of this.trendLatest.values()) await this.tally(r.sha);
    // What readers precompute from the view (the API's findings rows) is built here too, off the request path.
    if (folded > 0) for (const l of this.listeners) await Promise.resolve(l(this.next)).catch((e: Error) => this.opts.logger.warn({ err: e.message }, 'ledger view: a listener failed'));
    this.unsaved += folded;
    const now = this.opts.clock.now().getTime();
    if (this.unsaved > 0 && (this.unsaved >= 10_000 || now - this.lastSave >= (this.opts.saveEveryMs ?? 600_000))) this.save();
  }

  private async fold(l: { seq: number; type: string; observedAt: string; body: Buffer; hash: string }): Promise<void> {
    const at = Date.parse(l.observedAt);
    this.openDayEnd ??= dayEnd(at);
    while (at >= this.openDayEnd) await this.closeDay();
    if (l.type === 'run' || l.type === 'scope.retired' || l.type === 'scope.reinstated') {
      const body = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
      foldScopeHealth(this.all, this.retired, l.seq, body);
      const key = `${String(body.source)}|${String(body.scope)}`;
      if (l.type === 'run') this.trendLatest.set(key, { key, sha: String(body.resultsSha256), at });
      else {
        this.retirements.push({ seq: l.seq, body });
        if (l.type === 'scope.retired') this.trendLatest.delete(key);
      }
    } else if (l.type === 'change') {
      const b = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
      this.since.set(`${String(b.scope)}|${String(b.ruleId)}|${String(b.resourceId)}`, { to: String(b.to), at: l.observedAt });
    }
    this.next = l.seq + 1;
    this.lastHash = l.hash;
  }

  /** Closes the open day: its latest runs are final (observedAt grows with seq), tallied now, off the request path. */
  private async closeDay(): Promise<void> {
    const end = this.openDayEnd!;
    const runs = [...this.trendLatest.values()];
    for (const r of runs) await this.tally(r.sha);
    this.closes.set(end, runs);
    this.openDayEnd = end + DAY_MS;
    const oldest = end - KEEP_DAYS * DAY_MS;
    for (const k of this.closes.keys()) if (k < oldest) this.closes.delete(k);
    if (this.closes.size % 7 === 0) this.pruneTallies();
  }

  /** Drops the tallies no kept day and no current run refers to. */
  private pruneTallies(): void {
    const used = new Set([...this.trendLatest.values()].map((r) => r.sha));
    for (const runs of this.closes.values()) for (const r of runs) used.add(r.sha);
    for (const sha of this.tallies.keys()) if (!used.has(sha)) this.tallies.delete(sha);
  }

  /** One results blob parsed, shared by every reader of this view (content-addressed: never stale). */
  results(sha: string): Promise<RecordedResult[] | undefined> {
    return this.parsed.get(sha, () => loadResults(this.ledger, sha));
  }

  /** One results blob's per-rule counts and its failures (what posture sums and exceptions may accept). */
  blobTally(sha: string): Promise<BlobTally> {
    return this.full.get(sha, async () => tallyResults((await this.results(sha)) ?? []));
  }

  /** Per-rule counts of one results blob, kept for every day the trend may read; a missing blob counts nothing. */
  async tally(sha: string): Promise<RuleTally> {
    let t = this.tallies.get(sha);
    if (!t) {
      t = (await this.blobTally(sha)).byRule;
      this.tallies.set(sha, t);
    }
    return t;
  }

  /** latestScopeHealth's answer: the latest run of every scope in scope, with its health. Call refresh() first. */
  scopes(): Map<string, ScopeHealth> {
    return inScope(this.all, this.retired);
  }

  /** The retirements in force. */
  retiredScopes(): RetiredScopes {
    return this.retired;
  }

  /** When the status began, or undefined when no change leaf records it (it was never seen to move). */
  firstSeen(scope: string, ruleId: string, resourceId: string, status: string): string | undefined {
    const c = this.since.get(`${scope}|${ruleId}|${resourceId}`);
    return c && c.to === status ? c.at : undefined;
  }

  /**
   * The trend's latest run of each scope as of `end` (a UTC day's end), leaving out scopes whose last run then was
   * observed before `notBefore`. Days before the first leaf had none; a day still open reads the current state.
   */
  runsAt(end: number, notBefore: number): TrendRun[] {
    const runs = this.openDayEnd === undefined ? [] : end >= this.openDayEnd ? [...this.trendLatest.values()] : (this.closes.get(end) ?? []);
    return runs.filter((r) => r.at >= notBefore);
  }

  /**
   * Called after each refresh that folded leaves, with the new size, inside the refresh (awaited, so a reader after it
   * finds its work done). It must not call refresh(). A listener that throws is logged.
   */
  onFolded(listener: (size: number) => unknown): void {
    this.listeners.push(listener);
  }

  /** Stops a fold in progress at the next leaf and saves what was folded, so the next start goes on from there. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => undefined);
    this.save();
  }

  /** Saves the view now (on close, and every `saveEveryMs` while folding). A failed save is logged, never thrown. */
  save(): void {
    if (!this.opts.dir || !this.loaded) return;
    const file: ViewFile = {
      format: 1,
      origin: this.ledger.origin,
      next: this.next,
      lastHash: this.lastHash,
      ...(this.openDayEnd !== undefined ? { openDayEnd: this.openDayEnd } : {}),
      scopes: [...this.all.values()],
      retirements: this.retirements,
      since: [...this.since].map(([k, v]) => [k, v.to, v.at]),
      trendLatest: [...this.trendLatest.values()],
      closes: [...this.closes],
      tallies: [...this.tallies].map(([sha, t]) => [sha, [...t].map(([rule, c]) => [rule, c.pass, c.fail, c.error, c.notApplicable])]),
    };
    try {
      writeViewFile(this.opts.dir, file);
      this.lastSave = this.opts.clock.now().getTime();
      this.unsaved = 0;
    } catch (e) {
      this.opts.logger.warn({ err: (e as Error).message }, 'ledger view: could not save (the next start folds the ledger again)');
    }
  }

  /** Loads the saved view when it is this ledger's and the leaf it ended on is still the ledger's; else folds from 0. */
  private async load(): Promise<void> {
    this.loaded = true;
    if (!this.opts.dir) return;
    const f = readViewFile(this.opts.dir, this.opts.logger);
    if (!f) return;
    let hash: string | undefined;
    if (f.next > 0) for await (const l of this.ledger.leaves({ fromSeq: f.next - 1, toSeq: f.next - 1 })) hash = l.hash;
    if (f.origin !== this.ledger.origin || (f.next > 0 && hash !== f.lastHash)) {
      this.opts.logger.warn({ origin: f.origin, next: f.next }, 'ledger view: the saved view is not of this ledger; folding the ledger from the start');
      return;
    }
    this.next = f.next;
    this.lastHash = f.lastHash;
    this.openDayEnd = f.openDayEnd;
    for (const s of f.scopes) this.all.set(`${s.source}|${s.scope}`, s);
    for (const r of f.retirements) {
      this.retirements.push(r);
      this.retired.leaf(r.seq, r.body);
    }
    for (const [k, to, at] of f.since) this.since.set(k, { to, at });
    for (const r of f.trendLatest) this.trendLatest.set(r.key, r);
    for (const [end, runs] of f.closes) this.closes.set(end, runs);
    for (const [sha, rules] of f.tallies) this.tallies.set(sha, new Map(rules.map(([rule, pass, fail, error, notApplicable]) => [rule, { pass, fail, error, notApplicable }])));
  }
}
