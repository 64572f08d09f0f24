// The GitHub emulator and the config that points the collector at it: for `vigil demo`, tests and benchmarks only,
// loaded lazily through collectors/manifest.ts so no agent process loads emulator code.
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/core/failure.js';
import type { EmulatorOptions, RunningEmulator, SourceDemo } from '../../src/core/source-plugin.js';
import type { GithubSourceConfig } from './config.js';
import { DEMO_TOKEN, startGithubEmulator } from './emulator/server.js';

export { startGithubEmulator, DEMO_TOKEN, DEMO_APP_ID, DEMO_INSTALLATION_ID } from './emulator/server.js';

export const githubDemo: SourceDemo<GithubSourceConfig> = {
  async startEmulator(opts?: EmulatorOptions): Promise<RunningEmulator> {
    const e = opts?.estate;
    const gen = e && typeof e === 'object' && 'repos' in e ? (e as { repos: number; members: number }) : undefined;
    return startGithubEmulator({ port: opts?.port, estate: gen ? { generate: gen } : 'demo' });
  },
  demoConfig: (emulator) => ({
    config: { org: 'acme-demo', baseUrl: emulator.url, auth: { token: DEMO_TOKEN }, prMergeLookbackDays: 90, auditLogActivityDays: 90, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, maxRetries: 3, maxRateLimitWaitMs: 60_000 },
  }),
};

export default githubDemo;
