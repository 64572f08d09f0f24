// The witness over real HTTP on 127.0.0.1: cosigns a growing log, refuses rollbacks, forks, bad signatures and bad bodies with
// the tlog-witness status codes, keeps its state across a restart, and stays consistent under concurrent submissions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifierFromVkey } from '../../src/ledger/note.js';
import { ed25519Cosigner, verifyCosignature, type Cosigner } from '../../src/witness/cosignature.js';
import { addCheckpointBody, submitCheckpoint, WitnessError } from '../../src/witness/client.js';
import { startWitnessServer, type RunningWitnessServer } from '../../src/witness/server.js';
import { stateFileName, WitnessStateStore, type OriginState } from '../../src/witness/state.js';
import { MAX_PROOF_LINES, Witness } from '../../src/witness/witness.js';
import { post, TestLog } from './helpers.js';

const NOW = 1_800_000_000;

describe('witness server', () => {
  let dir: string;
  let log: TestLog;
  let cosigner: Cosigner;
  let server: RunningWitnessServer;
  let puts: number[];

  async function start(maxBodyBytes?: number): Promise<void> {
    const state = await WitnessStateStore.open(dir);
    // Record every size persisted, in order, to show the state never goes back.
    const put = state.put.bind(state);
    state.put = async (s: OriginState) => {
      await put(s);
      puts.push(s.size);
    };
    const logs = new Map([[log.origin, [verifierFromVkey(log.vkey)]]]);
    const witness = new Witness({ cosigner, logs, state, now: () => NOW });
    server = await startWitnessServer({ witness, port: 0, ...(maxBodyBytes ? { maxBodyBytes } : {}) });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-witness-'));
    log = new TestLog().grow(3);
    cosigner = ed25519Cosigner('witness.test/w1', generateKeyPairSync('ed25519').privateKey);
    puts = [];
    await start();
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = (old: number, size: number, l = log) => post(server.url, addCheckpointBody(old, l.proof(old, size), l.checkpoint(size)));
  const held = (): OriginState => JSON.parse(readFileSync(join(dir, stateFileName(log.origin)), 'utf8')) as OriginState;

  it('cosigns a growing log: first checkpoint from old 0, then each with a proof from the last; same size again re-cosigns', async () => {
    for (const [old, grow] of [[0, 0], [3, 7], [10, 0], [10, 1], [11, 50]] as const) {
      log.grow(grow);
      const size = log.leaves.length;
      const r = await submit(old, size);
      expect(r.status, `old ${old} → ${size}: ${r.body}`).toBe(200);
      const v = verifyCosignature(log.checkpoint(size), r.body.trimEnd(), cosigner.vkey);
      expect(v.timestamp).toBe(NOW);
      expect(held()).toMatchObject({ origin: log.origin, size, root: log.root(size).toString('base64') });
    }
    expect(puts).toEqual([3, 10, 10, 11, 61]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a rollback: old size above the checkpoint is 400; a smaller checkpoint from an older size is 409 with the size held', async () => {
    log.grow(7);
    expect((await submit(0, 10)).status).toBe(200);
    const above = await post(server.url, addCheckpointBody(10, [], log.checkpoint(5)));
    expect(above.status).toBe(400);
    expect(above.body).toMatch(/old size 10 is larger than the checkpoint size 5/);
    const older = await submit(3, 5);
    expect(older).toMatchObject({ status: 409, type: 'text/x.tlog.size', body: '10\n' });
    // the client reads the 409, and names the rollback
    await expect(submitCheckpoint({ url: server.url, vkey: cosigner.vkey }, log.checkpoint(5), 0, async (a, b) => log.proof(a, b))).rejects.toMatchObject({
      kind: 'witness-ahead',
    });
    expect(held().size).toBe(10);
  });

  it('refuses a fork: same size with another root is 409 (not a size answer); an inconsistent larger tree is 422', async () => {
    log.grow(7);
    expect((await submit(0, 10)).status).toBe(200);
    const fork = log.forkAt(4);
    const same = await submit(10, 10, fork);
    expect(same.status).toBe(409);
    expect(same.type).not.toMatch(/x\.tlog\.size/);
    expect(same.body).toMatch(/^fork: this witness cosigned size 10 with root /);
    fork.grow(5);
    const larger = await submit(10, 15, fork);
    expect(larger.status).toBe(422);
    // the honest proof for the forked tree's own history does not help either: proofs bind both roots
    const honestProofForkedNote = await post(server.url, addCheckpointBody(10, log.grow(5).proof(10, 15), fork.checkpoint(15)));
    expect(honestProofForkedNote.status).toBe(422);
    expect(held()).toMatchObject({ size: 10, root: log.root(10).toString('base64') });
  });

  it('refuses a checkpoint no trusted key signed (403) and an origin it is not configured for (404)', async () => {
    const impostor = generateKeyPairSync('ed25519').privateKey;
    const bad = await post(server.url, addCheckpointBody(0, [], log.checkpoint(3, impostor)));
    expect(bad.status).toBe(403);
    const other = new TestLog('vigil.test/other-log').grow(2);
    const unknown = await post(server.url, addCheckpointBody(0, [], other.checkpoint(2)));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/unknown log origin "vigil\.test\/other-log"/);
    expect(puts).toEqual([]);
  });

  it('answers 400 to every malformed body, naming what is wrong', async () => {
    const note = log.checkpoint(3);
    const cases: Array<[string | Buffer, RegExp]> = [
      ['', /"old <size>"/],
      [`old 01\n\n${note}`, /no leading zeros/],
      [`old -1\n\n${note}`, /"old <size>"/],
      [`old 0\nnot-base64!\n\n${note}`, /proof line 1/],
      [`old 0\n${Buffer.alloc(31).toString('base64')}\n\n${note}`, /32-byte hash/],
      [`old 0\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(MAX_PROOF_LINES + 1)}\n${note}`, /more than 63/],
      [`old 0\n${note}`, /malformed/],
      [`old 0\n\n${log.body(3)}`, /no blank line|signature/],
      [`old 0\n\n${note.replace('\u2014 ', '- ')}`, /signature line/],
      [Buffer.concat([Buffer.from('old 0\n\n'), Buffer.from([0xff, 0xfe]), Buffer.from(note)]), /UTF-8/],
      [addCheckpointBody(0, [], note.replace(/^(.*\n)(\d+)\n/, '$1+$2\n')), /malformed/],
    ];
    for (const [body, why] of cases) {
      const r = await post(server.url, body);
      expect(r.status, String(body).slice(0, 60)).toBe(400);
      expect(r.body, String(body).slice(0, 60)).toMatch(why);
    }
    expect(puts).toEqual([]);
  });

  it('refuses a body over the limit with 413, whether declared or streamed without a length', async () => {
    await server.close();
    await start(2048);
    const big = addCheckpointBody(0, [], log.checkpoint(3)) + 'x'.repeat(4096);
    expect((await post(server.url, big)).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/add-checkpoint`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('y'.repeat(1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(puts).toEqual([]);
  });

  it('speaks only POST /add-checkpoint', async () => {
    expect((await fetch(`${server.url}/add-checkpoint`)).status).toBe(405);
    expect((await fetch(`${server.url}/other`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('keeps its state across a restart: the restarted witness answers old 0 with 409 and the size it held', async () => {
    log.grow(5);
    expect((await submit(0, 8)).status).toBe(200);
    await server.close();
    writeFileSync(join(dir, `${stateFileName(log.origin)}.123.abcd.tmp`), '{"half": '); // a write that crashed before its rename
    await start();
    expect(await submit(0, 8)).toMatchObject({ status: 409, body: '8\n' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    log.grow(2);
    expect((await submit(8, 10)).status).toBe(200);
  });

  it('refuses to start on a corrupt state file rather than forget what it cosigned', async () => {
    expect((await submit(0, 3)).status).toBe(200);
    await server.close();
    const path = join(dir, stateFileName(log.origin));
    writeFileSync(path, readFileSync(path, 'utf8').replace('"size": 3', '"size": 2'));
    await expect(WitnessStateStore.open(dir)).rejects.toMatchObject({ code: 'WITNESS_STATE_CORRUPT' });
    writeFileSync(path, '{');
    await expect(WitnessStateStore.open(dir)).rejects.toThrow(/not JSON/);
    rmSync(path);
    await start();
  });

  it('20 concurrent submissions: each answer is a valid cosignature or a refusal, the state never goes back', async () => {
    log.grow(37); // 40 leaves
    const sizes = Array.from({ length: 20 }, (_, i) => 21 + ((i * 7) % 20)); // 21..40, shuffled
    const results = await Promise.allSettled(
      sizes.map((size) => submitCheckpoint({ url: server.url, vkey: cosigner.vkey }, log.checkpoint(size), 0, async (a, b) => log.proof(a, b), { maxAttempts: 25, sleep: async () => {} })),
    );
    const cosigned: number[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        expect(r.value.size).toBe(sizes[i]);
        cosigned.push(r.value.size);
      } else {
        // a smaller checkpoint arriving after a larger one was cosigned: refused, never cosigned
        expect(r.reason).toBeInstanceOf(WitnessError);
        expect((r.reason as WitnessError).kind).toBe('witness-ahead');
      }
    });
    expect(cosigned.length).toBeGreaterThan(0);
    for (let i = 1; i < puts.length; i++) expect(puts[i]!).toBeGreaterThanOrEqual(puts[i - 1]!);
    expect([...puts].sort((a, b) => a - b)).toEqual([...cosigned].sort((a, b) => a - b));
    expect(held()).toMatchObject({ size: Math.max(...cosigned), root: log.root(Math.max(...cosigned)).toString('base64') });
  });
});
