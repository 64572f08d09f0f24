// Benchmark: collect a generated AWS organization (default 50 accounts × 200 users) from the emulator; one JSON line.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { createAwsCollector } from '../../collectors/aws/index.js';
import { mapBounded } from '../../collectors/aws/limits.js';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID } from '../../collectors/aws/emulator/index.js';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { accounts: { type: 'string' }, users: { type: 'string' }, concurrency: { type: 'string' } }, strict: true });
  const accounts = Number(values.accounts ?? 50);
  const users = Number(values.users ?? 200);
  const concurrency = Number(values.concurrency ?? 8);
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEMOVIGILBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench-not-a-secret';
  const emu = await startAwsEmulator({ ...orgEstate({ accounts, users, eventsPerDay: 2, regions: ['us-east-1', 'eu-west-1'] }), reportDelayMs: 20 });
  try {
    const c = createAwsCollector({ endpoint: emu.url, organization: true, externalId: EMU_EXTERNAL_ID }, { logger: silentLogger, clock: systemClock, configDir: '.' });
    const t0 = performance.now();
    const scopes = await c.scopes();
    // accounts run as separate jobs in the agent; here a bounded pool stands in for the collect workers
    const snaps = await mapBounded(scopes, concurrency, (scope) => c.collect({ scope, slot: new Date().toISOString(), clock: systemClock, logger: silentLogger }));
    const wallMs = Math.round(performance.now() - t0);
    const errors = snaps.flatMap((s) => s.errors);
    if (errors.length > 0) throw new Error(`collection reported errors: ${JSON.stringify(errors.slice(0, 3))}`);
    const listAccountsCalls = emu.calls.filter((x) => x.action === 'ListAccounts').length;
    const apiCalls = snaps.reduce((n, s) => n + s.apiCalls, 0) + listAccountsCalls;
    const minApiCalls = snaps.reduce((n, s) => n + (s.minApiCalls ?? 0), 0) + Math.ceil(accounts / 20);
    // the highest LookupEvents rate any account × region saw in any 1-second window
    const perKey = new Map<string, number[]>();
    for (const x of emu.calls.filter((y) => y.action === 'LookupEvents')) perKey.set(`${x.account}/${x.region}`, [...(perKey.get(`${x.account}/${x.region}`) ?? []), x.at]);
    let peak = 0;
    for (const ts of perKey.values()) for (let i = 0; i < ts.length; i++) peak = Math.max(peak, ts.filter((t) => t > ts[i]! - 1000 && t <= ts[i]!).length);
    const line = {
      bench: 'aws',
      params: { accounts, users, concurrency, regions: 2 },
      wallMs,
      apiCalls,
      minApiCalls,
      ratio: Math.round((apiCalls / minApiCalls) * 100) / 100,
      throttled: emu.calls.filter((x) => x.code === 'ThrottlingException' || x.code === 'Throttling').length,
      lookupEventsPeakPerSecond: peak,
      lookupEventsLimitPerSecond: 2,
      resources: snaps.reduce((n, s) => n + s.resources.length, 0),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
      cpus: cpus().length,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await emu.close();
  }
}
