// Benchmark: every reply of every source's demo collection degraded in every mode (false passes, hangs, crashes), then
// `vigil run` SIGKILLed at random moments with Redis restarts (unaccounted slots); one JSON line of figures.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SourceId } from '../../src/core/types.js';
import { SOURCE_IDS } from '../../collectors/manifest.js';
import { describeReport, fullMatrix, setUpSource } from '../degradation/harness.js';
import { degradationSetups } from '../degradation/sources.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function nonNegative(name: string, v: string | undefined, def: number): number {
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name}: expected a non-negative integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
}

interface SourceFigures {
  requests: number;
  replays: number;
  notApplicable: number;
  notReached: number;
  falsePasses: number;
  hangs: number;
  crashes: number;
  wallMs: number;
  healthyMs: number;
  error?: string;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sources: { type: 'string' }, kills: { type: 'string' }, 'redis-restarts': { type: 'string' }, seed: { type: 'string' },
      'no-kill': { type: 'boolean' }, verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const sources = (values.sources?.split(',') ?? [...SOURCE_IDS]) as Array<Exclude<SourceId, 'identity'>>;
  for (const s of sources) {
    if (!(s in degradationSetups)) {
      process.stderr.write(`--sources: unknown source ${s} (known: ${Object.keys(degradationSetups).join(', ')})\n`);
      process.exit(2);
    }
  }
  const kills = nonNegative('kills', values.kills, 40);
  const redisRestarts = nonNegative('redis-restarts', values['redis-restarts'], 6);
  const seed = nonNegative('seed', values.seed, 7);
  const t0 = performance.now();

  const perSource: Record<string, SourceFigures> = {};
  for (const id of sources) {
    const started = performance.now();
    try {
      const h = await setUpSource(degradationSetups[id]);
      try {
        const report = await h.run(fullMatrix(h.keys));
        perSource[id] = {
          requests: report.requests, replays: report.replays, notApplicable: report.skipped, notReached: report.notReached.length, falsePasses: report.violations.length,
          hangs: report.hangs.length, crashes: report.crashes.length, wallMs: report.wallMs, healthyMs: Math.round(h.healthyMs),
        };
        // The details go to stderr so stdout stays one JSON line.
        if (values.verbose || report.notReached.length + report.violations.length + report.hangs.length + report.crashes.length > 0) process.stderr.write(`${describeReport(report)}\n`);
      } finally {
        await h.close();
      }
    } catch (e) {
      // A source whose healthy run cannot be recorded is a finding too, not a reason to lose the other sources' figures.
      perSource[id] = { requests: 0, replays: 0, notApplicable: 0, notReached: 0, falsePasses: 0, hangs: 0, crashes: 1, wallMs: Math.round(performance.now() - started), healthyMs: 0, error: (e as Error).message.slice(0, 300) };
      process.stderr.write(`${id}: ${(e as Error).message}\n`);
    }
  }

  let kill: { kills: number; redisRestarts: number; slots: number; unaccounted: number; duplicated: number; verifyOk: boolean; wallMs: number } | undefined;
  const scenario = fileURLToPath(new URL('../support/kill-scenario.ts', import.meta.url));
  if (!values['no-kill'] && kills > 0 && existsSync(scenario)) {
    const { runKillScenario } = await import('../support/kill-scenario.js') as typeof import('../support/kill-scenario.js');
    const r = await runKillScenario({ kills, redisRestarts, seed });
    kill = { kills: r.kills, redisRestarts: r.redisRestarts, slots: r.slots, unaccounted: r.unaccounted, duplicated: r.duplicated, verifyOk: r.verifyOk, wallMs: r.wallMs };
    if (r.unaccounted + r.duplicated > 0 || !r.verifyOk) process.stderr.write(`kill scenario: ${r.details.join('\n')}\n`);
  }

  const sum = (k: keyof SourceFigures) => Object.values(perSource).reduce((n, f) => n + (typeof f[k] === 'number' ? (f[k] as number) : 0), 0);
  process.stdout.write(`${JSON.stringify({
    bench: 'faults',
    params: { sources, modes: 15, matrix: 'every request x every mode', kills: values['no-kill'] ? 0 : kills, redisRestarts: values['no-kill'] ? 0 : redisRestarts, seed },
    wallMs: Math.round(performance.now() - t0),
    replays: sum('replays'),
    falsePasses: sum('falsePasses'),
    hangs: sum('hangs'),
    crashes: sum('crashes'),
    kills: kill?.kills ?? 0,
    redisRestarts: kill?.redisRestarts ?? 0,
    slots: kill?.slots ?? 0,
    unaccountedSlots: kill?.unaccounted ?? 0,
    duplicatedSlots: kill?.duplicated ?? 0,
    ledgerVerifyOk: kill?.verifyOk ?? null,
    killWallMs: kill?.wallMs ?? 0,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    perSource,
  })}\n`);
}
