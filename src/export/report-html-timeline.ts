// The timeline chart of report.html as inline SVG: per rule, the share of evaluations failing each day as a bar, outages as marks, under a date axis (no script, prints as drawn).
import type { TimelineDay } from './timeline.js';

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Rules per chart: one chart fits a printed page and repeats the date axis. */
const RULES_PER_CHART = 18;
const WIDTH = 1120;
const LABEL_W = 330;
const PLOT_W = WIDTH - LABEL_W - 10;
const ROW_H = 28;
const MARK_H = 4;
const BAR_H = ROW_H - MARK_H - 6;
const AXIS_H = 34;
const C = { none: '#ececec', ok: '#a5d6a7', fail: '#c62828', outage: '#212121', grid: '#9e9e9e', text: '#1a1a1a' };

export const TIMELINE_LEGEND =
  `Each row is one rule; each column one day of the period. ` +
  `<span style="color:${C.ok}">■</span> light green: evaluated, nothing failing; ` +
  `<span style="color:${C.fail}">■</span> red bar: its height is the share of that day's evaluations that failed (full row height = 100 %); ` +
  `<span style="color:#bdbdbd">■</span> light grey: no evaluation that day; ` +
  `<span style="color:${C.outage}">▬</span> black mark above the row: an outage that day (a gap, a failed collection, or results in error).`;

/** Dates that get a tick and a label: every day for short periods, weekly up to three months, else the first of each month. */
function ticks(dates: readonly string[]): Array<{ i: number; label: string }> {
  if (dates.length <= 16) return dates.map((d, i) => ({ i, label: d.slice(5) }));
  if (dates.length <= 92) return dates.flatMap((d, i) => (i % 7 === 0 ? [{ i, label: d.slice(5) }] : []));
  return dates.flatMap((d, i) => (d.endsWith('-01') || i === 0 ? [{ i, label: d.slice(0, 7) }] : []));
}

/** Runs of equal values, so a year of identical days is one rectangle, not 365. */
function runs<T>(xs: readonly T[], same: (a: T, b: T) => boolean): Array<{ from: number; to: number; v: T }> {
  const out: Array<{ from: number; to: number; v: T }> = [];
  xs.forEach((v, i) => {
    const last = out[out.length - 1];
    if (last && same(last.v, v)) last.to = i;
    else out.push({ from: i, to: i, v });
  });
  return out;
}

const f = (n: number): string => (Math.round(n * 100) / 100).toString();

function chart(dates: readonly string[], rows: Array<{ ruleId: string; days: TimelineDay[] }>, part: string): string {
  const cell = PLOT_W / Math.max(1, dates.length);
  const x = (i: number) => LABEL_W + i * cell;
  const height = rows.length * ROW_H + AXIS_H;
  const tk = ticks(dates);
  const parts: string[] = [];
  rows.forEach((r, k) => {
    const y = k * ROW_H;
    parts.push(`<text x="0" y="${y + ROW_H - 8}" font-size="12" fill="${C.text}" font-family="ui-monospace,Menlo,Consolas,monospace">${esc(r.ruleId)}</text>`);
    const barTop = y + MARK_H + 2;
    // Background: evaluated (green) or not (grey), merged over equal days.
    for (const run of runs(r.days.map((d) => d.evaluations > 0), (a, b) => a === b)) {
      parts.push(`<rect x="${f(x(run.from))}" y="${barTop}" width="${f((run.to - run.from + 1) * cell)}" height="${BAR_H}" fill="${run.v ? C.ok : C.none}"/>`);
    }
    // Failing share: a bar from the bottom, per day (equal neighbouring shares merged).
    for (const run of runs(r.days.map((d) => d.failShare ?? 0), (a, b) => a === b)) {
      if (run.v <= 0) continue;
      const h = Math.max(1.5, run.v * BAR_H);
      parts.push(`<rect x="${f(x(run.from))}" y="${f(barTop + BAR_H - h)}" width="${f((run.to - run.from + 1) * cell)}" height="${f(h)}" fill="${C.fail}"/>`);
    }
    for (const run of runs(r.days.map((d) => d.outage || d.errors > 0), (a, b) => a === b)) {
      if (!run.v) continue;
      parts.push(`<rect x="${f(x(run.from))}" y="${y + 1}" width="${f(Math.max(2, (run.to - run.from + 1) * cell))}" height="${MARK_H}" fill="${C.outage}"/>`);
    }
  });
  const axisY = rows.length * ROW_H + 2;
  for (const t of tk) {
    const tx = f(x(t.i) + cell / 2);
    parts.push(`<line x1="${tx}" y1="0" x2="${tx}" y2="${axisY + 5}" stroke="${C.grid}" stroke-width="0.5" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${tx}" y="${axisY + 18}" font-size="12" text-anchor="middle" fill="${C.text}">${esc(t.label)}</text>`);
  }
  parts.push(`<line x1="${LABEL_W}" y1="${axisY}" x2="${LABEL_W + PLOT_W}" y2="${axisY}" stroke="${C.text}" stroke-width="1"/>`);
  const label = `per-rule daily timeline${part}: share of evaluations failing each day and outages, ${dates[0] ?? ''} to ${dates[dates.length - 1] ?? ''}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}"><title>${esc(label)}</title>${parts.join('')}</svg>`;
}

/** One chart per group of rules, each with its own date axis. */
export function svgTimeline(dates: readonly string[], rows: Array<{ ruleId: string; days: TimelineDay[] }>): string {
  if (rows.length === 0) return '<p><em>No rules in scope.</em></p>';
  const charts: string[] = [];
  // Charts of even size (37 rules: 13, 12, 12), so no chart is a lone row or two.
  const n = Math.ceil(rows.length / RULES_PER_CHART);
  const size = Math.ceil(rows.length / n);
  for (let i = 0; i < n; i++) charts.push(chart(dates, rows.slice(i * size, (i + 1) * size), n > 1 ? ` (part ${i + 1} of ${n})` : ''));
  return charts.join('\n');
}
