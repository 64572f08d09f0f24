// Per-(source, scope) accounting of scheduled slots: which expected slots are a run, a gap, or still to be decided.
import type { Ledger } from '../ledger/ledger.js';
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import { matchesSlot, minSlotIntervalMs, slotAtOrBefore, slotsBetween } from './slots.js';

/**
 * How old a slot with no run must be before it counts as missed: twice the schedule's shortest interval, at least
 * 10 s, at most 30 min (hourly: 30 min). Queued and running jobs hold their slot back themselves beyond it.
 */
export function defaultGapGraceMs(schedule: string): number {
  return Math.min(30 * 60_000, Math.max(10_000, 2 * minSlotIntervalMs(schedule)));
}

/** How long past the grace a queued or running job still holds its slot back from the gap sweep. */
export const HOLD_BACK_GRACES = 3;

/**
 * Whether a scheduled slot is too old to collect: the sweep has declared it (or will declare it) a gap whatever
 * happens, and its run would not be recorded; the collect worker skips such a job rather than spend a slot on it.
 */
export function slotTooLate(schedule: string, slot: string, now: number): boolean {
  const grace = defaultGapGraceMs(schedule);
  return now - Date.parse(slot) > grace * (1 + HOLD_BACK_GRACES);
}

/** One stretch of a source's life under one schedule, from one `agent.started` to the next (`schedule: null`: not configured). */
interface Epoch {
  at: number;
  schedule: string | null;
}

interface ScopeState {
  /** Every expected slot at or before this instant is a run or inside a gap. */
  accountedTo: number;
  /** Slots of scheduled runs after `accountedTo` (pruned as the frontier passes them). */
  runs: Set<number>;
  /** Slot gaps ([from, to] inclusive) that end after `accountedTo`. */
  gaps: Array<[number, number]>;
  /** The scope's first run's slot. */
  firstRun: number;
  /** Retired (`scope.retired`, until `scope.reinstated`): the sweep declares no gaps for it. */
  retired?: boolean;
}

/** What the sweep decides for one scope: the missing stretches to declare, and whether a pending job held it back. */
export interface ScopeVerdict {
  source: string;
  scope: string;
  schedule: string;
  missing: Date[][];
}

/** Asks whether a collection of this slot may still be recorded (its collect or evidence job is queued or running). */
export type PendingCheck = (source: string, scope: string, slot: Date) => Promise<boolean>;

/**
 * Reads the ledger incrementally (each call only the leaves appended since the last) and keeps, per (source, scope), a
 * frontier up to which every expected slot is accounted. Expected slots start at the scope's first run's slot or at the
 * slot in force when an agent with the source configured first started, whichever is earlier, and follow the schedule
 * each `agent.started` recorded; so slots lost before a later run, before the first run, or to crashes are all found.
 */
export class GapFrontier {
  private scannedTo = 0;
  private readonly epochs = new Map<string, Epoch[]>();
  private readonly scopes = new Map<string, Map<string, ScopeState>>();

  constructor(private readonly ledger: Ledger) {}

  /** Reads leaves appended since the last call: runs, slot gaps and agent starts. */
  async catchUp(): Promise<void> {
    const upTo = this.ledger.size();
    if (upTo <= this.scannedTo) return;
    for await (const leaf of this.ledger.readLeaves({ types: ['run', 'gap', 'agent.started', 'scope.retired', 'scope.reinstated'], fromSeq: this.scannedTo, toSeq: upTo - 1 })) {
      const body = leaf.body;
      // `vigil collect` records its start too, but runs no schedule: its start expects no slots.
      if (body.type === 'agent.started') {
        if (!(Array.isArray(body.roles) && body.roles.includes('collect'))) this.noteStart(Date.parse(leaf.observedAt), body.sources);
      }
      else if (body.type === 'run') this.noteRun(String(body.source), String(body.scope), String(body.slot));
      else if (body.type === 'scope.retired') this.state(String(body.source), String(body.scope), Infinity).retired = true;
      else if (body.type === 'scope.reinstated') this.reinstate(String(body.source), String(body.scope), Date.parse(body.from));
      else if (body.declared !== true && typeof body.from === 'string' && typeof body.to === 'string') {
        this.noteGap(String(body.source), String(body.scope), Date.parse(body.from), Date.parse(body.to));
      }
    }
    this.scannedTo = upTo;
  }

  private noteStart(at: number, sources: unknown): void {
    const listed = new Map<string, string>();
    if (Array.isArray(sources)) for (const s of sources as Array<{ source?: unknown; schedule?: unknown }>) if (typeof s.source === 'string' && typeof s.schedule === 'string') listed.set(s.source, s.schedule);
    for (const src of new Set([...listed.keys(), ...this.epochs.keys()])) {
      const list = this.epochs.get(src) ?? [];
      list.push({ at, schedule: listed.get(src) ?? null });
      this.epochs.set(src, list);
    }
  }

  noteRun(source: string, scope: string, slot: string): void {
    if (scope === UNRESOLVED_SCOPE) return;
    const t = Date.parse(slot);
    const st = this.state(source, scope, t);
    if (t > st.accountedTo) st.runs.add(t);
  }

  /**
   * A scope the scheduler resolved: expected from the source's first start even before its first run is recorded, so
   * a scope whose every collection is lost is still accounted (as gaps).
   */
  expectScope(source: string, scope: string): void {
    if (scope !== UNRESOLVED_SCOPE) this.state(source, scope, Infinity);
  }

  /**
   * A scope back in scope is expected again from slot `from`: what lies between its retirement and `from` was out of
   * scope, not missed.
   */
  private reinstate(source: string, scope: string, from: number): void {
    const st = this.state(source, scope, Infinity);
    st.retired = false;
    st.accountedTo = Math.max(st.accountedTo, from - 1);
    for (const t of st.runs) if (t <= st.accountedTo) st.runs.delete(t);
    st.gaps = st.gaps.filter(([, to]) => to > st.accountedTo);
  }

  private noteGap(source: string, scope: string, from: number, to: number): void {
    const st = this.state(source, scope, from);
    if (to > st.accountedTo) st.gaps.push([from, to]);
  }

  private state(source: string, scope: string, firstSeen: number): ScopeState {
    let bySource = this.scopes.get(source);
    if (!bySource) this.scopes.set(source, (bySource = new Map()));
    let st = bySource.get(scope);
    if (!st) {
      st = { accountedTo: -Infinity, runs: new Set(), gaps: [], firstRun: firstSeen };
      bySource.set(scope, st);
    }
    st.firstRun = Math.min(st.firstRun, firstSeen);
    return st;
  }

  /**
   * Whether a scheduled run of this (expected) slot, not recorded yet, would be a second account of it: the frontier
   * passed it (so it was declared a gap) or a gap covers it.
   */
  coveredByGap(source: string, scope: string, slot: string): boolean {
    const st = this.scopes.get(source)?.get(scope);
    if (!st) return false;
    const t = Date.parse(slot);
    return t <= st.accountedTo || st.gaps.some(([f, to]) => f <= t && t <= to);
  }

  /**
   * Expected slots of `source` in (from, to], following the schedule of each epoch of its life; a ledger with no
   * `agent.started` naming the source (runs recorded by other means) follows the configured schedule throughout.
   */
  private expected(source: string, configured: string, from: number, to: number, limit: number): Date[] {
    const known = this.epochs.get(source) ?? [];
    const epochs: Epoch[] = known.length > 0 ? known : [{ at: -8.64e15, schedule: configured }];
    const out: Date[] = [];
    for (const [i, e] of epochs.entries()) {
      if (e.schedule === null || out.length >= limit) continue;
      // Epochs wholly behind the frontier cost nothing: a year of restarts is not walked again every sweep.
      const next = epochs[i + 1];
      if (next && next.at - 1 <= from) continue;
      // An agent enqueues the slot in force when it starts, so that slot is expected too.
      // Runs before the first recorded start (ledgers from before starts named their sources) follow its schedule.
      const begin = i === 0 ? from : Math.max(from, epochStart(e) - 1);
      const end = Math.min(to, (epochs[i + 1]?.at ?? Infinity) - 1);
      if (end <= begin) continue;
      for (const d of slotsBetween(e.schedule, new Date(begin), new Date(end), limit - out.length)) {
        if (out.length === 0 || d.getTime() > out[out.length - 1]!.getTime()) out.push(d);
      }
    }
    return out;
  }

  /**
   * Walks each known scope of each source from its frontier up to `until(source)`: a slot with a run or inside a gap
   * moves the frontier; a slot with neither is missing (consecutive missing slots form one stretch); a slot whose job
   * may still be recorded (`pending`) stops the walk for that scope until a later sweep.
   */
  async sweep(sources: Array<{ source: string; schedule: string }>, until: (source: string) => number, pending: PendingCheck, limit = 100_000): Promise<ScopeVerdict[]> {
    const out: ScopeVerdict[] = [];
    for (const { source, schedule } of sources) {
      const firstStart = (this.epochs.get(source) ?? []).find((e) => e.schedule !== null);
      for (const [scope, st] of this.scopes.get(source) ?? []) {
        if (st.retired) continue;
        const startFloor = firstStart ? epochStart(firstStart) : Infinity;
        const from = st.accountedTo === -Infinity ? Math.min(st.firstRun, startFloor) - 1 : st.accountedTo;
        const slots = this.expected(source, schedule, from, until(source), limit);
        const missing: Date[][] = [];
        let stretch: Date[] = [];
        let frontier = from;
        for (const d of slots) {
          const t = d.getTime();
          const accounted = st.runs.has(t) || st.gaps.some(([f, to]) => f <= t && t <= to) || (await this.ledgerHasRun(source, scope, d));
          if (accounted) {
            if (stretch.length) missing.push(stretch);
            stretch = [];
          } else if (await pending(source, scope, d)) {
            break;
          } else {
            stretch.push(d);
          }
          frontier = t;
        }
        if (stretch.length) missing.push(stretch);
        st.accountedTo = Math.max(st.accountedTo, frontier);
        for (const t of st.runs) if (t <= st.accountedTo) st.runs.delete(t);
        for (const m of missing) st.gaps.push([m[0]!.getTime(), m[m.length - 1]!.getTime()]);
        st.gaps = st.gaps.filter(([, to]) => to > st.accountedTo);
        if (missing.length) out.push({ source, scope, schedule: this.scheduleAt(source, missing[0]![0]!.getTime()) ?? schedule, missing });
      }
    }
    return out;
  }

  /** A run the scan has not seen yet (recorded between scan and sweep) still counts: ask the ledger by its key. */
  private async ledgerHasRun(source: string, scope: string, d: Date): Promise<boolean> {
    return (await this.ledger.seqOfKey(`run:${source}:${scope}:${d.toISOString()}`)) !== undefined;
  }

  /** The schedule in force for `source` at slot `t` (the latest epoch whose first slot is not after it). */
  private scheduleAt(source: string, t: number): string | null | undefined {
    let s: string | null | undefined;
    for (const e of this.epochs.get(source) ?? []) if (epochStart(e) <= t) s = e.schedule;
    return s;
  }

  /** Whether `slot` is one of `source`'s expected slots under the schedule then in force (or `configured`). */
  isExpectedSlot(source: string, slot: string, configured: string): boolean {
    const t = Date.parse(slot);
    const schedule = (this.epochs.get(source)?.length ?? 0) > 0 ? this.scheduleAt(source, t) : configured;
    return typeof schedule === 'string' && matchesSlot(schedule, new Date(t));
  }
}

/** The first slot an epoch expects: the one in force when its agent started (it enqueues that slot at once). */
function epochStart(e: Epoch): number {
  return e.schedule === null ? e.at : (slotAtOrBefore(e.schedule, new Date(e.at))?.getTime() ?? e.at);
}
