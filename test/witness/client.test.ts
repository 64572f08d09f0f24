// The witness client over real HTTP: retries 5xx, 429, timeouts and refused connections with back-off; follows 409 to the
// witness's size; maps each refusal to a named failure; accepts only a cosignature its configured vkey verifies.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifierFromVkey } from '../../src/ledger/note.js';
import { ed25519Cosigner, type Cosigner } from '../../src/witness/cosignature.js';
import { addCheckpointBody, submitCheckpoint, WitnessError } from '../../src/witness/client.js';
import { startWitnessServer, type RunningWitnessServer } from '../../src/witness/server.js';
import { WitnessStateStore } from '../../src/witness/state.js';
import { Witness } from '../../src/witness/witness.js';
import { TestLog } from './helpers.js';

type Script = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A scripted HTTP endpoint: answers request n with script n (the last one repeats); records every body. */
async function scripted(scripts: Script[]): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      (scripts[Math.min(bodies.length, scripts.length) - 1] as Script)(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

describe('witness client', () => {
  let log: TestLog;
  let cosigner: Cosigner;
  let servers: Server[];
  let sleeps: number[];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const proofs = (calls: Array<[number, number]>) => async (a: number, b: number) => {
    calls.push([a, b]);
    return log.proof(a, b);
  };
  const cosignOk: Script = (_req, body, res) => {
    const note = body.slice(body.indexOf('\n\n') + 2);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${cosigner.cosign(note.slice(0, note.lastIndexOf('\n\n') + 1), 1_700_000_000)}\n`);
  };
  const status =
    (code: number, body = '', type = 'text/plain'): Script =>
    (_req, _body, res) =>
      res.writeHead(code, { 'content-type': type }).end(body);

  beforeEach(() => {
    log = new TestLog().grow(17);
    cosigner = ed25519Cosigner('witness.test/w1', generateKeyPairSync('ed25519').privateKey);
    servers = [];
    sleeps = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('retries 503 and 429 with doubling back-off, then returns the verified cosignature', async () => {
    const s = await scripted([status(503, 'busy'), status(429), status(500), cosignOk]);
    servers.push(s.server);
    const r = await submitCheckpoint({ url: s.url, vkey: cosigner.vkey }, log.checkpoint(17), 10, proofs([]), { sleep, random: () => 0.5, backoffMs: 100 });
    expect(r).toMatchObject({ witness: 'witness.test/w1', size: 17, timestamp: 1_700_000_000, attempts: 4 });
    expect(r.cosignature).toMatch(/^\u2014 witness\.test\/w1 /);
    expect(sleeps).toEqual([75, 150, 300]); // 100·2^n, jitter factor 0.75
    expect(s.bodies[0]).toBe(addCheckpointBody(10, log.proof(10, 17), log.checkpoint(17)));
  });

  it('gives up after maxAttempts with a retryable "unavailable" naming the last answer', async () => {
    const s = await scripted([status(502, 'bad gateway')]);
    servers.push(s.server);
    const e = await submitCheckpoint({ url: s.url, vkey: cosigner.vkey }, log.checkpoint(17), 0, proofs([]), { sleep, maxAttempts: 3 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WitnessError);
    expect(e).toMatchObject({ kind: 'unavailable', retryable: true, status: 502 });
    expect((e as Error).message).toMatch(/answered 502: bad gateway/);
    expect(s.bodies).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('retries a refused connection and a witness that never answers (timeout)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const e1 = await submitCheckpoint({ url: refused, vkey: cosigner.vkey }, log.checkpoint(17), 0, proofs([]), { sleep, maxAttempts: 2 }).catch((x: unknown) => x);
    expect(e1).toMatchObject({ kind: 'unavailable', retryable: true });
    const hang = await scripted([() => {}]);
    servers.push(hang.server);
    const e2 = await submitCheckpoint({ url: hang.url, vkey: cosigner.vkey }, log.checkpoint(17), 0, proofs([]), { sleep, maxAttempts: 2, timeoutMs: 100 }).catch((x: unknown) => x);
    expect(e2).toMatchObject({ kind: 'unavailable' });
    expect(hang.bodies).toHaveLength(2);
    hang.server.closeAllConnections();
  });

  it("on 409 re-reads the witness's size and retries with a proof from it, against a real witness", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-witness-client-'));
    let w: RunningWitnessServer | undefined;
    try {
      const state = await WitnessStateStore.open(dir);
      w = await startWitnessServer({ witness: new Witness({ cosigner, logs: new Map([[log.origin, [verifierFromVkey(log.vkey)]]]), state }), port: 0 });
      const calls: Array<[number, number]> = [];
      await submitCheckpoint({ url: w.url, vkey: cosigner.vkey }, log.checkpoint(10), 0, proofs(calls), { sleep });
      calls.length = 0;
      // the agent lost track of what this witness holds: it starts from 0
      const r = await submitCheckpoint({ url: `${w.url}/`, vkey: cosigner.vkey }, log.checkpoint(17), 0, proofs(calls), { sleep });
      expect(r).toMatchObject({ size: 17, attempts: 2 });
      expect(calls).toEqual([
        [0, 17],
        [10, 17],
      ]);
      expect(sleeps).toEqual([]); // a 409 is answered at once, not backed off
      // a forked log behind the same key: the witness refuses the proof and the client names it
      const fork = log.forkAt(3).grow(3);
      const e = await submitCheckpoint({ url: w.url, vkey: cosigner.vkey }, fork.checkpoint(20), 17, async (a, b) => fork.proof(a, b), { sleep }).catch((x: unknown) => x);
      expect(e).toMatchObject({ kind: 'bad-proof', status: 422, retryable: false });
      const same = await submitCheckpoint({ url: w.url, vkey: cosigner.vkey }, log.forkAt(3).checkpoint(17), 17, async () => [], { sleep }).catch((x: unknown) => x);
      expect(same).toMatchObject({ kind: 'fork', status: 409 });
    } finally {
      await w?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps each refusal to a named, non-retryable failure', async () => {
    const cases: Array<[Script, string]> = [
      [status(404, 'unknown log origin'), 'unknown-origin'],
      [status(403, 'no signature from a trusted key'), 'bad-log-signature'],
      [status(422, 'bad proof'), 'bad-proof'],
      [status(400, 'malformed'), 'malformed-request'],
      [status(409, 'fork: …'), 'fork'],
      [status(409, '20\n', 'text/x.tlog.size'), 'witness-ahead'],
      [status(409, 'twelve\n', 'text/x.tlog.size'), 'unexpected-answer'],
      [status(418), 'unexpected-answer'],
    ];
    for (const [script, kind] of cases) {
      const s = await scripted([script]);
      servers.push(s.server);
      const e = await submitCheckpoint({ url: s.url, vkey: cosigner.vkey }, log.checkpoint(17), 0, proofs([]), { sleep }).catch((x: unknown) => x);
      expect(e, kind).toMatchObject({ kind, retryable: false });
      expect(s.bodies, kind).toHaveLength(1);
    }
  });

  it('rejects a cosignature by the wrong key, a forged one, and a 200 without one; ignores other witnesses\' lines', async () => {
    const impostor = ed25519Cosigner('witness.test/w1', generateKeyPairSync('ed25519').privateKey);
    const other = ed25519Cosigner('witness.test/other', generateKeyPairSync('ed25519').privateKey);
    const body = log.body(17);
    const forged = `\u2014 witness.test/w1 ${Buffer.concat([cosigner.keyId, Buffer.alloc(72, 1)]).toString('base64')}\n`;
    const cases: Array<[string, RegExp | undefined]> = [
      [`${impostor.cosign(body, 1)}\n`, /without a cosignature by its key/],
      [forged, /does not verify/],
      ['', /without a cosignature/],
      [`${other.cosign(body, 1)}\n${cosigner.cosign(body, 2)}\n`, undefined],
    ];
    for (const [answer, why] of cases) {
      const s = await scripted([status(200, answer)]);
      servers.push(s.server);
      const r = await submitCheckpoint({ url: s.url, vkey: cosigner.vkey }, log.checkpoint(17), 0, proofs([]), { sleep }).catch((x: unknown) => x);
      if (why === undefined) {
        expect(r).toMatchObject({ timestamp: 2 });
      } else {
        expect(r).toMatchObject({ kind: 'bad-cosignature', retryable: false });
        expect((r as Error).message).toMatch(why);
      }
    }
  });
});
