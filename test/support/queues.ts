// Removes a test's BullMQ queues (collect, evidence, notify) under its prefix, so the shared Redis keeps nothing of it.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_COLLECT, QUEUE_EVIDENCE, QUEUE_NOTIFY } from '../../src/pipeline/queues.js';

export async function obliterateQueues(redisUrl: string, prefix: string): Promise<void> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    for (const n of [QUEUE_COLLECT, QUEUE_EVIDENCE, QUEUE_NOTIFY]) {
      const q = new Queue(n, { connection: conn, prefix });
      await q.obliterate({ force: true });
      await q.close();
    }
  } finally {
    conn.disconnect();
  }
}
