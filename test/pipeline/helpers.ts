// Shared set-up of the pipeline tests: the one test rule over `aws.test.thing`, and a Redis queue prefix with a data
// dir per test, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Rule } from '../../src/core/types.js';
import { silentLogger } from '../../src/core/collector.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { CollectStageDeps } from '../../src/pipeline/collect-stage.js';
import { TestClock, tempDir } from '../ledger/helpers.js';
import { QUEUE_COLLECT, QUEUE_EVIDENCE } from '../../src/pipeline/queues.js';

export const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const passEach: Rule['evaluate'] = (snap) => snap.resources.map((r) => ({ resourceId: r.id, status: 'pass', reason: 'ok' }));

/** The pipeline tests' rule `aws.test.thing_ok` over `aws.test.thing`; `evaluate` judges it (default: every thing passes). */
export function thingRule(evaluate: Rule['evaluate'] = passEach): Rule {
  return {
    id: 'aws.test.thing_ok',
    title: 'Things are ok',
    severity: 'low',
    source: 'aws',
    mode: 'snapshot',
    inputs: ['aws.test.thing'],
    permissions: ['test:Read'],
    rationale: 'test',
    remediation: 'test',
    params: {},
    evaluate,
  };
}

/** What one pipeline test runs in: its own data dir and queue prefix, so parallel tests never share a job. */
export interface QueueEnv {
  dir: string;
  prefix: string;
  conn: Redis;
}

/** A fresh data dir (named from `dirPrefix`), a fresh queue prefix and a Redis connection. */
export function openQueueEnv(dirPrefix: string): QueueEnv {
  return {
    dir: mkdtempSync(join(tmpdir(), dirPrefix)),
    prefix: `vigiltest-${randomBytes(6).toString('hex')}`,
    conn: new Redis(REDIS, { maxRetriesPerRequest: null }),
  };
}

/** Removes the env's collect and evidence queues, its connection and its data dir (after the test closed its ledger). */
export async function closeQueueEnv({ dir, prefix, conn }: QueueEnv): Promise<void> {
  for (const name of [QUEUE_COLLECT, QUEUE_EVIDENCE]) {
    const q = new Queue(name, { connection: conn, prefix });
    await q.obliterate({ force: true });
    await q.close();
  }
  conn.disconnect();
  rmSync(dir, { recursive: true, force: true });
}

/** Collect-stage deps over a fresh ledger in a temp dir, the clock at 2026-03-01T10:00Z; `cleanup` closes and removes it. */
export async function stageDeps(rules: Rule[] = [thingRule()]): Promise<{ clock: TestClock; deps: CollectStageDeps; cleanup: () => Promise<void> }> {
  const t = tempDir();
  const clock = new TestClock(Date.parse('2026-03-01T10:00:00Z'));
  const ledger = await Ledger.open({ dataDir: t.dir, clock, logger: silentLogger });
  return {
    clock,
    deps: { rules, params: {}, clock, logger: silentLogger, blobs: ledger },
    async cleanup() {
      await ledger.close();
      t.cleanup();
    },
  };
}
