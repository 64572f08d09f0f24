// How each source is set up for degraded replays: short timeouts and retries so a degraded reply costs little time.
import type { ManifestSourceId } from '../../collectors/manifest.js';
import { loadSourceDemos } from '../../src/sources.js';
import type { SourceSetup } from './harness.js';
import type { Resource, Rule, RuleOutcome, Snapshot } from '../../src/core/types.js';

/**
 * The HR roster has no rule of its own (the person view judges it), so its property is checked with this probe: one
 * pass per employee read. A degraded export must turn them into errors, never keep or add one.
 */
const hrisProbe: Rule = {
  id: 'hris.probe.employee_read', title: 'Employee record read', severity: 'low', mode: 'snapshot', source: 'hris',
  inputs: ['hris.employee'], permissions: ['read:roster'], params: {}, rationale: 'test probe', remediation: 'test probe',
  evaluate: (snapshot: Snapshot): RuleOutcome[] => snapshot.resources.filter((r: Resource) => r.type === 'hris.employee').map((r) => ({ resourceId: r.id, status: 'pass', reason: 'read' })),
};

/**
 * Each source's tuning, one entry per manifest source (the type makes a new source add its own). `requestTimeoutMs:
 * 300` ends a `hang` quickly; retry settings are cut so a 429/500 costs one short back-off. Keys a source's schema
 * does not accept yet are reported, not fatal.
 */
const TUNING: Record<ManifestSourceId, Omit<SourceSetup, 'plugin'>> = {
  aws: {
    lanes: 8, deadlineMs: 15_000,
    // Lanes after the first cannot use AWS_ENDPOINT_URL (one per process): `endpoint` points each at its own proxy.
    pointAt: (url) => ({ endpoint: url }),
    overrides: { requestTimeoutMs: 300, maxAttempts: 2 },
  },
  github: { lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, maxRateLimitWaitMs: 500 } },
  okta: { lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 2, maxRateLimitWaitMs: 500 } },
  entra: { lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, maxRetryWaitMs: 500 } },
  'google-workspace': { lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, backoffMs: 50 } },
  hris: { lanes: 1, overrides: { requestTimeoutMs: 300 }, rules: [hrisProbe] },
};

/** The test and the bench use the same setups: every source of the manifest, its plug-in joined with its emulator. */
export const degradationSetups = Object.fromEntries(
  (await loadSourceDemos()).map(({ id, plugin, demo }) => [id, { plugin: { ...plugin, ...demo }, ...TUNING[id] }]),
) as Record<ManifestSourceId, SourceSetup>;
