// Rule replay over a year: hourly runs of one AWS account with --users IAM users, recorded through the real collect
// and record stages (resources blob per run), then `replayRule` of aws.iam.access_keys_rotated with a stricter
// maxKeyAgeDays, timed. One key is rotated every day, so the stored resources change daily (365 distinct blobs).
// Prints one JSON line: runs and results replayed, differences found, build and replay times, results per second.
// Run: npm run bench -- replay [--days 365] [--every-hours 1] [--users 200]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Clock, type Collector } from '../../src/core/collector.js';
import type { Resource, Snapshot } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { recordRun } from '../../src/pipeline/record.js';
import { replayRule } from '../../src/report/replay.js';
import { allRules } from '../../rules/index.js';
import { positive } from './_args.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');

class SimClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}

/** User u's key was created 200 − (u mod 200) days before the year began, and rotated on day u mod 365 of it. */
function users(n: number, at: number): Resource[] {
  const out: Resource[] = [];
  const dayIndex = Math.floor((at - START) / DAY);
  for (let u = 0; u < n; u++) {
    const rotatedOn = u % 365;
    const created = dayIndex >= rotatedOn ? START + rotatedOn * DAY : START - (200 - (u % 200)) * DAY;
    out.push({
      source: 'aws',
      scope: '111122223333',
      type: 'aws.iam.user',
      id: `arn:aws:iam::111122223333:user/u${u}`,
      name: `u${u}`,
      attributes: { userId: `U${u}`, path: '/', createdAt: '2024-01-01T00:00:00Z', passwordEnabled: false, passwordLastUsed: null, passwordLastChanged: null, mfaActive: true, accessKeys: [{ slot: 1, active: true, lastRotated: new Date(created).toISOString(), lastUsed: '2024-12-31T00:00:00Z' }], groups: [], attachedPolicies: [], inlinePolicies: [] },
      observedAt: new Date(at).toISOString(),
    });
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  const days = positive('days', arg(argv, 'days'), 365);
  const every = positive('every-hours', arg(argv, 'every-hours'), 1);
  const n = positive('users', arg(argv, 'users'), 200);
  const rule = allRules.find((r) => r.id === 'aws.iam.access_keys_rotated')!;
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-replay-'));
  try {
    const clock = new SimClock(START);
    const ledger = await Ledger.open({ dataDir, clock, logger: silentLogger, origin: 'vigil.bench/replay' });
    let cachedDay = -1;
    let cached: Resource[] = [];
    const collector: Collector = {
      source: 'aws',
      scopes: async () => ['111122223333'],
      collect: async (ctx): Promise<Snapshot> => {
        const at = clock.t;
        const d = Math.floor((at - START) / DAY);
        if (d !== cachedDay) [cachedDay, cached] = [d, users(n, at)];
        const now = new Date(at).toISOString();
        return { source: 'aws', scope: ctx.scope, slot: ctx.slot, startedAt: now, endedAt: now, resources: cached, inputs: { 'aws.iam.user': { observedAt: now } }, artifacts: [], errors: [], apiCalls: 2 };
      },
    };
    const t0 = performance.now();
    let runs = 0;
    for (let t = START; t < START + days * DAY; t += every * 3_600_000) {
      clock.t = t + 30_000;
      const slot = new Date(t).toISOString();
      const { job } = await collectAndEvaluate(collector, { source: 'aws', scope: '111122223333', slot }, { rules: [rule], params: {}, clock, logger: silentLogger, blobs: ledger });
      await recordRun(ledger, job);
      runs++;
      if (new Date(t).getUTCHours() === 0) await ledger.checkpoint('daily');
    }
    const buildMs = performance.now() - t0;
    const t1 = performance.now();
    const report = await replayRule(ledger, { rule, params: { maxKeyAgeDays: 60 } });
    const replayMs = performance.now() - t1;
    await ledger.close();
    process.stdout.write(
      JSON.stringify({
        bench: 'replay',
        measured: `replayRule(aws.iam.access_keys_rotated, maxKeyAgeDays 60 instead of 90) over ${runs} recorded runs (${days} days, every ${every} h) of one account with ${n} IAM users; SQLite ledger in ${tmpdir()}; node ${process.version}`,
        runs,
        runsReplayed: report.runsReplayed,
        resultsCompared: report.resultsCompared,
        differing: report.differing,
        daysWithDifferences: report.days.length,
        buildMs: Math.round(buildMs),
        replayMs: Math.round(replayMs),
        resultsPerSecond: Math.round(report.resultsCompared / (replayMs / 1000)),
        replayToBuild: Number((replayMs / buildMs).toFixed(3)),
      }) + '\n',
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
