// The auditor report as a pure function of the bundled leaves, results blobs and framework data: export writes it, verify recomputes it byte for byte.
// Each output file has its own module under report/ (walk.ts makes the one pass); this one runs it and writes the summary, coverage, OSCAL and HTML.
import { createHash } from 'node:crypto';
import { datesInPeriod } from './period.js';
import { csvRow, ReportOut } from './report/csv.js';
import { DEFAULT_SLA_HOURS } from './report/deviations.js';
import { ResultsReader } from './report/results.js';
import { RuleTallies, type RuleStats } from './report/tallies.js';
import { ReportWalk } from './report/walk.js';
import type { BlobReader, FrameworkData, LeafRecord, ReportParams, ReportSink } from './report/types.js';

export type { BlobReader, FrameworkData, LeafRecord, ReportParams, ReportSink } from './report/types.js';
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
export async function buildReport(p: ReportParams, leaves: AsyncIterable<LeafRecord>, blobs: BlobReader, sink: ReportSink): Promise<void> {
  const out = new ReportOut(sink);
  const selected = new Set(p.criteria ?? p.framework.criteria.map((c) => c.id));
  const criteria = p.framework.criteria.filter((c) => selected.has(c.id));
  const scopeRules = new Set(criteria.flatMap((c) => c.rules.map((r) => r.id)));
  const ruleFilter = (id: string): boolean => p.criteria === undefined || scopeRules.has(id);
  const dates = p.type === 2 ? datesInPeriod(p.start, p.end, p.tz) : [];
  const tallies = new RuleTallies(p.sampleSeed);
  for (const id of [...scopeRules].sort()) tallies.get(id);
  const walk = new ReportWalk(p, out, tallies, new ResultsReader(blobs, ruleFilter), ruleFilter);
  for await (const l of leaves) await walk.leaf(l);
  await walk.finish();

  const stats = tallies.stats;
  const ruleIds = tallies.ids();
  writeCoverage(out, criteria, tallies, walk, dates);
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
    agentVersions: [...walk.changes.agentVersions].sort(),
    evaluations: tallies.totals(),
    gaps: walk.gaps.count,
    deviations: { closed: walk.deviations.closed, openAtEnd: walk.deviations.openCount, slaHours: DEFAULT_SLA_HOURS },
    riskAcceptanceRecords: walk.register.records,
    riskAcceptances: walk.register.rows,
    alerts: walk.alerts,
    rules: tallies.summary(dates),
    ...(samples !== undefined ? { samples } : {}),
  };
  out.write('report/summary.json', null, `${JSON.stringify(summary, null, 2)}\n`);
  out.write('report/oscal-assessment-results.json', null, `${JSON.stringify(oscal(p, criteria, stats), null, 2)}\n`);
  out.write('report/report.html', null, html(p, summary, criteria, stats, ruleIds, dates, (s, d) => tallies.dayStatus(s, d), walk.gaps.count));
}

// coverage.csv: every criterion in scope, including those this tool does not cover.
function writeCoverage(out: ReportOut, criteria: FrameworkData['criteria'], tallies: RuleTallies, walk: ReportWalk, dates: string[]): void {
  for (const c of criteria) {
    const rules = c.rules.map((r) => r.id);
    if (rules.length === 0) {
      out.write('report/coverage.csv', COVERAGE_HEADER, csvRow([c.id, c.title, '', 'not covered by this tool', c.manual ?? '', 0, 0, 0, 0, 0, 0, '', '', 0, dates.length, 0]));
      continue;
    }
    for (const id of rules) {
      const s = tallies.get(id);
      const daysWith = dates.filter((d) => s.days.has(d)).length;
      const open = walk.deviations.openFor(id);
      const cov = s.evaluations === 0 ? 'no automated evidence in period' : 'automated';
      out.write('report/coverage.csv', COVERAGE_HEADER, csvRow([c.id, c.title, id, cov, c.manual ?? '', s.runs, s.evaluations, s.counts.pass, s.counts.fail, s.counts.error, s.counts.not_applicable, s.first ?? '', s.last ?? '', daysWith, dates.length, open]));
    }
  }
}

const COVERAGE_HEADER = ['criterion', 'criterion_title', 'rule', 'coverage', 'manual_evidence', 'runs', 'evaluations', 'pass', 'fail', 'error', 'not_applicable', 'first_evidence', 'last_evidence', 'days_with_evidence', 'days_in_period', 'open_deviations_at_end'];

function sortObj(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function oscal(p: ReportParams, criteria: FrameworkData['criteria'], stats: Map<string, RuleStats>): unknown {
  const id = `${p.framework.id}:${p.type}:${p.start}:${p.end}`;
  const findings = criteria.map((c) => {
    const rules = c.rules.map((r) => stats.get(r.id));
    const fails = rules.reduce((n, s) => n + (s ? s.counts.fail! + s.counts.error! : 0), 0);
    const evals = rules.reduce((n, s) => n + (s ? s.evaluations : 0), 0);
    const state = c.rules.length > 0 && evals > 0 && fails === 0 ? 'satisfied' : 'not-satisfied';
    return {
      uuid: uuidOf(`${id}:finding:${c.id}`),
      title: `${c.id} ${c.title}`,
      description: c.rules.length === 0 ? `Not covered by this tool. ${c.manual ?? ''}`.trim() : `${evals} automated evaluations, ${fails} failing or in error, by rules ${c.rules.map((r) => r.id).join(', ')}.`,
      target: { type: 'objective-id', 'target-id': c.id.toLowerCase(), status: { state } },
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

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS: Record<string, string> = { pass: '#2e7d32', fail: '#c62828', error: '#ef6c00', not_applicable: '#9e9e9e', no_data: '#e0e0e0' };

function html(
  p: ReportParams,
  summary: Record<string, unknown>,
  criteria: FrameworkData['criteria'],
  stats: Map<string, RuleStats>,
  ruleIds: string[],
  dates: string[],
  dayStatus: (s: RuleStats, d: string) => string,
  gapCount: number,
): string {
  const title = p.type === 2 ? `SOC 2 Type 2 evidence, ${p.from} to ${p.to} (${p.tz})` : `SOC 2 Type 1 evidence as of ${p.asOf} (${p.tz})`;
  const cell = 6;
  const labelW = 330;
  const chart = p.type === 2
    ? `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="per-rule daily timeline" width="${labelW + dates.length * cell + 10}" height="${ruleIds.length * (cell + 4) + 20}">` +
      ruleIds.map((id, i) => {
        const s = stats.get(id)!;
        const y = i * (cell + 4) + 14;
        return `<text x="0" y="${y + cell}" font-size="9">${esc(id)}</text>` + dates.map((d, j) => {
          const st = dayStatus(s, d);
          return `<rect x="${labelW + j * cell}" y="${y}" width="${cell - 1}" height="${cell + 2}" fill="${COLORS[st]}"><title>${esc(`${id} ${d}: ${st}`)}</title></rect>`;
        }).join('');
      }).join('') + `</svg>`
    : '';
  const rows = criteria.map((c) => c.rules.length === 0
    ? `<tr><td>${esc(c.id)}</td><td>${esc(c.title)}</td><td colspan="6"><em>not covered by this tool</em> — ${esc(c.manual ?? '')}</td></tr>`
    : c.rules.map((r) => {
      const s = stats.get(r.id);
      return `<tr><td>${esc(c.id)}</td><td>${esc(c.title)}</td><td>${esc(r.id)}</td><td>${s?.evaluations ?? 0}</td><td>${s?.counts.pass ?? 0}</td><td>${s?.counts.fail ?? 0}</td><td>${s?.counts.error ?? 0}</td><td>${dates.filter((d) => s?.days.has(d)).length}/${dates.length}</td></tr>`;
    }).join('')).join('\n');
  const legend = Object.entries(COLORS).map(([k, v]) => `<span style="display:inline-block;width:10px;height:10px;background:${v}"></span> ${k.replace('_', ' ')}`).join(' &nbsp; ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}th{background:#f4f4f4}.chart{overflow-x:auto}</style></head>
<body>
<h1>${esc(title)}</h1>
<p>Information produced by the entity's monitoring tool (Vigil), not an auditor's opinion. Every figure below is recomputed from the signed ledger leaves in this bundle by <code>verify/verify.mjs</code>.</p>
<h2>Scope and period</h2>
<pre>${esc(JSON.stringify({ period: summary.period, framework: summary.framework, scopes: summary.scopes, agentVersions: summary.agentVersions, slice: summary.slice }, null, 2))}</pre>
<h2>Integrity</h2>
<p>Run <code>node verify/verify.mjs .</code> in the bundle (or <code>vigil verify</code>); see README.txt for the <code>sha256sum</code> and <code>openssl</code> steps. The bundle holds ledger leaves ${p.slice.startSize}..${p.slice.endSize - 1} and the signed checkpoints that cover them.</p>
<h2>Coverage by criterion</h2>
<table><tr><th>criterion</th><th>title</th><th>rule</th><th>evaluations</th><th>pass</th><th>fail</th><th>error</th><th>days with evidence</th></tr>
${rows}
</table>
${p.type === 2 ? `<h2>Timeline (per rule, per day)</h2><p>${legend}</p><div class="chart">${chart}</div>` : ''}
<h2>Gaps, deviations, risk acceptance</h2>
<p>${gapCount} gap records (gaps.csv); deviations: ${esc(JSON.stringify(summary.deviations))} (deviations.csv); ${esc(summary.riskAcceptanceRecords)} risk-acceptance records (risk-acceptances.csv); rule and agent changes in changes.csv.</p>
<h2>Populations and samples</h2>
<p>populations/&lt;rule&gt;.csv lists every evaluation run-length encoded: one row per resource and unchanged status, with the first and last run (leaf seq and hash) and the number of runs; snapshots/&lt;rule&gt;/&lt;date&gt;.csv.gz the state per day for date sampling (gzip)${p.sampleSeed !== undefined ? '; samples/&lt;rule&gt;.json the seeded selections' : ''}.</p>
</body></html>
`;
}
