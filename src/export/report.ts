// The auditor report as a pure function of the bundled leaves, results blobs and framework data: export writes it, verify recomputes it byte for byte.
// Each output file has its own module under report/ (walk.ts makes the one pass); this one runs it and writes the summary, coverage, OSCAL and HTML.
import { describePrincipal } from '../core/principal-text.js';
import { createHash } from 'node:crypto';
import { datesInPeriod } from './period.js';
import { assessCriterion, describeAssessment, ruleInScope, ruleOutcome, ruleSource, type CriterionAssessment } from '../rules/coverage.js';
import { TableCapture } from './report-tables.js';
import { DailyTimeline } from './timeline.js';
import { HTML_TABLE_FILES, renderReportHtml } from './report-html.js';
import { csvRow, ReportOut } from './report/csv.js';
import { DEFAULT_SLA_HOURS } from './report/deviations.js';
import { ResultsReader } from './report/results.js';
import { RuleTallies, type RuleStats } from './report/tallies.js';
import { ReportWalk } from './report/walk.js';
import type { BlobReader, FrameworkData, LeafRecord, ReportParams, ReportSink } from './report/types.js';
import { sampleSize } from './report/populations.js';
import { RosterRuns } from '../evidence/roster.js';
import { foldEvidenceLeaf, requirementCoverage, type EvidenceRecord, type EvidenceWindow } from '../rules/manual-evidence.js';
import type { ManualRequirement } from '../rules/requirements.js';

export type { BlobReader, ExportIntegrity, FrameworkData, LeafRecord, ReportParams, ReportSink } from './report/types.js';
export { csvField, fileSafe } from './report/csv.js';
export { DEFAULT_SLA_HOURS } from './report/deviations.js';
export { sampleSize } from './report/populations.js';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Deterministic UUID (version 5 layout over SHA-256) so OSCAL output is reproducible. */
function uuidOf(name: string): string {
  const h = sha(`vigil-oscal:${name}`);
  const v = `5${h.slice(13, 16)}`;
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${v}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Streams `leaves` (ascending seq, the whole bundled slice) and writes every report file to `sink`. Memory is bounded by
 * rules × days, the open deviations and one parsed results blob per scope, never by the number of evaluations.
 */
export async function buildReport(p: ReportParams, leaves: AsyncIterable<LeafRecord>, blobs: BlobReader, outer: ReportSink): Promise<void> {
  // report.html shows the first rows of the event CSVs as tables; they pass through to `outer` unchanged.
  const sink = new TableCapture(outer, HTML_TABLE_FILES);
  const out = new ReportOut(sink);
  const selected = new Set(p.criteria ?? p.framework.criteria.map((c) => c.id));
  const criteria = p.framework.criteria.filter((c) => selected.has(c.id));
  const scopeRules = new Set(criteria.flatMap((c) => c.rules.map((r) => r.id)));
  const ruleFilter = (id: string): boolean => p.criteria === undefined || scopeRules.has(id);
  const dates = p.type === 2 ? datesInPeriod(p.start, p.end, p.tz) : [];
  const timeline = new DailyTimeline(dates, p.tz);
  const tallies = new RuleTallies(p.sampleSeed);
  for (const id of [...scopeRules].sort()) tallies.get(id);
  const walk = new ReportWalk(p, out, tallies, new ResultsReader(blobs, ruleFilter), ruleFilter, timeline);
  const evidence: EvidenceRecord[] = [];
  const hris = new RosterRuns();
  for await (const l of leaves) {
    foldEvidenceLeaf(evidence, l.seq, l.body);
    if ((l.body.type === 'run' && String(l.body.endedAt) <= p.end) || l.body.type === 'scope.retired') hris.leaf(l.body);
    await walk.leaf(l);
  }
  await walk.finish();

  const stats = tallies.stats;
  const ruleIds = tallies.ids();
  // Each criterion's state (src/rules/coverage.ts): a direct rule passed only with evidence every day of the period and
  // no gap or failed collection of its source (Type 2), or clean in the latest runs before the instant (Type 1).
  const outcomeOf = (id: string) => {
    const s = tallies.get(id);
    const complete = p.type === 1 || (dates.every((d) => s.days.has(d)) && !timeline.hadOutage(ruleSource(id)));
    return ruleOutcome({ pass: s.counts.pass ?? 0, fail: s.counts.fail ?? 0, error: s.counts.error ?? 0, notApplicable: s.counts.not_applicable ?? 0, complete, inScope: ruleInScope(id, p.sources) });
  };
  // Manual evidence counts over the period by its effective date (Type 2), or in force at the instant (Type 1).
  const window: EvidenceWindow = p.type === 2 ? { start: p.start, end: p.end } : { at: p.end };
  // Per-hire requirements: the hires of the roster as read by the period's end (docs/evidence.md, "New hires").
  const roster = p.hrisRoster ? await hris.state({ getBlob: blobs }, new Date(p.end), p.sources ? { configured: p.sources.includes('hris') } : {}) : undefined;
  const assessments: CriterionAssessment[] = criteria.map((c) =>
    assessCriterion({ ...c, manual: requirementsOf(c) }, outcomeOf, (id, reqs) => requirementCoverage(id, reqs, evidence, window, roster)),
  );
  writeCoverage(out, criteria, tallies, walk, dates, assessments, outcomeOf);
  writeManualEvidence(out, evidence, criteria, assessments);
  writeOnboarding(out, assessments);
  if (p.type === 2) tallies.writeTimeline(out, dates);
  const samples = p.sampleSeed !== undefined ? walk.populations.writeSamples(p.sampleSeed, dates.length) : undefined;
  const summary = {
    format: 'vigil-report/v1',
    type: p.type,
    period: p.type === 2 ? { from: p.from, to: p.to, tz: p.tz, start: p.start, end: p.end } : { asOf: p.asOf, tz: p.tz, at: p.end },
    framework: { id: p.framework.id, title: p.framework.title, version: p.framework.version },
    criteriaInScope: criteria.map((c) => c.id),
    criteriaNotCovered: criteria.filter((c) => c.rules.length === 0).map((c) => c.id),
    slice: p.slice,
    leaves: { inPeriod: walk.leavesInPeriod, outsidePeriod: walk.margin, byType: sortObj(walk.countsByType) },
    runs: walk.runs,
    scopes: [...walk.scopes].sort(),
    ...(p.type === 1 ? { staleScopes: [...walk.staleScopes].sort() } : {}),
    // Only when some scope retired, so reports of ledgers without retirements keep their bytes.
    ...(walk.retirements.rows().length > 0 ? { retiredScopes: walk.retirements.rows() } : {}),
    agentVersions: [...walk.changes.agentVersions].sort(),
    evaluations: tallies.totals(),
    gaps: walk.gaps.count,
    deviations: { closed: walk.deviations.closed, openAtEnd: walk.deviations.openCount, slaHours: DEFAULT_SLA_HOURS },
    riskAcceptanceRecords: walk.register.records,
    riskAcceptances: walk.register.rows,
    alerts: walk.alerts,
    // Only when some was recorded in the slice, so reports of ledgers without manual evidence keep their bytes.
    ...(evidence.length > 0 ? { manualEvidence: { records: evidence.length, confidential: evidence.filter((r) => r.confidential).length, withdrawn: evidence.filter((r) => r.withdrawn !== undefined).length } } : {}),
    rules: tallies.summary(dates),
    ...(samples !== undefined ? { samples } : {}),
  };
  out.write('report/summary.json', null, `${JSON.stringify(summary, null, 2)}\n`);
  out.write('report/oscal-assessment-results.json', null, `${JSON.stringify(oscal(p, criteria, stats, assessments), null, 2)}\n`);
  out.write(
    'report/report.html',
    null,
    renderReportHtml({
      params: p,
      summary,
      criteria: assessments,
      rules: ruleIds.map((id) => {
        const s = tallies.get(id);
        const def = walk.ruleDefs.get(id);
        return {
          id,
          title: def?.title ?? '',
          severity: def?.severity ?? '',
          runs: s.runs,
          evaluations: s.evaluations,
          counts: s.counts,
          daysWithEvidence: dates.filter((d) => s.days.has(d)).length,
          outcome: outcomeOf(id),
          ...(p.sampleSeed !== undefined ? { sample: sampleSize(s.runs / Math.max(1, dates.length), s.evaluations) } : {}),
        };
      }),
      dates,
      // Rules of sources not configured have no result at all: not drawn (the rules table lists them as out-of-scope).
      timeline: p.type === 2 ? ruleIds.filter((id) => outcomeOf(id) !== 'out-of-scope').map((id) => ({ ruleId: id, days: timeline.row(id, ruleSource(id)) })) : [],
      tables: (path) => sink.table(path),
    }),
  );
}

// coverage.csv: every criterion in scope, including those this tool does not cover, with each rule's role and outcome.
function writeCoverage(
  out: ReportOut,
  criteria: FrameworkData['criteria'],
  tallies: RuleTallies,
  walk: ReportWalk,
  dates: string[],
  assessments: CriterionAssessment[],
  outcomeOf: (id: string) => string,
): void {
  for (const [i, c] of criteria.entries()) {
    const state = assessments[i]!.state;
    if (c.rules.length === 0) {
      out.write('report/coverage.csv', COVERAGE_HEADER, csvRow([c.id, c.title, '', 'not covered by this tool', manualText(c), 0, 0, 0, 0, 0, 0, '', '', 0, dates.length, 0, '', '', state]));
      continue;
    }
    for (const r of c.rules) {
      const id = r.id;
      const s = tallies.get(id);
      const daysWith = dates.filter((d) => s.days.has(d)).length;
      const open = walk.deviations.openFor(id);
      const outcome = outcomeOf(id);
      // An imported scanner result (vigil import) is marked as such: the scanner judged it, Vigil recorded it.
      const cov = outcome === 'out-of-scope' ? 'source not configured' : s.evaluations === 0 ? (r.imported ? 'imported: no scanner results in period' : 'no automated evidence in period') : r.imported ? 'imported scanner results' : 'automated';
      out.write('report/coverage.csv', COVERAGE_HEADER, csvRow([c.id, c.title, id, cov, manualText(c), s.runs, s.evaluations, s.counts.pass, s.counts.fail, s.counts.error, s.counts.not_applicable, s.first ?? '', s.last ?? '', daysWith, dates.length, open, r.evidence ?? 'supporting', outcome, state]));
    }
  }
}

/** A criterion's manual requirements; a bundle from before issue 15 has one prose string, read as one requirement. */
function requirementsOf(c: FrameworkData['criteria'][number]): ManualRequirement[] | undefined {
  if (typeof c.manual === 'string') return [{ id: 'manual', title: c.manual, cadence: 'once' }];
  return c.manual;
}

/** coverage.csv's manual_evidence column: the requirements' titles, as the prose column was before issue 15. */
const manualText = (c: FrameworkData['criteria'][number]): string => (typeof c.manual === 'string' ? c.manual : (c.manual ?? []).map((m) => `${m.id} (${m.cadence}): ${m.title}`).join('; '));

const MANUAL_HEADER = ['criterion', 'requirement', 'cadence', 'requirement_state', 'evidence_id', 'title', 'effective_at', 'recorded_at', 'expires_at', 'counts_in_window', 'sha256', 'size', 'media_type', 'file_name', 'file_in_bundle', 'owner', 'owner_name', 'uploader', 'leaf_seq', 'withdrawn_at', 'withdrawn_by', 'withdrawal_reason', 'withdrawal_seq'];

/**
 * manual-evidence.csv: one row per requirement in scope with no evidence in the slice, and one per evidence record in
 * the slice (counting or not), with where its file is in the bundle or `withheld (confidential)`.
 */
function writeManualEvidence(out: ReportOut, evidence: EvidenceRecord[], criteria: FrameworkData['criteria'], assessments: CriterionAssessment[]): void {
  for (const [i, c] of criteria.entries()) {
    for (const q of assessments[i]!.manual ?? []) {
      const records = evidence.filter((r) => r.criterion === c.id && r.requirement === q.id);
      if (records.length === 0) out.write('report/manual-evidence.csv', MANUAL_HEADER, csvRow([c.id, q.id, q.cadence, q.state, '', '', '', '', '', '', '', '', '', '', '', q.owner ?? '', '', '', '', '', '', '', '']));
      for (const r of records) {
        const file = r.confidential ? 'withheld (confidential)' : `attachments/sha256/${r.sha256.slice(0, 2)}/${r.sha256}.gz`;
        const who = describePrincipal(r.uploader);
        out.write(
          'report/manual-evidence.csv',
          MANUAL_HEADER,
          csvRow([c.id, q.id, q.cadence, q.state, r.id, r.title, r.effectiveAt, r.recordedAt, r.expiresAt ?? '', q.evidence.includes(r.id) ? 'yes' : 'no', r.sha256, r.size, r.mediaType, r.fileName, file, r.owner ?? '', r.ownerName ?? '', who, r.seq, ...withdrawalCells(r)]),
        );
      }
    }
  }
}

const ONBOARDING_HEADER = ['criterion', 'requirement', 'cadence', 'work_email', 'employee_id', 'name', 'hired', 'due_by', 'status', 'evidence_ids', 'reason'];

/** onboarding.csv: each hire of the window per per-hire requirement, with its verdict (pass, fail, pending, not_applicable). */
function writeOnboarding(out: ReportOut, assessments: CriterionAssessment[]): void {
  for (const a of assessments) {
    for (const q of a.manual ?? []) {
      for (const h of q.hires ?? []) out.write('report/onboarding.csv', ONBOARDING_HEADER, csvRow([a.id, q.id, q.cadence, h.email, h.employeeId, h.name, h.hired, h.dueBy, h.status, h.evidence.join(' '), h.reason]));
    }
  }
}

/** A withdrawal's columns: when, by whom, why, its leaf (empty when the record stands). */
const withdrawalCells = (r: EvidenceRecord): Array<string | number> => (r.withdrawn === undefined ? ['', '', '', ''] : [r.withdrawn.at, describePrincipal(r.withdrawn.by), r.withdrawn.reason, r.withdrawn.seq]);

const COVERAGE_HEADER = ['criterion', 'criterion_title', 'rule', 'coverage', 'manual_evidence', 'runs', 'evaluations', 'pass', 'fail', 'error', 'not_applicable', 'first_evidence', 'last_evidence', 'days_with_evidence', 'days_in_period', 'open_deviations_at_end', 'evidence', 'rule_outcome', 'criterion_state'];

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

/** One property per manual requirement: its state and the evidence ids that count (OSCAL prop values are single tokens-or-strings). */
function oscalManualProps(a: CriterionAssessment): Array<{ name: string; ns: string; value: string; class?: string; remarks?: string }> {
  return (a.manual ?? []).map((m) => ({
    name: m.state === 'evidenced' ? 'manual-evidence' : 'manual-evidence-needed',
    ns: VIGIL_OSCAL_NS,
    class: m.id,
    value: m.state === 'evidenced' ? m.evidence.join(' ') : m.title,
    remarks: `${m.id} (${m.cadence}${m.owner !== undefined ? `, owner ${m.owner}` : ''}): ${m.state}`,
  }));
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
        props: [{ name: 'criterion-state', ns: VIGIL_OSCAL_NS, value: a.state }, ...oscalManualProps(a)],
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
