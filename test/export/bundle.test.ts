// Export → verify on a hand-made ledger: Type 1 vs Type 2 contents, determinism, the mutation matrix, a mutation property, OSCAL schema, CLI exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, appendFileSync, createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { gzipBundleFile, listFiles, manifestNoteText, writeDeterministicZip } from '../../src/export/files.js';
import yazl from 'yazl';
import { gunzipSync } from 'node:zlib';
import { loadLedgerKey } from '../../src/ledger/keys.js';
import { ed25519Signer, signNote } from '../../src/ledger/note.js';
import { silentLogger } from '../../src/core/collector.js';
import { BOUNDED_HEAP_FLAGS, WORKER_MALLOC_ENV } from '../../src/export/bounded-heap.js';

let demo: DemoLedger;
let work: string;
let bundle: string;
let keyPem: string;

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function copy(name: string): string {
  const dst = join(work, name);
  cpSync(bundle, dst, { recursive: true });
  return dst;
}

function resum(dir: string): void {
  const files = listFiles(dir).filter((f) => f !== 'SHA256SUMS' && f !== 'manifest.note');
  writeFileSync(join(dir, 'SHA256SUMS'), files.map((f) => `${sha(join(dir, f))}  ${f}\n`).join(''));
}

async function resign(dir: string): Promise<void> {
  resum(dir);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const key = await loadLedgerKey(demo.dataDir, { create: false });
  const text = manifestNoteText({ origin: m.origin, start: m.report.start, end: m.report.end, startSize: m.tree.startSize, endSize: m.tree.endSize, sumsSha256: sha(join(dir, 'SHA256SUMS')) });
  writeFileSync(join(dir, 'manifest.note'), signNote(text, [ed25519Signer(m.origin, key!.privateKey!)]));
}

function leafFile(dir: string): string {
  return join(dir, 'ledger/leaves', readdirSync(join(dir, 'ledger/leaves')).sort()[1]!);
}

/** The first results blob of the bundle (gzipped, named by the SHA-256 of its content). */
function attachment(dir: string): string {
  const root = join(dir, 'attachments/sha256');
  const sub = readdirSync(root).sort()[0]!;
  return join(root, sub, readdirSync(join(root, sub)).sort()[0]!);
}

function editLines(p: string, fn: (lines: string[]) => string[]): void {
  const lines = readFileSync(p, 'utf8').split('\n');
  lines.pop();
  const out = fn(lines);
  writeFileSync(p, out.length === 0 ? '' : out.join('\n') + '\n');
}

beforeAll(async () => {
  demo = await buildDemoLedger();
  work = mkdtempSync(join(tmpdir(), 'vigil-bundle-test-'));
  bundle = join(work, 'base');
  await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-03', framework: FRAMEWORK, sampleSeed: 's1', out: bundle, clock: demo.clock, logger: silentLogger });
  keyPem = join(work, 'trusted.pem');
  cpSync(join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem'), keyPem);
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(demo.dataDir, { recursive: true, force: true });
});

describe('export then verify', () => {
  it('an untouched bundle verifies with the pinned key, and with the bundled verify.mjs alone', async () => {
    const r = await verifyBundle(bundle, { trustedKeyFile: keyPem });
    expect(r.faults).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.stats.reportFiles).toBeGreaterThan(10);
    const iso = mkdtempSync(join(tmpdir(), 'vigil-iso-'));
    cpSync(bundle, join(iso, 'b'), { recursive: true });
    const run = spawnSync(process.execPath, [join(iso, 'b', 'verify', 'verify.mjs'), join(iso, 'b'), '--trusted-key', keyPem], { cwd: iso, encoding: 'utf8' });
    rmSync(iso, { recursive: true, force: true });
    expect(run.stdout).toContain('bundle OK');
    expect(run.status).toBe(0);
  });

  it('a failed export leaves no half-written folder behind', async () => {
    const out = join(work, 'failed-export');
    await expect(
      exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-03', framework: FRAMEWORK, out, verifierScript: join(work, 'no-such-verifier.mjs'), clock: demo.clock, logger: silentLogger }),
    ).rejects.toThrow(/no-such-verifier/);
    expect(existsSync(out)).toBe(false);
  });
  it('the same period exported twice gives byte-identical zips, and the zip verifies', async () => {
    const a = join(work, 'a.zip');
    const b = join(work, 'b.zip');
    for (const out of [a, b]) await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-03', framework: FRAMEWORK, sampleSeed: 's1', out, clock: demo.clock, logger: silentLogger });
    expect(sha(a)).toBe(sha(b));
    expect((await verifyBundle(a, { trustedKeyFile: keyPem })).ok).toBe(true);
  });

  it('Type 2 holds the period: timeline per day, the deviation opened and closed, the gap, samples, and criteria with no automation', () => {
    const timeline = readFileSync(join(bundle, 'report/timeline.csv'), 'utf8');
    expect(timeline).toContain('aws.iam.user_mfa_enabled,2025-03-02,fail');
    expect(timeline).toContain('aws.iam.user_mfa_enabled,2025-03-03,pass');
    const ex = readFileSync(join(bundle, 'report/deviations.csv'), 'utf8').trim().split('\r\n');
    expect(ex).toHaveLength(2);
    expect(ex[1]).toMatch(/^aws\.iam\.user_mfa_enabled,user-1,aws,111122223333,\d+,2025-03-02T/);
    expect(existsSync(join(bundle, 'report/exceptions.csv'))).toBe(false);
    expect(readFileSync(join(bundle, 'report/gaps.csv'), 'utf8')).toContain('2025-03-02T12:00:00.000Z,2025-03-02T18:00:00.000Z,3');
    expect(readFileSync(join(bundle, 'report/coverage.csv'), 'utf8')).toContain('CC1.1,Integrity and ethics,,not covered by this tool');
    // The register names the grant in full (its fields are nested under `exception` in the leaf).
    expect(readFileSync(join(bundle, 'report/risk-acceptances.csv'), 'utf8')).toMatch(/\r\nex-1,aws\.iam\.user_mfa_enabled,user-1,bob@example\.com,ciso@example\.com,2025-03-02T06:01:00\.000Z,2025-04-01T00:00:00\.000Z,,hardware key on order,active,\d+,,,,no,cli,,\r\n$/);
    const sample = JSON.parse(readFileSync(join(bundle, 'report/samples/aws.iam.user_mfa_enabled.json'), 'utf8'));
    expect(sample.n).toBe(25);
    expect(sample.populationSha256).toBe(sha(join(bundle, 'report/populations/aws.iam.user_mfa_enabled.csv')));
    // Run-length population: one row per resource and unchanged status; runs add up to every evaluation.
    const parseCsvLine = (line: string): string[] => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!));
    const rows = readFileSync(join(bundle, 'report/populations/aws.iam.user_mfa_enabled.csv'), 'utf8').trim().split('\r\n').slice(1).map(parseCsvLine);
    expect(rows.every((f) => f.length === 12)).toBe(true);
    const summary = JSON.parse(readFileSync(join(bundle, 'report/summary.json'), 'utf8'));
    expect(rows.reduce((n, f) => n + Number(f[11]), 0)).toBe(summary.rules['aws.iam.user_mfa_enabled'].evaluations);
    expect(rows.filter((f) => f[2] === 'user-1').map((f) => f[3])).toEqual(['pass', 'fail', 'pass']);
    expect(rows.filter((f) => f[2] === 'user-0')).toHaveLength(1);
    // Reproducible anywhere: the first pick has the smallest first order statistic 1-(1-u)^(1/runs) over the rows.
    const uniform = (t: string): number => { const h = createHash('sha256').update(t).digest(); return (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12) + 0.5) / 2 ** 52; };
    const keys = rows.map((f) => 1 - Math.pow(1 - uniform(`s1:${f[0]}:${f[1]}:aws.iam.user_mfa_enabled:${f[2]}:${f[5]}:1`), 1 / Number(f[11]))).sort((x, y) => x - y);
    expect(sample.selected[0].sortKey).toBe(keys[0]);
    expect(new Set(sample.selected.map((x: { item: string }) => x.item)).size).toBe(25);
    for (const x of sample.selected as Array<{ runSeq: number; status: string; resource: string; populationRow: { firstRunSeq: number; lastRunSeq: number } }>) {
      expect(x.runSeq).toBeGreaterThanOrEqual(x.populationRow.firstRunSeq);
      expect(x.runSeq).toBeLessThanOrEqual(x.populationRow.lastRunSeq);
      expect(rows.find((f) => f[2] === x.resource && Number(f[5]) === x.populationRow.firstRunSeq)?.[3]).toBe(x.status);
    }
    expect(readdirSync(join(bundle, 'report/snapshots/aws.iam.user_mfa_enabled'))).toEqual(['2025-03-01.csv.gz', '2025-03-02.csv.gz', '2025-03-03.csv.gz']);
    const snap = gunzipSync(readFileSync(join(bundle, 'report/snapshots/aws.iam.user_mfa_enabled/2025-03-02.csv.gz'))).toString('utf8').split('\r\n');
    expect(snap[0]).toBe('run_seq,run_leaf_hash,slot,source,scope,resource,status,reason');
    expect(snap.some((l) => /,user-1,fail,/.test(l))).toBe(true);
    expect(readFileSync(join(bundle, 'report/report.html'), 'utf8')).toMatch(/<svg[^>]*per-rule daily timeline/);
  });

  it('attachments are gzip files named by the SHA-256 of their content, checkable with sha256sum and gzip alone (README.txt steps)', () => {
    const sums = spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: bundle, encoding: 'utf8' });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    const loop = /^ {5}(for f in attachments.*)$/m.exec(readFileSync(join(bundle, 'README.txt'), 'utf8'))![1]!;
    const ok = spawnSync('sh', ['-c', loop], { cwd: bundle, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('');
    const gz = listFiles(bundle).filter((f) => f.startsWith('attachments/'));
    expect(gz.length).toBeGreaterThan(0);
    expect(gz.every((f) => f.endsWith('.gz'))).toBe(true);
    // The same loop names a tampered attachment.
    const dir = copy('readme-loop');
    const p = attachment(dir);
    writeFileSync(p, gzipBundleFile('{}'));
    expect(spawnSync('sh', ['-c', loop], { cwd: dir, encoding: 'utf8' }).stdout).toContain(`BAD attachments/sha256/`);
  });

  it('Type 1 holds the latest state as of the instant, no timeline, and verifies', async () => {
    const out = join(work, 't1');
    await exportBundle({ dataDir: demo.dataDir, type: 1, asOf: '2025-03-02', framework: FRAMEWORK, out, clock: demo.clock, logger: silentLogger });
    expect(existsSync(join(out, 'report/timeline.csv'))).toBe(false);
    const pop = readFileSync(join(out, 'report/populations/aws.iam.user_mfa_enabled.csv'), 'utf8').trim().split('\r\n');
    expect(pop).toHaveLength(4);
    expect(pop.find((l) => l.includes('user-1'))).toContain(',fail,');
    expect(JSON.parse(readFileSync(join(out, 'report/summary.json'), 'utf8')).type).toBe(1);
    expect((await verifyBundle(out, { trustedKeyFile: keyPem })).ok).toBe(true);
  });

  it('writes OSCAL assessment-results valid against NIST OSCAL 1.0.6', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(resolve(__dirname, 'fixtures/oscal_assessment-results_schema.json'), 'utf8')));
    const doc = JSON.parse(readFileSync(join(bundle, 'report/oscal-assessment-results.json'), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });
});

type Mutation = { id: string; apply: (dir: string) => void | Promise<void>; code: string; file?: RegExp; trustedKey?: () => string };

const matrix: Mutation[] = [
  { id: 'A1 flip a byte in a leaf line', apply: (d) => { const p = leafFile(d); const b = readFileSync(p); b[40] = b[40]! ^ 0x01; writeFileSync(p, b); }, code: 'FILE_MODIFIED', file: /ledger\/leaves/ },
  { id: 'A1 flip a leaf byte, re-hash SUMS and re-sign (insider with the key)', apply: async (d) => { const p = leafFile(d); const b = readFileSync(p); b[40] = b[40]! ^ 0x01; writeFileSync(p, b); await resign(d); }, code: 'ROOT_MISMATCH' },
  { id: 'A2 flip a bit in a checkpoint root', apply: (d) => { const dir = join(d, 'ledger/checkpoints'); const p = join(dir, readdirSync(dir)[3]!); const t = readFileSync(p, 'utf8').split('\n'); t[2] = t[2]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')); writeFileSync(p, t.join('\n')); }, code: 'SIGNATURE', file: /checkpoints/ },
  { id: 'A3 flip a byte in manifest.note', apply: (d) => { const p = join(d, 'manifest.note'); const b = readFileSync(p); b[5] = b[5]! ^ 0x20; writeFileSync(p, b); }, code: 'SIGNATURE', file: /manifest\.note/ },
  { id: 'A3 edit SHA256SUMS', apply: (d) => { appendFileSync(join(d, 'SHA256SUMS'), `${'0'.repeat(64)}  README.txt\n`); }, code: 'SUMS_MALFORMED' },
  { id: 'A4 flip a byte in an attachment gzip header (SUMS re-hashed)', apply: async (d) => { const p = attachment(d); const b = readFileSync(p); b[3] = b[3]! ^ 0x01; writeFileSync(p, b); await resign(d); }, code: 'ATTACHMENT_MISMATCH', file: /^attachments\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.gz$/ },
  { id: 'A4 flip a byte inside the compressed data of an attachment (SUMS re-hashed)', apply: async (d) => { const p = attachment(d); const b = readFileSync(p); b[Math.floor(b.length / 2)] = b[Math.floor(b.length / 2)]! ^ 0x10; writeFileSync(p, b); await resign(d); }, code: 'ATTACHMENT_MISMATCH', file: /^attachments\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.gz$/ },
  { id: 'A4 an attachment replaced by another gzip of other content (SUMS re-hashed)', apply: async (d) => { const p = attachment(d); writeFileSync(p, gzipBundleFile(gunzipSync(readFileSync(p)).toString('utf8').replace('pass', 'fail'))); await resign(d); }, code: 'ATTACHMENT_MISMATCH', file: /\.gz$/ },
  { id: 'A4 a zero byte after the gzip stream of an attachment (SUMS re-hashed)', apply: async (d) => { appendFileSync(attachment(d), Buffer.from([0])); await resign(d); }, code: 'ATTACHMENT_MISMATCH', file: /\.gz$/ },
  { id: 'A4 an attachment stored uncompressed under its plain name (SUMS re-hashed)', apply: async (d) => { const p = attachment(d); writeFileSync(p.replace(/\.gz$/, ''), gunzipSync(readFileSync(p))); rmSync(p); await resign(d); }, code: 'ATTACHMENT_MISSING' },
  { id: 'A7 edit a report CSV and re-sign', apply: async (d) => { const p = join(d, 'report/coverage.csv'); writeFileSync(p, readFileSync(p, 'utf8').replace(',0,', ',1,')); await resign(d); }, code: 'REPORT_MISMATCH', file: /coverage\.csv/ },
  { id: 'H5 drop a population row and re-sign', apply: async (d) => { editLines(join(d, 'report/populations/aws.iam.user_mfa_enabled.csv'), (l) => l.filter((_, i) => i !== 5)); await resign(d); }, code: 'REPORT_MISMATCH', file: /populations/ },
  { id: 'H6 a snapshot row edited inside its gzip file and re-signed', apply: async (d) => { const p = join(d, 'report/snapshots/aws.iam.user_mfa_enabled/2025-03-02.csv.gz'); writeFileSync(p, gzipBundleFile(gunzipSync(readFileSync(p)).toString('utf8').replace(',fail,', ',pass,'))); await resign(d); }, code: 'REPORT_MISMATCH', file: /snapshots\/aws\.iam\.user_mfa_enabled\/2025-03-02\.csv\.gz$/ },
  { id: 'H6 flip a byte inside a compressed snapshot and re-sign', apply: async (d) => { const p = join(d, 'report/snapshots/aws.iam.user_mfa_enabled/2025-03-02.csv.gz'); const b = readFileSync(p); b[Math.floor(b.length / 2)] = b[Math.floor(b.length / 2)]! ^ 0x04; writeFileSync(p, b); await resign(d); }, code: 'REPORT_MISMATCH', file: /2025-03-02\.csv\.gz$/ },
  { id: 'A8 reformat a leaf with the same JSON meaning and re-sign', apply: async (d) => { editLines(leafFile(d), (l) => l.map((x, i) => (i === 1 ? JSON.stringify(JSON.parse(x), null, 0).replace('{', '{ ') : x))); await resign(d); }, code: 'LEAF_NOT_CANONICAL' },
  { id: 'B1 drop a leaf and re-sign', apply: async (d) => { editLines(leafFile(d), (l) => l.filter((_, i) => i !== 2)); await resign(d); }, code: 'SEQ_MISMATCH' },
  { id: 'B3 swap two adjacent leaves and re-sign', apply: async (d) => { editLines(leafFile(d), (l) => { const t = l[1]!; l[1] = l[2]!; l[2] = t; return l; }); await resign(d); }, code: 'SEQ_MISMATCH' },
  { id: 'B5 delete a whole day file', apply: (d) => rmSync(leafFile(d)), code: 'FILE_MISSING', file: /ledger\/leaves/ },
  { id: "B7 report.html's integrity statement (manifest report.integrity) names another end root, manifest re-signed", apply: async (d) => { const p = join(d, 'manifest.json'); const m = JSON.parse(readFileSync(p, 'utf8')); m.report.integrity.endRoot = '0'.repeat(64); writeFileSync(p, JSON.stringify(m, null, 2)); await resign(d); }, code: 'INTEGRITY_STATEMENT', file: /^manifest\.json$/ },
  { id: "B7 the integrity statement names another key's fingerprint, manifest re-signed", apply: async (d) => { const p = join(d, 'manifest.json'); const m = JSON.parse(readFileSync(p, 'utf8')); m.report.integrity.keyFingerprint = `SHA256:${'ab'.repeat(32)}`; writeFileSync(p, JSON.stringify(m, null, 2)); await resign(d); }, code: 'INTEGRITY_STATEMENT', file: /^manifest\.json$/ },
  { id: "B6' delete the end checkpoint and re-sign", apply: async (d) => { const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')); rmSync(join(d, `ledger/checkpoints/${m.tree.endSize}.checkpoint`)); await resign(d); }, code: 'NO_END_CHECKPOINT' },
  { id: 'C1 remove the last leaves and re-sign', apply: async (d) => { const files = readdirSync(join(d, 'ledger/leaves')).sort(); editLines(join(d, 'ledger/leaves', files[files.length - 1]!), (l) => l.slice(0, -1)); await resign(d); }, code: 'SIZE_MISMATCH' },
  { id: 'C3 a leaf file cut mid-line', apply: (d) => { const p = leafFile(d); const b = readFileSync(p); writeFileSync(p, b.subarray(0, b.length - 7)); }, code: 'LEAF_TRUNCATED' },
  { id: 'D2 a leaf line duplicated, re-signed', apply: async (d) => { editLines(leafFile(d), (l) => [l[0]!, ...l]); await resign(d); }, code: 'SEQ_MISMATCH' },
  { id: 'F1 only an unknown key signed (pinned key differs)', apply: () => undefined, code: 'SIGNATURE', trustedKey: () => { const p = join(work, 'other.pem'); writeFileSync(p, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' })); return p; } },
  { id: 'I unlisted extra file', apply: (d) => writeFileSync(join(d, 'report/notes.txt'), 'hi'), code: 'UNLISTED_FILE', file: /notes\.txt/ },
  { id: 'I symlink in the bundle', apply: (d) => symlinkSync('/etc/passwd', join(d, 'report/passwd')), code: 'CONTAINER', file: /passwd/ },
];

describe('mutation matrix (evidence-ledger.md §3.2)', () => {
  for (const m of matrix) {
    it(`${m.id} → exit 1 with ${m.code}`, async () => {
      const dir = copy(m.id.replace(/[^A-Za-z0-9]+/g, '-'));
      await m.apply(dir);
      const r = await verifyBundle(dir, { trustedKeyFile: m.trustedKey ? m.trustedKey() : keyPem });
      expect(r.ok).toBe(false);
      const hit = r.faults.find((f) => f.code === m.code);
      expect(hit, JSON.stringify(r.faults)).toBeDefined();
      if (m.file) expect(hit!.file).toMatch(m.file);
    });
  }
});

describe('mutation matrix on .zip bundles, read in place', () => {
  // The same mutations, the folder then zipped as export zips it: the zip reader must find the same faults.
  for (const m of matrix.filter((x) => !x.id.includes('symlink'))) {
    it(`${m.id} (zipped) → exit 1 with ${m.code}`, async () => {
      const dir = copy(`zip-${m.id.replace(/[^A-Za-z0-9]+/g, '-')}`);
      await m.apply(dir);
      const z = `${dir}.zip`;
      await writeDeterministicZip(dir, listFiles(dir), z, new Date('2025-03-04T00:00:00Z'));
      const r = await verifyBundle(z, { trustedKeyFile: m.trustedKey ? m.trustedKey() : keyPem });
      expect(r.ok).toBe(false);
      const hit = r.faults.find((f) => f.code === m.code);
      expect(hit, JSON.stringify(r.faults)).toBeDefined();
      if (m.file) expect(hit!.file).toMatch(m.file);
    });
  }

  /** A zip of the untouched bundle plus `extra` entries added by `add`. */
  async function zipWith(name: string, add: (z: yazl.ZipFile) => void): Promise<string> {
    const z = new yazl.ZipFile();
    for (const f of listFiles(bundle)) z.addFile(join(bundle, f), f);
    add(z);
    z.end();
    const out = join(work, name);
    await new Promise<void>((res, rej) => z.outputStream.pipe(createWriteStream(out)).on('close', () => res()).on('error', rej));
    return out;
  }

  it('an intact zip verifies without extracting anything to disk', async () => {
    const z = await zipWith('intact.zip', () => undefined);
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('vigil-verify-')).length;
    const r = await verifyBundle(z, { trustedKeyFile: keyPem });
    expect(r.faults).toEqual([]);
    expect(r.stats.reportFiles).toBeGreaterThan(10);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('vigil-verify-')).length).toBe(before);
  });
  it('a path-traversal entry is a container fault, and nothing is read', async () => {
    // yazl refuses "..", so the entry is written as "xx/evil.txt" and renamed in place (same length) in both headers.
    const z = await zipWith('traversal.zip', (zz) => zz.addBuffer(Buffer.from('pwned'), 'xx/evil.txt'));
    const b = readFileSync(z);
    let at = b.indexOf('xx/evil.txt');
    while (at >= 0) {
      b.write('../evil.txt', at);
      at = b.indexOf('xx/evil.txt', at + 1);
    }
    writeFileSync(z, b);
    const r = await verifyBundle(z, { trustedKeyFile: keyPem });
    expect(r.ok).toBe(false);
    expect(r.faults).toEqual([{ code: 'CONTAINER', file: '../evil.txt', message: 'path traversal or empty path segment' }]);
  });
  it('symlink and duplicate entries are container faults', async () => {
    const z = await zipWith('links.zip', (zz) => {
      zz.addBuffer(Buffer.from('/etc/passwd'), 'report/passwd', { mode: 0o120777 });
      zz.addBuffer(Buffer.from('again'), 'README.txt');
    });
    const r = await verifyBundle(z, { trustedKeyFile: keyPem });
    expect(r.ok).toBe(false);
    expect(r.faults).toContainEqual({ code: 'CONTAINER', file: 'report/passwd', message: 'symlink entries are not allowed' });
    expect(r.faults).toContainEqual({ code: 'CONTAINER', file: 'README.txt', message: 'duplicate zip entry' });
  });
  it('corrupt compressed data inside an entry is named, not a crash', async () => {
    const z = join(work, 'corrupt.zip');
    await writeDeterministicZip(bundle, listFiles(bundle), z, new Date('2025-03-04T00:00:00Z'));
    const b = readFileSync(z);
    // The first deflated entry's data starts after its 30-byte local header, name and extra field.
    const nameLen = b.readUInt16LE(26);
    const extraLen = b.readUInt16LE(28);
    expect(b.readUInt16LE(8)).toBe(8);
    const data = 30 + nameLen + extraLen;
    for (let i = 0; i < 16; i++) b[data + i] = 0xff;
    writeFileSync(z, b);
    const r = await verifyBundle(z, { trustedKeyFile: keyPem });
    expect(r.ok).toBe(false);
    expect(listFiles(bundle)[0]).toBe('README.txt');
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]).toMatchObject({ code: 'CONTAINER', file: 'README.txt' });
    expect(r.faults[0]!.message).toMatch(/^unreadable: /);
    // It kept going: everything else was checked and recomputed.
    expect(r.stats.reportFiles).toBeGreaterThan(10);
  });
});

describe('mutation property', () => {
  it('no single random byte flip, insertion, deletion or truncation in any file verifies', async () => {
    const files = listFiles(bundle).filter((f) => !f.startsWith('verify/'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(files.length - 1), fc.nat(1_000_000), fc.integer({ min: 1, max: 255 }), fc.constantFrom('flip', 'insert', 'delete', 'truncate'), async (fi, off, x, kind) => {
        const dir = copy(`prop-${n++}`);
        const p = join(dir, files[fi]!);
        const b = readFileSync(p);
        const at = b.length === 0 ? 0 : off % b.length;
        let mutated: Buffer;
        if (kind === 'flip' && b.length > 0) { mutated = Buffer.from(b); mutated[at] = mutated[at]! ^ x; }
        else if (kind === 'insert') mutated = Buffer.concat([b.subarray(0, at), Buffer.from([x]), b.subarray(at)]);
        else if (kind === 'delete' && b.length > 0) mutated = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        else mutated = b.subarray(0, at);
        if (mutated.equals(b)) mutated = Buffer.concat([b, Buffer.from('x')]);
        writeFileSync(p, mutated);
        const r = await verifyBundle(dir, { trustedKeyFile: keyPem });
        rmSync(dir, { recursive: true, force: true });
        return !r.ok;
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});

describe('vigil export / verify CLI', () => {
  const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
  it('bad ranges exit 2 with a message naming the option', () => {
    const r1 = run(['--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2025-03-03', '--to', '2025-03-01', '--out', join(work, 'x')]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain('--to 2025-03-01 is before --from');
    const r2 = run(['--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2025-02-30', '--to', '2025-03-01', '--out', join(work, 'x')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('--from');
    const r3 = run(['--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2099-01-01', '--to', '2099-01-02', '--out', join(work, 'x')]);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toContain('future');
    const r4 = run(['--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2020-01-01', '--to', '2020-01-02', '--out', join(work, 'x')]);
    expect(r4.status).toBe(2);
    expect(r4.stderr).toContain('before the ledger began');
    expect(existsSync(join(work, 'x'))).toBe(false);
  }, 60_000);
  it('vigil export and vigil verify do their work in a lean worker under the capped heap; the bundle verifies', () => {
    const probe = join(work, 'probe.jsonl');
    const env = { ...process.env, VIGIL_LOG_LEVEL: 'warn', NODE_OPTIONS: `--import=${new URL('./fixtures/process-probe.mjs', import.meta.url).href}`, VIGIL_PROBE_FILE: probe };
    for (const k of ['VIGIL_BOUNDED_HEAP', ...Object.keys(WORKER_MALLOC_ENV)]) delete (env as Record<string, string | undefined>)[k];
    const out = join(work, 'cli-export');
    const e = spawnSync(process.execPath, [BIN, '--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2025-03-01', '--to', '2025-03-03', '--sample-seed', 's1', '--out', out, '--json'], { encoding: 'utf8', env });
    expect(e.status, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).out).toBe(out);
    const v = spawnSync(process.execPath, [BIN, 'verify', out, '--trusted-key', keyPem], { encoding: 'utf8', env });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('bundle OK');
    // The worker writes the evidence an in-process export writes, verifier included, byte for byte (the report differs:
    // the CLI reports against the real SOC 2 framework, the in-process export against the test's small one).
    const evidence = (dir: string) => readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => /  (ledger|attachments|keys|verify)\//.test(l));
    expect(evidence(out).length).toBeGreaterThan(10);
    expect(evidence(out)).toEqual(evidence(bundle));
    const procs = readFileSync(probe, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { script: string; execArgv: string[]; heapLimitMb: number; mallocArenaMax: string | null });
    const cap = BOUNDED_HEAP_FLAGS.find((f) => f.startsWith('--max-old-space-size'))!;
    for (const name of ['export', 'verify']) {
      const workers = procs.filter((p) => new RegExp(`[\\\\/]${name}-[0-9a-f]{16}\\.mjs$`).test(p.script));
      expect(workers, `${name} worker in ${JSON.stringify(procs)}`).toHaveLength(1);
      expect(workers[0]!.execArgv).toContain(cap);
      expect(workers[0]!.heapLimitMb).toBeLessThan(Number(cap.split('=')[1]) + 64);
      expect(workers[0]!.mallocArenaMax).toBe(WORKER_MALLOC_ENV.MALLOC_ARENA_MAX);
    }
    // The launcher itself ran uncapped and did no export work: two launchers, two workers, nothing else.
    expect(procs).toHaveLength(4);
  }, 120_000);
  it('where the worker script cannot be written, export and verify still run, re-run under the heap cap', () => {
    const probe = join(work, 'probe-fallback.jsonl');
    const env = { ...process.env, VIGIL_LOG_LEVEL: 'warn', VIGIL_CACHE_DIR: '/dev/null/not-a-folder', NODE_OPTIONS: `--import=${new URL('./fixtures/process-probe.mjs', import.meta.url).href}`, VIGIL_PROBE_FILE: probe };
    delete (env as Record<string, string | undefined>).VIGIL_BOUNDED_HEAP;
    const out = join(work, 'cli-export-fallback');
    const e = spawnSync(process.execPath, [BIN, '--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2025-03-01', '--to', '2025-03-03', '--out', out], { encoding: 'utf8', env });
    expect(e.status, e.stderr).toBe(0);
    expect(spawnSync(process.execPath, [BIN, 'verify', out, '--trusted-key', keyPem], { encoding: 'utf8', env }).status).toBe(0);
    const procs = readFileSync(probe, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { script: string; execArgv: string[] });
    // Two commands, each a launcher plus its capped re-run of itself; no worker script anywhere.
    expect(procs).toHaveLength(4);
    expect(procs.every((p) => /vigil\.mjs$/.test(p.script))).toBe(true);
    expect(procs.filter((p) => p.execArgv.includes(BOUNDED_HEAP_FLAGS[0]!))).toHaveLength(2);
  }, 120_000);
  it('vigil verify exits 0 on the bundle and 1 naming the file after a flip', () => {
    expect(run(['verify', bundle, '--trusted-key', keyPem]).status).toBe(0);
    const dir = copy('cli-flip');
    const p = join(dir, 'report/summary.json');
    const b = readFileSync(p);
    b[10] = b[10]! ^ 1;
    writeFileSync(p, b);
    const r = run(['verify', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('report/summary.json');
    expect(run(['verify', join(work, 'nope')]).status).toBe(2);
  }, 60_000);
});

describe('Type 1 facts', () => {
  it('carries the definition of every rule it reports, and leaves a scope that stopped reporting out of the systems in scope', async () => {
    const d = await buildDemoLedger({ days: 4, retiredScope: '999999999999' });
    const out = mkdtempSync(join(tmpdir(), 'vigil-t1-'));
    try {
      await exportBundle({ dataDir: d.dataDir, type: 1, asOf: '2025-03-04', framework: FRAMEWORK, out: join(out, 'b'), clock: d.clock, logger: silentLogger });
      const summary = JSON.parse(readFileSync(join(out, 'b/report/summary.json'), 'utf8'));
      const changes = readFileSync(join(out, 'b/report/changes.csv'), 'utf8');
      const reported = Object.entries(summary.rules as Record<string, { evaluations: number }>).filter(([, r]) => r.evaluations > 0).map(([id]) => id);
      expect(reported.sort()).toEqual(['aws.iam.root_mfa_enabled', 'aws.iam.user_mfa_enabled']);
      for (const id of reported) expect(changes).toMatch(new RegExp(`,rule\\.defined,${id.replace(/\./g, '\\.')},[0-9a-f]{64},`));
      // The account that reported once on the first day is stale at the close of the fourth: listed apart, not counted.
      expect(summary.scopes).toEqual(['aws/111122223333']);
      expect(summary.staleScopes).toEqual(['aws/999999999999']);
      expect(summary.runs).toBe(1);
      expect(summary.rules['aws.iam.root_mfa_enabled'].evaluations).toBe(1);
      expect((await verifyBundle(join(out, 'b'), { trustedKeyFile: join(d.dataDir, 'keys', 'ledger-ed25519.pub.pem') })).faults).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(d.dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
