// checkCosignedChain: a period's witnessed checkpoints, and every way the log holder could cheat, each named.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { verifierFromVkey } from '../../src/ledger/note.js';
import { checkCosignedChain, type ChainCheckpoint, type ChainProof } from '../../src/witness/chain.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { TestLog } from './helpers.js';

const w1 = ed25519Cosigner('witness.test/w1', generateKeyPairSync('ed25519').privateKey);
const w2 = ed25519Cosigner('witness.test/w2', generateKeyPairSync('ed25519').privateKey);

/** The log's checkpoint at `size`, with the witnesses' cosignature lines appended to its signature block. */
function cosigned(log: TestLog, size: number, ...by: Array<typeof w1>): ChainCheckpoint {
  return { note: log.checkpoint(size) + by.map((w, i) => `${w.cosign(log.body(size), 1_700_000_000 + size + i)}\n`).join('') };
}

const proof = (log: TestLog, from: number, to: number): ChainProof => ({ fromSize: from, toSize: to, proof: log.proof(from, to).map((h) => h.toString('base64')) });

describe('checkCosignedChain', () => {
  const log = new TestLog().grow(40);

  it('accepts a consistent, cosigned period and reports each cosigned checkpoint with its witnesses', () => {
    const r = checkCosignedChain({
      checkpoints: [cosigned(log, 5, w1), { note: log.checkpoint(12), cosignatures: [w1.cosign(log.body(12), 9)] }, cosigned(log, 12, w1), cosigned(log, 40, w1, w2)],
      proofs: [proof(log, 5, 12), proof(log, 12, 40)],
      witnesses: [w1.vkey, w2.vkey],
      logVerifiers: [verifierFromVkey(log.vkey)],
      require: 'every',
    });
    expect(r.faults).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.cosigned.map((c) => [c.size, c.witnesses.map((w) => w.name)])).toEqual([
      [5, ['witness.test/w1']],
      [12, ['witness.test/w1']],
      [12, ['witness.test/w1']],
      [40, ['witness.test/w1', 'witness.test/w2']],
    ]);
    expect(r.cosigned[3]?.root).toBe(log.root(40).toString('base64'));
  });

  it('names a rollback, a same-size fork, an inconsistent extension and a missing proof', () => {
    const fork = log.forkAt(7);
    const r = checkCosignedChain({
      checkpoints: [cosigned(log, 20, w1), cosigned(log, 10, w1), cosigned(fork, 10, w1), cosigned(fork, 30, w1), cosigned(log, 40, w1)],
      proofs: [proof(log, 10, 30)],
      witnesses: [w1.vkey],
    });
    expect(r.ok).toBe(false);
    expect(r.faults.map((f) => [f.kind, f.checkpoint])).toEqual([
      ['rollback', 1],
      ['fork', 2],
      ['fork', 3],
      ['missing-proof', 4],
    ]);
    expect(r.faults[0]?.message).toMatch(/cosigned checkpoint #1 \(size 10\) is smaller than cosigned checkpoint #0 \(size 20\)/);
    expect(r.faults[2]?.message).toMatch(/not an extension/);
    expect(r.faults[3]?.message).toMatch(/no consistency proof from size 30 to 40/);
  });

  it('detects a leaf rewritten after cosigning and re-signed with the real log key', () => {
    const rewritten = log.forkAt(3);
    // the holder re-signs the checkpoint at the cosigned size, keeping the old cosignature line
    const stale = cosigned(log, 10, w1).note.split('\n').at(-2) as string;
    const r = checkCosignedChain({
      checkpoints: [{ note: rewritten.checkpoint(10), cosignatures: [stale] }, cosigned(log, 20, w1)],
      proofs: [],
      witnesses: [w1.vkey],
      logVerifiers: [verifierFromVkey(log.vkey)],
    });
    expect(r.faults.map((f) => [f.kind, f.witness])).toEqual([['bad-cosignature', 'witness.test/w1']]);
    expect(r.faults[0]?.message).toMatch(/checkpoint #0 \(size 10\): cosignature by witness.test\/w1 .* does not verify/);
    // a proof forged to join the rewritten log to an honest cosigned checkpoint cannot verify
    const r2 = checkCosignedChain({
      checkpoints: [cosigned(log, 10, w1), cosigned(rewritten, 20, w2)],
      proofs: [proof(rewritten, 10, 20)],
      witnesses: [w1.vkey, w2.vkey],
    });
    expect(r2.faults.map((f) => f.kind)).toEqual(['fork']);
  });

  it('quorum and coverage: not-cosigned when below quorum; untrusted witnesses do not count', () => {
    const stranger = ed25519Cosigner('witness.test/stranger', generateKeyPairSync('ed25519').privateKey);
    const every = checkCosignedChain({ checkpoints: [cosigned(log, 5, w1, stranger), cosigned(log, 9, w1, w2)], proofs: [], witnesses: [w1.vkey, w2.vkey], quorum: 2, require: 'every' });
    expect(every.faults.map((f) => [f.kind, f.checkpoint])).toEqual([['not-cosigned', 0]]);
    expect(every.faults[0]?.message).toMatch(/has 1 valid cosignature\(s\) of the 2 required/);
    const none = checkCosignedChain({ checkpoints: [cosigned(log, 5, stranger)], proofs: [], witnesses: [w1.vkey] });
    expect(none.faults.map((f) => f.kind)).toEqual(['not-cosigned']);
    const any = checkCosignedChain({ checkpoints: [cosigned(log, 5), cosigned(log, 9, w1)], proofs: [], witnesses: [w1.vkey] });
    expect(any.ok).toBe(true);
  });

  it('names a checkpoint not signed by the log key, from another origin, malformed, or with a bad proof hash', () => {
    const other = new TestLog('vigil.test/other').grow(3);
    const impostor = generateKeyPairSync('ed25519').privateKey;
    const r = checkCosignedChain({
      checkpoints: [cosigned(log, 5, w1), { note: log.checkpoint(6, impostor) }, cosigned(other, 3, w1), { note: 'not a note' }, cosigned(log, 8, w1)],
      proofs: [{ fromSize: 5, toSize: 8, proof: ['%%%'] }],
      witnesses: [w1.vkey],
      logVerifiers: [verifierFromVkey(log.vkey)],
    });
    expect(r.faults.map((f) => [f.kind, f.checkpoint])).toEqual([
      ['bad-log-signature', 1],
      ['bad-log-signature', 2],
      ['malformed', 3],
      ['malformed', 4],
    ]);
    const r2 = checkCosignedChain({ checkpoints: [cosigned(log, 5, w1), cosigned(other, 3, w1)], proofs: [], witnesses: [w1.vkey] });
    expect(r2.faults.map((f) => f.kind)).toEqual(['origin-mismatch']);
  });
});
