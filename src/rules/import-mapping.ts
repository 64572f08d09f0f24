// Imported findings (docs/findings-import.md): scanner check ids mapped to framework criteria by a mapping file
// (rules/imports/<scanner>-<framework>.yaml), and the framework as every output sees it once imported results exist.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { PACKAGE_ROOT_URL } from '../core/package-root.js';
import { EVIDENCE_ROLES, type EvidenceRole } from './coverage.js';

/** Where the shipped mapping files live (rules/imports at the package root). */
export const DEFAULT_IMPORTS_DIR = fileURLToPath(new URL('rules/imports/', PACKAGE_ROOT_URL));

/** The source whose runs carry imported results, and the first segment of every imported rule id. */
export const FINDINGS_SOURCE = 'findings';

/** `findings.<scanner>.<check id>`: the first segment names the source whose runs judge it (src/rules/coverage.ts ruleSource). */
export function importedRuleId(scanner: string, checkId: string): string {
  return `${FINDINGS_SOURCE}.${scanner}.${checkId}`;
}

export { isImportedRuleId } from './coverage.js';

/** One criterion an imported rule evidences, and how. */
export interface ImportedMapping {
  criterion: string;
  evidence: EvidenceRole;
}

/** Imported rule id → the criteria it is mapped to, as recorded in the import runs' artifacts. */
export type ImportedRuleMap = Record<string, ImportedMapping[]>;

const CheckEntry = z.strictObject({
  criteria: z.array(z.string().min(1)).min(1, 'at least one criterion'),
  evidence: z.enum(EVIDENCE_ROLES as [EvidenceRole, ...EvidenceRole[]]).optional(),
});
const MappingFile = z.strictObject({
  scanner: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case scanner name like prowler'),
  framework: z.string().regex(/^[a-z0-9-]+$/),
  checks: z.record(z.string(), CheckEntry),
});

export interface ImportMapping {
  file: string;
  sha256: string;
  checks: Map<string, ImportedMapping[]>;
}

/**
 * Loads `<dir>/<scanner>-<framework>.yaml`; undefined when there is none (every check then maps through the finding's
 * own compliance ids only). Throws UsageError naming the file, line and field when it is invalid or names a criterion
 * the framework does not have.
 */
export function loadImportMapping(scanner: string, framework: { id: string; criteria: Array<{ id: string }> }, dir = DEFAULT_IMPORTS_DIR): ImportMapping | undefined {
  const file = join(dir, `${scanner}-${framework.id}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new UsageError('BAD_IMPORT_MAPPING', `${file}${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = MappingFile.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError('BAD_IMPORT_MAPPING', `${file}: ${i.path.join('.')}: ${i.message}`);
  }
  const known = new Set(framework.criteria.map((c) => c.id));
  const checks = new Map<string, ImportedMapping[]>();
  for (const [check, entry] of Object.entries(parsed.data.checks)) {
    if (!/^[a-z0-9_]+$/.test(check)) throw new UsageError('BAD_IMPORT_MAPPING', `${file}: checks.${check}: expected a check id of lower-case letters, digits and _`);
    const bad = entry.criteria.filter((c) => !known.has(c));
    if (bad.length > 0) throw new UsageError('BAD_IMPORT_MAPPING', `${file}: checks.${check}.criteria: ${bad.join(', ')} not in framework ${framework.id}`);
    checks.set(check, entry.criteria.map((criterion) => ({ criterion, evidence: entry.evidence ?? 'supporting' })));
  }
  return { file: `rules/imports/${scanner}-${framework.id}.yaml`, sha256: createHash('sha256').update(text).digest('hex'), checks };
}

/** A Prowler SOC 2 requirement id as a criterion id: cc_6_1 → CC6.1, cc_a_1_1 → A1.1, pi_1_2 → PI1.2; undefined if unlike. */
export function soc2RequirementCriterion(req: string): string | undefined {
  const r = req.trim().toLowerCase();
  const cc = /^cc_(\d+)_(\d+)$/.exec(r);
  if (cc) return `CC${cc[1]}.${cc[2]}`;
  const other = /^(?:cc_)?([a-z]+)_(\d+)_(\d+)$/.exec(r);
  return other ? `${other[1]!.toUpperCase()}${other[2]}.${other[3]}` : undefined;
}

/**
 * The imported rule map recorded in runs' artifacts (`kind: findings-file`, field `mapped`) for framework `frameworkId`
 * (the one the import mapped to), later runs adding to earlier.
 */
export function importedRuleMap(runs: Iterable<{ artifacts?: unknown }>, frameworkId: string): ImportedRuleMap {
  const out: ImportedRuleMap = {};
  for (const run of runs) {
    for (const a of Array.isArray(run.artifacts) ? run.artifacts : []) {
      if (typeof a !== 'object' || a === null || (a as { kind?: unknown }).kind !== 'findings-file' || (a as { framework?: unknown }).framework !== frameworkId) continue;
      const mapped = (a as { mapped?: unknown }).mapped;
      if (typeof mapped !== 'object' || mapped === null) continue;
      for (const [ruleId, list] of Object.entries(mapped as Record<string, unknown>)) {
        if (!Array.isArray(list)) continue;
        const byCriterion = new Map((out[ruleId] ?? []).map((m) => [m.criterion, m]));
        for (const m of list as ImportedMapping[]) if (typeof m?.criterion === 'string') byCriterion.set(m.criterion, { criterion: m.criterion, evidence: m.evidence === 'direct' ? 'direct' : 'supporting' });
        out[ruleId] = [...byCriterion.values()];
      }
    }
  }
  return out;
}

/**
 * The framework with each imported rule added to the criteria it is mapped to (`imported: true`), after the rules the
 * framework itself maps, sorted by id. A framework with no imported rules comes back unchanged (the same object).
 */
type RulesOf<F extends { criteria: Array<{ rules: unknown[] }> }> = F['criteria'][number]['rules'][number];

export function withImportedRules<F extends { criteria: Array<{ id: string; rules: Array<{ id: string }> }> }>(fw: F, map: ImportedRuleMap, make: (ruleId: string, m: ImportedMapping) => RulesOf<F>): F {
  const ids = Object.keys(map).sort();
  if (ids.length === 0) return fw;
  return {
    ...fw,
    criteria: fw.criteria.map((c) => {
      const extra = ids.flatMap((id) => (map[id] ?? []).filter((m) => m.criterion === c.id && !c.rules.some((r) => r.id === id)).map((m) => make(id, m)));
      return extra.length === 0 ? c : { ...c, rules: [...c.rules, ...extra] };
    }),
  };
}
