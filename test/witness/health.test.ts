// A witness's health as every process reads it from the ledger: `vigil status` lines and /readyz (degraded, named).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/collector.js';
import { Ledger, type LeafInput } from '../../src/ledger/ledger.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import { readiness } from '../../src/api/handlers/health.js';
import type { ApiOptions } from '../../src/api/options.js';
import { formatWitnessHealth, witnessHealth } from '../../src/witness/health.js';
import { WitnessSubmitter } from '../../src/witness/submitter.js';
import { TestClock } from '../support/test-clock.js';
import { startTestWitness } from './agent-helpers.js';

describe('witness health', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('ok after a cosignature; degraded, naming the witness and the refusal, after a refusal; /readyz stays 200 but degraded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-witness-health-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new TestClock('2026-03-01T10:00:00.000Z');
    const ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger, origin: 'vigil.test/health' });
    cleanups.push(() => ledger.close());
    const w = await startTestWitness(ledger);
    cleanups.push(() => w.server.close());
    const configs = [w.config, { ...w.config, name: 'silent', url: 'http://127.0.0.1:9', alertAfterCheckpoints: 1 }];
    const api = { ledger, clock, sources: [], config: apiConfigSchema.parse({}), witnesses: configs } as unknown as ApiOptions;

    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 1 } }]);
    const cp = (await ledger.checkpoint('start'))!;
    const s = new WitnessSubmitter({ ledger, witnesses: [w.config], clock, logger: silentLogger, pollMs: 3_600_000 });
    await s.start();
    await s.drain(10_000);
    await s.stop();
    const h1 = await witnessHealth(ledger, configs);
    expect(h1[0]).toMatchObject({ name: 'auditor', state: 'ok', cosignedSize: cp.size, uncosignedCheckpoints: 0 });
    // 'silent' never cosigned: one checkpoint is within its limit of 1
    expect(h1[1]).toMatchObject({ name: 'silent', state: 'ok', cosignedSize: 0, uncosignedCheckpoints: 1 });
    expect(formatWitnessHealth(h1)).toMatch(new RegExp(`^witness auditor: cosigned checkpoint ${cp.size} \\(recorded 2026-03-01T10:00:00.000Z\\), 0 newer`));

    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 2 } }]);
    const next = (await ledger.checkpoint('hourly'))!;
    const alert: LeafInput<'alert'> = {
      type: 'alert',
      idempotencyKey: `alert:witness:auditor:fork:${next.size}`,
      data: { kind: 'witness', severity: 'critical', title: 'witness auditor refused', count: 1, witness: { name: 'auditor', failure: 'fork', checkpointSize: next.size, message: 'witness cosigned another root' } },
    };
    await ledger.append([alert]);
    const h2 = await witnessHealth(ledger, configs);
    expect(h2[0]).toMatchObject({ state: 'degraded', alert: { failure: 'fork', checkpointSize: next.size } });
    expect(h2[0]!.reason).toMatch(new RegExp(`refused checkpoint ${next.size} \\(fork\\)`));
    expect(h2[1]).toMatchObject({ state: 'degraded', uncosignedCheckpoints: 2 });
    expect(formatWitnessHealth(h2)).toMatch(/^WITNESS DEGRADED: auditor: refused checkpoint \d+ \(fork\)[^\n]*\nWITNESS DEGRADED: silent: 2 signed checkpoints since the start have no cosignature from it\n$/);

    const r = await readiness(api, clock.now());
    expect(r).toMatchObject({ ready: true, status: 'degraded', degraded: ['witness:auditor', 'witness:silent'] });
    expect(r.checks['witness:auditor']).toMatchObject({ ok: false, status: 'degraded' });
  });
});
