// Loads and validates framework data files (rules/frameworks/*.yaml): criteria, the rule ids that evidence them, and the manual evidence they need.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { cacheDir, PACKAGE_ROOT_URL } from '../core/package-root.js';
import { EVIDENCE_ROLES, type EvidenceRole } from './coverage.js';
import { OWNER_KEY, parseCadence, REQUIREMENT_ID, type ManualRequirement } from './requirements.js';

/** Where the bundled framework files live (rules/frameworks at the package root, read in place by the compiled tree too). */
export const DEFAULT_FRAMEWORKS_DIR = fileURLToPath(new URL('rules/frameworks/', PACKAGE_ROOT_URL));

const RuleRef = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9_]+)+$/, 'a dotted rule id like aws.iam.root_mfa_enabled'),
  rationale: z.string().trim().min(1, 'a one-line rationale'),
  // Required, so every mapping says honestly whether its result alone evidences the criterion (src/rules/coverage.ts).
  evidence: z.enum(EVIDENCE_ROLES as [EvidenceRole, ...EvidenceRole[]], {
    error: "expected `evidence: direct` (the rule's result alone evidences the criterion's point of focus) or `evidence: supporting`",
  }),
});

// One manual evidence requirement (docs/evidence.md, "Requirements"): the list replaced the one-line prose of issue 15.
const Requirement = z.strictObject({
  id: z.string().regex(REQUIREMENT_ID, 'a lower-case id like code-of-conduct, unique within the criterion'),
  title: z.string().trim().min(1, 'a title saying what evidence a person must supply'),
  cadence: z.string().superRefine((s, ctx) => {
    const c = parseCadence(s);
    if ('error' in c) ctx.addIssue({ code: 'custom', message: c.error });
  }),
  owner: z.string().regex(OWNER_KEY, 'an owner key like hr or security (mapped to a person by the config\'s evidence.owners)').optional(),
});

const Criterion = z.strictObject({
  id: z.string().trim().min(1, 'a criterion id like CC6.1'),
  title: z.string().trim().min(1, 'a title'),
  description: z.string().trim().min(1, 'a description'),
  rules: z.array(RuleRef).default([]),
  manual: z
    .array(Requirement, { error: 'expected a list of requirements, each `{ id, title, cadence, owner }` (see the header of rules/frameworks/soc2.yaml)' })
    .default([]),
});

// A category groups criteria by id prefix (SOC 2's security = CC, confidentiality = C1, privacy = P); the config's
// `criteria: { <framework>: [...] }` names categories or criterion ids to choose what is in scope (criteriaInScope).
const Category = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case id like security'),
  title: z.string().trim().min(1, 'a title'),
  prefixes: z.array(z.string().regex(/^[A-Za-z0-9.]+$/, 'a criterion id prefix like CC or C1')).min(1, 'at least one criterion id prefix'),
  default: z.boolean({ error: 'expected `default: true` (in scope unless the config says otherwise) or false' }),
});

const FrameworkSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case id like soc2'),
  title: z.string().trim().min(1, 'a title'),
  version: z.string().trim().min(1, 'a version'),
  categories: z.array(Category).optional(),
  criteria: z.array(Criterion).min(1, 'at least one criterion'),
});

export interface FrameworkCriterion {
  id: string;
  title: string;
  description: string;
  /** `direct`: the rule's result alone evidences the criterion's point of focus; `supporting`: it only adds to other evidence. */
  rules: Array<{ id: string; rationale: string; evidence: EvidenceRole; imported?: true }>;
  /** Manual evidence a person must supply where automation cannot cover the criterion; the criterion is satisfied only once each is evidenced. */
  manual: ManualRequirement[];
}

export interface FrameworkCategory {
  id: string;
  title: string;
  /** Criterion id prefixes: `CC` holds CC1.1…CC9.2, `C1` holds C1.1 and C1.2 (matchesPrefix). */
  prefixes: string[];
  /** In scope when the config does not choose (`criteria.<framework>`). */
  default: boolean;
}

export interface Framework {
  id: string;
  title: string;
  version: string;
  /** Optional groups of criteria the config can scope by; without them every criterion is in scope by default. */
  categories?: FrameworkCategory[];
  criteria: FrameworkCriterion[];
}

export interface FrameworkLoadOptions {
  /** Directory holding `<id>.yaml` files. @defaultValue DEFAULT_FRAMEWORKS_DIR */
  dir?: string;
}

function formatPath(path: readonly PropertyKey[], data: unknown): string {
  let out = '';
  let node: unknown = data;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      // Name list items by their id too, so "criteria[17] (CC6.1)" can be found without counting.
      const id = node && typeof node === 'object' ? (node as Record<string, unknown>).id : undefined;
      if (typeof id === 'string') out += ` (${id})`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out || '(top level)';
}

/**
 * Parsing soc2.yaml (28 KB) is most of what `vigil status` spends starting up (150–280 ms), so the parsed document of
 * a file that validated is kept as JSON under cacheDir(), named by a hash of the text, and read back instead of parsing
 * again. Only valid files are kept, and a valid file holds only strings, arrays and maps (the schema is strict), so the
 * JSON is exactly what the YAML parses to; the schema and checks below still run on it.
 */
const parsedCacheFile = (text: string): string => join(cacheDir(), 'frameworks', `${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);

function readParsedCache(text: string): unknown {
  try {
    return JSON.parse(readFileSync(parsedCacheFile(text), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeParsedCache(text: string, data: unknown): void {
  try {
    const file = parsedCacheFile(text);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, file);
  } catch {
    // A read-only install parses every time: slower, same result.
  }
}

/** Parses and validates one framework file; throws UsageError naming file, path and what was expected. */
export function parseFramework(text: string, file: string): Framework {
  let data: unknown = readParsedCache(text);
  const cached = data !== undefined;
  if (!cached) {
    try {
      data = parseYaml(text);
    } catch (e) {
      const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      throw new UsageError('BAD_FRAMEWORK', `${file}${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const parsed = FrameworkSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 5).map((i) => `${formatPath(i.path, data)}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
    throw new UsageError('BAD_FRAMEWORK', `${file}: ${lines.join('; ')}${more}`);
  }
  const fw = parsed.data;
  const seen = new Set<string>();
  fw.criteria.forEach((c, i) => {
    if (seen.has(c.id)) throw new UsageError('BAD_FRAMEWORK', `${file}: criteria[${i}] (${c.id}).id: duplicate criterion id; expected each criterion once`);
    seen.add(c.id);
    const ruleIds = new Set<string>();
    c.rules.forEach((r, j) => {
      if (ruleIds.has(r.id)) throw new UsageError('BAD_FRAMEWORK', `${file}: criteria[${i}] (${c.id}).rules[${j}].id: rule ${r.id} listed twice; expected each rule once per criterion`);
      ruleIds.add(r.id);
    });
    const reqIds = new Set<string>();
    c.manual.forEach((m, j) => {
      if (reqIds.has(m.id)) throw new UsageError('BAD_FRAMEWORK', `${file}: criteria[${i}] (${c.id}).manual[${j}].id: requirement ${m.id} listed twice; expected each id once per criterion`);
      reqIds.add(m.id);
    });
    if (c.rules.length === 0 && c.manual.length === 0) {
      throw new UsageError('BAD_FRAMEWORK', `${file}: criteria[${i}] (${c.id}): no rules; expected \`manual:\` listing the manual evidence needed`);
    }
  });
  for (const cat of fw.categories ?? []) {
    if (!fw.criteria.some((c) => matchesPrefix(c.id, cat.prefixes))) throw new UsageError('BAD_FRAMEWORK', `${file}: categories (${cat.id}).prefixes: ${cat.prefixes.join(', ')} match no criterion`);
  }
  const stem = basename(file).replace(/\.ya?ml$/, '');
  if (fw.id !== stem) throw new UsageError('BAD_FRAMEWORK', `${file}: id: "${fw.id}" must equal the file name "${stem}"`);
  if (!cached) writeParsedCache(text, data);
  return fw;
}

/** Loads `<dir>/<id>.yaml`. Throws UsageError when it is missing or invalid. */
export function loadFramework(id = 'soc2', opts: FrameworkLoadOptions = {}): Framework {
  const dir = opts.dir ?? DEFAULT_FRAMEWORKS_DIR;
  if (!/^[a-z0-9-]+$/.test(id)) throw new UsageError('UNKNOWN_FRAMEWORK', `framework "${id}": expected a lower-case id like soc2`);
  const file = join(dir, `${id}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const known = listFrameworkIds(dir);
    throw new UsageError('UNKNOWN_FRAMEWORK', `framework "${id}": no file ${file} (available: ${known.join(', ') || 'none'})`);
  }
  return parseFramework(text, file);
}

function listFrameworkIds(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** Every framework in the directory, validated. */
export function listFrameworks(opts: FrameworkLoadOptions = {}): Framework[] {
  return listFrameworkIds(opts.dir ?? DEFAULT_FRAMEWORKS_DIR).map((id) => loadFramework(id, opts));
}

/**
 * The framework as an export embeds it (framework/<id>.json) and the report reads it: criteria, each mapping's id and
 * evidence role, and the manual evidence needed; rationales stay in the framework file.
 */
export function frameworkData(fw: Framework): {
  id: string;
  title: string;
  version: string;
  criteria: Array<{ id: string; title: string; rules: Array<{ id: string; evidence?: EvidenceRole }>; manual?: ManualRequirement[] }>;
} {
  return {
    id: fw.id,
    title: fw.title,
    version: fw.version,
    criteria: fw.criteria.map((c) => ({ id: c.id, title: c.title, rules: c.rules.map((r) => ({ id: r.id, ...(r.evidence ? { evidence: r.evidence } : {}) })), ...(c.manual.length > 0 ? { manual: c.manual.map((m) => ({ ...m })) } : {}) })),
  };
}

/** Criterion ids that map `ruleId`, in file order. */
export function criteriaForRule(fw: Framework, ruleId: string): string[] {
  return fw.criteria.filter((c) => c.rules.some((r) => r.id === ruleId)).map((c) => c.id);
}

/** Rule ids the framework maps that are not in `knownRuleIds`, with where they appear. Empty when all exist. */
export function unknownRuleRefs(fw: Framework, knownRuleIds: Iterable<string>): Array<{ criterion: string; ruleId: string }> {
  const known = new Set(knownRuleIds);
  return fw.criteria.flatMap((c) => c.rules.filter((r) => !known.has(r.id)).map((r) => ({ criterion: c.id, ruleId: r.id })));
}

/**
 * Whether criterion `id` falls under one of `prefixes`: equal, or the prefix followed by a dot, or — for a prefix
 * ending in a letter — by a digit. So P holds P1.1 but not PI1.1, CC holds CC6.1, C1 holds C1.1, 8 holds 8.1…8.34,
 * and 5.1 holds only 5.1 (not 5.10).
 */
export function matchesPrefix(id: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => {
    if (id === p) return true;
    if (!id.startsWith(p)) return false;
    const next = id.charAt(p.length);
    return next === '.' || (/[0-9]/.test(next) && /[A-Za-z]$/.test(p));
  });
}

/**
 * The framework cut to the criteria in scope: `chosen` (the config's `criteria.<framework id>`) names categories or
 * criterion ids / prefixes (`CC6`, `C1`); without it, the categories marked `default`, or every criterion when the file
 * has no categories. An entry that matches nothing is a UsageError naming it, the config key and the nearest known value.
 */
export function scopeFramework(fw: Framework, chosen: readonly string[] | undefined): Framework {
  const cats = fw.categories ?? [];
  if (chosen === undefined) {
    if (cats.length === 0) return fw;
    const prefixes = cats.filter((c) => c.default).flatMap((c) => c.prefixes);
    return { ...fw, criteria: fw.criteria.filter((c) => matchesPrefix(c.id, prefixes)) };
  }
  const prefixes: string[] = [];
  for (const entry of chosen) {
    const cat = cats.find((c) => c.id === entry);
    if (cat) prefixes.push(...cat.prefixes);
    else if (fw.criteria.some((c) => matchesPrefix(c.id, [entry]))) prefixes.push(entry);
    else {
      const known = [...cats.map((c) => c.id), ...fw.criteria.map((c) => c.id)];
      const near = nearestValue(entry, known);
      throw new UsageError(
        'BAD_CONFIG',
        `criteria.${fw.id}: "${entry}" is neither a category (${cats.map((c) => c.id).join(', ') || 'this framework has none'}) nor a criterion id or prefix of framework ${fw.id}${near ? ` (did you mean "${near}"?)` : ''}`,
      );
    }
  }
  return { ...fw, criteria: fw.criteria.filter((c) => matchesPrefix(c.id, prefixes)) };
}

/** The known value nearest to `s` by edit distance, when it is close enough to be a likely typo. */
function nearestValue(s: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(s.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(s.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The framework a command works with: `id` (a --framework option) or the config's first, cut to the config's scope. */
export function loadConfiguredFramework(config: { frameworks: readonly string[]; criteria?: Record<string, string[]> | undefined }, id?: string, opts: FrameworkLoadOptions = {}): Framework {
  const fw = loadFramework(id ?? config.frameworks[0] ?? 'soc2', opts);
  return scopeFramework(fw, config.criteria?.[fw.id]);
}
