// Benchmark: collect a generated IAM estate (default 10,000 users) from the emulator; prints one JSON line.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { createAwsCollector } from '../../collectors/aws/index.js';
import { generateEstate, startAwsEmulator } from '../../collectors/aws/emulator/index.js';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { users: { type: 'string' }, seed: { type: 'string' } }, strict: true });
  const users = Number(values.users ?? 10_000);
  if (!Number.isInteger(users) || users < 1) throw new Error(`--users: expected a positive integer, got ${values.users}`);
  const estate = generateEstate({ users, seed: Number(values.seed ?? 1) });
  const emu = await startAwsEmulator({ estate, reportDelayMs: 20 });
  // fake credentials for the local emulator only
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEMOVIGILBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench-not-a-secret';
  try {
    const collector = createAwsCollector({ endpoint: emu.url, accountId: estate.accountId }, { logger: silentLogger, clock: systemClock, configDir: '.' });
    const t0 = performance.now();
    const snap = await collector.collect({ scope: estate.accountId, slot: new Date().toISOString(), clock: systemClock, logger: silentLogger });
    const wallMs = Math.round(performance.now() - t0);
    if (snap.errors.length > 0) throw new Error(`collection reported errors: ${JSON.stringify(snap.errors)}`);
    const line = {
      bench: 'iam',
      params: { users },
      wallMs,
      apiCalls: snap.apiCalls,
      minApiCalls: snap.minApiCalls,
      resources: snap.resources.length,
      artifacts: snap.artifacts.length,
      artifactMb: Math.round((snap.artifacts.reduce((n, a) => n + a.size, 0) / 1048576) * 10) / 10,
      credentialReportPolls: snap.metrics?.credentialReportPolls ?? 0,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
      cpus: cpus().length,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await emu.close();
  }
}
