// Benchmark: collect and evaluate a generated GitHub org (default 5,000 repos, 2,000 members) from the emulator, twice; one JSON line.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { createGithubCollector, githubConfigSchema } from '../../collectors/github/index.js';
import { DEMO_TOKEN, startGithubEmulator } from '../../collectors/github/emulator/server.js';
import { githubRules } from '../../rules/github/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import type { Snapshot } from '../../src/core/types.js';
import { positive } from './_args.js';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { repos: { type: 'string' }, members: { type: 'string' }, seed: { type: 'string' } }, strict: true });
  const repos = positive('repos', values.repos, 5000);
  const members = positive('members', values.members, 2000);
  const emu = await startGithubEmulator({ estate: { generate: { repos, members, seed: positive('seed', values.seed, 42) } }, rateLimit: 1_000_000 });
  try {
    const config = githubConfigSchema.parse({ org: 'gen-org', baseUrl: emu.url, auth: { token: DEMO_TOKEN } });
    const collector = createGithubCollector(config, { logger: silentLogger, clock: systemClock, configDir: '.' });
    const run = async (cursors?: Record<string, string>): Promise<{ snap: Snapshot; wallMs: number; collectMs: number; results: number }> => {
      const t0 = performance.now();
      const snap = await collector.collect({ scope: 'gen-org', slot: new Date().toISOString(), clock: systemClock, logger: silentLogger, ...(cursors ? { cursors } : {}) });
      const collectMs = performance.now() - t0;
      const results = evaluateSnapshot(snap, githubRules, { now: new Date() }).length;
      // The classic bench token cannot read the fine-grained PAT lists (GitHub answers them to Apps only): errors by design.
      const errors = snap.errors.filter((e) => e.code !== 'CredentialKind');
      if (errors.length > 0) throw new Error(`collection reported errors: ${JSON.stringify(errors)}`);
      return { snap, wallMs: Math.round(performance.now() - t0), collectMs: Math.round(collectMs), results };
    };
    const first = await run();
    const callsBefore = emu.calls.length;
    const second = await run(first.snap.cursors);
    const m = first.snap.metrics ?? {};
    const branchRuleRequests = emu.calls.slice(0, callsBefore).filter((c) => c.operation === 'OrgRepositories').length;
    const firstShas = new Set(first.snap.artifacts.map((a) => a.sha256));
    const line = {
      bench: 'github',
      params: { repos, members },
      wallMs: first.wallMs,
      collectMs: first.collectMs,
      restRequests: m.restRequests,
      graphqlRequests: m.graphqlRequests,
      graphqlPoints: m.graphqlPoints,
      apiCalls: first.snap.apiCalls,
      minApiCalls: first.snap.minApiCalls,
      ratioToMin: Number((first.snap.apiCalls / (first.snap.minApiCalls ?? first.snap.apiCalls)).toFixed(3)),
      branchRuleRequests,
      reposPerBranchRuleRequest: Math.round(repos / Math.max(1, branchRuleRequests)),
      resources: first.snap.resources.length,
      results: first.results,
      artifacts: first.snap.artifacts.length,
      artifactMb: Number((first.snap.artifacts.reduce((n, a) => n + a.size, 0) / 1e6).toFixed(1)),
      secondRun: {
        wallMs: second.wallMs,
        restRequests: second.snap.metrics?.restRequests,
        rest304: second.snap.metrics?.rest304,
        graphqlRequests: second.snap.metrics?.graphqlRequests,
        graphqlPoints: second.snap.metrics?.graphqlPoints,
        apiCalls: second.snap.apiCalls,
        chargedRest: (second.snap.metrics?.restRequests ?? 0) - (second.snap.metrics?.rest304 ?? 0),
        newArtifacts: second.snap.artifacts.filter((a) => !firstShas.has(a.sha256)).length,
      },
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      note: 'emulator runs in the same process',
      cpus: cpus().length,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await emu.close();
  }
}
