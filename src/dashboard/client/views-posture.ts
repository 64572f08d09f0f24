// Posture: each criterion's state with its trend by day, and the drill-down from a criterion to its rules.
import { get } from './api.js';
import { badge, field, h, select, svg, table } from './dom.js';

interface RuleRow { id: string; evidence: string; outcome: string; pass: number; fail: number; error: number; notApplicable: number; accepted: number }
interface Criterion { id: string; title: string; state: string; reasons: string[]; coverage: string; manual?: Array<{ id: string; title: string; cadence: string; owner?: string; state: string; due: string; dueReason: string }>; rules: RuleRow[] }
interface Posture { framework: string; criteria: Criterion[]; frameworks: Array<{ id: string; title: string }> }
interface Trend { dates: string[]; criteria: Array<{ id: string; states: string[] }> }

const STATE_Y: Record<string, number> = { satisfied: 0, partial: 1, 'not-assessed': 2, 'not-satisfied': 3 };

/** One criterion's states by day: a cell per day, coloured by state, with the first, middle and last dates on the axis. */
function trendChart(id: string, dates: string[], states: string[]): SVGElement {
  // At most ~480 px wide: a year is a strip of 1 px days, a week of 8 px ones.
  const cell = Math.max(1, Math.min(8, Math.floor(480 / Math.max(1, dates.length))));
  const width = dates.length * cell;
  const changes = states.filter((s, i) => i > 0 && s !== states[i - 1]).length;
  const label = `${id} over ${dates[0]} to ${dates[dates.length - 1]}: ${states[states.length - 1] ?? 'no data'} on the last day, ${changes} change${changes === 1 ? '' : 's'} of state`;
  const chart = svg('svg', { width: width + 4, height: 34, viewBox: `0 0 ${width + 4} 34`, role: 'img', 'aria-label': label, class: 'trend' });
  states.forEach((s, i) => chart.appendChild(svg('rect', { x: i * cell, y: 2 + (STATE_Y[s] ?? 2) * 3, width: cell > 2 ? cell - 1 : cell, height: 12 - (STATE_Y[s] ?? 2) * 3, class: `t-${s}` }, svg('title', {}, `${dates[i]}: ${s}`))));
  const ticks = [0, Math.floor((dates.length - 1) / 2), dates.length - 1].filter((v, i, a) => a.indexOf(v) === i);
  for (const t of ticks) chart.appendChild(svg('text', { x: Math.max(0, Math.min(t * cell, width - 30)), y: 30, class: 'axis' }, (dates[t] ?? '').slice(5)));
  return chart;
}

const PERIODS = ['7', '30', '90', '365'];

/** The framework last shown in the posture or criterion view: the manual-evidence view follows it. */
let chosen: string | undefined;
export const chosenFramework = (): string | undefined => chosen;

/** `?framework=ID` for the API and the view's links, or nothing for the default (the config's first). */
export function frameworkQuery(params: URLSearchParams): string {
  const fw = params.get('framework');
  return fw ? `framework=${encodeURIComponent(fw)}` : '';
}

/** The configured frameworks to choose from; shown only when there is more than one. */
function frameworkSelect(p: Posture, onChange: (id: string) => void): HTMLElement | null {
  if (p.frameworks.length < 2) return null;
  const s = select('framework', p.frameworks.map((f) => f.id), p.framework);
  p.frameworks.forEach((f, i) => void (s.options[i]!.textContent = `${f.title} (${f.id})`));
  s.addEventListener('change', () => onChange(s.value));
  return field('Framework', s);
}

export async function postureView(params: URLSearchParams): Promise<HTMLElement> {
  const days = PERIODS.includes(params.get('days') ?? '') ? params.get('days')! : '30';
  const fq = frameworkQuery(params);
  const [p, t] = await Promise.all([get<Posture>(`/v1/posture${fq ? `?${fq}` : ''}`), get<Trend>(`/v1/posture/trend?days=${days}${fq ? `&${fq}` : ''}`)]);
  chosen = p.framework;
  const go = (d: string, fw: string) => void (location.hash = `#/posture?days=${d}&framework=${encodeURIComponent(fw)}`);
  const period = select('days', PERIODS, days);
  period.addEventListener('change', () => go(period.value, p.framework));
  const trendOf = new Map(t.criteria.map((c) => [c.id, c.states]));
  const counts = p.criteria.reduce<Record<string, number>>((a, c) => ({ ...a, [c.state]: (a[c.state] ?? 0) + 1 }), {});
  return h(
    'section',
    { 'aria-labelledby': 'posture-h' },
    h('h2', { id: 'posture-h' }, `Posture — ${p.framework}`),
    h('p', {}, Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', '), `. Trend: the state at the end of each day, ${t.dates[0]} to ${t.dates[t.dates.length - 1]} (UTC).`),
    frameworkSelect(p, (fw) => go(days, fw)),
    field('Trend period (days)', period),
    table(
      `Criteria, their state now and over the last ${days} days`,
      ['Criterion', 'Title', 'State', 'Why', `Trend (${days} days)`],
      p.criteria.map((c) => [h('a', { href: `#/criterion/${encodeURIComponent(c.id)}?framework=${encodeURIComponent(p.framework)}` }, c.id), c.title, badge(c.state), c.reasons.join('; '), trendChart(c.id, t.dates, trendOf.get(c.id) ?? [])]),
    ),
  );
}

export async function criterionView(id: string, params: URLSearchParams): Promise<HTMLElement> {
  const fq = frameworkQuery(params);
  const p = await get<Posture>(`/v1/posture${fq ? `?${fq}` : ''}`);
  const c = p.criteria.find((x) => x.id === id);
  chosen = p.framework;
  if (!c) return h('p', { role: 'alert' }, `No criterion ${id} in ${p.framework}.`);
  return h(
    'section',
    { 'aria-labelledby': 'crit-h' },
    h('p', {}, h('a', { href: `#/posture?framework=${encodeURIComponent(p.framework)}` }, '← Posture')),
    h('h2', { id: 'crit-h' }, `${c.id} ${c.title} `, badge(c.state)),
    h('p', {}, c.reasons.join('; ')),
    c.manual?.length
      ? table(`Manual evidence for ${c.id}`, ['Requirement', 'Title', 'Cadence', 'Owner', 'Now', 'Due', 'Why'], c.manual.map((q) => [q.id, q.title, q.cadence, q.owner ?? '—', badge(q.state), badge(q.due), q.dueReason]))
      : null,
    c.manual?.length ? h('p', {}, h('a', { href: `#/manual?framework=${encodeURIComponent(p.framework)}` }, 'Manual evidence: upload, and what is due')) : null,
    table(
      `Rules mapped to ${c.id}`,
      ['Rule', 'Evidence', 'Outcome', 'Pass', 'Fail', 'Error', 'N/A', 'Accepted', 'Resources'],
      c.rules.map((r) => [r.id, r.evidence, badge(r.outcome), r.pass, r.fail, r.error, r.notApplicable, r.accepted, h('a', { href: `#/findings?rule=${encodeURIComponent(r.id)}` }, `Resources of ${r.id}`)]),
    ),
  );
}
