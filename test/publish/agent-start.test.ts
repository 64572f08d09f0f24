// The composition root with `publish.s3` configured: the writer copies its start checkpoint at once and its shutdown
// checkpoint on stop, into the emulator's Object Lock bucket, with the credentials of the SDK's default chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { parseConfigText } from '../../src/config/load.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import type { LeafOf } from '../../src/ledger/leaf-catalogue.js';
import { emptyServices, lockedBucket, startAwsEmulator, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { obliterateQueues } from '../support/queues.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENV = { AWS_ACCESS_KEY_ID: 'AKIDVIGILAGENTTEST', AWS_SECRET_ACCESS_KEY: 'agent-test-secret' };

describe('startAgent with publish.s3', () => {
  let dir: string;
  let emu: AwsEmulator;
  let agent: RunningAgent | undefined;
  const saved: Record<string, string | undefined> = {};
  const prefix = `vigiltest-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-publish-agent-'));
    const services = emptyServices();
    services.buckets.push(lockedBucket('acme-worm', 'us-east-1', '2026-01-01T00:00:00.000Z'));
    emu = await startAwsEmulator({ services });
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    await agent?.stop();
    await emu.close();
    await obliterateQueues(REDIS, prefix);
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies the start checkpoint while running and the shutdown checkpoint on stop, each a publish.s3 leaf', async () => {
    const yaml = `origin: vigil.test/agent\npublish:\n  s3:\n    bucket: acme-worm\n    prefix: vigil\n    region: us-east-1\n    endpoint: "${emu.url}"\n    retentionDays: 30\n`;
    const loaded = parseConfigText(yaml, join(dir, 'vigil.config.yaml'), {});
    agent = await startAgent({ loaded, dataDir: join(dir, 'data'), logger: silentLogger, clock: systemClock }, { roles: ['writer'], prefix, redisUrl: REDIS, enqueueOnStart: false });
    expect(agent.publisher).toBeDefined();
    await agent.publisher!.idle();
    const start = (await agent.ledger.checkpoints()).at(-1)!;
    const running: Array<LeafOf<'publish.s3'>> = [];
    for await (const l of agent.ledger.readLeaves({ types: ['publish.s3'] })) running.push(l.body);
    // The start-up seal of the (empty) previous day is copied too, once its daily checkpoint holds it.
    expect(running.filter((c) => c.object === 'checkpoint').at(-1)).toMatchObject({ bucket: 'acme-worm', key: `vigil/vigil.test/agent/checkpoints/${start.size}.txt`, mode: 'COMPLIANCE' });
    expect(running.filter((c) => c.object === 'seal')).toHaveLength(1);
    await agent.stop();
    agent = undefined;
    const ledger = await Ledger.open({ dataDir: join(dir, 'data'), readOnly: true, logger: silentLogger });
    try {
      const cps = await ledger.checkpoints();
      expect(cps.at(-1)!.reason).toBe('shutdown');
      const copies: Array<LeafOf<'publish.s3'>> = [];
      for await (const l of ledger.readLeaves({ types: ['publish.s3'] })) copies.push(l.body);
      expect(copies.filter((c) => c.object === 'checkpoint').map((c) => c.checkpointSize)).toEqual(cps.map((c) => c.size));
    } finally {
      await ledger.close();
    }
    expect(emu.calls.filter((c) => c.action === 'GetObjectLockConfiguration')).toHaveLength(1);
  });
});
