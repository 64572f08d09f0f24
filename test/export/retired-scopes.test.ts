// Both report types over a ledger where an AWS account is retired mid-way: Type 2 keeps its active time and lists the
// retirement; Type 1 after the retirement leaves it out of the systems in scope and lists it as retired. Bundles verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { silentLogger } from '../../src/core/collector.js';

const RETIRED = '444455556666';
const AT = '2025-03-02T04:00:00.000Z';
let d: DemoLedger;
let out: string;

beforeAll(async () => {
  d = await buildDemoLedger({ days: 4, retires: { scope: RETIRED, at: AT } });
  out = mkdtempSync(join(tmpdir(), 'vigil-retired-'));
}, 60_000);
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(d.dataDir, { recursive: true, force: true });
});

type Summary = { scopes: string[]; staleScopes?: string[]; retiredScopes?: Array<Record<string, unknown>>; runs: number; rules: Record<string, { evaluations: number }> };

async function exported(name: string, range: { type: 1; asOf: string } | { type: 2; from: string; to: string }): Promise<Summary> {
  const dir = join(out, name);
  await exportBundle({ dataDir: d.dataDir, ...range, framework: FRAMEWORK, out: dir, clock: d.clock, logger: silentLogger });
  // The verifier recomputes the report byte for byte: the retirement is read the same way on both sides.
  expect((await verifyBundle(dir, { trustedKeyFile: join(d.dataDir, 'keys', 'ledger-ed25519.pub.pem') })).faults).toEqual([]);
  return JSON.parse(readFileSync(join(dir, 'report/summary.json'), 'utf8')) as Summary;
}

describe('a scope retired mid-way, in the auditor report', () => {
  it('Type 2 over its active time and after: both scopes with their runs, and the retirement with its reason and last run', async () => {
    const s = await exported('t2-all', { type: 2, from: '2025-03-01', to: '2025-03-04' });
    expect(s.scopes).toEqual(['aws/111122223333', `aws/${RETIRED}`]);
    // 8 slots on day 1 and 2 before 04:00 on day 2 for the retired account; the other reports every slot but the gap's 3.
    expect(s.runs).toBe(4 * 8 - 3 + 8 + 2);
    expect(s.retiredScopes).toEqual([{ scope: `aws/${RETIRED}`, retiredAt: AT, why: 'removed-from-config', reason: 'removed from config (test)', by: 'writer', lastRunAt: '2025-03-02T03:01:00.000Z' }]);
  }, 60_000);

  it('Type 2 wholly before the retirement: the scope is in scope and nothing is retired', async () => {
    const s = await exported('t2-before', { type: 2, from: '2025-03-01', to: '2025-03-01' });
    expect(s.scopes).toEqual(['aws/111122223333', `aws/${RETIRED}`]);
    expect(s.retiredScopes).toBeUndefined();
  }, 60_000);

  it('Type 1 after the retirement: out of the systems in scope though its last run is fresh, listed as retired, not counted', async () => {
    const s = await exported('t1-after', { type: 1, asOf: '2025-03-02' });
    expect(s.scopes).toEqual(['aws/111122223333']);
    expect(s.staleScopes).toEqual([]);
    expect(s.runs).toBe(1);
    expect(s.rules['aws.iam.root_mfa_enabled']!.evaluations).toBe(1);
    expect(s.retiredScopes?.map((r) => [r.scope, r.retiredAt, r.why])).toEqual([[`aws/${RETIRED}`, AT, 'removed-from-config']]);
  }, 60_000);

  it('Type 1 before the retirement: both scopes in scope', async () => {
    const s = await exported('t1-before', { type: 1, asOf: '2025-03-01' });
    expect(s.scopes).toEqual(['aws/111122223333', `aws/${RETIRED}`]);
    expect(s.runs).toBe(2);
    expect(s.retiredScopes).toBeUndefined();
  }, 60_000);
});
