// The auditor report as a pure function of the bundled leaves, results blobs and framework data: export writes it, verify recomputes it byte for byte.
import { createHash } from 'node:crypto';
import { datesInPeriod, localDate } from './period.js';
import { EvaluationSampler, POPULATION_HEADER, populationRow, ScopeIntervals, type Interval } from './population.js';
import { assessCriterion, describeAssessment, ruleInScope, ruleOutcome, ruleSource, type CriterionAssessment, type EvidenceRole } from '../rules/coverage.js';
import { TableCapture } from './report-tables.js';
import { DailyTimeline } from './timeline.js';
import { HTML_TABLE_FILES, renderReportHtml } from './report-html.js';

/** Framework data as embedded in a bundle (framework/<id>.json): criteria and the rule ids that evidence them. */
export interface FrameworkData {
  id: string;
  title: string;
  version: string;
  /** `evidence` is absent in bundles from before it existed: such a mapping counts as supporting. */
  criteria: Array<{ id: string; title: string; rules: Array<{ id: string; evidence?: EvidenceRole }>; manual?: string }>;
}

/** The bundle's integrity as computed at export (report.html's summary states it; the verifier checks the bundle against it). */
export interface ExportIntegrity {
  origin: string;
  /** SHA-256 (hex) of the raw 32-byte Ed25519 public key that signs the checkpoints and the manifest. */
  keyFingerprint: string;
  /** Signed checkpoints in the bundle. */
  checkpoints: number;
  /** Root hash (hex) of the Merkle tree at the slice's end. */
  endRoot: string;
}

export interface ReportParams {
  type: 1 | 2;
  /** [start, end) UTC instants; for Type 1 both are the as-of instant. */
  start: string;
  end: string;
  tz: string;
  from?: string;
  to?: string;
  asOf?: string;
  framework: FrameworkData;
  criteria?: string[];
  sampleSeed?: string;
  slice: { startSize: number; endSize: number };
  /** Sources configured at export: rules of other sources are out of scope. Absent: every source counts as in scope. */
  sources?: string[];
  integrity?: ExportIntegrity;
}

export interface LeafRecord {
  seq: number;
  /** Hex leaf hash. */
  hash: string;
  body: Record<string, unknown>;
}

/** Where report files go: written files on export, hashes on verify. Writes to one path arrive in order. */
export interface ReportSink {
  write(path: string, text: string): void;
  /** Called once a file is complete, so a sink can release what it holds for it (thousands of snapshot files). */
  end?(path: string): void;
}

export type BlobReader = (sha256: string) => Promise<Buffer | undefined>;

interface RecordedResult {
  ruleId: string;
  resourceId: string;
  status: string;
  reason: string;
}

/** Deviation SLA when a rule records none: what an auditor reads "within SLA" against. */
export const DEFAULT_SLA_HOURS = 720;
const STATUS_ORDER = ['fail', 'error', 'pass', 'not_applicable'] as const;
const BIT: Record<string, number> = { pass: 1, fail: 2, error: 4, not_applicable: 8 };

export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvRow = (fields: unknown[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** Safe file-name form of a rule id (ids are dotted lower-case already; anything else is escaped). */
export function fileSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Sample size by how often a control operates (AICPA practitioner table, evidence-ledger.md §1.3). */
export function sampleSize(runsPerDay: number, population: number): { n: number; frequency: string } {
  const pick = (n: number, frequency: string) => ({ n: Math.min(n, population), frequency });
  if (runsPerDay > 1.5) return pick(25, 'many times a day');
  if (runsPerDay >= 0.7) return pick(25, 'daily');
  if (runsPerDay >= 1 / 8) return pick(5, 'weekly');
  if (runsPerDay >= 1 / 40) return pick(2, 'monthly');
  return pick(1, 'annual or less');
}

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Deterministic UUID (version 5 layout over SHA-256) so OSCAL output is reproducible. */
function uuidOf(name: string): string {
  const h = sha(`vigil-oscal:${name}`);
  const v = `5${h.slice(13, 16)}`;
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${v}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface RuleStats {
  runs: number;
  evaluations: number;
  counts: Record<string, number>;
  first?: string;
  last?: string;
  days: Map<string, number>;
  popHash: ReturnType<typeof createHash>;
  popRows: number;
  sampler?: EvaluationSampler;
}

/** Per-rule tallies of one results blob, so a run that repeats an earlier blob costs O(rules) and no parse. */
type Tally = Array<{ ruleId: string; n: number; counts: Record<string, number>; bits: number }>;

/** Tallies kept by blob hash: O(rules) each, so many fit. */
const TALLY_CACHE_ENTRIES = 256;
/**
 * Parsed results blobs kept by hash, bounded by the bytes of their JSON (a parsed blob takes a few times that): enough
 * for the current blob of a few scopes at 10,000 resources, and at least the one in use whatever its size.
 */
const RESULTS_CACHE_BYTES = 12 * 2 ** 20;
/** The largest sample the frequency table asks for. */
const MAX_SAMPLE = 25;

interface Deviation {
  ruleId: string;
  resourceId: string;
  scope: string;
  firstSeq: number | null;
  firstAt: string | null;
  openedAt: string;
  carriedIn: boolean;
}

/**
 * Streams `leaves` (ascending seq, the whole bundled slice) and writes every report file to `sink`. Memory is bounded by
 * rules × days, the open deviations and one parsed results blob per scope, never by the number of evaluations.
 */
export async function buildReport(p: ReportParams, leaves: AsyncIterable<LeafRecord>, blobs: BlobReader, outer: ReportSink): Promise<void> {
  // report.html shows the first rows of the event CSVs as tables; they pass through to `outer` unchanged.
  const sink = new TableCapture(outer, HTML_TABLE_FILES);
  const started = new Set<string>();
  const out = (path: string, header: string[] | null, text: string): void => {
    if (header && !started.has(path)) {
      started.add(path);
      sink.write(path, csvRow(header));
    }
    sink.write(path, text);
  };
  const selected = new Set(p.criteria ?? p.framework.criteria.map((c) => c.id));
  const criteria = p.framework.criteria.filter((c) => selected.has(c.id));
  const scopeRules = new Set(criteria.flatMap((c) => c.rules.map((r) => r.id)));
  const ruleFilter = (id: string): boolean => p.criteria === undefined || scopeRules.has(id);
  const inPeriod = (at: string): boolean => at >= p.start && at < p.end;
  const dates = p.type === 2 ? datesInPeriod(p.start, p.end, p.tz) : [];
  const timeline = new DailyTimeline(dates, p.tz);

  const stats = new Map<string, RuleStats>();
  const ruleStats = (id: string): RuleStats => {
    let s = stats.get(id);
    if (!s) {
      s = {
        runs: 0,
        evaluations: 0,
        counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 },
        days: new Map(),
        popHash: createHash('sha256').update(csvRow(POPULATION_HEADER)),
        popRows: 0,
        ...(p.sampleSeed !== undefined ? { sampler: new EvaluationSampler(p.sampleSeed, MAX_SAMPLE) } : {}),
      };
      stats.set(id, s);
    }
    return s;
  };
  for (const id of [...scopeRules].sort()) ruleStats(id);

  const countsByType: Record<string, number> = {};
  let leavesInPeriod = 0;
  let margin = 0;
  let runsInPeriod = 0;
  // Rows of the event files go to the sink as their leaves stream by: a long period holds none of them.
  let gapCount = 0;
  const gap = (row: string): void => {
    gapCount++;
    if (p.type === 2) out('report/gaps.csv', GAPS_HEADER, row);
  };
  const ruleChange = (row: string): void => out('report/changes.csv', CHANGES_HEADER, row);
  let acceptanceCount = 0;
  const alerts: number[] = [];
  const agentVersions = new Set<string>();
  const scopes = new Set<string>();
  const deviations = new Map<string, Deviation>();
  const seenScope = new Set<string>();
  let closedDeviations = 0;
  const tallies = new Map<string, Tally>();
  const parsed = new Map<string, { results: RecordedResult[]; bytes: number }>();
  let parsedBytes = 0;
  const intervals = new Map<string, ScopeIntervals>();
  const lastOfDay = new Map<string, { date: string; seq: number; hash: string; slot: string; sha: string; scope: string; source: string }>();
  /** Type 1: the latest run per source/scope before the instant. */
  const latest = new Map<string, LeafRecord>();
  const ruleDefs = new Map<string, { seq: number; at: string; logicSha256: string; title: string; severity: string }>();
  const noteRuleDef = (seq: number, at: string, b: Record<string, unknown>): string => {
    const r = (b.rule ?? {}) as Record<string, unknown>;
    const id = str(r.id) ?? '';
    ruleDefs.set(id, { seq, at, logicSha256: str(r.logicSha256) ?? '', title: str(r.title) ?? '', severity: str(r.severity) ?? '' });
    return id;
  };

  const results = async (sha256: string): Promise<RecordedResult[]> => {
    const c = parsed.get(sha256);
    if (c) {
      parsed.delete(sha256);
      parsed.set(sha256, c);
      return c.results;
    }
    const data = await blobs(sha256);
    if (data === undefined) throw new Error(`results blob ${sha256} is missing`);
    const rs = JSON.parse(data.toString('utf8')) as RecordedResult[];
    parsed.set(sha256, { results: rs, bytes: data.length });
    parsedBytes += data.length;
    for (const [k, v] of parsed) {
      if (parsedBytes <= RESULTS_CACHE_BYTES || k === sha256) break;
      parsed.delete(k);
      parsedBytes -= v.bytes;
    }
    return rs;
  };
  const tally = async (sha256: string): Promise<Tally> => {
    const c = tallies.get(sha256);
    if (c) {
      tallies.delete(sha256);
      tallies.set(sha256, c);
      return c;
    }
    const byRule = new Map<string, Tally[number]>();
    for (const r of await results(sha256)) {
      if (!ruleFilter(r.ruleId)) continue;
      let t = byRule.get(r.ruleId);
      if (!t) {
        t = { ruleId: r.ruleId, n: 0, counts: {}, bits: 0 };
        byRule.set(r.ruleId, t);
      }
      t.n++;
      t.counts[r.status] = (t.counts[r.status] ?? 0) + 1;
      t.bits |= BIT[r.status] ?? 0;
    }
    const t = [...byRule.values()];
    tallies.set(sha256, t);
    if (tallies.size > TALLY_CACHE_ENTRIES) tallies.delete(tallies.keys().next().value!);
    return t;
  };

  const writeInterval = (iv: Interval): void => {
    if (!ruleFilter(iv.ruleId)) return;
    const s = ruleStats(iv.ruleId);
    const row = csvRow(populationRow(iv));
    s.popHash.update(row);
    s.popRows++;
    s.sampler?.offer(iv);
    out(`report/populations/${fileSafe(iv.ruleId)}.csv`, POPULATION_HEADER, row);
  };

  type DayRef = { date: string; seq: number; hash: string; slot: string; sha: string; scope: string; source: string };
  /** Days some scope has moved past, waiting until every scope has, so each snapshot file is written whole and released. */
  const pendingDays = new Map<string, Map<string, DayRef>>();
  const writeSnapshotDay = async (date: string, refs: Map<string, DayRef>): Promise<void> => {
    // Rows go straight to each rule's file, scope by scope; every file of the day is complete after the last scope.
    const paths = new Set<string>();
    for (const key of [...refs.keys()].sort()) {
      const d = refs.get(key)!;
      for (const r of await results(d.sha)) {
        if (!ruleFilter(r.ruleId)) continue;
        const path = `report/snapshots/${fileSafe(r.ruleId)}/${date}.csv.gz`;
        paths.add(path);
        out(path, SNAPSHOT_HEADER, csvRow([d.seq, d.hash, d.slot, d.source, d.scope, r.resourceId, r.status, r.reason]));
      }
    }
    for (const path of [...paths].sort()) {
      sink.end?.(path);
      started.delete(path);
    }
  };
  const flushSnapshot = async (key: string, final = false): Promise<void> => {
    const d = lastOfDay.get(key);
    if (d) {
      let refs = pendingDays.get(d.date);
      if (!refs) {
        refs = new Map();
        pendingDays.set(d.date, refs);
      }
      refs.set(key, d);
    }
    if (final) return;
    for (const date of [...pendingDays.keys()].sort()) {
      if ([...lastOfDay.entries()].some(([k, x]) => k !== key && x.date <= date)) break;
      await writeSnapshotDay(date, pendingDays.get(date)!);
      pendingDays.delete(date);
    }
  };


  for await (const l of leaves) {
    const b = l.body;
    const type = str(b.type) ?? '?';
    const at = str(b.observedAt) ?? '';
    const within = p.type === 2 ? inPeriod(at) : at < p.end;
    if (!within) {
      margin++;
      // report.html names each rule by its definition in force, usually recorded when the agent started, before the period.
      if (type === 'rule.defined' && at < p.end) noteRuleDef(l.seq, at, b);
      continue;
    }
    leavesInPeriod++;
    countsByType[type] = (countsByType[type] ?? 0) + 1;
    const source = str(b.source) ?? '';
    const scope = str(b.scope) ?? '';
    switch (type) {
      case 'agent.started': {
        const v = str(b.version);
        if (v) agentVersions.add(v);
        ruleChange(csvRow([l.seq, at, 'agent.started', '', v ?? '', '']));
        break;
      }
      case 'rule.defined': {
        const r = (b.rule ?? {}) as Record<string, unknown>;
        const id = noteRuleDef(l.seq, at, b);
        if (ruleFilter(id)) ruleChange(csvRow([l.seq, at, 'rule.defined', id, str(r.logicSha256) ?? '', JSON.stringify(r.params ?? {})]));
        break;
      }
      case 'ruleset.defined':
        ruleChange(csvRow([l.seq, at, 'ruleset.defined', source, str(b.ruleSetVersion) ?? '', '']));
        break;
      case 'gap':
        timeline.outage(source, str(b.from) ?? at, str(b.to) ?? at);
        gap(csvRow([l.seq, l.hash, source, scope, str(b.from) ?? '', str(b.to) ?? '', b.slots ?? '', 'declared gap (missed slots)', str(b.reason) ?? '']));
        break;
      case 'alert':
        alerts.push(l.seq);
        break;
      case 'change': {
        if (p.type !== 2) break;
        const ruleId = str(b.ruleId) ?? '';
        const resourceId = str(b.resourceId) ?? '';
        if (!ruleFilter(ruleId)) break;
        const k = `${source}\u0000${scope}\u0000${ruleId}\u0000${resourceId}`;
        const open = deviations.get(k);
        if (b.to === 'fail' && !open) {
          deviations.set(k, { ruleId, resourceId, scope, firstSeq: l.seq, firstAt: at, openedAt: at, carriedIn: false });
        } else if (b.to !== 'fail' && open) {
          closedDeviations++;
          out('report/exceptions.csv', EXCEPTION_HEADER, deviationRow(open, l.seq, at, p.end));
          deviations.delete(k);
        }
        break;
      }
      case 'run': {
        scopes.add(`${source}/${scope}`);
        const key = `${source}\u0000${scope}`;
        const resultsSha = str(b.resultsSha256) ?? '';
        if (p.type === 1) {
          latest.set(key, l);
          break;
        }
        runsInPeriod++;
        if (b.outcome === 'failed') {
          timeline.outage(source, at, at);
          gap(csvRow([l.seq, l.hash, source, scope, str(b.slot) ?? '', str(b.slot) ?? '', 1, 'collection failed (results are error)', JSON.stringify(b.errors ?? [])]));
        }
        const date = localDate(at, p.tz);
        const slot = str(b.slot) ?? '';
        const prev = lastOfDay.get(key);
        if (prev && prev.date !== date) await flushSnapshot(key);
        const firstOfScope = !seenScope.has(key);
        seenScope.add(key);
        for (const t of await tally(resultsSha)) {
          const s = ruleStats(t.ruleId);
          s.runs++;
          s.evaluations += t.n;
          for (const st in t.counts) s.counts[st] = (s.counts[st] ?? 0) + t.counts[st]!;
          s.first ??= at;
          s.last = at;
          s.days.set(date, (s.days.get(date) ?? 0) | t.bits);
          timeline.add(t.ruleId, date, t.n, t.counts);
        }
        let iv = intervals.get(key);
        if (!iv) {
          iv = new ScopeIntervals(source, scope);
          intervals.set(key, iv);
        }
        for (const closed of await iv.run({ seq: l.seq, hash: l.hash, slot }, resultsSha, () => results(resultsSha))) writeInterval(closed);
        if (firstOfScope) {
          for (const r of await results(resultsSha)) {
            if (!ruleFilter(r.ruleId) || r.status !== 'fail') continue;
            const k = `${source}\u0000${scope}\u0000${r.ruleId}\u0000${r.resourceId}`;
            if (!deviations.has(k)) deviations.set(k, { ruleId: r.ruleId, resourceId: r.resourceId, scope, firstSeq: null, firstAt: null, openedAt: p.start, carriedIn: true });
          }
        }
        lastOfDay.set(key, { date, seq: l.seq, hash: l.hash, slot, sha: resultsSha, scope, source });
        break;
      }
      default:
        if (type.startsWith('exception.')) {
          acceptanceCount++;
          out('report/risk-acceptances.csv', ACCEPTANCES_HEADER, csvRow([l.seq, at, type, str(b.id) ?? str(b.exceptionId) ?? '', str(b.ruleId) ?? '', str(b.resourceId) ?? '', str(b.approver) ?? str(b.approvedBy) ?? '', str(b.expiresAt) ?? '', str(b.reason) ?? '']));
        }
    }
  }

  if (p.type === 1) {
    for (const key of [...latest.keys()].sort()) {
      const l = latest.get(key)!;
      const b = l.body;
      const sha256 = str(b.resultsSha256) ?? '';
      const at = str(b.observedAt) ?? '';
      for (const t of await tally(sha256)) {
        const s = ruleStats(t.ruleId);
        s.evaluations += t.n;
        for (const st in t.counts) s.counts[st] = (s.counts[st] ?? 0) + t.counts[st]!;
        if (s.first === undefined || at < s.first) s.first = at;
        if (s.last === undefined || at > s.last) s.last = at;
      }
      const iv = new ScopeIntervals(str(b.source) ?? '', str(b.scope) ?? '');
      await iv.run({ seq: l.seq, hash: l.hash, slot: str(b.slot) ?? '' }, sha256, () => results(sha256));
      intervals.set(key, iv);
    }
  } else {
    for (const key of [...lastOfDay.keys()].sort()) await flushSnapshot(key, true);
    for (const date of [...pendingDays.keys()].sort()) await writeSnapshotDay(date, pendingDays.get(date)!);
  }
  // Intervals still open at the end, by source and scope, then rule and resource.
  for (const key of [...intervals.keys()].sort()) for (const iv of intervals.get(key)!.finish()) writeInterval(iv);

  const ruleIds = [...stats.keys()].sort();
  // Rules with no evaluation still get a population file: an empty population is evidence too.
  for (const id of ruleIds) {
    const path = `report/populations/${fileSafe(id)}.csv`;
    if (!started.has(path)) out(path, POPULATION_HEADER, '');
  }

  const dayStatus = (s: RuleStats, d: string): string => {
    const bits = s.days.get(d) ?? 0;
    if (bits === 0) return 'no_data';
    for (const st of STATUS_ORDER) if (bits & BIT[st]!) return st;
    return 'no_data';
  };

  // Each criterion's state (src/rules/coverage.ts): a direct rule passed only with evidence every day of the period and
  // no gap or failed collection of its source (Type 2), or clean in the latest runs before the instant (Type 1).
  const outcomeOf = (id: string) => {
    const s = ruleStats(id);
    const complete = p.type === 1 || (dates.every((d) => s.days.has(d)) && !timeline.hadOutage(ruleSource(id)));
    return ruleOutcome({ pass: s.counts.pass ?? 0, fail: s.counts.fail ?? 0, error: s.counts.error ?? 0, notApplicable: s.counts.not_applicable ?? 0, complete, inScope: ruleInScope(id, p.sources) });
  };
  const assessments: CriterionAssessment[] = criteria.map((c) => assessCriterion(c, outcomeOf));

  // coverage.csv: every criterion in scope, including those this tool does not cover.
  for (const [i, c] of criteria.entries()) {
    const state = assessments[i]!.state;
    if (c.rules.length === 0) {
      out('report/coverage.csv', COVERAGE_HEADER, csvRow([c.id, c.title, '', 'not covered by this tool', c.manual ?? '', 0, 0, 0, 0, 0, 0, '', '', 0, dates.length, 0, '', '', state]));
      continue;
    }
    for (const r of c.rules) {
      const id = r.id;
      const s = ruleStats(id);
      const daysWith = dates.filter((d) => s.days.has(d)).length;
      const open = [...deviations.values()].filter((d) => d.ruleId === id).length;
      const outcome = outcomeOf(id);
      const cov = outcome === 'out-of-scope' ? 'source not configured' : s.evaluations === 0 ? 'no automated evidence in period' : 'automated';
      out('report/coverage.csv', COVERAGE_HEADER, csvRow([c.id, c.title, id, cov, c.manual ?? '', s.runs, s.evaluations, s.counts.pass, s.counts.fail, s.counts.error, s.counts.not_applicable, s.first ?? '', s.last ?? '', daysWith, dates.length, open, r.evidence ?? 'supporting', outcome, state]));
    }
  }

  if (p.type === 2) {
    for (const id of ruleIds) {
      const s = ruleStats(id);
      out('report/timeline.csv', ['rule', 'date', 'status'], dates.map((d) => csvRow([id, d, dayStatus(s, d)])).join(''));
    }
    out('report/gaps.csv', GAPS_HEADER, '');
    const stillOpen = [...deviations.values()].sort((a, b) => (a.ruleId + a.resourceId < b.ruleId + b.resourceId ? -1 : 1)).map((d) => deviationRow(d, null, null, p.end));
    out('report/exceptions.csv', EXCEPTION_HEADER, stillOpen.join(''));
  }
  out('report/risk-acceptances.csv', ACCEPTANCES_HEADER, '');
  out('report/changes.csv', CHANGES_HEADER, '');

  const samples: Record<string, unknown> = {};
  if (p.sampleSeed !== undefined) {
    const days = Math.max(1, dates.length);
    for (const id of ruleIds) {
      const s = ruleStats(id);
      const { n, frequency } = sampleSize(s.runs / days, s.evaluations);
      const doc = {
        rule: id,
        method:
          'uniform sample of single evaluations without replacement: every evaluation gets an independent key; an interval (population row) of w runs ' +
          'yields its keys in increasing order as order statistics m1 = 1-(1-u1)^(1/w), mj = m(j-1) + (1-m(j-1))*(1-(1-uj)^(1/(w-j+1))), ' +
          'uj = uniform(sha256(seed ":" item ":" j)), item = "<source>:<scope>:<rule>:<resource>:<first_run_seq>"; the j-th key belongs to run offset ' +
          'floor(uniform(sha256(seed ":" item ":" j ":" t)) * w) for the first t not taken earlier in the interval; take the n smallest keys. ' +
          'uniform(h) = (first 52 bits of h + 0.5) / 2^52. The run at offset o is the o-th run of that source/scope counted from first_run_seq.',
        seed: p.sampleSeed,
        population: `report/populations/${fileSafe(id)}.csv`,
        populationSha256: s.popHash.copy().digest('hex'),
        populationRows: s.popRows,
        populationSize: s.evaluations,
        frequency,
        n,
        selected: (s.sampler?.selected(n) ?? []).map((x) => {
          const run = intervals.get(`${x.interval.source}\u0000${x.interval.scope}`)?.runs[x.interval.startIndex + x.offset];
          return {
            item: x.item,
            sortKey: x.sortKey,
            runSeq: run?.seq ?? null,
            runLeafHash: run?.hash ?? null,
            slot: run?.slot ?? null,
            source: x.interval.source,
            scope: x.interval.scope,
            resource: x.interval.resourceId,
            status: x.interval.status,
            populationRow: { firstRunSeq: x.interval.first.seq, lastRunSeq: x.interval.last.seq, runs: x.interval.runs },
          };
        }),
      };
      out(`report/samples/${fileSafe(id)}.json`, null, `${JSON.stringify(doc, null, 2)}\n`);
      samples[id] = n;
    }
  }

  const totals = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
  for (const s of stats.values()) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += s.counts[k] ?? 0;
  const summary = {
    format: 'vigil-report/v1',
    type: p.type,
    period: p.type === 2 ? { from: p.from, to: p.to, tz: p.tz, start: p.start, end: p.end } : { asOf: p.asOf, tz: p.tz, at: p.end },
    framework: { id: p.framework.id, title: p.framework.title, version: p.framework.version },
    criteriaInScope: criteria.map((c) => c.id),
    criteriaNotCovered: criteria.filter((c) => c.rules.length === 0).map((c) => c.id),
    slice: p.slice,
    leaves: { inPeriod: leavesInPeriod, outsidePeriod: margin, byType: sortObj(countsByType) },
    runs: p.type === 2 ? runsInPeriod : latest.size,
    scopes: [...scopes].sort(),
    agentVersions: [...agentVersions].sort(),
    evaluations: totals,
    gaps: gapCount,
    deviations: { closed: closedDeviations, openAtEnd: deviations.size, slaHours: DEFAULT_SLA_HOURS },
    riskAcceptanceRecords: acceptanceCount,
    alerts: alerts.length,
    rules: Object.fromEntries(ruleIds.map((id) => {
      const s = ruleStats(id);
      return [id, { runs: s.runs, evaluations: s.evaluations, counts: s.counts, first: s.first ?? null, last: s.last ?? null, daysWithEvidence: dates.filter((d) => s.days.has(d)).length }];
    })),
    ...(p.sampleSeed !== undefined ? { samples } : {}),
  };
  out('report/summary.json', null, `${JSON.stringify(summary, null, 2)}\n`);
  out('report/oscal-assessment-results.json', null, `${JSON.stringify(oscal(p, criteria, stats, assessments), null, 2)}\n`);
  out(
    'report/report.html',
    null,
    renderReportHtml({
      params: p,
      summary,
      criteria: assessments,
      rules: ruleIds.map((id) => {
        const s = ruleStats(id);
        const def = ruleDefs.get(id);
        return { id, title: def?.title ?? '', severity: def?.severity ?? '', runs: s.runs, evaluations: s.evaluations, counts: s.counts, daysWithEvidence: dates.filter((d) => s.days.has(d)).length, outcome: outcomeOf(id),
          ...(p.sampleSeed !== undefined ? { sample: sampleSize(s.runs / Math.max(1, dates.length), s.evaluations) } : {}) };
      }),
      dates,
      // Rules of sources not configured have no result at all: not drawn (the rules table lists them as out-of-scope).
      timeline: p.type === 2 ? ruleIds.filter((id) => outcomeOf(id) !== 'out-of-scope').map((id) => ({ ruleId: id, days: timeline.row(id, ruleSource(id)) })) : [],
      tables: (path) => sink.table(path),
    }),
  );
}

const COVERAGE_HEADER = ['criterion', 'criterion_title', 'rule', 'coverage', 'manual_evidence', 'runs', 'evaluations', 'pass', 'fail', 'error', 'not_applicable', 'first_evidence', 'last_evidence', 'days_with_evidence', 'days_in_period', 'open_deviations_at_end', 'evidence', 'rule_outcome', 'criterion_state'];
const SNAPSHOT_HEADER = ['run_seq', 'run_leaf_hash', 'slot', 'source', 'scope', 'resource', 'status', 'reason'];
const GAPS_HEADER = ['seq', 'leaf_hash', 'source', 'scope', 'from', 'to', 'slots', 'kind', 'detail'];
const CHANGES_HEADER = ['seq', 'observed_at', 'kind', 'subject', 'version_or_hash', 'parameters'];
const ACCEPTANCES_HEADER = ['seq', 'observed_at', 'type', 'exception_id', 'rule', 'resource', 'approver', 'expires_at', 'reason'];
const EXCEPTION_HEADER = ['rule', 'resource', 'scope', 'first_detected_seq', 'first_detected_at', 'opened_at', 'closed_seq', 'closed_at', 'duration_hours', 'sla_hours', 'within_sla', 'carried_in', 'carried_out'];

function deviationRow(d: Deviation, closedSeq: number | null, closedAt: string | null, periodEnd: string): string {
  const endAt = closedAt ?? periodEnd;
  const hours = Math.round(((Date.parse(endAt) - Date.parse(d.openedAt)) / 3_600_000) * 100) / 100;
  return csvRow([d.ruleId, d.resourceId, d.scope, d.firstSeq ?? '', d.firstAt ?? 'before period', d.openedAt, closedSeq ?? '', closedAt ?? '', hours, DEFAULT_SLA_HOURS, closedAt === null ? (hours > DEFAULT_SLA_HOURS ? 'no' : 'open') : hours <= DEFAULT_SLA_HOURS ? 'yes' : 'no', d.carriedIn ? 'yes' : 'no', closedAt === null ? 'yes' : 'no']);
}

function sortObj(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/** Namespace of the OSCAL property that carries the criterion state in Vigil's words (OSCAL's own state has two values). */
const VIGIL_OSCAL_NS = 'https://github.com/vigil-compliance/vigil/ns/oscal';

/**
 * OSCAL 1.0.6 requires a status and its state has only satisfied / not-satisfied, so `partial` and `not-assessed` are
 * not-satisfied with the reason token `partial` or `not-assessed` (the schema allows any token there) and remarks that
 * say so; the `criterion-state` property carries the state in the words status and report.html use.
 */
function oscalStatus(a: CriterionAssessment): Record<string, string> {
  const remarks = describeAssessment(a);
  if (a.state === 'satisfied') return { state: 'satisfied', reason: 'pass', remarks };
  if (a.state === 'not-satisfied') return { state: 'not-satisfied', reason: 'fail', remarks };
  const why = a.state === 'partial' ? 'Partly evidenced, not a failure' : 'Not assessed: no determination was made, not a failure';
  return { state: 'not-satisfied', reason: a.state, remarks: `${why} (OSCAL's objective state has only two values). ${remarks}` };
}

function oscal(p: ReportParams, criteria: FrameworkData['criteria'], stats: Map<string, RuleStats>, assessments: CriterionAssessment[]): unknown {
  const id = `${p.framework.id}:${p.type}:${p.start}:${p.end}`;
  const findings = criteria.map((c, i) => {
    const a = assessments[i]!;
    const rules = c.rules.map((r) => stats.get(r.id));
    const fails = rules.reduce((n, s) => n + (s ? s.counts.fail! + s.counts.error! : 0), 0);
    const evals = rules.reduce((n, s) => n + (s ? s.evaluations : 0), 0);
    const list = (rs: CriterionAssessment['direct']) => (rs.length === 0 ? 'none' : rs.map((r) => `${r.id} (${r.outcome})`).join(', '));
    const status = oscalStatus(a);
    return {
      uuid: uuidOf(`${id}:finding:${c.id}`),
      title: `${c.id} ${c.title}`,
      description:
        `${describeAssessment(a)}. ` +
        (c.rules.length === 0 ? 'No automated evidence is mapped.' : `${evals} automated evaluations, ${fails} failing or in error. Direct evidence: ${list(a.direct)}. Supporting evidence: ${list(a.supporting)}.`),
      target: {
        type: 'objective-id',
        'target-id': c.id.toLowerCase(),
        props: [{ name: 'criterion-state', ns: VIGIL_OSCAL_NS, value: a.state }, ...(a.manual !== undefined ? [{ name: 'manual-evidence-needed', ns: VIGIL_OSCAL_NS, value: a.manual }] : [])],
        status,
      },
    };
  });
  return {
    'assessment-results': {
      uuid: uuidOf(id),
      metadata: { title: `Vigil ${p.type === 2 ? 'Type 2' : 'Type 1'} evidence: ${p.framework.title}`, 'last-modified': p.end, version: '1', 'oscal-version': '1.0.6' },
      'import-ap': { href: '#vigil-continuous-monitoring' },
      results: [
        {
          uuid: uuidOf(`${id}:result`),
          title: p.type === 2 ? `Operating effectiveness ${p.from ?? ''}..${p.to ?? ''} (${p.tz})` : `Design as of ${p.asOf ?? ''} (${p.tz})`,
          description: 'Results of Vigil automated rules recorded in a signed Merkle-log evidence ledger; recomputable from the bundle.',
          start: p.type === 2 ? p.start : p.end,
          ...(p.type === 2 ? { end: p.end } : {}),
          'reviewed-controls': { 'control-selections': [{ 'include-controls': criteria.map((c) => ({ 'control-id': c.id.toLowerCase() })) }] },
          ...(findings.length > 0 ? { findings } : {}),
        },
      ],
    },
  };
}
