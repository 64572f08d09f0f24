// Export and verify run in a worker process that is plain bundled JavaScript (no TypeScript loader, no config, sources or
// SDKs) under a capped heap, so the process doing the streaming holds only what the export or verification needs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, stop as stopEsbuild } from 'esbuild';
import { BOUNDED_HEAP_FLAGS, BOUNDED_HEAP_MARK, userHeapCap, WORKER_MALLOC_ENV } from './bounded-heap.js';
import { buildVerifierScript } from './verifier-script.js';
import { cacheDir, PACKAGE_ROOT } from '../core/package-root.js';
import { parseProgressLine, PROGRESS_MARKER_ENV, type ProgressListener } from '../core/progress.js';

// The TypeScript sources are bundled whichever tree runs (sources or dist/), so a worker is the same script either way.
const ROOT = PACKAGE_ROOT;
/**
 * Where the worker scripts are written (src/core/package-root.ts: cacheDir), named by the hash of their content (so a
 * changed source tree gets a new file and two processes never fight over one).
 */
export const leanCacheDir = cacheDir;

export type LeanWorker = 'export' | 'verify';


async function source(worker: LeanWorker): Promise<string> {
  // The verifier is the very verify/verify.mjs a bundle carries: fully self-contained.
  if (worker === 'verify') return buildVerifierScript();
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/export/export-main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    banner: { js: '// Vigil export worker, generated from src/export/export-main.ts by src/export/lean.ts.' },
    plugins: [
      {
        // The verifier arrives prebuilt (ExportOptions.verifierScript): left out, the worker does not load esbuild
        // (about 18 MB resident).
        name: 'vigil-export-worker-no-bundler',
        setup(b) {
          b.onResolve({ filter: /^\.\/verifier-script\.js$/ }, (a) => ({ path: a.path, namespace: 'vigil-stub' }));
          b.onLoad({ filter: /.*/, namespace: 'vigil-stub' }, () => ({
            contents: "export async function buildVerifierScript() { throw new Error('the export worker is given the verifier prebuilt'); }",
            loader: 'js',
          }));
        },
      },
    ],
  });
  return r.outputFiles[0]!.text;
}

/** Builds (or finds) the worker script; undefined when it cannot be written, and the caller falls back. */
export async function leanWorkerScript(worker: LeanWorker): Promise<string | undefined> {
  let text: string;
  try {
    text = await source(worker);
  } catch {
    return undefined;
  } finally {
    // esbuild's service is a separate process that would otherwise live beside the worker for the whole run.
    await stopEsbuild();
  }
  try {
    const dir = leanCacheDir();
    const file = join(dir, `${worker}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      // Scripts of earlier source trees: kept a day (a process may still be starting one), then removed.
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (f.startsWith(`${worker}-`) && p !== file && Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true });
      }
    }
    return file;
  } catch {
    return undefined;
  }
}

/** Where a worker child's progress goes (src/cli/progress-console.ts: ConsoleProgress). */
export interface LeanProgress {
  update: ProgressListener;
  /** Writes the child's other output with the progress display lifted. */
  print(to: { write(text: string): unknown }, text: string): void;
  end(): void;
}

/**
 * Runs `worker` with `args` in a child Node with BOUNDED_HEAP_FLAGS (unless NODE_OPTIONS already caps the heap: the
 * user's choice wins), output passed through, and resolves to its exit code. Resolves undefined, doing nothing, when the
 * worker script cannot be built or written; the caller then does the work in-process. With `progress`, the child
 * reports progress as marker lines on its stderr (PROGRESS_MARKER_ENV), which go to `progress`; everything else it
 * writes is passed through unchanged.
 */
export async function runLeanWorker(worker: LeanWorker, args: string[], progress?: LeanProgress): Promise<number | undefined> {
  const script = await leanWorkerScript(worker);
  if (script === undefined) return undefined;
  const flags = userHeapCap() ? [] : BOUNDED_HEAP_FLAGS;
  const env = { ...WORKER_MALLOC_ENV, ...process.env, [BOUNDED_HEAP_MARK]: '1', ...(progress ? { [PROGRESS_MARKER_ENV]: '1' } : {}) };
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...flags, script, ...args], { stdio: progress ? ['inherit', 'pipe', 'pipe'] : 'inherit', env });
    child.on('error', rej);
    if (!progress) {
      child.on('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
      return;
    }
    // The child writes its result last: the display goes first, so the result is not drawn over.
    child.stdout!.on('data', (b: Buffer) => {
      progress.end();
      process.stdout.write(b);
    });
    let partial = '';
    const stderrLine = (line: string): void => {
      const u = parseProgressLine(line);
      if (u) progress.update(u);
      else progress.print(process.stderr, `${line}\n`);
    };
    child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      const lines = (partial + t).split('\n');
      partial = lines.pop()!;
      for (const l of lines) stderrLine(l);
    });
    // 'close' (not 'exit'): every byte of the child's output has been passed on by then.
    child.on('close', (code, signal) => {
      if (partial !== '') progress.print(process.stderr, partial);
      progress.end();
      res(code ?? (signal ? 1 : 0));
    });
  });
}
