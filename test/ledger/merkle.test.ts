// RFC 6962 hashing, frontier and proofs against the transparency-dev/merkle reference vectors and properties.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  consistencyProof,
  consistencyProofFromFrontier,
  EMPTY_ROOT,
  Frontier,
  inclusionProof,
  leafHash,
  rootOf,
  rootOfRecursive,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const dh = (h: string): Buffer => Buffer.from(h, 'hex');

// transparency-dev/merkle proof/verify_test.go: leaves, roots for sizes 1..8, proofs.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(dh);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// {leaf (1-based), size, proof}
const INCLUSION: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [2, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
const CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];
const SOME_HASH = dh('abacaba000000000000000000000000000000000000000000060061e00123456');
const LEAF_HASHES = LEAVES.map(leafHash);

describe('RFC 6962 known answers', () => {
  it('empty tree root is SHA-256 of the empty string', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(rootOf([]))).toBe(hex(EMPTY_ROOT));
    expect(hex(new Frontier().root())).toBe(hex(EMPTY_ROOT));
  });

  it('roots for sizes 1..8 match the reference, by fold, recursion and frontier', () => {
    const f = new Frontier();
    for (let n = 1; n <= 8; n++) {
      f.append(LEAF_HASHES[n - 1] as Buffer);
      expect(hex(rootOf(LEAF_HASHES.slice(0, n))), `size ${n}`).toBe(ROOTS[n - 1]);
      expect(hex(rootOfRecursive(LEAF_HASHES.slice(0, n))), `size ${n}`).toBe(ROOTS[n - 1]);
      expect(hex(f.root()), `size ${n}`).toBe(ROOTS[n - 1]);
    }
  });

  it('splits at the largest power of two below n, not the midpoint', () => {
    expect([2, 3, 4, 5, 6, 7, 8, 9, 1000].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 4, 4, 8, 512]);
  });

  it.each(INCLUSION)('inclusion proof for leaf %i in size %i is generated and verified', (leaf, size, proofHex) => {
    const proof = proofHex.map(dh);
    const tree = LEAF_HASHES.slice(0, size);
    expect(inclusionProof(leaf - 1, tree).map(hex)).toEqual(proofHex);
    const root = dh(ROOTS[size - 1] as string);
    const lh = LEAF_HASHES[leaf - 1] as Buffer;
    expect(verifyInclusion(leaf - 1, size, lh, proof, root)).toBe(true);
    // transparency-dev's corruption probes: every one must fail.
    const probes: Array<[string, number, number, Uint8Array, Uint8Array[], Uint8Array]> = [
      ['index - 1', leaf - 2, size, lh, proof, root],
      ['index + 1', leaf, size, lh, proof, root],
      ['index ^ 2', (leaf - 1) ^ 2, size, lh, proof, root],
      ['size * 2', leaf - 1, size * 2, lh, proof, root],
      ['size / 2', leaf - 1, Math.floor(size / 2), lh, proof, root],
      ['wrong leaf', leaf - 1, size, Buffer.from('WrongLeaf'), proof, root],
      ['empty root', leaf - 1, size, lh, proof, EMPTY_ROOT],
      ['random root', leaf - 1, size, lh, proof, SOME_HASH],
      ['trailing garbage', leaf - 1, size, lh, [...proof, Buffer.alloc(0)], root],
      ['trailing root', leaf - 1, size, lh, [...proof, root], root],
      ['preceding garbage', leaf - 1, size, lh, [Buffer.alloc(0), ...proof], root],
      ['preceding root', leaf - 1, size, lh, [root, ...proof], root],
    ];
    proof.forEach((_, i) => {
      const p = proof.map((x) => Buffer.from(x));
      const e = p[i] as Buffer;
      e[0] = (e[0] as number) ^ 8;
      probes.push([`flip proof[${i}]`, leaf - 1, size, lh, p, root]);
    });
    if (proof.length > 0) probes.push(['removed component', leaf - 1, size, lh, proof.slice(0, -1), root]);
    if (proof.length > 1) probes.push(['inserted component', leaf - 1, size, lh, [proof[0] as Buffer, SOME_HASH, ...proof.slice(1)], root]);
    for (const [desc, i, n, l, p, r] of probes) {
      expect(verifyInclusion(i, n, l, p, r), desc).toBe(false);
    }
  });

  it.each(CONSISTENCY)('consistency proof %i -> %i is generated and verified', (size1, size2, proofHex) => {
    const proof = proofHex.map(dh);
    expect(consistencyProof(size1, LEAF_HASHES.slice(0, size2)).map(hex)).toEqual(proofHex);
    const r1 = dh(ROOTS[size1 - 1] as string);
    const r2 = dh(ROOTS[size2 - 1] as string);
    expect(verifyConsistency(size1, size2, proof, r1, r2)).toBe(true);
    if (proof.length === 0) return;
    const probes: Array<[string, number, number, Uint8Array[], Uint8Array, Uint8Array]> = [
      ['size1 - 1', size1 - 1, size2, proof, r1, r2],
      ['size1 + 1', size1 + 1, size2, proof, r1, r2],
      ['size1 ^ 2', size1 ^ 2, size2, proof, r1, r2],
      ['size2 * 2', size1, size2 * 2, proof, r1, r2],
      ['size2 / 2', size1, Math.floor(size2 / 2), proof, r1, r2],
      ['wrong root1', size1, size2, proof, Buffer.from('WrongRoot'), r2],
      ['wrong root2', size1, size2, proof, r1, Buffer.from('WrongRoot')],
      ['swapped roots', size1, size2, proof, r2, r1],
      ['empty proof', size1, size2, [], r1, r2],
      ['trailing garbage', size1, size2, [...proof, Buffer.alloc(0)], r1, r2],
      ['trailing root1', size1, size2, [...proof, r1], r1, r2],
      ['trailing root2', size1, size2, [...proof, r2], r1, r2],
      ['preceding garbage', size1, size2, [Buffer.alloc(0), ...proof], r1, r2],
      ['preceding root1', size1, size2, [r1, ...proof], r1, r2],
      ['preceding root2', size1, size2, [r2, ...proof], r1, r2],
      ['preceding proof[0]', size1, size2, [proof[0] as Buffer, ...proof], r1, r2],
      ['truncated proof', size1, size2, proof.slice(0, -1), r1, r2],
    ];
    proof.forEach((_, i) => {
      const p = proof.map((x) => Buffer.from(x));
      const e = p[i] as Buffer;
      e[0] = (e[0] as number) ^ 16;
      probes.push([`flip proof[${i}]`, size1, size2, p, r1, r2]);
    });
    for (const [desc, s1, s2, p, a, b] of probes) expect(verifyConsistency(s1, s2, p, a, b), desc).toBe(false);
  });

  it('consistency edge cases: equal sizes, empty first tree, time travel', () => {
    const a = Buffer.from("don't care 1");
    const b = Buffer.from("don't care 2");
    expect(verifyConsistency(0, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(0, 0, [], a, a)).toBe(true);
    expect(verifyConsistency(0, 1, [], a, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], b, b)).toBe(true);
    expect(verifyConsistency(1, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(2, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 2, [], a, b)).toBe(false);
    expect(verifyConsistency(0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(0, 1, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(1, 1, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
  });

  it('inclusion edge cases: empty tree, index out of range, wrong-size hashes', () => {
    for (const [i, n] of [[0, 0], [1, 0], [2, 1]] as const) {
      expect(verifyInclusion(i, n, SOME_HASH, [], EMPTY_ROOT)).toBe(false);
    }
    const h = leafHash(Buffer.from('data'));
    expect(verifyInclusion(0, 1, h, [], h)).toBe(true);
    expect(verifyInclusion(0, 1, Buffer.alloc(0), [], h)).toBe(false);
    expect(verifyInclusion(0, 1, h, [], Buffer.alloc(0))).toBe(false);
  });
});

const leavesArb = fc.array(fc.uint8Array({ maxLength: 24 }), { minLength: 1, maxLength: 70 }).map((xs) => xs.map(leafHash));

describe('properties', () => {
  it('frontier root equals the recursive root at every size, and survives serialization', () => {
    fc.assert(
      fc.property(leavesArb, (hashes) => {
        const f = new Frontier();
        for (let n = 1; n <= hashes.length; n++) {
          f.append(hashes[n - 1] as Buffer);
          const want = rootOfRecursive(hashes.slice(0, n));
          if (!f.root().equals(want)) return false;
          if (!Frontier.deserialize(f.serialize()).root().equals(want)) return false;
          if (!Frontier.fromJSON(f.toJSON()).root().equals(want)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('every generated inclusion and consistency proof verifies', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), fc.nat(), (hashes, a, b) => {
        const n = hashes.length;
        const i = a % n;
        const root = rootOf(hashes);
        if (!verifyInclusion(i, n, hashes[i] as Buffer, inclusionProof(i, hashes), root)) return false;
        const m = b % (n + 1);
        return verifyConsistency(m, n, consistencyProof(m, hashes), rootOf(hashes.slice(0, m)), root);
      }),
      { numRuns: 100 },
    );
  });

  it('changing any single leaf changes the root', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (hashes, a, other) => {
        const i = a % hashes.length;
        const changed = hashes.slice();
        const replacement = leafHash(Buffer.concat([Buffer.from('x'), other]));
        fc.pre(!replacement.equals(hashes[i] as Buffer));
        changed[i] = replacement;
        return !rootOf(changed).equals(rootOf(hashes));
      }),
      { numRuns: 100 },
    );
  });

  it('frontier deserialization rejects a size that does not match its hash count', () => {
    const f = new Frontier();
    for (const h of LEAF_HASHES.slice(0, 5)) f.append(h);
    const bad = f.serialize();
    bad.writeBigUInt64BE(7n, 0);
    expect(() => Frontier.deserialize(bad)).toThrow(/must be 104 bytes/);
    expect(Frontier.deserialize(f.serialize()).size).toBe(5);
    expect(() => Frontier.fromJSON({ size: 3, hashes: [] })).toThrow();
  });
});

describe('consistency proof from a frontier and the newer leaves only', () => {
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const frontierAt = (m: number): Frontier => {
    const f = new Frontier();
    for (const h of leaves.slice(0, m)) f.append(h);
    // through its stored form, as a checkpoint keeps it
    return Frontier.deserialize(f.serialize());
  };

  it('equals PROOF(m, D[n]) for every 0 ≤ m ≤ n ≤ 70, and verifies', () => {
    for (let n = 0; n <= 70; n++) {
      for (let m = 0; m <= n; m++) {
        const p = consistencyProofFromFrontier(frontierAt(m), leaves.slice(m, n));
        expect(p.map(hex), `${m} → ${n}`).toEqual(consistencyProof(m, leaves.slice(0, n)).map(hex));
        if (m > 0) expect(verifyConsistency(m, n, p, rootOf(leaves.slice(0, m)), rootOf(leaves.slice(0, n)))).toBe(true);
      }
    }
  });

  it('matches the reference proof at large sizes without the older leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 300 }), (m, extra) => {
        const all = Array.from({ length: m + extra }, (_, i) => leafHash(Buffer.from(`x${i}`)));
        const f = new Frontier();
        for (const h of all.slice(0, m)) f.append(h);
        expect(consistencyProofFromFrontier(f, all.slice(m)).map(hex)).toEqual(consistencyProof(m, all).map(hex));
      }),
      { numRuns: 40 },
    );
  });
});
