// `vigil frameworks list`: the framework files bundled (rules/frameworks/*.yaml) with their size and what the config scopes.
import type { AgentContext } from '../agent-context.js';
import { listFrameworks, scopeFramework } from '../rules/frameworks.js';

export interface FrameworkRow {
  id: string;
  title: string;
  version: string;
  /** Criteria (controls, objectives) in the file. */
  criteria: number;
  /** Criteria in scope under the config's `criteria.<id>` (or the file's default categories). */
  inScope: number;
  /** Distinct rule ids the file maps. */
  rulesMapped: number;
  /** Criteria with manual evidence requirements. */
  manual: number;
  categories: Array<{ id: string; title: string; default: boolean }>;
}

export function frameworksListCommand(ctx: AgentContext, opts: { json?: boolean }): number {
  const rows: FrameworkRow[] = listFrameworks().map((fw) => ({
    id: fw.id,
    title: fw.title,
    version: fw.version,
    criteria: fw.criteria.length,
    inScope: scopeFramework(fw, ctx.loaded.config.criteria?.[fw.id]).criteria.length,
    rulesMapped: new Set(fw.criteria.flatMap((c) => c.rules.map((r) => r.id))).size,
    manual: fw.criteria.filter((c) => c.manual.length > 0).length,
    categories: (fw.categories ?? []).map((c) => ({ id: c.id, title: c.title, default: c.default })),
  }));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ frameworks: rows }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`${'id'.padEnd(16)} ${'criteria'.padStart(8)} ${'in scope'.padStart(8)} ${'rules'.padStart(5)}  title (version)\n`);
  for (const r of rows) {
    process.stdout.write(`${r.id.padEnd(16)} ${String(r.criteria).padStart(8)} ${String(r.inScope).padStart(8)} ${String(r.rulesMapped).padStart(5)}  ${r.title} (${r.version})\n`);
    if (r.categories.length > 0) process.stdout.write(`${''.padEnd(16)} categories: ${r.categories.map((c) => `${c.id}${c.default ? '*' : ''}`).join(', ')} (* = in scope by default; choose with criteria.${r.id} in the config)\n`);
  }
  process.stdout.write(`\n${rows.length} frameworks; \`vigil status --framework ID\` and \`vigil export --framework ID\` use one.\n`);
  return 0;
}
