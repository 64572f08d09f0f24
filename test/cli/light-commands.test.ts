// The read commands an operator runs often (status, alerts, exceptions list) load no composition root: statically they
// reach neither src/agent.ts (queues, collectors, SDKs) nor the rule catalogue, which keeps them well under half a second.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf } from '../support/imports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Files a module loads before it runs: static, non-type imports only (a dynamic `import()` loads on demand). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const lines = readFileSync(`${ROOT}/${file}`, 'utf8').split('\n');
    for (const r of importsOf(ROOT, file)) {
      if (r.target === undefined || r.typeOnly) continue;
      if (!/^\s*(import|export)\b/.test(lines[r.line - 1] ?? '')) continue; // `await import(…)`: loaded on demand
      todo.push(r.target);
    }
  }
  return seen;
}

describe('light read commands', () => {
  it.each([['src/cli/status.ts'], ['src/cli/alerts.ts'], ['src/cli/exceptions.ts'], ['src/cli/gaps.ts'], ['src/cli/evidence.ts'], ['src/cli/review.ts']])('%s statically loads neither the composition root nor the rule catalogue', (entry) => {
    const graph = staticGraph(entry);
    expect(graph.size).toBeGreaterThan(3); // the walk follows imports (the ledger at least)
    expect(graph.has('src/ledger/ledger.ts')).toBe(true);
    expect([...graph].filter((f) => f === 'src/agent.ts' || f === 'rules/index.ts' || f.startsWith('collectors/'))).toEqual([]);
  });
});
