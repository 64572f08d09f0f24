// The rule registry against the files on disk, the framework mappings and the resource types collectors produce.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Rule, SourceId } from '../../src/core/types.js';
import { SOURCE_IDS } from '../../collectors/manifest.js';
import { loadFramework, listFrameworks, unknownRuleRefs } from '../../src/rules/frameworks.js';
import { CROSS_SOURCE_RULES, allRules } from '../../rules/index.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import { AWS_SERVICE_RESOURCE_TYPES } from '../../collectors/aws/services.js';
import { GITHUB_RESOURCE_TYPES } from '../../src/core/contracts/github.js';
import { OKTA_RESOURCE_TYPES } from '../../src/core/contracts/okta.js';
import { ENTRA_RESOURCE_TYPES } from '../../src/core/contracts/entra.js';
import { GOOGLE_WORKSPACE_RESOURCE_TYPES } from '../../src/core/contracts/google-workspace.js';
import { HRIS_RESOURCE_TYPES } from '../../src/core/contracts/hris.js';
import { scanVerdicts } from './verdict-scan.js';

/**
 * Resource types each source's collector produces. A source adds its line when its first rule lands:
 * `github: [...GITHUB_RESOURCE_TYPES]` from src/core/contracts/github.ts, and so on.
 */
const PRODUCED_TYPES: Partial<Record<SourceId, readonly string[]>> = {
  aws: [...AWS_IAM_RESOURCE_TYPES, ...AWS_SERVICE_RESOURCE_TYPES],
  github: [...GITHUB_RESOURCE_TYPES],
  okta: [...OKTA_RESOURCE_TYPES],
  entra: [...ENTRA_RESOURCE_TYPES],
  'google-workspace': [...GOOGLE_WORKSPACE_RESOURCE_TYPES],
  hris: [...HRIS_RESOURCE_TYPES],
};

const RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

/**
 * Rule files live under rules/<source>/ (a SourceId); every .ts there except index.ts is one rule. Other top-level
 * folders (frameworks/, and identity/ with the cross-source rules and the person join) hold data and code, never per-source rules.
 */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && e.name !== 'index.ts' && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

const topDirs = readdirSync(RULES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const sourceDirs = topDirs.filter((d) => (SOURCE_IDS as readonly string[]).includes(d));
const files = sourceDirs.flatMap((d) => tsFiles(join(RULES_DIR, d)));
const sharedFiles = topDirs.filter((d) => !sourceDirs.includes(d) && d !== 'frameworks').flatMap((d) => tsFiles(join(RULES_DIR, d)));

const loaded: Array<{ file: string; id: string; rule: Rule }> = await Promise.all(
  files.map(async (file) => {
    const mod = (await import(pathToFileURL(file).href)) as { default?: Rule };
    const id = relative(RULES_DIR, file).slice(0, -'.ts'.length).split(sep).join('.');
    return { file: relative(RULES_DIR, file), id, rule: mod.default as Rule };
  }),
);

describe('rule registry', () => {
  it('finds the rule files', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it('keeps rules only under source folders: shared modules default-export no rule', async () => {
    for (const f of sharedFiles) {
      const mod = (await import(pathToFileURL(f).href)) as { default?: unknown };
      const d = mod.default as Partial<Rule> | undefined;
      expect(d && typeof d === 'object' && typeof d.evaluate === 'function', `${relative(RULES_DIR, f)} looks like a rule outside rules/<source>/`).toBeFalsy();
    }
  });

  it.each(loaded.map((l) => [l.file, l] as const))('%s default-exports a well-formed rule whose id spells its path', (_f, l) => {
    const r = l.rule;
    expect(r, `${l.file} has no default export`).toBeTruthy();
    expect(r.id).toBe(l.id);
    expect(SOURCE_IDS).toContain(r.source);
    expect(r.id.startsWith(`${r.source}.`)).toBe(true);
    expect(['critical', 'high', 'medium', 'low']).toContain(r.severity);
    expect(['snapshot', 'period']).toContain(r.mode);
    for (const field of ['title', 'rationale', 'remediation'] as const) expect(r[field].trim().length, `${r.id}.${field}`).toBeGreaterThan(10);
    expect(r.inputs.length).toBeGreaterThan(0);
    expect(r.permissions.length).toBeGreaterThan(0);
    expect(typeof r.evaluate).toBe('function');
    for (const [k, spec] of Object.entries(r.params)) {
      expect(spec.description, `${r.id} param ${k}`).toBeTruthy();
      expect(spec.default, `${r.id} param ${k}`).not.toBeUndefined();
    }
  });

  it('lists every rule file in allRules exactly once, and nothing else', () => {
    const ids = allRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(loaded.map((l) => l.id).sort());
    for (const l of loaded) expect(allRules).toContain(l.rule);
  });

  it('only reads resource types that the source collector produces', () => {
    for (const r of allRules) {
      const produced = PRODUCED_TYPES[r.source];
      expect(produced, `${r.id}: add ${r.source}'s produced resource types to PRODUCED_TYPES in this test`).toBeDefined();
      for (const input of r.inputs) expect(produced, `${r.id} reads ${input}`).toContain(input);
    }
  });

  it('names real IAM actions as permissions for AWS rules', () => {
    for (const r of allRules.filter((x) => x.source === 'aws')) {
      for (const p of r.permissions) expect(p, r.id).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
    }
  });
});

/** Cross-source rules (evaluated by the writer's identity run, not per source): an explicit list beside allRules. */
const allIds = [...allRules.map((r) => r.id), ...CROSS_SOURCE_RULES.map((r) => r.id)];

describe('cross-source rules', () => {
  it('have ids unique across both lists, in the xsys namespace, with full metadata', () => {
    expect(new Set(allIds).size).toBe(allIds.length);
    for (const r of CROSS_SOURCE_RULES) {
      expect(r.id).toMatch(/^xsys\.[a-z_]+$/);
      for (const field of ['title', 'rationale', 'remediation'] as const) expect(r[field].trim().length, `${r.id}.${field}`).toBeGreaterThan(10);
      for (const [k, spec] of Object.entries(r.params)) expect(spec.default, `${r.id} param ${k}`).not.toBeUndefined();
    }
  });

  it('read only resource types some collector produces', () => {
    const produced = new Set(Object.values(PRODUCED_TYPES).flatMap((t) => [...(t ?? [])]));
    for (const r of CROSS_SOURCE_RULES) for (const input of r.inputs) expect(produced.has(input), `${r.id} reads ${input}`).toBe(true);
  });
});

describe('frameworks against the registry', () => {
  const soc2 = loadFramework('soc2');

  it('maps every rule in at least one SOC 2 criterion', () => {
    const mapped = new Set(soc2.criteria.flatMap((c) => c.rules.map((r) => r.id)));
    const unmapped = allIds.filter((id) => !mapped.has(id));
    expect(unmapped).toEqual([]);
  });

  it('maps only rule ids that exist, in every framework', () => {
    for (const fw of listFrameworks()) expect(unknownRuleRefs(fw, allIds), fw.id).toEqual([]);
  });

  it('gives every criterion rules or manual evidence, in every framework', () => {
    for (const fw of listFrameworks()) for (const c of fw.criteria) expect(c.rules.length > 0 || c.manual.length > 0, `${fw.id} ${c.id}`).toBe(true);
  });

  it('bundles SOC 2, SOC 1 ITGC and ISO 27001:2022, and maps every rule in at least one framework', () => {
    const all = listFrameworks();
    expect(all.map((f) => f.id)).toEqual(['iso27001-2022', 'soc1-itgc', 'soc2']);
    const mapped = new Set(all.flatMap((f) => f.criteria.flatMap((c) => c.rules.map((r) => r.id))));
    expect(allIds.filter((id) => !mapped.has(id))).toEqual([]);
  });
});

/**
 * Every rule has a table test with a row asserting `pass` and a row asserting `fail`: a rule never seen failing may
 * be unable to fail (a vacuous control), one never seen passing may be unable to pass. The rows are found by a static
 * scan of the table files (test/rules/verdict-scan.ts says why not at run time: vitest's forked workers share no
 * memory, and the tables come in several shapes). The scan credits a status only where a test unit names one rule, or
 * a line names one rule beside its status; a rule it misses needs a plain row naming it, which is the point.
 */
const TABLE_FILES = [
  'test/rules/aws-iam-credentials.test.ts',
  'test/rules/aws-iam-policies.test.ts',
  'test/rules/aws-services.test.ts',
  'test/rules/aws-security.test.ts',
  'test/rules/aws-governance.test.ts',
  'test/rules/aws-operations.test.ts',
  'test/rules/aws-backup-restore.test.ts',
  'test/github/rules.test.ts',
  'test/identity/rules.test.ts',
  'test/identity/okta-rules.test.ts',
  'test/identity/entra-rules.test.ts',
].map((f) => fileURLToPath(new URL(`../../${f}`, import.meta.url)));

/** Rules that cannot give `fail`, each with the reason; anything listed here still needs its `pass` row. */
const CANNOT_FAIL: Record<string, string> = {
  'aws.health.events_reviewed':
    'a population to review, not a control check: every open Health issue and upcoming scheduled change is listed as pass; without the Health API (SubscriptionRequiredException) it is error',
  'aws.cloudtrail.iam_change_events':
    'a population to sample, not a control check: every IAM change event is listed as pass and the region summary counts them; only unjudgeable events make it error',
};

describe('rule tables', () => {
  const credited = scanVerdicts(TABLE_FILES, allRules.map((r) => r.id));

  it.each(allRules.map((r) => [r.id] as const))('%s has a table row asserting pass and one asserting fail', (id) => {
    const seen = credited.get(id)!;
    expect(seen.has('pass'), `${id}: no table row asserts pass`).toBe(true);
    if (id in CANNOT_FAIL) expect(seen.has('fail'), `${id} is in CANNOT_FAIL but a row asserts fail: take it off the list`).toBe(false);
    else expect(seen.has('fail'), `${id}: no table row asserts fail (add one, or list it in CANNOT_FAIL with the reason)`).toBe(true);
  });

  it('lists in CANNOT_FAIL only rules that exist, each with a reason', () => {
    for (const [id, why] of Object.entries(CANNOT_FAIL)) {
      expect(allRules.map((r) => r.id), id).toContain(id);
      expect(why.trim().length, id).toBeGreaterThan(20);
    }
  });

  it('the scan credits what a unit or a line ties to one rule, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-scan-'));
    try {
      const file = join(dir, 'x.test.ts');
      writeFileSync(file, [
        "import one from '../../rules/a/b/one.js';",
        "describe('a.b.one', () => {",
        "  table(one as Rule, [{ name: 'p', id: 'x', status: 'pass' }]);",
        '});',
        "it('several rules', () => {",
        "  expect(run('a.b.two', s)).toEqual([['x', 'fail']]);",
        "  expect(run('a.b.three', s)).not.toBe('pass');",
        "  expect(run('a.b.two', s) && run('a.b.three', s)).toEqual([['x', 'pass']]);",
        "  // expect(run('a.b.three', s)).toBe('fail');",
        '});',
      ].join('\n'));
      // the import resolves against the file's folder, as in a real table file two levels below the repo root
      const got = scanVerdicts([file], ['a.b.one', 'a.b.two', 'a.b.three']);
      expect([...got.get('a.b.one')!]).toEqual(['pass']);
      expect([...got.get('a.b.two')!]).toEqual(['fail']);
      expect([...got.get('a.b.three')!]).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
