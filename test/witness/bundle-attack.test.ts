// The attack witnesses exist for: after a witness cosigned, the key holder rewrites a leaf, re-signs every later
// checkpoint with the ledger's real key and exports again. The pinned fingerprint still matches and every other check
// passes; `vigil verify --witness-key` fails, naming the re-signed checkpoints the witness did not cosign.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/collector.js';
import { canonicalString } from '../../src/ledger/canonical.js';
import { exportBundle } from '../../src/export/bundle.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { submitCheckpoint } from '../../src/witness/client.js';
import { storeProofSource } from '../../src/witness/ledger-proofs.js';
import { WitnessSubmitter } from '../../src/witness/submitter.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { formatVerification } from '../../src/verify/standalone.js';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from '../export/helpers.js';
import { rewriteAndResign, startTestWitness, type TestWitness } from './agent-helpers.js';

describe('a leaf rewritten and re-signed with the real key after a witness cosigned', () => {
  let demo: DemoLedger;
  let w: TestWitness;
  let work: string;
  let fingerprint: string;
  let changeSeq: number;
  let endSize: number;

  beforeAll(async () => {
    demo = await buildDemoLedger({ days: 3 });
    work = mkdtempSync(join(tmpdir(), 'vigil-witness-attack-'));
    const ledger = await Ledger.open({ dataDir: demo.dataDir, clock: demo.clock, logger: silentLogger });
    fingerprint = keyFingerprint(ledger.publicKeyPem);
    w = await startTestWitness(ledger);
    // Witnessing began with the engagement: the first checkpoint, cosigned and recorded as the agent records it.
    const first = (await ledger.checkpoints())[0]!;
    const r = await submitCheckpoint({ url: w.config.url, vkey: w.vkey }, first.note, 0, storeProofSource(ledger.proofReader()));
    await ledger.append([
      {
        type: 'witness.cosigned',
        idempotencyKey: `witness:auditor:${first.size}`,
        data: { witness: 'auditor', keyId: r.keyId, checkpointSize: first.size, rootHash: Buffer.from(first.root, 'hex').toString('base64'), cosignature: r.cosignature, timestamp: r.timestamp },
      },
    ]);
    // Then the agent's submitter cosigns the latest checkpoint, with a proof from the first.
    await ledger.checkpoint('manual');
    const s = new WitnessSubmitter({ ledger, witnesses: [w.config], clock: demo.clock, logger: silentLogger, pollMs: 3_600_000 });
    await s.start();
    await s.drain(10_000);
    await s.stop();
    for await (const l of ledger.readLeaves({ types: ['change'] })) if (l.body.to === 'fail') changeSeq ??= l.seq;
    await ledger.close();
  }, 60_000);
  afterAll(async () => {
    await w.server.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(demo.dataDir, { recursive: true, force: true });
  });

  const exportTo = async (name: string): Promise<string> => {
    const out = join(work, name);
    await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-02', framework: FRAMEWORK, out, clock: demo.clock, logger: silentLogger });
    return out;
  };

  it('the honest bundle verifies with the pinned fingerprint and the witness key (end anchored by a later cosigned checkpoint)', async () => {
    const out = await exportTo('honest');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { tree: { startSize: number; endSize: number }; witness?: { files: string[] } };
    endSize = manifest.tree.endSize;
    expect(manifest.witness?.files.some((f) => /^ledger\/witness\/anchor-\d+\.checkpoint$/.test(f))).toBe(true);
    const r = await verifyBundle(out, { trustedFingerprint: fingerprint, witnessKeys: [w.vkey] });
    expect(r.faults).toEqual([]);
    expect(r.witness).toMatchObject({ checked: true, quorum: 1, witnesses: ['auditor'] });
    expect(formatVerification(r)).toMatch(/end checkpoint cosigned by 1 of the witness key\(s\) you gave/);
  });

  it('the forgery passes every check but the witness one, which names the re-signed checkpoints', async () => {
    expect(changeSeq).toBeGreaterThan(0);
    expect(changeSeq).toBeLessThan(endSize);
    await rewriteAndResign(demo.dataDir, changeSeq, (b) => canonicalString({ ...(JSON.parse(b) as object), reason: 'MFA enrolled (rewritten later)' }));
    const out = await exportTo('forged');
    const pinnedOnly = await verifyBundle(out, { trustedFingerprint: fingerprint });
    expect(pinnedOnly.faults).toEqual([]);
    const r = await verifyBundle(out, { trustedFingerprint: fingerprint, witnessKeys: [w.vkey] });
    expect(r.ok).toBe(false);
    const codes = r.faults.map((f) => f.code);
    expect(codes).toContain('WITNESS_BAD_COSIGNATURE');
    const bad = r.faults.find((f) => f.code === 'WITNESS_BAD_COSIGNATURE')!;
    expect(bad.file).toMatch(/^ledger\/witness\/anchor-\d+\.checkpoint$/);
    // the start checkpoint (cosigned, below the rewrite) still verifies, so the rewrite is placed after it
    const m = /a leaf in seq (\d+)\.\.(\d+) was rewritten and re-signed/.exec(bad.message);
    expect(m, bad.message).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(changeSeq);
    expect(Number(m![2])).toBeGreaterThanOrEqual(changeSeq);
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(r.faults).toContainEqual(expect.objectContaining({ code: 'WITNESS_NOT_COSIGNED', file: `ledger/checkpoints/${endSize}.checkpoint` }));
  });
});
