// `vigil rules list | test`: the rule catalogue in force, and a self-check of the registry and framework mappings.
import { CROSS_SOURCE_RULES, allRules } from '../../rules/index.js';
import { loadFramework, criteriaForRule } from '../rules/frameworks.js';
import type { AgentContext } from '../agent.js';

export function rulesListCommand(ctx: AgentContext, opts: { json?: boolean }): number {
  const fw = loadFramework(ctx.loaded.config.frameworks[0] ?? 'soc2');
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
  for (const c of fw.criteria) {
    for (const m of c.rules) if (!ids.has(m.id)) problems.push(`${fw.id} ${c.id}: maps unknown rule ${m.id}`);
    if (c.rules.length === 0 && c.manual.length === 0) problems.push(`${fw.id} ${c.id}: no rule and no manual evidence described`);
  }
  for (const p of problems) process.stdout.write(`problem: ${p}\n`);
  process.stdout.write(`${allRules.length + CROSS_SOURCE_RULES.length} rules, ${fw.criteria.length} criteria in ${fw.id}: ${problems.length === 0 ? 'OK' : `${problems.length} problem(s)`}\n`);
  return problems.length === 0 ? 0 : 1;
}
