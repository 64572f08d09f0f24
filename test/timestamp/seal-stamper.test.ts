// SealStamper on a real ledger and a local OpenSSL TSA: what is stamped, what a bad or refused reply leaves (nothing
// recorded, one alert), retries only for what a retry can mend, and the backlog bound.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Ledger } from '../../src/ledger/ledger.js';
import type { LeafOf } from '../../src/ledger/leaf-catalogue.js';
import { SealStamper, STAMP_ATTEMPTS, STAMP_BACKLOG_DAYS, TOKEN_MEDIA_TYPE } from '../../src/timestamp/seal-stamper.js';
import { checkpointDigest } from '../../src/timestamp/bundle-index.js';
import { buildRequest, verifyToken } from '../../src/timestamp/rfc3161.js';
import { timestampingConfigSchema } from '../../src/timestamp/config.js';
import { capturingLogger, tempDir } from '../alerts/helpers.js';
import { TestClock } from '../support/test-clock.js';
import { startTsa, type LocalTsa } from './tsa.js';

let tsa: LocalTsa;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  tsa = await startTsa({ keyType: 'ec' });
}, 60_000);
afterAll(() => tsa.close());
afterEach(async () => {
  tsa.override = undefined;
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A ledger with the given UTC days sealed (each with one heartbeat first), and a stamper over it. */
async function sealed(days: string[], now = '2026-03-10T01:00:00.000Z') {
  const dir = tempDir('vigil-stamper-');
  const clock = new TestClock(`${days[0]}T12:00:00.000Z`);
  const ledger = await Ledger.open({ dataDir: dir, clock });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => ledger.close());
  for (const d of days) {
    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 1 } }]);
    clock.advance(Date.parse(`${d}T00:00:00.000Z`) + 86_400_000 + 60_000 - clock.now().getTime());
    await ledger.sealDay(d);
  }
  clock.advance(Date.parse(now) - clock.now().getTime());
  const logger = capturingLogger();
  const alerted: number[][] = [];
  const stamper = new SealStamper({ ledger, config: timestampingConfigSchema.parse({ url: tsa.url }), clock, logger, onAlerts: async (s) => void alerted.push(s) });
  return { ledger, clock, logger, stamper, alerted };
}

async function leaves<T extends 'timestamp.token' | 'alert'>(ledger: Ledger, type: T): Promise<Array<LeafOf<T>>> {
  const out: Array<LeafOf<T>> = [];
  for await (const l of ledger.readLeaves({ types: [type] })) out.push(l.body as LeafOf<T>);
  return out;
}

describe('SealStamper', () => {
  it("stamps each seal's checkpoint once, with a token whose imprint is the SHA-256 of the note body", async () => {
    const { ledger, stamper } = await sealed(['2026-03-07', '2026-03-08']);
    expect(await stamper.round()).toEqual({ stamped: [expect.any(Number), expect.any(Number)] });
    const tokens = await leaves(ledger, 'timestamp.token');
    expect(tokens.map((t) => t.date)).toEqual(['2026-03-07', '2026-03-08']);
    const cps = await ledger.checkpoints();
    for (const t of tokens) {
      const cp = cps.find((c) => c.size === t.checkpointSize)!;
      const body = cp.note.slice(0, cp.note.indexOf('\n\n') + 1);
      expect(t.digest).toBe(createHash('sha256').update(body).digest('hex'));
      expect(checkpointDigest(cp.note).toString('hex')).toBe(t.digest);
      const token = (await ledger.getBlob(t.tokenSha256))!;
      expect(verifyToken(token, { digest: Buffer.from(t.digest, 'hex'), trusted: [new X509Certificate(tsa.caPem)] })).toMatchObject({ problems: [], chained: true });
    }
    const served = tsa.served;
    expect(await stamper.round()).toEqual({ stamped: [] });
    expect(tsa.served).toBe(served);
    expect(TOKEN_MEDIA_TYPE).toBe('application/timestamp-token');
  }, 30_000);

  it('a reply carrying a token for another hash is refused at once: nothing recorded, one alert, and the next round stamps', async () => {
    const { ledger, stamper, logger, alerted, clock } = await sealed(['2026-03-08']);
    const replay = tsa.reply(buildRequest(createHash('sha256').update('another checkpoint').digest(), Buffer.from('0123456789abcdef')));
    tsa.override = () => replay;
    const r = await stamper.round();
    expect(r.stamped).toEqual([]);
    expect(r.failed?.error).toMatch(/the token time-stamps [0-9a-f]{64}, not [0-9a-f]{64}/);
    expect(clock.sleeps).toEqual([]); // a retry cannot mend a bad token
    expect(await leaves(ledger, 'timestamp.token')).toEqual([]);
    const alerts = await leaves(ledger, 'alert');
    expect(alerts).toEqual([expect.objectContaining({ kind: 'timestamp.failed', title: expect.stringContaining('the seal of 2026-03-08') })]);
    expect(alerted).toEqual([[alerts[0]!.seq]]);
    expect(logger.lines.filter((l) => l.endsWith('day seal not time-stamped (retried at the next seal)'))).toHaveLength(1);
    // The same failure again alerts nothing new: the alert is per newest waiting seal.
    await stamper.round();
    expect(await leaves(ledger, 'alert')).toHaveLength(1);
    tsa.override = undefined;
    expect((await stamper.round()).stamped).toHaveLength(1);
    expect(await leaves(ledger, 'timestamp.token')).toHaveLength(1);
  }, 30_000);

  it('HTTP 503 is retried with back-off; the round ends at the first seal it cannot stamp, later seals wait for the next', async () => {
    const { ledger, stamper, clock } = await sealed(['2026-03-07', '2026-03-08']);
    let calls = 0;
    tsa.override = () => (++calls < STAMP_ATTEMPTS ? 503 : undefined);
    const r = await stamper.round();
    expect(clock.sleeps).toEqual([10_000, 40_000, 160_000]);
    expect(r.stamped).toHaveLength(2); // the fourth try of the first seal answered; the second answered at once
    tsa.override = () => 503;
    const { stamper: s2, ledger: l2, clock: c2 } = await sealed(['2026-03-07', '2026-03-08']);
    const r2 = await s2.round();
    expect(r2).toMatchObject({ stamped: [], failed: { error: expect.stringContaining('HTTP 503') } });
    expect(c2.sleeps).toHaveLength(STAMP_ATTEMPTS - 1);
    expect(await leaves(l2, 'alert')).toEqual([expect.objectContaining({ title: expect.stringContaining('the seal of 2026-03-07') })]);
    expect((await leaves(ledger, 'timestamp.token')).length).toBe(2);
  }, 30_000);

  it('kicks during a round run one more round after it; seals older than the backlog are not stamped late', async () => {
    const old = new Date(Date.parse('2026-03-10T00:00:00.000Z') - (STAMP_BACKLOG_DAYS + 2) * 86_400_000).toISOString().slice(0, 10);
    const { ledger, stamper } = await sealed([old, '2026-03-09']);
    stamper.kick();
    stamper.kick();
    await stamper.idle();
    expect(stamper.rounds).toHaveLength(2);
    expect((await leaves(ledger, 'timestamp.token')).map((t) => t.date)).toEqual(['2026-03-09']);
  }, 30_000);

  it('stop() cuts a request to a TSA that does not answer short: nothing recorded, no alert', async () => {
    const { ledger, clock, logger } = await sealed(['2026-03-08']);
    const stamper = new SealStamper({ ledger, config: timestampingConfigSchema.parse({ url: tsa.url, timeoutMs: 120_000 }), clock, logger });
    let seen!: () => void;
    const asked = new Promise<void>((res) => (seen = res));
    tsa.override = () => {
      seen();
      return 'hang';
    };
    stamper.kick();
    await asked;
    const t0 = Date.now();
    await stamper.stop();
    expect(Date.now() - t0).toBeLessThan(10_000); // not the 120 s timeout
    expect(stamper.rounds).toEqual([{ stamped: [], failed: expect.objectContaining({ checkpointSize: expect.any(Number) }) }]);
    expect(await leaves(ledger, 'timestamp.token')).toEqual([]);
    expect(await leaves(ledger, 'alert')).toEqual([]);
    expect(logger.lines.some((l) => l.endsWith('time stamp request cut short by shutdown (tried again at the next start)'))).toBe(true);
    stamper.kick(); // after stop: nothing starts
    expect(stamper.rounds).toHaveLength(1);
  }, 30_000);

  it('the config refuses credentials in the URL and a timeout outside its bounds, naming them', () => {
    expect(timestampingConfigSchema.safeParse({ url: 'https://user:pw@tsa.example/tsr' }).error?.issues[0]?.message).toMatch(/may not carry a user name or password/);
    expect(timestampingConfigSchema.safeParse({ url: 'ftp://tsa.example/' }).error?.issues[0]?.message).toBe('expected an http or https URL');
    expect(timestampingConfigSchema.safeParse({ url: 'https://tsa.example/', timeoutMs: 50 }).error?.issues[0]?.message).toBe('expected 1000 to 120000 ms');
    expect(timestampingConfigSchema.parse({ url: 'https://freetsa.org/tsr' })).toEqual({ url: 'https://freetsa.org/tsr', timeoutMs: 10_000 });
  });
});
