// The agent's witness submitter against a real witness: each checkpoint cosigned and recorded as a leaf; an unreachable
// witness retried at the next checkpoint and alerted after N; a fork and a rollback refused by the witness and alerted;
// evidence intake never waits for a witness that hangs.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/collector.js';
import { Ledger, type LeafInput } from '../../src/ledger/ledger.js';
import { verifyCosignature, parseCosignatureVkey } from '../../src/witness/cosignature.js';
import { parseSignedNote } from '../../src/ledger/note.js';
import { WitnessSubmitter } from '../../src/witness/submitter.js';
import { TestClock } from '../support/test-clock.js';
import { rewriteAndResign, startTestWitness, type TestWitness } from './agent-helpers.js';

const hb = (n: number): LeafInput[] => Array.from({ length: n }, (_, i) => ({ type: 'heartbeat', data: { uptimeSeconds: i } }));

describe('WitnessSubmitter', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function open(dir?: string): Promise<{ dir: string; ledger: Ledger }> {
    const d = dir ?? mkdtempSync(join(tmpdir(), 'vigil-submitter-'));
    if (!dir) cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    const ledger = await Ledger.open({ dataDir: d, clock: new TestClock('2026-03-01T10:00:00.000Z'), logger: silentLogger, origin: 'vigil.test/submitter' });
    return { dir: d, ledger };
  }

  function submitter(ledger: Ledger, w: TestWitness, alerts: Array<LeafInput<'alert'>>, extra: Partial<ConstructorParameters<typeof WitnessSubmitter>[0]> = {}): WitnessSubmitter {
    const s = new WitnessSubmitter({
      ledger,
      witnesses: [w.config],
      clock: new TestClock(),
      logger: silentLogger,
      pollMs: 3_600_000,
      raiseAlert: async (a) => {
        alerts.push(a);
        await ledger.append([a]);
      },
      submit: { sleep: async () => undefined },
      ...extra,
    });
    cleanups.push(() => s.stop());
    return s;
  }

  async function cosignedLeaves(ledger: Ledger) {
    const out = [];
    for await (const l of ledger.readLeaves({ types: ['witness.cosigned'] })) out.push(l.body);
    return out;
  }
  async function alertLeaves(ledger: Ledger) {
    const out = [];
    for await (const l of ledger.readLeaves({ types: ['alert'] })) out.push(l.body);
    return out;
  }

  it('cosigns each new checkpoint with a proof from the last, recording a witness.cosigned leaf that verifies', async () => {
    const { ledger } = await open();
    cleanups.push(() => ledger.close());
    const w = await startTestWitness(ledger);
    cleanups.push(() => w.server.close());
    const s = submitter(ledger, w, []);
    await ledger.append(hb(3));
    const first = (await ledger.checkpoint('start'))!;
    await s.start();
    await s.drain(10_000);
    await ledger.append(hb(5));
    const second = (await ledger.checkpoint('hourly'))!;
    s.nudge();
    await s.drain(10_000);
    const recorded = await cosignedLeaves(ledger);
    expect(recorded.map((r) => r.checkpointSize)).toEqual([first.size, second.size]);
    const key = parseCosignatureVkey(w.vkey);
    for (const [r, cp] of [[recorded[0]!, first], [recorded[1]!, second]] as const) {
      expect(r).toMatchObject({ witness: 'auditor', keyId: key.keyId.toString('hex'), rootHash: Buffer.from(cp.root, 'hex').toString('base64') });
      expect(verifyCosignature(parseSignedNote(cp.note).text, r.cosignature, key).timestamp).toBe(r.timestamp);
    }
    expect(s.state).toEqual([{ name: 'auditor', cosignedSize: second.size }]);
    // the cosignature leaf follows its checkpoint: the next checkpoint covers it
    expect(ledger.size()).toBe(second.size + 1);
  });

  it('an unreachable witness is retried at the next checkpoint, and alerted once N checkpoints go uncosigned', async () => {
    const { ledger } = await open();
    cleanups.push(() => ledger.close());
    const w = await startTestWitness(ledger);
    cleanups.push(() => w.server.close());
    let down = true;
    const fetchVia: typeof fetch = async (input, init) => {
      if (down) throw new TypeError('fetch failed: connect ECONNREFUSED');
      return fetch(input, init);
    };
    const alerts: Array<LeafInput<'alert'>> = [];
    const s = submitter(ledger, w, alerts, { submit: { fetch: fetchVia, sleep: async () => undefined } });
    await ledger.append(hb(2));
    await ledger.checkpoint('start');
    await s.start();
    await s.drain(10_000);
    expect(s.state[0]).toMatchObject({ cosignedSize: 0, failure: { kind: 'unavailable' } });
    expect(alerts).toEqual([]);
    await ledger.append(hb(2));
    await ledger.checkpoint('hourly');
    s.nudge();
    await s.drain(10_000);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.data).toMatchObject({ kind: 'witness', severity: 'high', witness: { name: 'auditor', failure: 'missing', missingCheckpoints: 2 } });
    // a third uncosigned checkpoint is the same stretch: no second alert
    await ledger.append(hb(1));
    await ledger.checkpoint('hourly');
    s.nudge();
    await s.drain(10_000);
    expect(alerts).toHaveLength(1);
    down = false;
    await ledger.append(hb(1));
    const cp = (await ledger.checkpoint('hourly'))!;
    s.nudge();
    await s.drain(10_000);
    expect(s.state).toEqual([{ name: 'auditor', cosignedSize: cp.size }]);
  });

  it('evidence intake never waits for a witness that hangs', async () => {
    const { ledger } = await open();
    cleanups.push(() => ledger.close());
    const w = await startTestWitness(ledger);
    cleanups.push(() => w.server.close());
    let calls = 0;
    const hang: typeof fetch = (_i, init) => {
      calls++;
      return new Promise((_, rej) => init?.signal?.addEventListener('abort', () => rej(new Error('aborted'))));
    };
    const s = submitter(ledger, w, [], { submit: { fetch: hang, sleep: async () => undefined } });
    await ledger.append(hb(1));
    await ledger.checkpoint('start');
    await s.start();
    // a submission is in flight and hangs; appends and checkpoints go on
    for (let i = 0; i < 5; i++) {
      await ledger.append(hb(10));
      expect(await ledger.checkpoint('hourly')).not.toBeNull();
      s.nudge();
    }
    expect(calls).toBe(1);
    expect(ledger.size()).toBe(52);
  });

  it('a forked log (a leaf rewritten and re-signed with the real key) is refused by the witness and alerted', async () => {
    const { dir, ledger } = await open();
    const w = await startTestWitness(ledger);
    cleanups.push(() => w.server.close());
    await ledger.append(hb(6));
    const cp = (await ledger.checkpoint('start'))!;
    const s1 = submitter(ledger, w, []);
    await s1.start();
    await s1.drain(10_000);
    await s1.stop();
    expect(s1.state[0]!.cosignedSize).toBe(cp.size);
    await ledger.close();
    // The key holder rewrites leaf 3 and re-signs the cosigned checkpoint: same size, another root (a fork); the leaf
    // recording the cosignature (after the checkpoint) is dropped, so the forged agent offers that size again.
    await rewriteAndResign(dir, 3, (b) => b.replace('"uptimeSeconds":2', '"uptimeSeconds":9'), { dropFrom: cp.size });
    const { ledger: forked } = await open(dir);
    cleanups.push(() => forked.close());
    const alerts: Array<LeafInput<'alert'>> = [];
    const s2 = submitter(forked, w, alerts);
    await s2.start();
    await s2.drain(10_000);
    expect(alerts.map((a) => a.data.witness)).toEqual([expect.objectContaining({ name: 'auditor', failure: 'fork', checkpointSize: cp.size })]);
    expect(alerts[0]!.data).toMatchObject({ kind: 'witness', severity: 'critical' });
    expect((await alertLeaves(forked)).map((a) => a.kind)).toEqual(['witness']);
    // and a longer forked history: the proof from what it cosigned does not verify
    await forked.append(hb(4));
    const next = (await forked.checkpoint('hourly'))!;
    s2.nudge();
    await s2.drain(10_000);
    expect(alerts.map((a) => a.data.witness?.failure)).toEqual(['fork', 'bad-proof']);
    expect(alerts[1]!.data.witness).toMatchObject({ checkpointSize: next.size });
    expect(s2.state[0]).toMatchObject({ cosignedSize: 0, failure: { kind: 'bad-proof' } });
  });

  it('a rollback (the ledger restored from an older copy) is refused by the witness and alerted', async () => {
    const { dir, ledger } = await open();
    const w = await startTestWitness(ledger);
    cleanups.push(() => w.server.close());
    await ledger.append(hb(4));
    await ledger.checkpoint('start');
    await ledger.close();
    const old = mkdtempSync(join(tmpdir(), 'vigil-submitter-old-'));
    cleanups.push(() => rmSync(old, { recursive: true, force: true }));
    cpSync(dir, old, { recursive: true });
    const { ledger: live } = await open(dir);
    await live.append(hb(10));
    const big = (await live.checkpoint('hourly'))!;
    const s1 = submitter(live, w, []);
    await s1.start();
    await s1.drain(10_000);
    await s1.stop();
    expect(s1.state[0]!.cosignedSize).toBe(big.size);
    await live.close();
    // The older copy, grown a little, shows the witness a smaller tree than the one it cosigned.
    const { ledger: restored } = await open(old);
    cleanups.push(() => restored.close());
    await restored.append(hb(2));
    const small = (await restored.checkpoint('hourly'))!;
    expect(small.size).toBeLessThan(big.size);
    const alerts: Array<LeafInput<'alert'>> = [];
    const s2 = submitter(restored, w, alerts);
    await s2.start();
    await s2.drain(10_000);
    expect(alerts.map((a) => a.data.witness)).toEqual([expect.objectContaining({ name: 'auditor', failure: 'witness-ahead', checkpointSize: small.size })]);
    expect(alerts[0]!.data.witness!.message).toMatch(new RegExp(`already cosigned size ${big.size}`));
  });
});

