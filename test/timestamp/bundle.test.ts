// Time stamps end to end: an agent with a local OpenSSL TSA configured seals past days and records their tokens; the
// export carries them; `vigil verify --tsa-ca` and README.txt's `openssl ts -verify` step check them; a token moved to
// another seal is named; with the TSA unreachable, a failure is logged and alerted and no token is recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfigText } from '../../src/config/load.js';
import { startAgent } from '../../src/agent.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { LeafOf } from '../../src/ledger/leaf-catalogue.js';
import { loadLedgerKey } from '../../src/ledger/keys.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { ed25519Signer, signNote } from '../../src/ledger/note.js';
import { exportBundle } from '../../src/export/bundle.js';
import { listFiles, manifestNoteText } from '../../src/export/files.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { formatVerification } from '../../src/verify/standalone.js';
import { QUEUE_COLLECT, QUEUE_EVIDENCE } from '../../src/pipeline/queues.js';
import { STAMP_ATTEMPTS, stampBackoffMs } from '../../src/timestamp/seal-stamper.js';
import { checkpointDigest, parseTimestampIndex, TIMESTAMP_INDEX } from '../../src/timestamp/bundle-index.js';
import { capturingLogger } from '../alerts/helpers.js';
import { TestClock } from '../support/test-clock.js';
import { FRAMEWORK } from '../export/helpers.js';
import { startTsa, type LocalTsa } from './tsa.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

let tsa: LocalTsa;
let stranger: LocalTsa;
let work: string;
/** The TSA's root as the auditor obtained it from the TSA: outside the bundle. */
let caFile: string;
const prefixes: string[] = [];

/** Starts the agent's writer at the clock's time with `timestamping` pointing at `url`, lets its stamping round end, stops it. */
async function runWriter(dataDir: string, clock: TestClock, url: string, logger = capturingLogger()): Promise<typeof logger> {
  const loaded = parseConfigText(`origin: vigil.test/tsa\ntimestamping:\n  url: ${url}\n  timeoutMs: 5000\n`, join(dataDir, '..', 'vigil.config.yaml'), process.env);
  const prefix = `vigiltest-${randomBytes(6).toString('hex')}`;
  prefixes.push(prefix);
  const agent = await startAgent({ loaded, dataDir, logger, clock }, { roles: ['writer'], prefix, redisUrl: REDIS, enqueueOnStart: false });
  try {
    expect(agent.stamper).toBeDefined();
    await agent.stamper!.idle();
  } finally {
    await agent.stop();
  }
  return logger;
}

async function leavesOf<T extends 'timestamp.token' | 'alert'>(dataDir: string, type: T): Promise<Array<LeafOf<T>>> {
  const l = await Ledger.open({ dataDir, readOnly: true });
  try {
    const out: Array<LeafOf<T>> = [];
    for await (const x of l.readLeaves({ types: [type] })) out.push(x.body as LeafOf<T>);
    return out;
  } finally {
    await l.close();
  }
}

/** Recomputes SHA256SUMS and re-signs manifest.note with the ledger's own key: what the key holder can do to a bundle. */
async function resign(dir: string, dataDir: string): Promise<void> {
  const files = listFiles(dir).filter((f) => f !== 'SHA256SUMS' && f !== 'manifest.note');
  writeFileSync(join(dir, 'SHA256SUMS'), files.map((f) => `${sha(join(dir, f))}  ${f}\n`).join(''));
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const key = await loadLedgerKey(dataDir, { create: false });
  const text = manifestNoteText({ origin: m.origin, start: m.report.start, end: m.report.end, startSize: m.tree.startSize, endSize: m.tree.endSize, sumsSha256: sha(join(dir, 'SHA256SUMS')) });
  writeFileSync(join(dir, 'manifest.note'), signNote(text, [ed25519Signer(m.origin, key!.privateKey!)]));
}

const verifyCli = (bundle: string, ...args: string[]) => spawnSync(process.execPath, [BIN, 'verify', bundle, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });

beforeAll(async () => {
  tsa = await startTsa();
  stranger = await startTsa();
  work = mkdtempSync(join(tmpdir(), 'vigil-tsa-e2e-'));
  caFile = join(work, 'TSA-CA.pem');
  writeFileSync(caFile, tsa.caPem);
}, 60_000);

afterAll(async () => {
  await tsa?.close();
  await stranger?.close();
  rmSync(work, { recursive: true, force: true });
  const conn = new Redis(REDIS, { maxRetriesPerRequest: null });
  for (const prefix of prefixes) for (const n of [QUEUE_COLLECT, QUEUE_EVIDENCE]) await new Queue(n, { connection: conn, prefix }).obliterate({ force: true });
  conn.disconnect();
});

describe('an agent with a TSA configured', () => {
  let dataDir: string;
  let bundle: string;

  beforeAll(async () => {
    dataDir = join(work, 'ok', 'data');
    const clock = new TestClock('2026-03-01T10:00:00.000Z');
    // Day 1: the writer starts (sealing the day before); day 2 just after midnight: it seals day 1.
    await runWriter(dataDir, clock, tsa.url);
    clock.advance(14 * 3_600_000 + 5 * 60_000);
    await runWriter(dataDir, clock, tsa.url);
    bundle = join(work, 'ok', 'bundle');
    clock.advance(3_600_000);
    await exportBundle({ dataDir, type: 2, from: '2026-03-01', to: '2026-03-01', framework: FRAMEWORK, out: bundle, clock, logger: capturingLogger() });
  }, 120_000);

  it('records one timestamp.token leaf per day seal, its token a blob whose imprint is the sealed checkpoint note body', async () => {
    const tokens = await leavesOf(dataDir, 'timestamp.token');
    expect(tokens.map((t) => t.date)).toEqual(['2026-02-28', '2026-03-01']);
    const l = await Ledger.open({ dataDir, readOnly: true });
    try {
      const cps = await l.checkpoints();
      for (const t of tokens) {
        const cp = cps.find((c) => c.size === t.checkpointSize)!;
        expect(t).toMatchObject({ checkpointRoot: cp.root, digest: checkpointDigest(cp.note).toString('hex'), tsa: tsa.url, serial: expect.stringMatching(/^[0-9a-f]+$/) });
        expect(await l.getBlob(t.tokenSha256)).toBeDefined();
      }
    } finally {
      await l.close();
    }
    expect(await leavesOf(dataDir, 'alert')).toEqual([]);
  });

  it('the bundle carries both tokens and an index; vigil verify --tsa-ca checks them, and without it says the chain was not checked', async () => {
    const { rows, problems } = parseTimestampIndex(readFileSync(join(bundle, TIMESTAMP_INDEX), 'utf8'));
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(2);
    const withCa = await verifyBundle(bundle, { tsaCaFile: caFile });
    expect(withCa.faults).toEqual([]);
    expect(withCa.timestamps).toEqual({ count: 2, seals: 2, chainChecked: true });
    expect(withCa.warnings.filter((w) => w.includes('time stamp'))).toEqual([]);
    expect(formatVerification(withCa)).toContain('; 2 of 2 day seals time-stamped (RFC 3161), each token checked: imprint, signature, chain to the TSA root you gave with --tsa-ca');

    const cli = verifyCli(bundle, '--tsa-ca', caFile);
    expect(cli.status, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain('2 of 2 day seals time-stamped (RFC 3161), each token checked');
    // The same from a zip, read in place.
    const zip = join(work, 'ok', 'bundle.zip');
    await exportBundle({ dataDir, type: 2, from: '2026-03-01', to: '2026-03-01', framework: FRAMEWORK, out: zip, clock: new TestClock('2026-03-02T01:05:00.000Z'), logger: capturingLogger() });
    expect(await verifyBundle(zip, { tsaCaFile: caFile })).toMatchObject({ ok: true, timestamps: { count: 2, seals: 2, chainChecked: true } });
    const noCa = verifyCli(bundle);
    expect(noCa.status, noCa.stdout + noCa.stderr).toBe(0);
    expect(noCa.stdout).toContain("2 of 2 day seals time-stamped (RFC 3161), each token's imprint and signature checked, their TSA certificate chain NOT checked");
  }, 60_000);

  it('a TSA root the auditor did not choose is named for each token; a --tsa-ca that is not a certificate is a usage error', () => {
    const other = join(work, 'stranger-CA.pem');
    writeFileSync(other, stranger.caPem);
    const r = verifyCli(bundle, '--tsa-ca', other);
    expect(r.status).toBe(1);
    expect(r.stdout.match(/\[TIMESTAMP_INVALID\].*does not chain to a trusted root/g)).toHaveLength(2);
    const junk = join(work, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const u = verifyCli(bundle, '--tsa-ca', junk);
    expect(u.status).toBe(2);
    expect(u.stderr).toContain(`--tsa-ca ${junk} holds no PEM certificate`);
  }, 60_000);

  it("README.txt's steps, the openssl ts -verify step included, pass with the auditor's fingerprint and the TSA's root", async () => {
    const readme = readFileSync(join(bundle, 'README.txt'), 'utf8');
    expect(readme).toContain('openssl ts -verify -digest "$digest" -in "$T/token.tst" -token_in -CAfile "$TSA_CA"');
    expect(readme).toContain("while IFS=$'\\t' read -r cp digest token"); // printable: no tab for a terminal to mangle
    const commands = readme.split('\n').filter((l) => /^ {5}\S/.test(l)).map((l) => l.slice(5));
    const fp = keyFingerprint((await loadLedgerKey(dataDir, { create: false }))!.publicKey);
    const run = (caPath: string) =>
      spawnSync('bash', ['-c', `set -euo pipefail\n${commands.join('\n')}`], { cwd: bundle, encoding: 'utf8', env: { ...process.env, FP: fp, TSA_CA: caPath, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` } });
    const r = run(caFile);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/^Verification: OK$/gm)).toHaveLength(2);
    // The same step refuses the tokens under a root the auditor did not get from the TSA.
    const other = join(work, 'stranger-CA-2.pem');
    writeFileSync(other, stranger.caPem);
    const bad = run(other);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('TIME STAMP FAILS: ledger/checkpoints/');
  }, 60_000);

  it('a token moved to another seal (the index re-signed with the ledger key) is named by vigil verify and by the README step', async () => {
    const forged = join(work, 'moved');
    cpSync(bundle, forged, { recursive: true });
    const index = join(forged, TIMESTAMP_INDEX);
    const { rows } = parseTimestampIndex(readFileSync(index, 'utf8'));
    // The second seal's row now points at the first seal's token, with the first token's time: a back-dated claim.
    const lines = readFileSync(index, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith(rows[1]!.checkpoint));
    lines[i] = [rows[1]!.checkpoint, rows[1]!.digest, rows[0]!.token, rows[0]!.genTime, rows[0]!.serial, rows[0]!.tsa].join('\t');
    writeFileSync(index, lines.join('\n'));
    await resign(forged, dataDir);
    const r = await verifyBundle(forged, { tsaCaFile: caFile });
    expect(r.ok).toBe(false);
    expect(r.faults).toEqual([
      {
        code: 'TIMESTAMP_INVALID',
        file: rows[0]!.token,
        message: `the time stamp of ${rows[1]!.checkpoint} (${rows[0]!.token}): the token time-stamps ${rows[0]!.digest}, not ${rows[1]!.digest}`,
      },
    ]);
    // Without --tsa-ca too: the imprint is checked whatever the chain.
    expect((await verifyBundle(forged)).faults.map((f) => f.code)).toEqual(['TIMESTAMP_INVALID']);
    const readme = readFileSync(join(forged, 'README.txt'), 'utf8');
    // Step 5 alone: the earlier steps would stop at the re-signed manifest's key check only if the fingerprint differed.
    const step = readme.slice(readme.indexOf('5. Time stamps'), readme.indexOf('Layout:')).split('\n').filter((l) => /^ {5}\S/.test(l)).map((l) => l.slice(5));
    const o = spawnSync('bash', ['-c', `set -euo pipefail\n${step.join('\n')}`], { cwd: forged, encoding: 'utf8', env: { ...process.env, TSA_CA: caFile } });
    expect(o.status).not.toBe(0);
    expect(o.stdout).toContain(`TIME STAMP FAILS: ${rows[1]!.checkpoint}`);
  }, 60_000);
});

describe('an agent whose TSA cannot be reached', () => {
  it('logs and alerts after its tries, records no token, and stamps the seal once the TSA answers again', async () => {
    const down = await startTsa();
    const url = down.url;
    await down.close(); // nothing listens there any more
    const dataDir = join(work, 'down', 'data');
    const clock = new TestClock('2026-03-01T10:00:00.000Z');
    const logger = await runWriter(dataDir, clock, url);
    expect(clock.sleeps).toEqual(Array.from({ length: STAMP_ATTEMPTS - 1 }, (_, i) => stampBackoffMs(i + 1)));
    expect(logger.lines.filter((l) => l.endsWith(' time stamp request failed'))).toHaveLength(STAMP_ATTEMPTS);
    expect(logger.lines.filter((l) => l.endsWith(' day seal not time-stamped (retried at the next seal)') && l.includes(url))).toHaveLength(1);
    expect(await leavesOf(dataDir, 'timestamp.token')).toEqual([]);
    const alerts = await leavesOf(dataDir, 'alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'timestamp.failed', severity: 'medium', title: expect.stringContaining('the seal of 2026-02-28') });
    // A bundle of that ledger verifies, and says which seal has no time stamp.
    const bundle = join(work, 'down', 'bundle');
    await exportBundle({ dataDir, type: 2, from: '2026-03-01', to: '2026-03-01', framework: FRAMEWORK, out: bundle, clock, logger: capturingLogger() });
    const v = await verifyBundle(bundle, { tsaCaFile: caFile });
    expect(v.faults).toEqual([]);
    expect(v.timestamps).toEqual({ count: 0, seals: 1, chainChecked: true });
    expect(v.warnings).toContain('1 of 1 day seal(s) in this bundle carry no RFC 3161 time stamp: 2026-02-28');
    expect(formatVerification(v)).toContain('; 0 of 1 day seal time-stamped (RFC 3161)');

    // The next start (or seal) tries again; this time the TSA answers.
    clock.advance(3_600_000);
    await runWriter(dataDir, clock, tsa.url);
    expect((await leavesOf(dataDir, 'timestamp.token')).map((t) => t.date)).toEqual(['2026-02-28']);
    expect(await leavesOf(dataDir, 'alert')).toHaveLength(1);
  }, 120_000);
});
