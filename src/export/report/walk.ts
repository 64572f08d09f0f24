// One pass over the bundled slice: each leaf goes to the report part that owns it (tallies, deviations, gaps, register, populations, snapshots).
import { localDate } from '../period.js';
import { ChangeLog } from './changes.js';
import type { ReportOut } from './csv.js';
import { Deviations } from './deviations.js';
import { Gaps } from './gaps.js';
import { Populations } from './populations.js';
import type { ResultsReader } from './results.js';
import { RiskRegister } from './risk-acceptances.js';
import { ReportRetirements } from './retirements.js';
import { Snapshots } from './snapshots.js';
import type { RuleTallies } from './tallies.js';
import { str, type LeafRecord, type ReportParams } from './types.js';
import type { DailyTimeline } from '../timeline.js';

/**
 * Type 1: a scope whose latest run is older than this at the instant no longer reports (removed from config, an
 * account closed, a demo tenant gone): it is listed as stale, not as an in-scope system, and its results are not counted.
 */
export const TYPE1_STALE_HOURS = 48;

export class ReportWalk {
  readonly deviations: Deviations;
  readonly gaps: Gaps;
  readonly register: RiskRegister;
  readonly populations: Populations;
  readonly snapshots: Snapshots;
  readonly changes: ChangeLog;
  /** Scopes retired: Type 1 leaves those retired at the instant out of `scopes`; both list them. */
  readonly retirements: ReportRetirements;
  readonly countsByType: Record<string, number> = {};
  /** Type 2: source/scope of every run in the period; Type 1: of every latest run still reporting. */
  readonly scopes = new Set<string>();
  readonly staleScopes = new Set<string>();
  leavesInPeriod = 0;
  margin = 0;
  runs = 0;
  alerts = 0;
  private readonly seenScope = new Set<string>();
  /** Type 1: the latest run per source/scope before the instant. */
  private readonly latest = new Map<string, LeafRecord>();
  /** Each rule's definition in force at the end (title and severity for report.html), usually recorded before the period. */
  readonly ruleDefs = new Map<string, { seq: number; title: string; severity: string }>();

  constructor(
    private readonly p: ReportParams,
    private readonly out: ReportOut,
    private readonly tallies: RuleTallies,
    private readonly results: ResultsReader,
    private readonly ruleFilter: (id: string) => boolean,
    /** report.html's timeline: per day, the share of evaluations failing, and outages (gaps, failed runs). */
    private readonly timeline?: DailyTimeline,
  ) {
    this.deviations = new Deviations(out, p.end);
    this.gaps = new Gaps(out, p);
    this.register = new RiskRegister(out, p.start, p.end);
    this.populations = new Populations(out, tallies, results, ruleFilter);
    this.snapshots = new Snapshots(out, results, ruleFilter);
    this.changes = new ChangeLog(out, ruleFilter);
    this.retirements = new ReportRetirements(p.type);
  }

  async leaf(l: LeafRecord): Promise<void> {
    const b = l.body;
    const type = str(b.type) ?? '?';
    const at = str(b.observedAt) ?? '';
    const within = this.p.type === 2 ? at >= this.p.start && at < this.p.end : at < this.p.end;
    if (type === 'rule.defined' && at < this.p.end) {
      const r = (b.rule ?? {}) as Record<string, unknown>;
      this.ruleDefs.set(str(r.id) ?? '', { seq: l.seq, title: str(r.title) ?? '', severity: str(r.severity) ?? '' });
    }
    // What was in force at the period start (Type 1: the instant): exceptions granted before it.
    if (type.startsWith('exception.') && at < this.p.start) this.register.prior(l, type, at);
    // Declared outages recorded before the end, wherever their window lies: the slice holds those reaching into the period.
    if (type === 'outage.declared' && at < this.p.end) this.gaps.declaration(l, at);
    if (!within) {
      this.margin++;
      return;
    }
    this.leavesInPeriod++;
    this.countsByType[type] = (this.countsByType[type] ?? 0) + 1;
    if (type === 'agent.started' || type === 'rule.defined' || type === 'ruleset.defined') this.changes.leaf(l, type, at);
    else if (type === 'gap') {
      this.gaps.gapLeaf(l);
      this.timeline?.outage(str(b.source) ?? '', str(b.from) ?? at, str(b.to) ?? at);
    }
    else if (type === 'alert') this.alerts++;
    else if (type === 'change') {
      const ruleId = str(b.ruleId) ?? '';
      if (this.p.type === 2 && this.ruleFilter(ruleId)) this.deviations.change(l.seq, at, str(b.source) ?? '', str(b.scope) ?? '', ruleId, str(b.resourceId) ?? '', b.to);
    } else if (type === 'run') {
      if (this.p.type === 1) this.latest.set(`${str(b.source) ?? ''}\u0000${str(b.scope) ?? ''}`, l);
      else await this.run(l, at);
    } else if (type.startsWith('exception.')) {
      if (at >= this.p.start) this.register.leaf(l, type, at);
      else this.register.records++;
    }
    else if (type === 'scope.retired' || type === 'scope.reinstated') this.retirements.leaf(l, type, at);
  }

  /** Type 2: one run in the period. */
  private async run(l: LeafRecord, at: string): Promise<void> {
    const b = l.body;
    const source = str(b.source) ?? '';
    const scope = str(b.scope) ?? '';
    const key = `${source}\u0000${scope}`;
    const resultsSha = str(b.resultsSha256) ?? '';
    const slot = str(b.slot) ?? '';
    this.scopes.add(`${source}/${scope}`);
    this.runs++;
    if (b.outcome === 'failed') {
      this.gaps.failedRun(l);
      this.timeline?.outage(source, at, at);
    }
    const date = localDate(at, this.p.tz);
    await this.snapshots.run(key, { date, seq: l.seq, hash: l.hash, slot, sha: resultsSha, scope, source });
    const tally = await this.results.tally(resultsSha);
    this.tallies.addRun(tally, at, date);
    for (const t of tally) this.timeline?.add(t.ruleId, date, t.n, t.counts);
    await this.populations.run(source, scope, { seq: l.seq, hash: l.hash, slot }, resultsSha);
    if (!this.seenScope.has(key)) {
      this.seenScope.add(key);
      this.deviations.firstRun(l.seq, at, source, scope, await this.results.results(resultsSha), this.ruleFilter);
    }
  }

  /** After the last leaf: Type 1 takes each reporting scope's latest run; Type 2 writes the days still pending. */
  async finish(): Promise<void> {
    if (this.p.type === 1) {
      const freshFrom = Date.parse(this.p.end) - TYPE1_STALE_HOURS * 3_600_000;
      for (const key of [...this.latest.keys()].sort()) {
        const l = this.latest.get(key)!;
        const b = l.body;
        const name = `${str(b.source) ?? ''}/${str(b.scope) ?? ''}`;
        const at = str(b.observedAt) ?? '';
        // Retired at the instant: out of scope however fresh its last run (listed in `retiredScopes` instead).
        if (this.retirements.isRetired(str(b.source) ?? '', str(b.scope) ?? '')) {
          this.retirements.withRuns.add(name);
          continue;
        }
        if (Date.parse(at) < freshFrom) {
          this.staleScopes.add(name);
          continue;
        }
        this.scopes.add(name);
        this.runs++;
        const sha256 = str(b.resultsSha256) ?? '';
        this.tallies.addLatest(await this.results.tally(sha256), at);
        await this.populations.run(str(b.source) ?? '', str(b.scope) ?? '', { seq: l.seq, hash: l.hash, slot: str(b.slot) ?? '' }, sha256);
      }
    } else await this.snapshots.finish();
    this.populations.finish();
    this.gaps.finish();
    if (this.p.type === 2) this.deviations.finish();
    this.register.finish();
    this.changes.finish();
  }
}
