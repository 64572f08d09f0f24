// The composition root with `witnesses:` configured: the writer process cosigns its start and shutdown checkpoints
// through a real witness, and a witness that refuses the log is an alert leaf at once (through the alert engine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { parseConfigText } from '../../src/config/load.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { obliterateQueues } from '../support/queues.js';
import { startTestWitness, type TestWitness } from './agent-helpers.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('startAgent with witnesses', () => {
  let dir: string;
  let good: TestWitness;
  let stranger: TestWitness;
  let agent: RunningAgent | undefined;
  const prefix = `vigiltest-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-witness-agent-'));
    // The ledger exists first (its key is what the witness is configured with), as in the README's steps.
    const created = await Ledger.open({ dataDir: join(dir, 'data'), origin: 'vigil.test/agent', logger: silentLogger });
    good = await startTestWitness(created);
    // A witness configured for another log: it answers 404 for this one.
    stranger = await startTestWitness({ origin: 'vigil.test/other', publicKeyPem: created.publicKeyPem }, 'witness.test/stranger', 'stranger');
    await created.close();
  });
  afterAll(async () => {
    await agent?.stop();
    await good.server.close();
    await stranger.server.close();
    await obliterateQueues(REDIS, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('cosigns the start and shutdown checkpoints as witness.cosigned leaves; a refusing witness is a critical alert', async () => {
    const yaml = `origin: vigil.test/agent
witnesses:
  - { name: auditor, url: "${good.config.url}", key: "${good.vkey}" }
  - { name: stranger, url: "${stranger.config.url}", key: "${stranger.vkey}" }
`;
    const loaded = parseConfigText(yaml, join(dir, 'vigil.config.yaml'), {});
    agent = await startAgent({ loaded, dataDir: join(dir, 'data'), logger: silentLogger, clock: systemClock }, { roles: ['writer'], prefix, redisUrl: REDIS, enqueueOnStart: false });
    expect(agent.witnesses).toBeDefined();
    await agent.witnesses!.drain(10_000);
    const start = (await agent.ledger.checkpoints()).at(-1)!;
    expect(agent.witnesses!.state).toEqual([
      { name: 'auditor', cosignedSize: start.size },
      expect.objectContaining({ name: 'stranger', cosignedSize: 0, failure: expect.objectContaining({ kind: 'unknown-origin' }) }),
    ]);
    const alert = await agent.ledger.lastLeaf({ type: 'alert' });
    expect(alert?.body).toMatchObject({ kind: 'witness', severity: 'critical', witness: { name: 'stranger', failure: 'unknown-origin', checkpointSize: start.size } });
    await agent.stop();
    agent = undefined;

    const after = await Ledger.open({ dataDir: join(dir, 'data'), readOnly: true, logger: silentLogger });
    try {
      const shutdown = (await after.checkpoints()).at(-1)!;
      expect(shutdown.reason).toBe('shutdown');
      const sizes: number[] = [];
      for await (const l of after.readLeaves({ types: ['witness.cosigned'] })) if (l.body.witness === 'auditor') sizes.push(l.body.checkpointSize);
      expect(sizes).toEqual([start.size, shutdown.size]);
    } finally {
      await after.close();
    }
  });
});
