// The import direction between core, rule support, rules and collectors, and no import cycles, checked over every source file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importsOf, sourceFiles, type ImportRef } from './support/imports.js';
import { functionLengths, longFunctions } from './support/function-lengths.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TREES = ['src', 'collectors', 'rules'] as const;

/**
 * Who may import what. A layer is matched by the first prefix that fits the importing file; `allow` lists the prefixes
 * its relative imports may land in (`{own}` is the importer's own collector folder). Packages are allowed unless
 * `builtins: false`, which keeps Node's I/O modules out of code that must stay pure.
 */
interface Layer {
  prefix: RegExp;
  name: string;
  allow: Array<string | '{own}'>;
  builtins: boolean;
}

const LAYERS: Layer[] = [
  // The domain types and data contracts every other part builds on: importing upward would make them depend on their users.
  { prefix: /^src\/core\//, name: 'src/core/', allow: ['src/core/'], builtins: true },
  // Rule support (helpers, engine, frameworks): what rules may lean on, so it must not reach pipeline, ledger or collectors.
  { prefix: /^src\/rules\//, name: 'src/rules/', allow: ['src/core/', 'src/rules/'], builtins: true },
  // Rules are pure functions of a snapshot: contracts from core, helpers from src/rules, nothing from a collector, no I/O.
  { prefix: /^rules\//, name: 'rules/', allow: ['rules/', 'src/core/', 'src/rules/'], builtins: false },
  // The source manifest sits above the source folders to list them (and load their plug-ins and emulators lazily):
  // it sees every source and core, nothing else, and core never imports it (core's SourceId is filled in from it).
  { prefix: /^collectors\/manifest\.ts$/, name: 'collectors/manifest.ts', allow: ['collectors/', 'src/core/'], builtins: true },
  // A collector owns its folder and speaks core contracts; it never judges, so it never imports rules or another source.
  { prefix: /^collectors\/[^/]+\//, name: 'collectors/<source>/', allow: ['{own}', 'src/core/'], builtins: true },
];

/** One line per import that breaks the direction: `file:line imports 'specifier' (target): why`. */
function directionViolations(root: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(root, TREES)) {
    const layer = LAYERS.find((l) => l.prefix.test(file));
    if (!layer) continue;
    const own = /^collectors\/[^/]+\//.exec(file)?.[0];
    for (const ref of importsOf(root, file)) {
      const why = offence(layer, own, ref);
      if (why) out.push(`${ref.file}:${ref.line} imports '${ref.specifier}'${ref.target ? ` (${ref.target})` : ''}: ${why}`);
    }
  }
  return out;
}

function offence(layer: Layer, own: string | undefined, ref: ImportRef): string | undefined {
  const allowed = layer.allow.map((a) => (a === '{own}' ? own! : a));
  if (ref.target === undefined) {
    if (!layer.builtins && ref.specifier.startsWith('node:')) return `${layer.name} is pure and imports no Node built-in`;
    return undefined;
  }
  if (allowed.some((a) => ref.target!.startsWith(a))) return undefined;
  return `${layer.name} may import only ${allowed.join(', ')}`;
}

describe('import direction', () => {
  it('rules -> core and rule support; collectors -> core and their own folder; core -> core', () => {
    expect(directionViolations(ROOT)).toEqual([]);
  });

  it('no import cycles among src/, collectors/ and rules/ (type-only imports count)', () => {
    const files = sourceFiles(ROOT, TREES);
    const cycles = importCycles(files.flatMap((f) => importsOf(ROOT, f)), files);
    expect(cycles.map((c) => c.join(' <-> '))).toEqual([]);
  });

  it('sees the imports it checks: multi-line, type-only, re-exports and dynamic import()', () => {
    const refs = importsOf(ROOT, 'rules/index.ts');
    expect(refs.map((r) => r.target)).toContain('rules/aws/index.ts');
    expect(refs.find((r) => r.target === 'src/core/types.ts')?.typeOnly).toBe(true);
    expect(sourceFiles(ROOT, TREES).length).toBeGreaterThan(150);
  });
});

/** Longest function body allowed in src/, collectors/ and rules/ (STYLE: functions under ~120 lines). */
const MAX_FUNCTION_LINES = 120;

describe('function length', () => {
  it(`no function in src/, collectors/ or rules/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    expect(longFunctions(ROOT, ['src', 'collectors', 'rules'], MAX_FUNCTION_LINES)).toEqual([]);
  });

  it('measures each function from its first line to its closing brace, named by itself, its class or its variable', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'vigil-len-'));
    try {
      const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
      mkdirSync(join(scratch, 'collectors/x'), { recursive: true });
      writeFileSync(join(scratch, 'collectors/x/a.ts'), [
        '// scratch',
        `export function long(): void {\n${body(121)}\n}`,
        `export const arrow = (): void => {\n${body(3)}\n};`,
        `class K {\n  method(): string {\n    return \`{\${'}'}\`;\n  }\n}`,
        `export const o = { prop: function (): void {\n${body(1)}\n} };`,
      ].join('\n'));
      const found = functionLengths(scratch, ['collectors']).map((f) => `${f.name}@${f.line}:${f.lines}`);
      expect(found).toEqual(['long@2:123', 'arrow@125:5', 'K.method@131:3', 'prop@135:3']);
      expect(longFunctions(scratch, ['collectors'], MAX_FUNCTION_LINES)).toEqual(['collectors/x/a.ts:2 long (123 lines)']);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('the checker itself, on a scratch tree', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-arch-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), text);
  };
  put('src/core/types.ts', "// types\nexport type X = 1;\n");
  put('src/pipeline/queue.ts', "import type { X } from '../core/types.js';\nexport const q: X = 1;\n");
  put('src/core/bad.ts', "// a core module reaching up\nimport {\n  q,\n} from '../pipeline/queue.js';\nexport const y = q;\n");
  put('collectors/okta/collector.ts', "import { WEAK } from '../../rules/identity/shared.js';\nimport { z } from '../aws/types.js';\nimport { ok } from './parse.js';\n");
  put('collectors/okta/parse.ts', "export const ok = 1;\n");
  put('rules/okta/users/mfa.ts', "import { readFileSync } from 'node:fs';\nimport type { A } from '../../../collectors/okta/types.js';\nconst emu = await import('../../../src/pipeline/queue.js');\n");
  put('src/a.ts', "import type { B } from './b.js';\nexport type A = B;\n");
  put('src/b.ts', "import { type A } from './a.js';\nexport type B = A;\n");

  it('names the file, line and offending import of each breach, and nothing else', () => {
    expect(directionViolations(scratch)).toEqual([
      "collectors/okta/collector.ts:1 imports '../../rules/identity/shared.js' (rules/identity/shared.ts): collectors/<source>/ may import only collectors/okta/, src/core/",
      "collectors/okta/collector.ts:2 imports '../aws/types.js' (collectors/aws/types.ts): collectors/<source>/ may import only collectors/okta/, src/core/",
      "rules/okta/users/mfa.ts:1 imports 'node:fs': rules/ is pure and imports no Node built-in",
      "rules/okta/users/mfa.ts:2 imports '../../../collectors/okta/types.js' (collectors/okta/types.ts): rules/ may import only rules/, src/core/, src/rules/",
      "rules/okta/users/mfa.ts:3 imports '../../../src/pipeline/queue.js' (src/pipeline/queue.ts): rules/ may import only rules/, src/core/, src/rules/",
      "src/core/bad.ts:2 imports '../pipeline/queue.js' (src/pipeline/queue.ts): src/core/ may import only src/core/",
    ]);
  });

  it('finds a type-only cycle', () => {
    const files = sourceFiles(scratch, TREES);
    const refs = files.flatMap((f) => importsOf(scratch, f));
    expect(refs.find((r) => r.file === 'src/b.ts')?.typeOnly).toBe(true);
    expect(importCycles(refs, files)).toEqual([['src/a.ts', 'src/b.ts']]);
  });
});
