// `vigil serve` (the HTTP API alone) and `vigil api hash-token` (the SHA-256 that goes in api.tokens).
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { activeRules, openLedger, type AgentContext } from '../agent.js';
import { connect, pingRedis, redisUrl } from '../pipeline/redis.js';
import { startApi } from '../api/start.js';
import { waitForSignal } from './run.js';

export async function serveCommand(ctx: AgentContext, o: { listen?: string }): Promise<number> {
  // Writable: admins grant and revoke exceptions through the API; the ledger takes in other writers' leaves before each append.
  const ledger = await openLedger(ctx, { role: 'api' });
  const url = redisUrl(ctx.loaded.config.redis.url);
  let redis: Redis | undefined;
  if (await pingRedis(url)) {
    redis = connect(url);
    redis.on('error', (e) => ctx.logger.warn({ err: e.message }, 'redis connection error'));
  } else ctx.logger.warn({}, 'redis not reachable: /readyz will report it and queue metrics are off');
  const api = await startApi(ctx, { ledger, rules: activeRules(ctx.loaded), ...(redis ? { redis, prefix: ctx.loaded.config.redis.prefix } : {}), ...(o.listen ? { listen: o.listen } : {}) });
  await waitForSignal();
  await api.close();
  await ledger.close();
  redis?.disconnect();
  return 0;
}

/** Prints the hex SHA-256 of a token (argument, or stdin). With --new, makes a random token and prints both. */
export async function hashTokenCommand(o: { token?: string; new?: boolean }, input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let token = o.token;
  if (o.new) {
    token = `vgl_${randomBytes(24).toString('base64url')}`;
    out.write(`token:  ${token}\n(give it to the client; it is not stored anywhere)\nsha256: `);
  } else if (token === undefined) {
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(Buffer.from(c as Buffer));
    token = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  out.write(`${createHash('sha256').update(token ?? '').digest('hex')}\n`);
  return 0;
}
