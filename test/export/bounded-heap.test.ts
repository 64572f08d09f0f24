// The heap cap of export and verify: which processes re-run themselves, and that the re-run child really has the cap.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOUNDED_HEAP_FLAGS, isVigilBin, rerunWithBoundedHeap } from '../../src/export/bounded-heap.js';

describe('bounded heap', () => {
  it('only the vigil launcher counts as the vigil entry script', () => {
    expect(isVigilBin('/work/main/src/bin/vigil.mjs')).toBe(true);
    expect(isVigilBin('/usr/local/bin/vigil')).toBe(true);
    expect(isVigilBin('/work/main/node_modules/vitest/vitest.mjs')).toBe(false);
    expect(isVigilBin('/work/main/src/bin/vigil-bench.mjs')).toBe(false);
  });

  it('an in-process caller that is not the entry script is never re-run', async () => {
    expect(await rerunWithBoundedHeap(() => false)).toBeUndefined();
  });

  it('a script re-runs itself once, with the cap, passing its arguments and exit code through', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-heap-'));
    const script = join(dir, 'probe.mjs');
    const mod = new URL('../../src/export/bounded-heap.ts', import.meta.url).pathname;
    writeFileSync(
      script,
      `import { getHeapStatistics } from 'node:v8';\n` +
        `const { rerunWithBoundedHeap } = await import(${JSON.stringify(mod)});\n` +
        `const code = await rerunWithBoundedHeap((s) => s.endsWith('probe.mjs'));\n` +
        `if (code !== undefined) process.exit(code);\n` +
        `console.log(JSON.stringify({ limitMb: getHeapStatistics().heap_size_limit / 2 ** 20, args: process.argv.slice(2) }));\n` +
        `process.exit(7);\n`,
    );
    const env = { ...process.env, NODE_OPTIONS: '' };
    delete (env as Record<string, string | undefined>).VIGIL_BOUNDED_HEAP;
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, 'a', 'b c'], { encoding: 'utf8', env });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(7);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    const seen = JSON.parse(out[0]!) as { limitMb: number; args: string[] };
    expect(seen.args).toEqual(['a', 'b c']);
    const cap = Number(/--max-old-space-size=(\d+)/.exec(BOUNDED_HEAP_FLAGS.join(' '))![1]);
    // heap_size_limit is the old-space cap plus the young generation.
    expect(seen.limitMb).toBeGreaterThanOrEqual(cap);
    expect(seen.limitMb).toBeLessThan(cap + 64);
  });
});
