// Emulators are demo and test code: no command but `vigil demo` reaches one, by the import graph and in a real process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SOURCE_IDS } from '../collectors/manifest.js';
import { importsOf, sourceFiles, type ImportRef } from './support/imports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TREES = ['src', 'collectors', 'rules'] as const;

/** An emulator module: collectors/<s>/emulator.ts, emulator-*.ts, emulator/…, or the demo half that starts one. */
const isEmulatorCode = (file: string) => /^collectors\/[^/]+\/(emulator[-./]|demo\.ts$)/.test(file);

/** What loads code: every import but a type-only one (erased at compile time). */
const codeEdges = (refs: readonly ImportRef[]) => refs.filter((r) => r.target !== undefined && !r.typeOnly);

/**
 * Files reachable from `entries` through static and dynamic imports, stopping at the two gates that only `vigil demo`,
 * tests and benchmarks pass: the `demo` command's module, and the manifest's lazy `demo` loaders.
 */
function productionGraph(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const r of codeEdges(importsOf(ROOT, file))) {
      if (r.target === 'src/cli/demo.ts') continue;
      if (file === 'collectors/manifest.ts' && /^collectors\/[^/]+\/demo\.ts$/.test(r.target!)) continue;
      todo.push(r.target!);
    }
  }
  return seen;
}

describe('emulators stay out of production code', () => {
  const files = sourceFiles(ROOT, TREES);
  const refs = files.flatMap((f) => codeEdges(importsOf(ROOT, f)));

  it('no emulator module is reachable from the CLI, the roles, the export worker or the bundle verifier, except through `vigil demo`', () => {
    const graph = productionGraph(['src/cli/main.ts', 'src/agent.ts', 'src/export/export-main.ts', 'src/verify/standalone.ts']);
    // positive evidence the walk went through the plug-ins: every source's collector is in it
    for (const id of SOURCE_IDS) expect(graph.has(`collectors/${id}/index.ts`), id).toBe(true);
    expect(graph.has('src/cli/run.ts')).toBe(true);
    expect([...graph].filter(isEmulatorCode)).toEqual([]);
  });

  it("a source's demo half is loaded only by the manifest's lazy loader, and emulator modules only by emulator code", () => {
    const intoDemo = refs.filter((r) => /^collectors\/[^/]+\/demo\.ts$/.test(r.target!)).map((r) => `${r.file} -> ${r.target}`);
    expect(intoDemo.every((e) => e.startsWith('collectors/manifest.ts -> '))).toBe(true);
    expect(intoDemo).toHaveLength(SOURCE_IDS.length);
    const intoEmulator = refs.filter((r) => isEmulatorCode(r.target!) && !isEmulatorCode(r.file) && r.file !== 'collectors/manifest.ts');
    expect(intoEmulator.map((r) => `${r.file}:${r.line} imports ${r.target}`)).toEqual([]);
  });

  it('only `vigil demo` asks for the emulator halves among the shipped modules', () => {
    const callers = files.filter((f) => f !== 'src/sources.ts' && /\bloadSourceDemos\b|\.demo\(\)/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(callers).toEqual(['src/cli/demo.ts']);
  });
});

describe('in a running process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-emu-iso-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loading the agent with every plug-in loads no emulator module; asking for the demo halves does', () => {
    const log = join(dir, 'modules.log');
    // A resolve hook (run on Node's loader thread) appends every module URL the process resolves to `log`.
    const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`;
    writeFileSync(join(dir, 'hooks.mjs'), hooks);
    const dist = pathToFileURL(join(ROOT, 'dist/')).href;
    const script = `import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const agent = await import(${JSON.stringify(`${dist}src/agent.js`)});
const { sourcePlugins, loadSourceDemos } = await import(${JSON.stringify(`${dist}src/sources.js`)});
if (typeof agent.buildCollectors !== 'function') throw new Error('no buildCollectors');
appendFileSync(${JSON.stringify(log)}, 'MARK plug-ins ' + Object.keys(sourcePlugins).join(',') + '\\n');
await loadSourceDemos();
appendFileSync(${JSON.stringify(log)}, 'MARK demos\\n');`;
    writeFileSync(join(dir, 'probe.mjs'), script);
    const r = spawnSync(process.execPath, [join(dir, 'probe.mjs')], { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    const mark = lines.findIndex((l) => l.startsWith('MARK plug-ins '));
    expect(lines[mark]).toBe(`MARK plug-ins ${SOURCE_IDS.join(',')}`);
    const rel = (urls: string[]) => urls.filter((u) => u.startsWith(dist)).map((u) => u.slice(dist.length).replace(/\.js$/, '.ts'));
    const agentModules = rel(lines.slice(0, mark));
    const demoModules = rel(lines.slice(mark + 1, lines.indexOf('MARK demos')));
    // the agent loaded every collector, and nothing of an emulator
    for (const id of SOURCE_IDS) expect(agentModules, id).toContain(`collectors/${id}/index.ts`);
    expect(agentModules.filter(isEmulatorCode)).toEqual([]);
    // the probe sees emulator modules when they load, so the emptiness above is evidence
    for (const id of SOURCE_IDS) expect(demoModules, id).toContain(`collectors/${id}/demo.ts`);
    expect(demoModules.filter((f) => isEmulatorCode(f) && !f.endsWith('/demo.ts')).length).toBeGreaterThanOrEqual(SOURCE_IDS.length);
  }, 30_000);
});
