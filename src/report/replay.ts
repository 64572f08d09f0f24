// Rule replay: re-evaluates the resource snapshots stored with past runs with a rule as it is now (or with other
// parameters) and reports, per day, where its verdicts would differ from what was recorded. Reads the ledger only.
import type { Ledger } from '../ledger/ledger.js';
import type { CollectionError, Rule, Snapshot, Status } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import { evaluateSnapshot, validateParamOverrides } from '../rules/engine.js';
import { ruleDefinition } from '../rules/version.js';
import { snapshotFromResources, type RecordedResult } from '../pipeline/collect-stage.js';

/** One verdict that differs: `null` on a side means that side had no result for this resource. */
export interface ReplayDifference {
  slot: string;
  scope: string;
  resourceId: string;
  region?: string;
  recorded: Status | null;
  replayed: Status | null;
  recordedReason: string | null;
  replayedReason: string | null;
}

export interface ReplayDay {
  /** UTC calendar day of the runs' slots. */
  day: string;
  runs: number;
  /** Results compared on this day (recorded and replayed, keyed by resource and region). */
  compared: number;
  differing: number;
  /** Counts of `recorded→replayed` status pairs among the differences, e.g. `pass→fail`. */
  transitions: Record<string, number>;
  /** The first differences of the day (at most `examplesPerDay`). */
  examples: ReplayDifference[];
}

export interface ReplayReport {
  ruleId: string;
  source: string;
  /** sha-256 of the rule's logic as it is now. */
  logicSha256: string;
  /** Logic hashes the ledger recorded for this rule (rule.defined leaves), oldest first. */
  recordedLogic: string[];
  /** Parameters the replay evaluated with (defaults merged with config and --params). */
  params: Record<string, unknown>;
  from: string | null;
  to: string | null;
  scope: string | null;
  runsReplayed: number;
  resultsCompared: number;
  differing: number;
  /** Days with at least one difference. */
  days: ReplayDay[];
  /** Runs in range that could not be replayed, with why (no stored resources, blob missing). */
  notReplayable: Array<{ slot: string; scope: string; why: string }>;
}

export interface ReplayOptions {
  rule: Rule;
  /** Parameter overrides for the rule (config's, replaced key by key by --params). */
  params?: Record<string, unknown>;
  /** Inclusive lower bound on the run slot (ISO instant). */
  from?: string;
  /** Exclusive upper bound on the run slot (ISO instant). */
  to?: string;
  scope?: string;
  examplesPerDay?: number;
  onProgress?: (runs: number) => void;
}

/** One reader per blob hash kept warm: an unchanged estate stores the same resources blob run after run. */
class LastBlob<T> {
  private sha = '';
  private value: T | undefined;
  constructor(private readonly load: (sha: string) => Promise<T | undefined>) {}
  async get(sha: string): Promise<T | undefined> {
    if (sha !== this.sha) {
      this.value = await this.load(sha);
      this.sha = sha;
    }
    return this.value;
  }
}

const key = (r: { resourceId: string; region?: string }): string => (r.region === undefined ? r.resourceId : `${r.resourceId}\u0000${r.region}`);

type Diff = Omit<ReplayDifference, 'slot' | 'scope'>;

function difference(a: RecordedResult | undefined, b: RecordedResult | undefined): Diff {
  const any = (a ?? b)!;
  return {
    resourceId: any.resourceId,
    ...(any.region !== undefined ? { region: any.region } : {}),
    recorded: a?.status ?? null,
    replayed: b?.status ?? null,
    recordedReason: a?.reason ?? null,
    replayedReason: b?.reason ?? null,
  };
}

/** Recorded results keyed by resource and region (built once per results blob). */
export function indexResults(recorded: readonly RecordedResult[]): Map<string, RecordedResult> {
  return new Map(recorded.map((r) => [key(r), r]));
}

/** Differences between the recorded results of one rule in one run and the replayed ones, ordered by resource. */
export function diffResults(recorded: readonly RecordedResult[] | ReadonlyMap<string, RecordedResult>, replayed: readonly RecordedResult[]): { compared: number; diffs: Diff[] } {
  const rec = recorded instanceof Map ? recorded : indexResults(recorded as readonly RecordedResult[]);
  const diffs: Diff[] = [];
  const seen = new Set<string>();
  for (const b of replayed) {
    const k = key(b);
    seen.add(k);
    const a = rec.get(k);
    if (a === undefined || a.status !== b.status) diffs.push(difference(a, b));
  }
  let compared = seen.size;
  for (const [k, a] of rec) {
    if (seen.has(k)) continue;
    compared++;
    diffs.push(difference(a, undefined));
  }
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  diffs.sort((x, y) => cmp(x.resourceId, y.resourceId) || cmp(x.region ?? '', y.region ?? ''));
  return { compared, diffs };
}

function checkBounds(o: ReplayOptions): void {
  for (const [name, v] of [['--from', o.from], ['--to', o.to]] as const) {
    if (v !== undefined && Number.isNaN(Date.parse(v))) throw new UsageError('BAD_DATE', `${name}: "${v}" is not a date (YYYY-MM-DD or an ISO 8601 instant)`);
  }
  if (o.from !== undefined && o.to !== undefined && Date.parse(o.from) >= Date.parse(o.to)) {
    throw new UsageError('BAD_RANGE', `--from ${o.from} is not before --to ${o.to}`);
  }
  if (o.rule.mode === 'period') {
    throw new UsageError(
      'REPLAY_UNSUPPORTED',
      `rule ${o.rule.id} judges source events (mode: period); events are recorded once each as event leaves, not as resource snapshots, so there is nothing to replay`,
    );
  }
}

/**
 * The run's recorded collection errors as the engine reads them. An error recorded without the inputs it touched is
 * taken to touch all of the rule's inputs: the replay then says "could not evaluate" rather than judging a read that
 * may have been incomplete.
 */
function recordedErrors(errors: ReadonlyArray<Record<string, unknown>>, rule: Rule): CollectionError[] {
  return errors.map((e) => ({
    ...(e as unknown as CollectionError),
    inputs: Array.isArray(e.inputs) ? (e.inputs as string[]) : [...rule.inputs],
    ...(Array.isArray(e.resources) ? { resources: e.resources as string[] } : {}),
    retryable: false,
  }));
}

/** Replays `rule` over every run of its source in range, oldest first; never writes. */
export async function replayRule(ledger: Ledger, o: ReplayOptions): Promise<ReplayReport> {
  checkBounds(o);
  const { rule } = o;
  const params = o.params ? { [rule.id]: o.params } : undefined;
  validateParamOverrides([rule], params);
  const def = ruleDefinition(rule, o.params);
  const fromMs = o.from !== undefined ? Date.parse(o.from) : -Infinity;
  const toMs = o.to !== undefined ? Date.parse(o.to) : Infinity;
  const examplesPerDay = o.examplesPerDay ?? 20;

  const recordedLogic: string[] = [];
  for await (const l of ledger.readLeaves({ types: ['rule.defined'] })) {
    const sha = l.body.rule.id === rule.id ? l.body.rule.logicSha256 : undefined;
    if (sha !== undefined && !recordedLogic.includes(sha)) recordedLogic.push(sha);
  }

  // Parsed once per distinct blob; each run re-stamps the shared resources with its own time (rules read, never write).
  const resources = new LastBlob(async (sha) => {
    const b = await ledger.getBlob(sha);
    return b ? snapshotFromResources(b, { source: rule.source, scope: '', slot: '', startedAt: '', endedAt: '' }) : undefined;
  });
  const results = new LastBlob(async (sha) => {
    const b = await ledger.getBlob(sha);
    return b ? indexResults((JSON.parse(b.toString('utf8')) as RecordedResult[]).filter((r) => r.ruleId === rule.id)) : undefined;
  });
  const report: ReplayReport = {
    ruleId: rule.id,
    source: rule.source,
    logicSha256: def.logicSha256,
    recordedLogic,
    params: def.params,
    from: o.from ?? null,
    to: o.to ?? null,
    scope: o.scope ?? null,
    runsReplayed: 0,
    resultsCompared: 0,
    differing: 0,
    days: [],
    notReplayable: [],
  };
  const days = new Map<string, ReplayDay>();
  for await (const l of ledger.readLeaves({ types: ['run'], source: rule.source, ...(o.scope !== undefined ? { scope: o.scope } : {}) })) {
    const run = l.body;
    const slotMs = Date.parse(run.slot);
    if (!(slotMs >= fromMs && slotMs < toMs)) continue;
    const scope = String(run.scope);
    const where = { slot: run.slot, scope };
    if (run.resourcesSha256 === undefined) {
      report.notReplayable.push({ ...where, why: `no resources stored with this run (outcome ${run.outcome})` });
      continue;
    }
    const stored = await resources.get(run.resourcesSha256);
    const recorded = await results.get(run.resultsSha256);
    if (stored === undefined || recorded === undefined) {
      report.notReplayable.push({ ...where, why: `blob ${stored === undefined ? run.resourcesSha256 : run.resultsSha256} is not in the ledger` });
      continue;
    }
    for (const r of stored.resources) r.observedAt = run.endedAt;
    const inputs = Object.fromEntries(Object.keys(stored.inputs).map((t) => [t, { observedAt: run.endedAt }]));
    const snapshot: Snapshot = { ...stored, scope, slot: run.slot, startedAt: run.startedAt, endedAt: run.endedAt, inputs, errors: recordedErrors(run.errors, rule) };
    const replayed = evaluateSnapshot(snapshot, [rule], { now: new Date(run.endedAt), ...(params ? { params } : {}) });
    const { compared, diffs } = diffResults(recorded, replayed);
    report.runsReplayed += 1;
    report.resultsCompared += compared;
    o.onProgress?.(report.runsReplayed);
    const dayKey = run.slot.slice(0, 10);
    let day = days.get(dayKey);
    if (!day) days.set(dayKey, (day = { day: dayKey, runs: 0, compared: 0, differing: 0, transitions: {}, examples: [] }));
    day.runs += 1;
    day.compared += compared;
    day.differing += diffs.length;
    report.differing += diffs.length;
    for (const d of diffs) {
      const t = `${d.recorded ?? 'none'}→${d.replayed ?? 'none'}`;
      day.transitions[t] = (day.transitions[t] ?? 0) + 1;
      if (day.examples.length < examplesPerDay) day.examples.push({ ...where, ...d });
    }
  }
  report.days = [...days.values()].filter((d) => d.differing > 0).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return report;
}
