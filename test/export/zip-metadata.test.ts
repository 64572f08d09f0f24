// The mutation matrix extended to zip metadata: random flips in local headers, data descriptors, the central directory, the end record and every CRC-32 all fail; foreign zips (zip -r, one level down) are read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { listFiles } from '../../src/export/files.js';
import { readEocd, ZIP_SEAL_PREFIX } from '../../src/verify/zip-structure.js';
import { silentLogger } from '../../src/core/collector.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

let demo: DemoLedger;
let work: string;
let folder: string;
let zip: string;
let keyPem: string;

beforeAll(async () => {
  demo = await buildDemoLedger({ days: 2 });
  work = mkdtempSync(join(tmpdir(), 'vigil-zipmeta-'));
  folder = join(work, 'bundle');
  zip = join(work, 'bundle.zip');
  const common = { dataDir: demo.dataDir, type: 2 as const, from: '2025-03-01', to: '2025-03-02', framework: FRAMEWORK, clock: demo.clock, logger: silentLogger };
  await exportBundle({ ...common, out: folder });
  await exportBundle({ ...common, out: zip });
  keyPem = join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem');
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(demo.dataDir, { recursive: true, force: true });
});

/** Byte ranges of the zip's metadata, by kind, read straight from the bytes (not through the code under test). */
function regions(b: Buffer): Record<'local' | 'descriptor' | 'central' | 'eocd' | 'crc', number[]> {
  const eocd = readEocd((pos, len) => b.subarray(pos, pos + len), b.length);
  const out = { local: [] as number[], descriptor: [] as number[], central: [] as number[], eocd: [] as number[], crc: [] as number[] };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
  let p = eocd.cdOffset;
  while (p < eocd.cdOffset + eocd.cdSize) {
    expect(b.readUInt32LE(p)).toBe(0x02014b50);
    const n = b.readUInt16LE(p + 28) + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
    const off = b.readUInt32LE(p + 42);
    const csize = b.readUInt32LE(p + 20);
    const flags = b.readUInt16LE(p + 8);
    out.crc.push(...range(p + 16, p + 20));
    const lh = 30 + b.readUInt16LE(off + 26) + b.readUInt16LE(off + 28);
    out.local.push(...range(off, off + lh));
    out.crc.push(...range(off + 14, off + 18));
    if (flags & 8) {
      const d = off + lh + csize;
      out.descriptor.push(...range(d, d + 16));
      out.crc.push(...range(d + 4, d + 8));
    }
    p += 46 + n;
  }
  out.central = range(eocd.cdOffset, eocd.offset);
  out.eocd = range(eocd.offset, b.length);
  return out;
}

describe('zip metadata mutation matrix', () => {
  it('the exported zip is sealed and verifies with no warning about its container', async () => {
    const r = await verifyBundle(zip, { trustedKeyFile: keyPem });
    expect(r.faults).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.warnings.filter((w) => /zip/.test(w))).toEqual([]);
    expect(readFileSync(zip).subarray(-(ZIP_SEAL_PREFIX.length + 64)).toString('latin1')).toMatch(/^vigil-zip-seal sha256:[0-9a-f]{64}$/);
  });

  // 300 flips: local headers, data descriptors, central directory, end record, and CRC-32 bytes wherever they are.
  const plan: Array<[keyof ReturnType<typeof regions>, number]> = [['local', 90], ['descriptor', 30], ['central', 90], ['eocd', 30], ['crc', 60]];
  for (const [kind, count] of plan) {
    it(`${count} random flips in ${kind} bytes all fail verification`, async () => {
      const base = readFileSync(zip);
      const where = regions(base)[kind];
      expect(where.length).toBeGreaterThan(3);
      const rand = mulberry32(kind.length * 7919 + count);
      const passed: string[] = [];
      const codes = new Map<string, number>();
      for (let i = 0; i < count; i++) {
        const at = where[Math.floor(rand() * where.length)]!;
        const x = 1 + Math.floor(rand() * 255);
        const b = Buffer.from(base);
        b[at] = b[at]! ^ x;
        const p = join(work, `flip-${kind}.zip`);
        writeFileSync(p, b);
        const r = await verifyBundle(p, { trustedKeyFile: keyPem });
        if (r.ok) passed.push(`byte ${at} ^ ${x}`);
        for (const f of r.faults) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
      }
      expect(passed, `flips that verified as OK: ${passed.join(', ')}`).toEqual([]);
      expect(codes.size).toBeGreaterThan(0);
    }, 120_000);
  }

  it('a CRC-32 made to disagree with the content is named, in the local header and in the central directory alike', async () => {
    const base = readFileSync(zip);
    const eocd = readEocd((pos, len) => base.subarray(pos, pos + len), base.length);
    const b = Buffer.from(base);
    // The first central record's CRC, and its local copy in the data descriptor: both changed, consistently.
    const cd = eocd.cdOffset;
    const name = b.subarray(cd + 46, cd + 46 + b.readUInt16LE(cd + 28)).toString('utf8');
    const off = b.readUInt32LE(cd + 42);
    const d = off + 30 + b.readUInt16LE(off + 26) + b.readUInt16LE(off + 28) + b.readUInt32LE(cd + 20);
    const wrong = (b.readUInt32LE(cd + 16) ^ 0x5a5a5a5a) >>> 0;
    b.writeUInt32LE(wrong, cd + 16);
    b.writeUInt32LE(wrong, d + 4);
    const p = join(work, 'crc.zip');
    writeFileSync(p, b);
    const r = await verifyBundle(p, { trustedKeyFile: keyPem });
    expect(r.ok).toBe(false);
    // The seal over the central directory catches it first; and without the seal the CRC itself is checked (below).
    expect(r.faults.some((f) => /seal/.test(f.message))).toBe(true);
    const unsealed = Buffer.concat([b.subarray(0, eocd.offset + 20), Buffer.from([0, 0])]);
    writeFileSync(p, unsealed);
    const r2 = await verifyBundle(p, { trustedKeyFile: keyPem });
    expect(r2.ok).toBe(false);
    expect(r2.faults).toContainEqual(expect.objectContaining({ code: 'CONTAINER', file: name, message: expect.stringMatching(/CRC-32/) }));
  });
});

describe('zips made by other tools', () => {
  /** The bundle folder zipped with yazl, as another tool would: no seal, optionally one level down. */
  async function foreignZip(name: string, prefix: string, extra?: string): Promise<string> {
    const z = new yazl.ZipFile();
    if (prefix) z.addEmptyDirectory(prefix);
    for (const f of listFiles(folder)) z.addFile(join(folder, f), `${prefix}${f}`);
    if (extra) z.addBuffer(Buffer.from('x'), extra);
    z.end();
    const out = join(work, name);
    await new Promise<void>((res, rej) => z.outputStream.pipe(createWriteStream(out)).on('close', () => res()).on('error', rej));
    return out;
  }

  it('a zip without the seal verifies, with a note that its timestamps and modes were not sealed', async () => {
    const r = await verifyBundle(await foreignZip('plain.zip', ''), { trustedKeyFile: keyPem });
    expect(r.faults).toEqual([]);
    expect(r.warnings.some((w) => /no seal/.test(w))).toBe(true);
  });

  it('a bundle one level down in the zip (zip -r b.zip folder) is read from its folder, with a note', async () => {
    const r = await verifyBundle(await foreignZip('nested.zip', 'bundle/'), { trustedKeyFile: keyPem });
    expect(r.faults).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.warnings.some((w) => /one level down.*bundle\//.test(w))).toBe(true);
  });

  it('a bundle folder zipped beside other entries is refused, with a hint on how to zip it', async () => {
    const r = await verifyBundle(await foreignZip('nested-extra.zip', 'bundle/', '__MACOSX/._bundle'), { trustedKeyFile: keyPem });
    expect(r.ok).toBe(false);
    expect(r.faults).toContainEqual(expect.objectContaining({ code: 'SUMS_MISSING' }));
    expect(r.warnings.some((w) => /SHA256SUMS is under bundle\/, but other entries lie outside.*cd folder && zip -r/.test(w))).toBe(true);
  });

  it('Info-ZIP `zip -r b.zip folder` output verifies, and a flip in its local header fails', async () => {
    const z = join(work, 'infozip.zip');
    const made = spawnSync('zip', ['-q', '-r', '-X', z, 'bundle'], { cwd: work, encoding: 'utf8' });
    expect(made.status, `zip: ${made.stderr} (CI installs zip: .ci/run)`).toBe(0);
    const r = await verifyBundle(z, { trustedKeyFile: keyPem });
    expect(r.faults).toEqual([]);
    expect(r.ok).toBe(true);
    const b = readFileSync(z);
    const eocd = readEocd((pos, len) => b.subarray(pos, pos + len), b.length);
    // Every local header's fixed fields (past the signature): version, flags, method, time, date, CRC, sizes, lengths.
    const rand = mulberry32(5);
    let p = eocd.cdOffset;
    for (let k = 0; k < 12 && p < eocd.cdOffset + eocd.cdSize; k++) {
      const off = b.readUInt32LE(p + 42);
      const at = off + 4 + Math.floor(rand() * 26);
      const m = Buffer.from(b);
      m[at] = m[at]! ^ (1 + Math.floor(rand() * 255));
      writeFileSync(join(work, 'infozip-flip.zip'), m);
      expect((await verifyBundle(join(work, 'infozip-flip.zip'), { trustedKeyFile: keyPem })).ok, `flip at ${at}`).toBe(false);
      p += 46 + b.readUInt16LE(p + 28) + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
    }
  }, 60_000);
});
