// Benchmark: collect and evaluate generated Okta, Entra and Google Workspace tenants (default 20,000 users each) from their
// emulators, with Okta's per-endpoint rate limits on; one JSON line with wall time, API calls and the fewest calls possible.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Collector } from '../../src/core/collector.js';
import type { Rule, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { oktaConfigSchema } from '../../collectors/okta/config.js';
import { createOktaCollector } from '../../collectors/okta/collector.js';
import { startOktaEmulator } from '../../collectors/okta/emulator.js';
import { entraConfigSchema } from '../../collectors/entra/config.js';
import { createEntraCollector } from '../../collectors/entra/collector.js';
import { startEntraEmulator } from '../../collectors/entra/emulator.js';
import { googleWorkspaceConfigSchema } from '../../collectors/google-workspace/config.js';
import { createGoogleWorkspaceCollector } from '../../collectors/google-workspace/collector.js';
import { startGwsEmulator } from '../../collectors/google-workspace/emulator.js';
import { emulatorPrivateKey } from '../../collectors/google-workspace/demo.js';
import { oktaRules } from '../../rules/okta/index.js';
import { entraRules } from '../../rules/entra/index.js';
import { googleWorkspaceRules } from '../../rules/google-workspace/index.js';
import { positive } from './_args.js';

const deps = { logger: silentLogger, clock: systemClock, configDir: '.' };

async function measure(collector: Collector, scope: string, rules: Rule[]) {
  const t0 = performance.now();
  const snap: Snapshot = await collector.collect({ scope, slot: new Date().toISOString(), clock: systemClock, logger: silentLogger });
  const collectMs = Math.round(performance.now() - t0);
  const results = evaluateSnapshot(snap, rules, { now: new Date() });
  if (snap.errors.length > 0) throw new Error(`${snap.source}: collection reported errors: ${JSON.stringify(snap.errors)}`);
  return {
    wallMs: Math.round(performance.now() - t0), collectMs, apiCalls: snap.apiCalls, minApiCalls: snap.minApiCalls ?? snap.apiCalls,
    resources: snap.resources.length, results: results.length, throttled: snap.metrics?.throttled ?? 0,
    artifactsMb: Math.round(snap.artifacts.reduce((n, a) => n + a.size, 0) / 1e5) / 10,
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { users: { type: 'string' }, seed: { type: 'string' }, 'okta-limit': { type: 'string' }, 'okta-window-ms': { type: 'string' }, concurrency: { type: 'string' } },
    strict: true,
  });
  const users = positive('users', values.users, 20_000);
  const seed = positive('seed', values.seed, 7);
  // Okta's per-minute buckets, scaled to a 1 s window so the run stays short while the pacing is really exercised.
  const oktaLimit = positive('okta-limit', values['okta-limit'], 1200);
  const oktaWindowMs = positive('okta-window-ms', values['okta-window-ms'], 1000);
  const concurrency = positive('concurrency', values.concurrency, 16);

  const okta = await startOktaEmulator({ estate: { users, seed }, rateLimit: { windowMs: oktaWindowMs, limits: { 'users/{id}/factors': oktaLimit, users: oktaLimit, 'users/{id}/roles': oktaLimit } } });
  const entra = await startEntraEmulator({ estate: { users, seed } });
  const gws = await startGwsEmulator({ estate: { users, seed } });
  const t0 = performance.now();
  try {
    const o = await measure(createOktaCollector(oktaConfigSchema.parse({ orgUrl: okta.url, auth: { type: 'ssws', token: 'emulator-ssws-token' }, concurrency }), deps), 'okta', oktaRules);
    const e = await measure(createEntraCollector(entraConfigSchema.parse({
      tenantId: entra.tenant.tenantId, clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret', authorityHost: entra.url, graphUrl: entra.url,
    }), deps), entra.tenant.tenantId, entraRules);
    const g = await measure(createGoogleWorkspaceCollector(googleWorkspaceConfigSchema.parse({
      subject: 'reader@example.com', serviceAccount: { clientEmail: 'vigil@vigil-emulator.iam.gserviceaccount.com', privateKey: emulatorPrivateKey() },
      tokenUrl: `${gws.url}/token`, rootUrl: gws.url, policyRootUrl: gws.url,
    }), deps), 'my_customer', googleWorkspaceRules);
    const wallMs = Math.round(performance.now() - t0);
    const apiCalls = o.apiCalls + e.apiCalls + g.apiCalls;
    const minApiCalls = o.minApiCalls + e.minApiCalls + g.minApiCalls;
    // The Okta floor: factor reads cannot go faster than the bucket allows.
    const oktaFactorCalls = okta.stats.byBucket['users/{id}/factors'] ?? 0;
    const line = {
      bench: 'identity',
      params: { users, seed, oktaFactorLimitPerWindow: oktaLimit, oktaWindowMs, concurrency, cpus: cpus().length, node: process.version },
      wallMs, apiCalls, minApiCalls, ratio: Math.round((apiCalls / minApiCalls) * 1000) / 1000,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      okta: { ...o, factorCalls: oktaFactorCalls, rateLimitFloorMs: Math.floor(oktaFactorCalls / oktaLimit) * oktaWindowMs, emulator429s: okta.stats.rejected429 },
      entra: { ...e, emulator429s: entra.stats.rejected429 },
      googleWorkspace: { ...g, emulatorRejected: gws.stats.rejected },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await Promise.all([okta.close(), entra.close(), gws.close()]);
  }
}
