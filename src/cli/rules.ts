// `vigil rules list | test | replay`: the rule catalogue in force, a self-check of the registry and framework mappings,
// and a replay of a rule over the stored snapshots.
import { CROSS_SOURCE_RULES, allRules } from '../../rules/index.js';
import { listFrameworks, loadConfiguredFramework, loadFramework, criteriaForRule } from '../rules/frameworks.js';
import type { AgentContext } from '../agent.js';
import type { Rule } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import { nearest } from '../config/suggest.js';
import { openLedger } from '../ledger/open-ledger.js';
import { replayRule, type ReplayReport } from '../report/replay.js';

export function rulesListCommand(ctx: AgentContext, opts: { json?: boolean }): number {
  // The criteria in scope (config `criteria.<framework>`), as status and exports show them.
  const fw = loadConfiguredFramework(ctx.loaded.config);
  const disabled = new Set(ctx.loaded.config.rules.disabled);
  const rows = allRules.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    mode: r.mode,
    source: r.source,
    criteria: criteriaForRule(fw, r.id),
    enabled: !disabled.has(r.id),
    permissions: r.permissions,
    params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, (ctx.loaded.config.rules.params[r.id] ?? {})[k] ?? (v as { default: unknown }).default])),
  }));
  // Cross-source rules read several sources' resources and are evaluated by the writer's identity run.
  for (const r of CROSS_SOURCE_RULES) {
    rows.push({
      id: r.id,
      title: r.title,
      severity: r.severity,
      mode: r.mode,
      source: 'identity',
      criteria: criteriaForRule(fw, r.id),
      enabled: !disabled.has(r.id),
      permissions: [],
      params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, (ctx.loaded.config.rules.params[r.id] ?? {})[k] ?? v.default])),
    });
  }
  if (opts.json) process.stdout.write(JSON.stringify({ framework: fw.id, rules: rows }, null, 2) + '\n');
  else {
    for (const r of rows) {
      process.stdout.write(`${r.enabled ? ' ' : '-'} ${r.id.padEnd(46)} ${r.severity.padEnd(8)} ${r.criteria.join(',').padEnd(22)} ${r.title}\n`);
      // Parameters in force (config overrides applied), so `rules.params` can be written from what is shown here.
      const params = Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      if (params.length) process.stdout.write(`    params: ${params.join(', ')}\n`);
    }
    process.stdout.write(`\n${rows.length} rules (- = disabled in config); override a parameter under rules.params.<rule id> in the config.\n`);
  }
  return 0;
}

/** Checks the registry the way CI does: unique ids, every rule mapped, every mapping resolves, params have defaults. */
export function rulesTestCommand(ctx: AgentContext): number {
  const fw = loadFramework(ctx.loaded.config.frameworks[0] ?? 'soc2');
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const r of allRules) {
    if (ids.has(r.id)) problems.push(`${r.id}: duplicate rule id`);
    ids.add(r.id);
    if (criteriaForRule(fw, r.id).length === 0) problems.push(`${r.id}: not mapped by framework ${fw.id}`);
    if (!r.title || !r.rationale || !r.remediation) problems.push(`${r.id}: title, rationale and remediation are required`);
    if (r.inputs.length === 0) problems.push(`${r.id}: declares no inputs`);
  }
  for (const r of CROSS_SOURCE_RULES) {
    if (ids.has(r.id)) problems.push(`${r.id}: duplicate rule id (cross-source)`);
    ids.add(r.id);
    if (criteriaForRule(fw, r.id).length === 0) problems.push(`${r.id}: not mapped by framework ${fw.id}`);
    if (!r.title || !r.rationale || !r.remediation) problems.push(`${r.id}: title, rationale and remediation are required`);
  }
  // Every framework file: its mappings resolve, and every criterion has a rule or manual evidence.
  const all = listFrameworks();
  for (const f of all) {
    for (const c of f.criteria) {
      for (const m of c.rules) if (!ids.has(m.id)) problems.push(`${f.id} ${c.id}: maps unknown rule ${m.id}`);
      if (c.rules.length === 0 && c.manual.length === 0) problems.push(`${f.id} ${c.id}: no rule and no manual evidence described`);
    }
  }
  const criteria = all.map((f) => `${f.criteria.length} criteria in ${f.id}`).join(', ');
  for (const p of problems) process.stdout.write(`problem: ${p}\n`);
  process.stdout.write(`${allRules.length + CROSS_SOURCE_RULES.length} rules, ${criteria}: ${problems.length === 0 ? 'OK' : `${problems.length} problem(s)`}\n`);
  return problems.length === 0 ? 0 : 1;
}

export interface ReplayCliOptions {
  rule: string;
  from?: string;
  to?: string;
  scope?: string;
  params?: string;
  examples?: string;
  json?: boolean;
}

/** `--from`/`--to` as instants: a bare day is its UTC midnight, and `--to DAY` includes that day. */
function replayBounds(o: ReplayCliOptions): { from?: string; to?: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const parse = (flag: string, v: string, nextDay: boolean): string => {
    const ms = Date.parse(day.test(v) ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(ms) || (day.test(v) && new Date(ms).toISOString().slice(0, 10) !== v)) {
      throw new UsageError('BAD_DATE', `${flag}: "${v}" is not a date (YYYY-MM-DD, or an ISO 8601 instant with a zone)`);
    }
    return new Date(nextDay && day.test(v) ? ms + 86_400_000 : ms).toISOString();
  };
  return { ...(o.from !== undefined ? { from: parse('--from', o.from, false) } : {}), ...(o.to !== undefined ? { to: parse('--to', o.to, true) } : {}) };
}

function replayParams(ctx: AgentContext, o: { rule: string; params?: string }, flag = '--params'): Record<string, unknown> | undefined {
  const fromConfig = ctx.loaded.config.rules.params[o.rule];
  if (o.params === undefined) return fromConfig;
  let given: unknown;
  try {
    given = JSON.parse(o.params);
  } catch (e) {
    throw new UsageError('BAD_PARAMS', `${flag}: not JSON (${e instanceof Error ? e.message : String(e)}); give an object such as '{"maxAgeDays":30}'`);
  }
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new UsageError('BAD_PARAMS', `${flag}: expected a JSON object of parameter names to values, got ${JSON.stringify(given)}`);
  return { ...fromConfig, ...(given as Record<string, unknown>) };
}

/** The rule `id` names, or a UsageError (`flag` names the option) for an unknown or cross-source rule. */
function replayableRule(id: string, flag: string): Rule {
  const rule = allRules.find((r) => r.id === id);
  if (rule) return rule;
  const cross = CROSS_SOURCE_RULES.some((r) => r.id === id);
  throw new UsageError(
    cross ? 'REPLAY_UNSUPPORTED' : 'UNKNOWN_RULE',
    cross ? `${flag} ${id}: cross-source rules are evaluated on the joined person view, which replay does not rebuild yet` : `${flag} ${id}: no such rule${didYouMean(id)}`,
    { remediation: 'List rules with `vigil rules list`.' },
  );
}

/**
 * `vigil export --replay`: each rule replayed over runs with slots in [from, to), with the config's parameters (or
 * `paramsJson`, one rule only). Every rule and parameter is checked before the ledger is read; nothing is written.
 */
export async function replaysForExport(ctx: AgentContext, ruleIds: readonly string[], paramsJson: string | undefined, from: string, to: string): Promise<ReplayReport[]> {
  const jobs = ruleIds.map((id) => {
    const rule = replayableRule(id, '--replay');
    const params = replayParams(ctx, { rule: id, ...(paramsJson !== undefined ? { params: paramsJson } : {}) }, '--replay-params');
    return { rule, params };
  });
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const out: ReplayReport[] = [];
    for (const j of jobs) out.push(await replayRule(ledger, { rule: j.rule, from, to, ...(j.params ? { params: j.params } : {}) }));
    return out;
  } finally {
    await ledger.close();
  }
}

/** `vigil rules replay`: the rule as it is now (or with --params) over the stored snapshots; prints where verdicts differ. */
export async function rulesReplayCommand(ctx: AgentContext, o: ReplayCliOptions): Promise<number> {
  const rule = replayableRule(o.rule, '--rule');
  const examples = o.examples === undefined ? 20 : Number(o.examples);
  if (!Number.isInteger(examples) || examples < 0) throw new UsageError('BAD_ARGUMENT', `--examples: expected a whole number ≥ 0, got "${o.examples}"`);
  const bounds = replayBounds(o);
  const params = replayParams(ctx, o);
  const ledger = await openLedger(ctx, { readOnly: true });
  const started = performance.now();
  let report: ReplayReport;
  try {
    report = await replayRule(ledger, { rule, ...bounds, ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(params ? { params } : {}), examplesPerDay: examples });
  } finally {
    await ledger.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (o.json) process.stdout.write(JSON.stringify({ ...report, seconds: Number(seconds.toFixed(3)) }, null, 2) + '\n');
  else printReplay(report, seconds);
  return 0;
}

function printReplay(r: ReplayReport, seconds: number): void {
  const out = process.stdout;
  const logic = r.recordedLogic.length === 0 ? 'no recorded definition' : r.recordedLogic.includes(r.logicSha256) ? `recorded logic includes it (${r.recordedLogic.length} version(s))` : `differs from the ${r.recordedLogic.length} recorded version(s): ${r.recordedLogic.map((s) => s.slice(0, 12)).join(', ')}`;
  out.write(`Replay of ${r.ruleId} (logic ${r.logicSha256.slice(0, 12)} as it is now; ${logic})\n`);
  out.write(`params: ${JSON.stringify(r.params)}\n`);
  out.write(`runs of ${r.source}${r.scope !== null ? ` scope ${r.scope}` : ''} with slots in [${r.from ?? 'first'}, ${r.to ?? 'last'})\n\n`);
  if (r.days.length > 0) {
    out.write(`${'day (UTC)'.padEnd(11)} ${'runs'.padStart(5)} ${'compared'.padStart(9)} ${'differ'.padStart(7)}  recorded→replayed\n`);
    for (const d of r.days) {
      const t = Object.entries(d.transitions).map(([k, n]) => `${k} ${n}`).join(', ');
      out.write(`${d.day.padEnd(11)} ${String(d.runs).padStart(5)} ${String(d.compared).padStart(9)} ${String(d.differing).padStart(7)}  ${t}\n`);
      for (const e of d.examples) out.write(`    ${e.slot} ${e.scope} ${e.resourceId}${e.region ? ` (${e.region})` : ''}: ${e.recorded ?? 'none'} → ${e.replayed ?? 'none'}: ${e.replayedReason ?? e.recordedReason ?? ''}\n`);
    }
    out.write('\n');
  }
  out.write(`${r.runsReplayed} run(s) replayed, ${r.resultsCompared} result(s) compared: ${r.differing} would differ, on ${r.days.length} day(s) (${seconds.toFixed(1)} s)\n`);
  if (r.notReplayable.length > 0) {
    out.write(`${r.notReplayable.length} run(s) not replayable, e.g. ${r.notReplayable.slice(0, 3).map((n) => `${n.scope} ${n.slot}: ${n.why}`).join('; ')}\n`);
  }
  out.write('Nothing was written: the recorded evidence is unchanged.\n');
}

function didYouMean(id: string): string {
  const n = nearest(id, allRules.map((r) => r.id));
  return n ? ` (did you mean ${n}?)` : '';
}
