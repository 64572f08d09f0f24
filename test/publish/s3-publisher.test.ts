// S3Publisher on a real ledger against the AWS emulator's S3 (the unmodified SDK, real HTTP): what a copy is (COMPLIANCE
// lock, retention, checksum, read back), what is never recorded as one (a bucket without Object Lock, a lock not applied,
// refused credentials), retries on the clock for 503 SlowDown and missed deadlines, and what status reads from it.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Ledger } from '../../src/ledger/ledger.js';
import type { LeafOf } from '../../src/ledger/leaf-catalogue.js';
import { S3Publisher, objectKey, PUBLISH_ATTEMPTS } from '../../src/publish/s3-publisher.js';
import { publishConfigSchema, type S3PublishConfig } from '../../src/publish/config.js';
import { formatPublishHealth, publishHealth } from '../../src/publish/health.js';
import { emptyServices, lockedBucket, startAwsEmulator, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { capturingLogger, tempDir } from '../alerts/helpers.js';
import { TestClock } from '../support/test-clock.js';
import { runVigil } from '../support/run-cli.js';
import { readiness } from '../../src/api/handlers/health.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { ApiOptions } from '../../src/api/options.js';

const SECRET = 'wJalrXUtnFEMI-test-secret-never-logged';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A ledger with two checkpoints and one sealed day, the emulator with a locked bucket `worm` and a plain one `plain`. */
async function setup(o: { bucket?: string; timeoutMs?: number; alertAfterCheckpoints?: number } = {}) {
  const dir = tempDir('vigil-publish-');
  const clock = new TestClock('2026-03-07T12:00:00.000Z');
  const ledger = await Ledger.open({ dataDir: dir, clock, origin: 'vigil.test/acme' });
  const services = emptyServices();
  services.buckets.push(lockedBucket('worm', 'us-east-1', '2026-01-01T00:00:00.000Z', { mode: 'GOVERNANCE', days: 1 }));
  services.buckets.push({ name: 'plain', region: 'us-east-1', created: '2026-01-01T00:00:00.000Z', tags: {}, versioning: 'Enabled', objects: [] });
  const emu: AwsEmulator = await startAwsEmulator({ services, clock });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => ledger.close(), () => emu.close());
  await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 1 } }]);
  await ledger.checkpoint('start');
  clock.advance(13 * 3600_000);
  await ledger.sealDay('2026-03-07');
  const config: S3PublishConfig = publishConfigSchema.parse({
    s3: { bucket: o.bucket ?? 'worm', prefix: 'vigil/prod', region: 'us-east-1', endpoint: emu.url, retentionDays: 400, timeoutMs: o.timeoutMs ?? 5000, alertAfterCheckpoints: o.alertAfterCheckpoints ?? 3 },
  }).s3!;
  const client = new S3Client({ region: 'us-east-1', endpoint: emu.url, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'AKIDVIGILTEST', secretAccessKey: SECRET } });
  cleanups.push(() => client.destroy());
  const logger = capturingLogger();
  const alerted: number[][] = [];
  const publisher = new S3Publisher({ ledger, config, clock, logger, client, onAlerts: async (s) => void alerted.push(s) });
  return { dir, ledger, clock, emu, config, client, logger, alerted, publisher };
}

async function leaves<T extends 'publish.s3' | 'alert'>(ledger: Ledger, type: T): Promise<Array<LeafOf<T>>> {
  const out: Array<LeafOf<T>> = [];
  for await (const l of ledger.readLeaves({ types: [type] })) out.push(l.body as LeafOf<T>);
  return out;
}

const calls = (emu: AwsEmulator): string[] => emu.calls.map((c) => `${c.action} ${c.status}${c.code ? ` ${c.code}` : ''}`);

describe('S3Publisher', () => {
  it('copies each checkpoint and the seal under COMPLIANCE retention, reads the lock back, records it; the copies cannot be deleted', async () => {
    const { ledger, emu, publisher, client, clock, alerted } = await setup();
    const cps = await ledger.checkpoints();
    expect(cps.map((c) => [c.reason, c.size])).toEqual([['start', 2], ['daily', cps[1]!.size]]);
    const r = await publisher.round();
    expect(r.failed).toBeUndefined();
    expect(r.published).toEqual([
      `vigil/prod/vigil.test/acme/checkpoints/${cps[0]!.size}.txt`,
      `vigil/prod/vigil.test/acme/checkpoints/${cps[1]!.size}.txt`,
      'vigil/prod/vigil.test/acme/seals/2026-03-07.json',
    ]);
    expect(calls(emu)).toEqual(['GetObjectLockConfiguration 200', 'PutObject 200', 'HeadObject 200', 'PutObject 200', 'HeadObject 200', 'PutObject 200', 'HeadObject 200']);
    const recs = await leaves(ledger, 'publish.s3');
    expect(recs.map((l) => [l.object, l.checkpointSize, l.date])).toEqual([
      ['checkpoint', cps[0]!.size, undefined],
      ['checkpoint', cps[1]!.size, undefined],
      ['seal', cps[1]!.size, '2026-03-07'],
    ]);
    // The explicit 400-day COMPLIANCE retention, not the bucket's 1-day GOVERNANCE default.
    const until = new Date(Math.ceil((clock.now().getTime() + 400 * 86_400_000) / 1000) * 1000).toISOString();
    for (const l of recs) expect(l).toMatchObject({ bucket: 'worm', mode: 'COMPLIANCE', retainUntil: until, versionId: expect.any(String) });
    // What the bucket holds is the signed note, byte for byte, and the seal leaf's exact bytes (hashed in the tree).
    const note = await client.send(new GetObjectCommand({ Bucket: 'worm', Key: recs[1]!.key, VersionId: recs[1]!.versionId }));
    expect(await note.Body!.transformToString()).toBe(cps[1]!.note);
    expect(recs[1]!.sha256).toBe(createHash('sha256').update(cps[1]!.note).digest('hex'));
    const seal = await client.send(new GetObjectCommand({ Bucket: 'worm', Key: recs[2]!.key }));
    expect(JSON.parse(await seal.Body!.transformToString())).toMatchObject({ type: 'day.sealed', date: '2026-03-07', seq: recs[2]!.sealSeq });
    // Nobody deletes a retained version, whoever asks; a plain delete only hides it behind a marker.
    await expect(client.send(new DeleteObjectCommand({ Bucket: 'worm', Key: recs[0]!.key, VersionId: recs[0]!.versionId }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const marker = await client.send(new DeleteObjectCommand({ Bucket: 'worm', Key: recs[0]!.key }));
    expect(marker.DeleteMarker).toBe(true);
    const kept = await client.send(new HeadObjectCommand({ Bucket: 'worm', Key: recs[0]!.key, VersionId: recs[0]!.versionId }));
    expect(kept).toMatchObject({ ObjectLockMode: 'COMPLIANCE', ContentLength: Buffer.byteLength(cps[0]!.note) });
    expect(alerted).toEqual([]);
    // Nothing left: the next round makes no call.
    emu.resetCalls();
    expect(await publisher.round()).toEqual({ published: [], pending: 0 });
    expect(emu.calls).toEqual([]);
    const [h] = await publishHealth(ledger, { s3: publisher['opts'].config });
    expect(h).toMatchObject({ state: 'ok', copiedCheckpoints: 2, pendingCheckpoints: 0, pendingSeals: 0 });
    expect(formatPublishHealth([h!])).toMatch(/^WORM copy s3:\/\/worm: 2 checkpoint\(s\) copied under COMPLIANCE retention/);
  });

  it('a bucket without Object Lock: no object is written, nothing recorded as published, one critical alert, status degraded', async () => {
    const { dir, ledger, emu, publisher, alerted, config, clock } = await setup({ bucket: 'plain' });
    const r = await publisher.round();
    expect(r).toMatchObject({ published: [], pending: 3, failed: { failure: 'no-object-lock' } });
    expect(calls(emu)).toEqual(['GetObjectLockConfiguration 404 ObjectLockConfigurationNotFoundError']);
    expect(await leaves(ledger, 'publish.s3')).toEqual([]);
    const alerts = await leaves(ledger, 'alert');
    expect(alerts).toEqual([expect.objectContaining({ kind: 'publish', severity: 'critical', publish: expect.objectContaining({ bucket: 'plain', failure: 'no-object-lock', pending: 3 }) })]);
    expect(alerts[0]!.publish!.message).toMatch(/ObjectLockConfigurationNotFoundError/);
    expect(alerted).toHaveLength(1);
    // The poll does not ask again; a newer checkpoint does (the bucket may have been replaced), and alerts again.
    emu.resetCalls();
    expect((await publisher.round()).held).toBe(true);
    expect(emu.calls).toEqual([]);
    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 2 } }]);
    clock.advance(60_000);
    await ledger.checkpoint('hourly');
    expect((await publisher.round()).failed).toMatchObject({ failure: 'no-object-lock' });
    expect(calls(emu)).toEqual(['GetObjectLockConfiguration 404 ObjectLockConfigurationNotFoundError']);
    expect(await leaves(ledger, 'alert')).toHaveLength(2);
    const [h] = await publishHealth(ledger, { s3: config });
    expect(h).toMatchObject({ state: 'degraded', copiedCheckpoints: 0, pendingCheckpoints: 3, pendingSeals: 1 });
    expect(formatPublishHealth([h!])).toMatch(/^WORM COPY DEGRADED: s3:\/\/plain: copy to S3 bucket plain failing \(no-object-lock\)/);
    // /readyz: still ready (evidence is recorded and signed), degraded, naming the bucket.
    const api = { ledger, clock, sources: [], config: apiConfigSchema.parse({}), publish: { s3: config } } as unknown as ApiOptions;
    const ready = await readiness(api, clock.now());
    expect(ready).toMatchObject({ ready: true, status: 'degraded', degraded: ['publish:s3:plain'] });
    expect(ready.checks['publish:s3:plain']!.detail).toMatch(/no-object-lock/);
    // vigil status, as an operator runs it, on the same ledger.
    const cfg = join(dir, 'vigil.yaml');
    writeFileSync(cfg, `publish:\n  s3:\n    bucket: plain\n    retentionDays: 400\n`);
    const st = await runVigil(['--config', cfg, '--data-dir', dir, 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/^WORM COPY DEGRADED: s3:\/\/plain: copy to S3 bucket plain failing \(no-object-lock\)/m);
  });

  it('a version read back without the lock is not recorded (critical alert); the poll does not write again, a newer checkpoint re-reads that version', async () => {
    const { ledger, emu, publisher, clock } = await setup();
    const first = (await ledger.checkpoints())[0]!;
    // As S3 answers a HeadObject without s3:GetObjectRetention: no lock headers.
    emu.faults.reply('HeadObject', { status: 200, body: '', headers: { ETag: '"x"', 'x-amz-version-id': 'v', 'Content-Length': '0' } }, 1);
    const r = await publisher.round();
    expect(r.failed).toMatchObject({ failure: 'not-locked', key: `vigil/prod/vigil.test/acme/checkpoints/${first.size}.txt` });
    expect(r.failed!.error).toMatch(/is not under COMPLIANCE retention \(HeadObject says no lock; it omits the lock without s3:GetObjectRetention\)/);
    expect(await leaves(ledger, 'publish.s3')).toEqual([]);
    expect((await leaves(ledger, 'alert')).map((a) => [a.severity, a.publish?.failure])).toEqual([['critical', 'not-locked']]);
    // The poll: held, no call (a misconfiguration must not leave a locked version behind every minute).
    emu.resetCalls();
    expect(await publisher.round()).toMatchObject({ held: true, published: [] });
    expect(emu.calls).toEqual([]);
    // A newer checkpoint: the version written first is read again and, locked as asked, recorded; no second put of it.
    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 2 } }]);
    clock.advance(60_000);
    await ledger.checkpoint('hourly');
    expect((await publisher.round()).published).toHaveLength(4);
    expect(calls(emu).slice(0, 2)).toEqual(['HeadObject 200', 'PutObject 200']);
    expect(emu.calls.filter((c) => c.action === 'PutObject')).toHaveLength(3);
    const [copy] = await leaves(ledger, 'publish.s3');
    expect(copy).toMatchObject({ checkpointSize: first.size, mode: 'COMPLIANCE' });
  });

  it('a retention shorter than asked, persistently: never recorded, one new version and one alert per newer checkpoint, none per poll', async () => {
    const { ledger, emu, publisher, clock } = await setup();
    const short = { status: 200, body: '', headers: { ETag: '"x"', 'x-amz-version-id': 'v', 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': '2026-03-09T00:00:00.000Z', 'Content-Length': '0' } };
    emu.faults.reply('HeadObject', short);
    const r = await publisher.round();
    expect(r.failed).toMatchObject({ failure: 'retention-short' });
    expect(r.failed!.error).toMatch(/retained until 2026-03-09T00:00:00.000Z, not 2027-04-1\dT\d\d:\d\d:\d\d.000Z as asked \(400 days\)/);
    expect((await publisher.round()).held).toBe(true);
    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 2 } }]);
    clock.advance(60_000);
    await ledger.checkpoint('hourly');
    expect((await publisher.round()).failed).toMatchObject({ failure: 'retention-short' });
    expect(emu.calls.filter((c) => c.action === 'PutObject')).toHaveLength(2);
    expect(await leaves(ledger, 'publish.s3')).toEqual([]);
    expect((await leaves(ledger, 'alert')).map((a) => a.publish?.failure)).toEqual(['retention-short', 'retention-short']);
  });

  it('503 SlowDown is retried with back-off on the clock, then the copy is made; no alert', async () => {
    const { ledger, emu, publisher, clock, alerted } = await setup();
    emu.faults.throttle('PutObject', 2);
    const r = await publisher.round();
    expect(r.failed).toBeUndefined();
    expect(r.published).toHaveLength(3);
    expect(calls(emu).slice(0, 4)).toEqual(['GetObjectLockConfiguration 200', 'PutObject 503 SlowDown', 'PutObject 503 SlowDown', 'PutObject 200']);
    expect(clock.sleeps).toEqual([2000, 8000]);
    expect(await leaves(ledger, 'publish.s3')).toHaveLength(3);
    expect(alerted).toEqual([]);
  });

  it('a call that never answers ends at its deadline; after the tries allowed the round ends, and the backlog alerts past the threshold', async () => {
    const { ledger, emu, publisher, clock } = await setup({ timeoutMs: 1000, alertAfterCheckpoints: 1 });
    // The config floor is 1 s; the deadline itself is what is tested, so it is lowered on the parsed config.
    publisher['opts'].config.timeoutMs = 150;
    emu.faults.stall('PutObject', PUBLISH_ATTEMPTS);
    const started = Date.now();
    const r = await publisher.round();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.failed).toMatchObject({ failure: 'timeout' });
    expect(r.failed!.error).toMatch(/S3 PutObject worm\/vigil\/prod\/vigil.test\/acme\/checkpoints\/2.txt: no answer within 150 ms/);
    expect(calls(emu)).toEqual(['GetObjectLockConfiguration 200', ...Array(PUBLISH_ATTEMPTS).fill('PutObject 0')]);
    expect(clock.sleeps).toEqual([2000, 8000, 32000]);
    expect(await leaves(ledger, 'publish.s3')).toEqual([]);
    expect((await leaves(ledger, 'alert')).map((a) => [a.severity, a.publish?.failure])).toEqual([['high', 'timeout']]);
    expect((await publisher.round()).published).toHaveLength(3);
    const [h] = await publishHealth(ledger, { s3: publisher['opts'].config });
    expect(h).toMatchObject({ state: 'ok', pendingCheckpoints: 0 });
  });

  it('refused credentials are an alert at once (no retry), naming S3\'s answer and never the secret', async () => {
    const { ledger, emu, publisher, logger, clock } = await setup();
    emu.faults.rejectCredentials('GetObjectLockConfiguration');
    const r = await publisher.round();
    expect(r.failed).toMatchObject({ failure: 'credentials' });
    expect(clock.sleeps).toEqual([]);
    const [a] = await leaves(ledger, 'alert');
    expect(a!.publish!.message).toMatch(/InvalidAccessKeyId \(HTTP 403\): The AWS Access Key Id you provided does not exist/);
    expect(JSON.stringify(await leaves(ledger, 'alert')) + logger.lines.join('\n')).not.toContain(SECRET);
  });

  it('keys: prefix (with or without a trailing slash, or none), origin, kind', () => {
    expect(objectKey('', 'vigil.test/a', { object: 'checkpoint', checkpointSize: 7 })).toBe('vigil.test/a/checkpoints/7.txt');
    expect(objectKey('p/q/', 'o', { object: 'seal', date: '2026-03-07' })).toBe('p/q/o/seals/2026-03-07.json');
  });
});
