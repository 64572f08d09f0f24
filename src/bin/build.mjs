#!/usr/bin/env node
// Compiles the TypeScript sources (src/, collectors/, rules/) to JavaScript under dist/, one file per source so the module
// graph and every relative import stay as written; `npm run build` runs it, and the `vigil` launcher calls ensureCompiled().
//
// Why esbuild and not tsc: TypeScript here is v7 (the native compiler) and `npm run lint` already type-checks the whole
// tree; emit only needs the types stripped, which esbuild does per file in well under a second (isolatedModules and
// verbatimModuleSyntax guarantee a per-file transpile means the same as tsc's). Data files (rules/frameworks/*.yaml) are
// not copied: the code finds them from the package root (src/core/package-root.ts), from either tree.
//
// The dashboard's browser code (src/dashboard/client/) is the exception: it is bundled by esbuild into one script,
// dist/dashboard/app.js, beside its index.html and app.css, so the API serves it with nothing fetched at run time.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root (this file is src/bin/build.mjs). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the compiled tree goes: dist/src, dist/collectors, dist/rules mirror the sources. */
export const DIST = join(ROOT, 'dist');
const SOURCE_DIRS = ['src', 'collectors', 'rules'];
/** What was compiled from what: source path → its mtime when it was read, plus the build inputs' mtimes. */
const MANIFEST = join(DIST, '.vigil-build.json');
/** Files whose change means every output may differ (compiler options, this compiler). */
const BUILD_INPUTS = ['tsconfig.json', 'src/bin/build.mjs'];

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');
/** The dashboard's browser sources: bundled together (bundleDashboard), not compiled one by one for Node. */
const CLIENT_DIR = 'src/dashboard/client';
const isClientFile = (rel) => rel.startsWith(`${CLIENT_DIR}/`) && /\.(ts|html|css)$/.test(rel) && !rel.endsWith('.test.ts');
/** Where the bundled dashboard goes. */
export const DASHBOARD_OUT = join(DIST, 'dashboard');

/**
 * Every TypeScript source to compile, as paths relative to ROOT with forward slashes, and every directory searched with
 * its mtime (a file added, removed or renamed changes its directory's mtime: isCompiled() stats directories instead of
 * listing them, which is what keeps it cheap).
 */
export function scanSources() {
  const files = [];
  const client = [];
  const dirs = {};
  const walk = (rel) => {
    const abs = join(ROOT, rel);
    // Stat before listing: an entry added meanwhile leaves a newer mtime than the one recorded.
    dirs[rel] = mtimeOf(abs);
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${rel}/${e.name}`);
      else if (isClientFile(`${rel}/${e.name}`)) client.push(`${rel}/${e.name}`);
      else if (isSource(e.name)) files.push(`${rel}/${e.name}`);
    }
  };
  for (const top of SOURCE_DIRS) if (existsSync(join(ROOT, top))) walk(top);
  return { files: files.sort(), client: client.sort(), dirs };
}

/** Bundles the dashboard's browser code into dist/dashboard/app.js (minified, one file) and copies its page and style. */
export async function bundleDashboard() {
  const entry = join(ROOT, CLIENT_DIR, 'main.ts');
  if (!existsSync(entry)) return;
  const { build } = await import('esbuild');
  mkdirSync(DASHBOARD_OUT, { recursive: true });
  const r = await build({ entryPoints: [entry], bundle: true, format: 'esm', target: 'es2020', platform: 'browser', minify: true, write: false, logLevel: 'silent', legalComments: 'none' });
  writeAtomic(join(DASHBOARD_OUT, 'app.js'), r.outputFiles[0].contents);
  for (const f of ['index.html', 'app.css']) writeAtomic(join(DASHBOARD_OUT, f), readFileSync(join(ROOT, CLIENT_DIR, f)));
}

const outputOf = (src) => join(DIST, `${src.slice(0, -'.ts'.length)}.js`);
const mtimeOf = (abs) => statSync(abs).mtimeMs;

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return { inputs: {}, dirs: {}, files: {} };
  }
}

function inputsNow() {
  return Object.fromEntries(BUILD_INPUTS.map((f) => [f, existsSync(join(ROOT, f)) ? mtimeOf(join(ROOT, f)) : 0]));
}

/** Writes through a temporary file: another process running the CLI at the same time never imports half a module. */
function writeAtomic(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The compiler options that change emitted code, read from tsconfig.json so tsc (lint) and the build agree. */
function tsconfigRaw() {
  const { compilerOptions: c = {} } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  const keep = ['target', 'verbatimModuleSyntax', 'useDefineForClassFields', 'experimentalDecorators', 'preserveValueImports'];
  return { compilerOptions: Object.fromEntries(keep.filter((k) => k in c).map((k) => [k, c[k]])) };
}

/**
 * Brings dist/ up to date with the sources: compiles each source that is new or whose mtime differs from the one it
 * was compiled at (every source when `force` or when tsconfig.json or this file changed), removes outputs of sources
 * that are gone, and records what it compiled. A source that does not compile has its output removed (an import of it
 * then fails loudly, as it would from the sources) and is reported in `failed`.
 * @returns `{ compiled, removed, failed: [{ file, message }] }`
 */
export async function compile({ force = false } = {}) {
  const before = readManifest();
  const inputs = inputsNow();
  const all = force || JSON.stringify(before.inputs) !== JSON.stringify(inputs);
  const { files: sources, client, dirs } = scanSources();
  const files = {};
  const todo = [];
  // The dashboard bundle is rebuilt when any of its files changed (their mtimes are in the manifest like the sources').
  const clientMtimes = client.map((f) => [f, mtimeOf(join(ROOT, f))]);
  const clientStale = all || !existsSync(join(DASHBOARD_OUT, 'app.js')) || clientMtimes.some(([f, m]) => before.files[f] !== m);
  const failed = [];
  if (clientStale && client.length > 0) {
    try {
      await bundleDashboard();
    } catch (e) {
      rmSync(join(DASHBOARD_OUT, 'app.js'), { force: true });
      failed.push({ file: `${CLIENT_DIR}/main.ts`, message: (e.errors?.[0] ? `${e.errors[0].location?.file ?? ''}:${e.errors[0].location?.line ?? ''} ${e.errors[0].text}` : e.message ?? String(e)).split('\n')[0] });
    }
  }
  if (!failed.length) for (const [f, m] of clientMtimes) files[f] = m;
  for (const src of sources) {
    // Stat before reading: an edit made while we compile leaves a newer mtime than the one recorded, so it is caught next run.
    const m = mtimeOf(join(ROOT, src));
    if (!all && before.files[src] === m && existsSync(outputOf(src))) files[src] = m;
    else todo.push([src, m]);
  }
  if (todo.length > 0) {
    const { transform, stop } = await import('esbuild');
    const options = tsconfigRaw();
    try {
      await compileAll();
    } finally {
      // esbuild's service is a child process: left running it would outlive a short command or sit beside `vigil run`.
      await stop();
    }
    async function compileAll() {
    await Promise.all(
      todo.map(async ([src, m]) => {
        const out = outputOf(src);
        try {
          const code = readFileSync(join(ROOT, src), 'utf8');
          const r = await transform(code, {
            loader: 'ts',
            format: 'esm',
            platform: 'node',
            target: 'node20',
            sourcemap: 'external',
            sourcefile: relative(dirname(out), join(ROOT, src)).split(sep).join('/'),
            tsconfigRaw: options,
            logLevel: 'silent',
          });
          const base = out.slice(dirname(out).length + 1);
          writeAtomic(`${out}.map`, r.map);
          writeAtomic(out, `${r.code}//# sourceMappingURL=${base}.map\n`);
          files[src] = m;
        } catch (e) {
          rmSync(out, { force: true });
          failed.push({ file: src, message: (e.errors?.[0]?.text ?? e.message ?? String(e)).split('\n')[0] });
        }
      }),
    );
    }
  }
  const present = new Set([...sources, ...client]);
  const removed = Object.keys(before.files).filter((src) => !present.has(src) && !isClientFile(src));
  for (const src of removed) {
    rmSync(outputOf(src), { force: true });
    rmSync(`${outputOf(src)}.map`, { force: true });
  }
  if (todo.length > 0 || removed.length > 0 || clientStale || JSON.stringify(dirs) !== JSON.stringify(before.dirs ?? {})) writeAtomic(MANIFEST, `${JSON.stringify({ inputs, dirs, files }, null, 1)}\n`);
  return { compiled: todo.length - failed.filter((f) => !isClientFile(f.file)).length, removed: removed.length, failed };
}

/**
 * Whether dist/ matches the sources, without loading the compiler or listing a directory: one stat per source file and
 * per source directory against the manifest, about 3 ms, so the launcher can afford it on every start in a checkout.
 */
export function isCompiled() {
  const m = readManifest();
  if (JSON.stringify(m.inputs) !== JSON.stringify(inputsNow())) return false;
  // ROOT ends in a separator: concatenating is enough here, and path.join on every entry is a measurable part of the check.
  const same = (recorded) => Object.keys(recorded).length > 0 && Object.entries(recorded).every(([rel, at]) => statSync(ROOT + rel, { throwIfNoEntry: false })?.mtimeMs === at);
  return same(m.dirs ?? {}) && same(m.files);
}

async function main(args) {
  const force = !args.includes('--changed');
  const quiet = args.includes('--quiet');
  const t0 = performance.now();
  const r = await compile({ force });
  for (const f of r.failed) process.stderr.write(`vigil build: ${f.file}: ${f.message}\n`);
  if (!quiet) process.stdout.write(`vigil build: ${r.compiled} files compiled into dist/, ${r.removed} removed, ${r.failed.length} failed (${Math.round(performance.now() - t0)} ms)\n`);
  return r.failed.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
