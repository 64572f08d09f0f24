// report.html: the auditor's reading copy of a bundle's report, rendered as a pure function of the computed report model (deterministic bytes: the verifier recomputes it).
import { isImportedRuleId, type CriterionAssessment, type CriterionState, type RuleOutcome } from '../rules/coverage.js';
import type { CapturedTable } from './report-tables.js';
import { svgTimeline, TIMELINE_LEGEND } from './report-html-timeline.js';
import type { TimelineDay } from './timeline.js';
import type { ReportParams } from './report/types.js';

/** The event CSVs report.html shows as tables (deviations.csv is the failure episodes' name once exceptions.csv is renamed). */
export const HTML_TABLE_FILES: ReadonlySet<string> = new Set([
  'report/deviations.csv',
  'report/exceptions.csv',
  'report/gaps.csv',
  'report/risk-acceptances.csv',
  'report/changes.csv',
]);

/** What report.html is rendered from; report.ts builds it. */
export interface ReportHtmlModel {
  params: Omit<ReportParams, 'framework' | 'criteria'> & { framework: Pick<ReportParams['framework'], 'id' | 'title' | 'version'> };
  /** summary.json as written. */
  summary: Record<string, unknown>;
  criteria: CriterionAssessment[];
  rules: Array<{
    id: string;
    title: string;
    severity: string;
    runs: number;
    evaluations: number;
    counts: Record<string, number>;
    daysWithEvidence: number;
    outcome: RuleOutcome;
    sample?: { n: number; frequency: string };
  }>;
  dates: string[];
  timeline: Array<{ ruleId: string; days: TimelineDay[] }>;
  tables: (path: string) => CapturedTable | undefined;
}

export const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STATE_TEXT: Record<CriterionState, string> = {
  satisfied: 'satisfied',
  'not-satisfied': 'not satisfied',
  partial: 'partial',
  'not-assessed': 'not assessed',
};

const CSS = `
:root{--ok:#1b5e20;--bad:#b71c1c;--part:#7a4f00;--na:#455a64;--line:#c8c8c8}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;margin:2em auto;max-width:1180px;padding:0 1em}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin-top:1.8em;border-bottom:2px solid #333;padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}th,td{border:1px solid var(--line);padding:3px 6px;vertical-align:top;text-align:left;font-size:12.5px;overflow-wrap:anywhere}
th{background:#eef0f2}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px;overflow-wrap:anywhere}
.state{display:inline-block;padding:1px 7px;border-radius:3px;color:#fff;font-weight:600;white-space:nowrap}
.s-satisfied{background:var(--ok)}.s-not-satisfied{background:var(--bad)}.s-partial{background:var(--part)}.s-not-assessed{background:var(--na)}
.note{color:#444}.summary th{width:15em;background:#f6f7f8}
nav ol{columns:2;margin:.4em 0}
.chart svg{width:100%;height:auto;display:block}
ul.tight{margin:0;padding-left:1.1em}
@media print{
  @page{size:A4 landscape;margin:11mm}
  body{margin:0;max-width:none;font-size:11px}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  h2{break-before:page}h2.first{break-before:auto}
  h2,h3{break-after:avoid}tr,.chart svg{break-inside:avoid}thead{display:table-header-group}
  nav{display:none}
}
`;

function section(id: string, title: string, body: string, first = false): string {
  return `<section id="${id}" aria-labelledby="h-${id}"><h2 id="h-${id}"${first ? ' class="first"' : ''}>${esc(title)}</h2>\n${body}</section>\n`;
}

const badge = (s: CriterionState): string => `<span class="state s-${s}">${STATE_TEXT[s]}</span>`;
const num = (n: unknown): string => `<td class="num">${esc(n ?? 0)}</td>`;

function periodText(p: ReportHtmlModel['params']): string {
  return p.type === 2
    ? `${p.from ?? ''} to ${p.to ?? ''} inclusive, dates in ${p.tz} (UTC instants ${p.start} to ${p.end}, end excluded)`
    : `as of the close of ${p.asOf ?? ''} in ${p.tz} (UTC instant ${p.end})`;
}

function summarySection(m: ReportHtmlModel): string {
  const p = m.params;
  const s = m.summary as {
    runs?: number;
    scopes?: string[];
    retiredScopes?: Array<{ scope: string; retiredAt: string; reason: string; reinstatedAt?: string }>;
    agentVersions?: string[];
    evaluations?: Record<string, number>;
    gaps?: number;
    deviations?: { closed?: number; openAtEnd?: number; slaHours?: number };
    riskAcceptanceRecords?: number;
    alerts?: number;
    leaves?: { inPeriod?: number; outsidePeriod?: number };
  };
  const byState = (st: CriterionState) => m.criteria.filter((c) => c.state === st).length;
  const states = (['satisfied', 'not-satisfied', 'partial', 'not-assessed'] as const).map((st) => `${badge(st)} ${byState(st)}`).join(' &nbsp; ');
  const ev = s.evaluations ?? {};
  const i = p.integrity;
  const integrity = i
    ? `<p>Computed at export, before the bundle was written (this is the exporter's statement, not the result of a verification run):</p>
<table class="summary"><tbody>
<tr><th scope="row">Ledger origin</th><td class="mono">${esc(i.origin)}</td></tr>
<tr><th scope="row">Leaves in the bundle</th><td>${p.slice.startSize} to ${p.slice.endSize - 1} (${p.slice.endSize - p.slice.startSize} leaves)</td></tr>
<tr><th scope="row">Signed checkpoints</th><td>${i.checkpoints}</td></tr>
<tr><th scope="row">Merkle root of the first ${p.slice.endSize} leaves</th><td class="mono">${esc(i.endRoot)}</td></tr>
<tr><th scope="row">Signing key fingerprint</th><td class="mono">${esc(i.keyFingerprint)}</td></tr>
</tbody></table>
<p>The fingerprint is the SHA-256 of the key's DER SubjectPublicKeyInfo, as <code>vigil ledger key</code> prints it. These figures are the exporter's statement, so do not trust the bundle on them: run <code>node verify/verify.mjs --trusted-fingerprint SHA256:&lt;the fingerprint you recorded&gt; .</code> in the bundle (or <code>vigil verify</code>), which checks every signature, the Merkle tree and the attachments, checks these figures against the bundle, and recomputes every report file, this one included, byte for byte. Pin the fingerprint the entity gave you out of band at the start of the engagement, not the one printed here.</p>`
    : `<p>This bundle records no export-time integrity figures. Run <code>node verify/verify.mjs .</code> in the bundle (or <code>vigil verify</code>) and compare the key fingerprint it prints with one received out of band. The bundle holds ledger leaves ${p.slice.startSize} to ${p.slice.endSize - 1}.</p>`;
  const list = (xs: string[] | undefined) => (xs && xs.length > 0 ? xs.map((x) => `<code>${esc(x)}</code>`).join(', ') : '<em>none</em>');
  const body = `<table class="summary"><tbody>
<tr><th scope="row">Report</th><td>${esc(reportKind(p.framework))} ${p.type === 2 ? 'Type 2 (operating effectiveness over a period)' : 'Type 1 (design at a point in time)'} — ${esc(p.framework.title)} (${esc(p.framework.id)}, ${esc(p.framework.version)})</td></tr>
<tr><th scope="row">Origin (ledger)</th><td class="mono">${esc(i?.origin ?? 'not recorded')}</td></tr>
<tr><th scope="row">${p.type === 2 ? 'Period' : 'As of'}</th><td>${esc(periodText(p))}</td></tr>
<tr><th scope="row">Criteria in scope</th><td>${m.criteria.length}: ${m.criteria.map((c) => esc(c.id)).join(', ')}</td></tr>
<tr><th scope="row">Criterion states</th><td>${states}</td></tr>
<tr><th scope="row">Sources configured</th><td>${p.sources ? list(p.sources) : '<em>not recorded: every source counted as in scope</em>'}</td></tr>
<tr><th scope="row">Systems in scope (source/scope with runs)</th><td>${list(s.scopes)}</td></tr>
${s.retiredScopes ? `<tr><th scope="row">Systems retired${p.type === 2 ? ' in the period' : ' (out of scope)'}</th><td>${s.retiredScopes.map((r) => `<code>${esc(r.scope)}</code> at ${esc(r.retiredAt)}: ${esc(r.reason)}${r.reinstatedAt ? ` (back in scope at ${esc(r.reinstatedAt)})` : ''}`).join('<br>')}</td></tr>
` : ''}<tr><th scope="row">Runs</th><td>${esc(s.runs ?? 0)} ${p.type === 2 ? 'in the period' : '(the latest per system before the instant)'}</td></tr>
<tr><th scope="row">Evaluations</th><td>${esc(ev.pass ?? 0)} pass, ${esc(ev.fail ?? 0)} fail, ${esc(ev.error ?? 0)} error, ${esc(ev.not_applicable ?? 0)} not applicable</td></tr>
<tr><th scope="row">Gaps</th><td>${esc(s.gaps ?? 0)}</td></tr>
<tr><th scope="row">Deviations</th><td>${esc(s.deviations?.closed ?? 0)} closed, ${esc(s.deviations?.openAtEnd ?? 0)} open at the end (SLA ${esc(s.deviations?.slaHours ?? '')} h)</td></tr>
<tr><th scope="row">Risk-acceptance records</th><td>${esc(s.riskAcceptanceRecords ?? 0)}</td></tr>
<tr><th scope="row">Alerts</th><td>${esc(s.alerts ?? 0)}</td></tr>
<tr><th scope="row">Agent versions</th><td>${list(s.agentVersions)}</td></tr>
</tbody></table>
<h3>Integrity</h3>
${integrity}`;
  return section('summary', 'Summary', body, true);
}

function criteriaSection(m: ReportHtmlModel): string {
  // Rules of sources not configured (and without results) are counted, not listed: they say nothing about this system.
  const ruleList = (rs: CriterionAssessment['direct']) => {
    const shown = rs.filter((r) => r.outcome !== 'out-of-scope');
    const left = rs.length - shown.length;
    const items = shown.map((r) => `<li><code>${esc(r.id)}</code>${isImportedRuleId(r.id) ? ' <span class="note">(imported scanner result)</span>' : ''}: ${esc(r.outcome)}</li>`).join('');
    const more = left > 0 ? `<li class="note">${left} more of sources not configured</li>` : '';
    return rs.length === 0 ? '<em>none</em>' : `<ul class="tight">${items}${more}</ul>`;
  };
  const rows = m.criteria
    .map((c) => {
      const why = c.reasons.filter((r) => r !== 'manual evidence needed').join('; ');
      return `<tr><th scope="row">${esc(c.id)}<br><span class="note">${esc(c.title)}</span></th><td>${badge(c.state)}<br>${esc(why)}</td><td>${ruleList(c.direct)}</td><td>${ruleList(c.supporting)}</td><td>${manualList(c.manual)}</td></tr>`;
    })
    .join('\n');
  const body = `<p>A criterion is <strong>satisfied</strong> only when every direct rule of a configured source passed ${m.params.type === 2 ? 'throughout the period (evidence every day, no error, no gap or failed collection)' : 'at the as-of instant (no error)'} and each of its manual requirements is evidenced or none is required; <strong>not satisfied</strong> when a direct rule failed; <strong>not assessed</strong> when no direct rule gives automated evidence; <strong>partial</strong> otherwise. Supporting rules add evidence but never decide. Manual evidence counts ${m.params.type === 2 ? 'when its effective date falls in the period' : 'when it was recorded, effective and unexpired at the as-of instant'}; each record, its file (or <em>withheld</em> when confidential) and its hash are in <code>report/manual-evidence.csv</code>. A per-hire requirement is judged on the HR roster read by ${m.params.type === 2 ? 'the end of the period' : 'the as-of instant'}: each hire ${m.params.type === 2 ? 'in the period' : 'of the year before'} needs a record naming them, effective within N days of the hire (<code>report/onboarding.csv</code>); an overdue hire leaves it needed, an untrusted roster makes it <em>error</em>, and without a roster source it is <em>not assessed</em>.</p>
<table><colgroup><col style="width:13%"><col style="width:15%"><col style="width:26%"><col style="width:26%"><col style="width:20%"></colgroup>
<thead><tr><th scope="col">Criterion</th><th scope="col">State and why</th><th scope="col">Direct evidence (rule: outcome)</th><th scope="col">Supporting evidence</th><th scope="col">Manual evidence (requirement: evidence)</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
  return section('criteria', 'Criteria', body);
}

/** Each manual requirement with the records that evidence it, or what is still needed. */
function manualList(manual: CriterionAssessment['manual']): string {
  if (manual === undefined) return '<em>none required</em>';
  const item = (q: NonNullable<CriterionAssessment['manual']>[number]): string => {
    const head = `<code>${esc(q.id)}</code> (${esc(q.cadence)})`;
    if (q.state === 'evidenced') return `<li>${head}: ${q.evidence.map((id) => `<code>${esc(id)}</code>`).join(', ')}${q.reason !== undefined ? ` <span class="note">${esc(q.reason)}</span>` : ''}</li>`;
    const word = q.state === 'missing' ? (q.hires !== undefined ? 'hires overdue' : 'needed') : q.state === 'error' ? 'error (HR roster)' : 'not assessed (per hire)';
    return `<li>${head}: <strong>${word}</strong>: ${esc(q.title)}${q.reason !== undefined ? ` <span class="note">${esc(q.reason)}</span>` : ''}</li>`;
  };
  return `<ul class="tight">${manual.map(item).join('')}</ul>`;
}

function rulesSection(m: ReportHtmlModel): string {
  const days = m.dates.length;
  const rows = m.rules
    .map((r) => `<tr><th scope="row"><code>${esc(r.id)}</code>${r.title ? `<br><span class="note">${esc(r.title)}</span>` : ''}</th><td>${esc(r.severity)}</td>${num(r.runs)}${num(r.evaluations)}${num(r.counts.pass)}${num(r.counts.fail)}${num(r.counts.error)}${num(r.counts.not_applicable)}${m.params.type === 2 ? `<td class="num">${r.daysWithEvidence}/${days}</td>` : ''}<td>${esc(r.outcome)}</td></tr>`)
    .join('\n');
  const body = `<table><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col" class="num">Runs</th><th scope="col" class="num">Evaluations</th><th scope="col" class="num">Pass</th><th scope="col" class="num">Fail</th><th scope="col" class="num">Error</th><th scope="col" class="num">N/A</th>${m.params.type === 2 ? '<th scope="col" class="num">Days with evidence</th>' : ''}<th scope="col">Outcome</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="note">Outcome: passed, failed, incomplete (errors, gaps or days without evidence), no-data, not-applicable, or out-of-scope (its source is not configured).</p>`;
  return section('rules', 'Rules', body);
}

function timelineSection(m: ReportHtmlModel): string {
  const facts = m.timeline
    .map((t) => {
      const failing = t.days.filter((d) => (d.failShare ?? 0) > 0).length;
      const worst = Math.max(0, ...t.days.map((d) => d.failShare ?? 0));
      const outage = t.days.filter((d) => d.outage || d.errors > 0).length;
      const none = t.days.filter((d) => d.evaluations === 0).length;
      return `<tr><th scope="row"><code>${esc(t.ruleId)}</code></th>${num(failing)}<td class="num">${(worst * 100).toFixed(1)} %</td>${num(outage)}${num(none)}</tr>`;
    })
    .join('\n');
  const left = m.rules.filter((r) => r.outcome === 'out-of-scope').length;
  const omitted = left > 0 ? ` ${left} rule${left === 1 ? '' : 's'} of sources not configured, with no result in the period, ${left === 1 ? 'is' : 'are'} not drawn.` : '';
  const body = `<p>${TIMELINE_LEGEND}${omitted}</p>
<div class="chart">${svgTimeline(m.dates, m.timeline)}</div>
<h3>The timeline in figures</h3>
<table><thead><tr><th scope="col">Rule</th><th scope="col" class="num">Days with failures</th><th scope="col" class="num">Worst day (share failing)</th><th scope="col" class="num">Days with an outage or errors</th><th scope="col" class="num">Days without evidence</th></tr></thead>
<tbody>
${facts}
</tbody></table>
<p class="note">Per-day values for every rule are in <code>report/timeline.csv</code>; the state of every resource on every day in <code>report/snapshots/</code>.</p>`;
  return section('timeline', 'Timeline per control', body);
}

/** Columns an auditor reads in the browser; leaf hashes stay in the CSV, where they can be checked. */
const HIDDEN_COLUMNS = new Set(['leaf_hash', 'run_leaf_hash']);

function csvTable(m: ReportHtmlModel, paths: string[], id: string, title: string, intro: string): string {
  const path = paths.find((x) => m.tables(x) !== undefined) ?? paths[0]!;
  const t = m.tables(path);
  if (!t || t.total === 0) return section(id, title, `<p>${intro}</p><p><strong>None</strong> in this ${m.params.type === 2 ? 'period' : 'report'} (<code>${esc(path)}</code>).</p>`);
  const cols = t.header.map((h, i) => [h, i] as const).filter(([h]) => !HIDDEN_COLUMNS.has(h));
  const head = cols.map(([h]) => `<th scope="col">${esc(h.replace(/_/g, ' '))}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${cols.map(([, i]) => `<td>${esc(r[i] ?? '')}</td>`).join('')}</tr>`).join('\n');
  const more = t.total > t.rows.length ? `<p><strong>The first ${t.rows.length} of ${t.total} rows</strong>; all of them are in <code>${esc(path)}</code>.</p>` : `<p>${t.total} row${t.total === 1 ? '' : 's'}, as in <code>${esc(path)}</code>.</p>`;
  return section(id, title, `<p>${intro}</p>${more}<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`);
}

function populationsSection(m: ReportHtmlModel): string {
  const seeded = m.params.sampleSeed !== undefined;
  const rows = m.rules
    .map((r) => `<tr><th scope="row"><code>${esc(r.id)}</code></th>${num(r.evaluations)}<td><code>report/populations/${esc(r.id)}.csv</code></td>${seeded ? `${num(r.sample?.n ?? 0)}<td>${esc(r.sample?.frequency ?? '')}</td><td><code>report/samples/${esc(r.id)}.json</code></td>` : ''}</tr>`)
    .join('\n');
  const body = `<p>Each population file lists every evaluation of a rule, run-length encoded: one row per resource and unchanged status, with its first and last run (leaf number and hash) and the number of runs.${m.params.type === 2 ? ' <code>report/snapshots/&lt;rule&gt;/&lt;date&gt;.csv.gz</code> hold each day\'s last state, for sampling by date.' : ''} ${seeded ? `Samples were drawn with the seed <code>${esc(m.params.sampleSeed)}</code>; each sample file states the method, so the selection can be redrawn and checked.` : 'No sample seed was given at export (<code>--sample-seed</code>), so no samples were drawn.'}</p>
<table><thead><tr><th scope="col">Rule</th><th scope="col" class="num">Population (evaluations)</th><th scope="col">Population file</th>${seeded ? '<th scope="col" class="num">Sample size</th><th scope="col">Control frequency</th><th scope="col">Sample file</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody></table>`;
  return section('populations', 'Populations and samples', body);
}

/** What the report is evidence for: SOC 2 or SOC 1 by framework id, else the framework title's name (ISO/IEC 27001:2022). */
function reportKind(fw: { id: string; title: string }): string {
  if (fw.id === 'soc2') return 'SOC 2';
  if (fw.id.startsWith('soc1')) return 'SOC 1';
  return fw.title.split(' — ')[0] ?? fw.title;
}

export function renderReportHtml(m: ReportHtmlModel): string {
  const p = m.params;
  const kind = reportKind(p.framework);
  const title = p.type === 2 ? `${kind} Type 2 evidence, ${p.from} to ${p.to} (${p.tz})` : `${kind} Type 1 evidence as of ${p.asOf} (${p.tz})`;
  const sections = [
    summarySection(m),
    criteriaSection(m),
    rulesSection(m),
    ...(p.type === 2 ? [timelineSection(m)] : []),
    ...(p.type === 2
      ? [
          csvTable(m, ['report/deviations.csv', 'report/exceptions.csv'], 'deviations', 'Deviations', 'Each episode in which a resource failed a rule: when it was first seen failing, when it passed again (or that it was still open at the end), how long it lasted, and whether that was within the SLA.'),
          csvTable(m, ['report/gaps.csv'], 'gaps', 'Gaps', 'Scheduled slots with no run (inside an outage an operator declared: declared outage), history a source could not reach, and collections that failed: stretches in which a control was not observed.'),
        ]
      : []),
    csvTable(m, ['report/risk-acceptances.csv'], 'risk-acceptances', 'Risk acceptances', 'Exceptions in force at the start of the period, or granted, revoked or expired in it, with who approved them and why.'),
    csvTable(m, ['report/changes.csv'], 'changes', 'Changes to rules and the agent', 'Rule definitions (by the hash of their logic and their parameters), rule-set versions and agent starts recorded in the window.'),
    populationsSection(m),
  ];
  const nav = ['summary', 'criteria', 'rules', ...(p.type === 2 ? ['timeline', 'deviations', 'gaps'] : []), 'risk-acceptances', 'changes', 'populations']
    .map((id) => `<li><a href="#${id}">${esc(id.replace('-', ' '))}</a></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p class="note">Information produced by the entity's monitoring tool (Vigil), not an auditor's opinion. Every figure is recomputed from the signed ledger leaves in this bundle by <code>verify/verify.mjs</code>.</p>
<nav aria-label="Contents"><ol>${nav}</ol></nav></header>
<main>
${sections.join('')}</main>
</body></html>
`;
}
