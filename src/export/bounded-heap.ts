// Heap and malloc settings of the export and verify workers (src/export/lean.ts), and the capped re-run of itself that verify.mjs uses (and the CLI falls back to).
import { spawn } from 'node:child_process';

/**
 * V8 flags for export and verify. Their live memory is bounded (open intervals, one day of snapshots, a few parsed
 * results blobs: ~60 MB at 10,000 resources × 60 rules, whatever the period), but left alone V8 grows the heap to
 * several times the live set and keeps 16 MiB semi-spaces: measured 536 MB peak RSS for a one-month export. With these,
 * the same export peaks under 256 MB and takes about 20% longer (more, smaller collections).
 */
export const BOUNDED_HEAP_FLAGS = ['--max-old-space-size=112', '--max-semi-space-size=2'];
/**
 * glibc malloc settings for the worker (other C libraries ignore them; the user's own values win): one arena instead of
 * one per thread of libuv's pool (zlib, file reads), and freed memory above 128 KiB handed back to the system. Measured
 * on a 2-month export at 10,000 resources: 239 MB peak RSS without, 202–217 MB with.
 */
export const WORKER_MALLOC_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072' };

/** Set in the child so it does not re-run itself. */
export const BOUNDED_HEAP_MARK = 'VIGIL_BOUNDED_HEAP';
const MARK = BOUNDED_HEAP_MARK;

/** Whether the user capped the heap themselves (NODE_OPTIONS or node flags): then their cap is used, not ours. */
export function userHeapCap(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((a) => a.startsWith('--max-old-space-size'));
}

/** Whether the current process already runs with a heap cap (ours, or one the user chose). */
export function heapAlreadyBounded(): boolean {
  return process.env[MARK] === '1' || userHeapCap();
}

/**
 * Re-runs this very command (same script, same arguments) in a child with BOUNDED_HEAP_FLAGS, streaming its output, and
 * resolves to its exit code; resolves undefined, doing nothing, when the heap is already capped or `script` is not the
 * process's own entry script (an in-process caller such as a test must never re-run the host process).
 * For an estate much larger than 10,000 resources, set NODE_OPTIONS=--max-old-space-size=<MB> to choose the cap.
 */
export function rerunWithBoundedHeap(isEntry: (script: string) => boolean): Promise<number | undefined> {
  const script = process.argv[1];
  if (heapAlreadyBounded() || script === undefined || !isEntry(script)) return Promise.resolve(undefined);
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...BOUNDED_HEAP_FLAGS, ...process.execArgv, script, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...WORKER_MALLOC_ENV, ...process.env, [MARK]: '1' },
    });
    child.on('error', rej);
    child.on('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}

/** The `vigil` launcher (src/bin/vigil.mjs, or an installed `vigil` link to it). */
export const isVigilBin = (script: string): boolean => /(^|[\\/])vigil(\.mjs)?$/.test(script);
