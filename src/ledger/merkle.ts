// RFC 6962 / RFC 9162 Merkle tree hashing, the compact-range frontier, and inclusion/consistency proofs.
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256("") — the root of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
// crypto.hash (Node ≥ 20.12) skips the Hash object; hashing is most of the ledger's per-leaf CPU.
const oneShot = (nodeCrypto as unknown as { hash?: OneShotHash }).hash;
const sha256: (data: Uint8Array) => Buffer =
  typeof oneShot === 'function' ? (data) => oneShot('sha256', data, 'buffer') : (data) => createHash('sha256').update(data).digest();

/** SHA-256(0x00 ‖ data): the prefix keeps a leaf from ever being confused with an inner node. */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, data]));
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** Largest power of two strictly less than n (n ≥ 2); RFC 6962 splits there, not at the midpoint. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${n}`);
}

/** MTH(D[n]) over leaf hashes, as RFC 6962 §2.1 defines it. */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return Buffer.from(EMPTY_ROOT);
  const f = new Frontier();
  for (const h of leafHashes) f.append(h);
  return f.root();
}

/** Reference recursive MTH; used to cross-check the frontier and to build proofs. */
export function rootOfRecursive(leafHashes: readonly Uint8Array[], lo = 0, hi = leafHashes.length): Buffer {
  const n = hi - lo;
  if (n === 0) return Buffer.from(EMPTY_ROOT);
  if (n === 1) return Buffer.from(leafHashes[lo] as Uint8Array);
  const k = splitPoint(n);
  return nodeHash(rootOfRecursive(leafHashes, lo, lo + k), rootOfRecursive(leafHashes, lo + k, hi));
}

/** Serialized frontier: the tree size and the perfect-subtree hashes of its binary decomposition, largest first. */
export interface FrontierJson {
  size: number;
  hashes: string[];
}

function popcount(n: number): number {
  let c = 0;
  while (n > 0) {
    c += n % 2;
    n = Math.floor(n / 2);
  }
  return c;
}

/**
 * Compact range [0, size): one hash per set bit of `size`, for the perfect subtrees left to right.
 * Appending is O(log n) and memory is O(log n), so a ledger of any length keeps a root without keeping its leaves.
 */
export class Frontier {
  private sizeValue = 0;
  private readonly stack: Buffer[] = [];

  get size(): number {
    return this.sizeValue;
  }

  append(hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes, got ${hash.length}`);
    let h: Buffer = Buffer.from(hash);
    // Each trailing 1-bit of the old size is a perfect subtree the new leaf completes.
    let s = this.sizeValue;
    while (s % 2 === 1) {
      const left = this.stack.pop() as Buffer;
      h = nodeHash(left, h);
      s = Math.floor(s / 2);
    }
    this.stack.push(h);
    this.sizeValue++;
  }

  root(): Buffer {
    const last = this.stack.length - 1;
    if (last < 0) return Buffer.from(EMPTY_ROOT);
    let r = this.stack[last] as Buffer;
    for (let i = last - 1; i >= 0; i--) r = nodeHash(this.stack[i] as Buffer, r);
    return r;
  }

  clone(): Frontier {
    const f = new Frontier();
    f.sizeValue = this.sizeValue;
    for (const h of this.stack) f.stack.push(h);
    return f;
  }

  toJSON(): FrontierJson {
    return { size: this.sizeValue, hashes: this.stack.map((h) => h.toString('hex')) };
  }

  static fromJSON(json: FrontierJson): Frontier {
    assertSize(json.size, 'frontier size');
    if (!Array.isArray(json.hashes) || json.hashes.length !== popcount(json.size)) {
      throw new RangeError(`frontier of size ${json.size} needs ${popcount(json.size)} hashes`);
    }
    const f = new Frontier();
    f.sizeValue = json.size;
    for (const hex of json.hashes) {
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new RangeError('frontier hash must be 64 lowercase hex digits');
      f.stack.push(Buffer.from(hex, 'hex'));
    }
    return f;
  }

  /** Binary form: 8-byte big-endian size, then the hashes. */
  serialize(): Buffer {
    const out = Buffer.alloc(8 + HASH_SIZE * this.stack.length);
    out.writeBigUInt64BE(BigInt(this.sizeValue), 0);
    this.stack.forEach((h, i) => h.copy(out, 8 + i * HASH_SIZE));
    return out;
  }

  static deserialize(buf: Uint8Array): Frontier {
    const b = Buffer.from(buf);
    if (b.length < 8) throw new RangeError('frontier blob too short');
    const size = Number(b.readBigUInt64BE(0));
    assertSize(size, 'frontier size');
    const n = popcount(size);
    if (b.length !== 8 + n * HASH_SIZE) throw new RangeError(`frontier of size ${size} must be ${8 + n * HASH_SIZE} bytes, got ${b.length}`);
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) hashes.push(b.subarray(8 + i * HASH_SIZE, 8 + (i + 1) * HASH_SIZE).toString('hex'));
    return Frontier.fromJSON({ size, hashes });
  }
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) over the given leaf hashes (the whole tree of size leafHashes.length). */
export function inclusionProof(index: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw new RangeError(`leaf index ${index} outside tree of size ${n}`);
  const path = (m: number, lo: number, hi: number): Buffer[] => {
    if (hi - lo <= 1) return [];
    const k = splitPoint(hi - lo);
    if (m < k) return [...path(m, lo, lo + k), rootOfRecursive(leafHashes, lo + k, hi)];
    return [...path(m - k, lo + k, hi), rootOfRecursive(leafHashes, lo, lo + k)];
  };
  return path(index, 0, n);
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): the tree of size m is a prefix of the tree of size n = leafHashes.length. */
export function consistencyProof(size1: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > n) throw new RangeError(`size ${size1} outside 0..${n}`);
  if (size1 === 0 || size1 === n) return [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): Buffer[] => {
    if (m === hi - lo) return complete ? [] : [rootOfRecursive(leafHashes, lo, hi)];
    const k = splitPoint(hi - lo);
    if (m <= k) return [...sub(m, lo, lo + k, complete), rootOfRecursive(leafHashes, lo + k, hi)];
    return [...sub(m - k, lo + k, hi, false), rootOfRecursive(leafHashes, lo, lo + k)];
  };
  return sub(size1, 0, n, true);
}

function isHash(h: Uint8Array): boolean {
  return h.length === HASH_SIZE;
}

function equalHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

const odd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

/** Root implied by an inclusion proof (RFC 9162 §2.1.3.2), or undefined when the proof's shape is wrong. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  if (!isHash(leaf) || !proof.every(isHash)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/** Whether `proof` shows the leaf hash at `index` is in the tree of `size` with `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusionProof(index, size, leaf, proof);
  return r !== undefined && equalHash(r, root);
}

/**
 * Whether `proof` shows the tree (size1, root1) is a prefix of (size2, root2) — RFC 9162 §2.1.4.2,
 * with transparency-dev's edge cases: equal sizes need an empty proof and equal roots, size1 = 0 needs an
 * empty proof, and a smaller second tree ("time travel") never verifies.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) return false;
  if (size1 === size2) return proof.length === 0 && equalHash(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0 || !proof.every(isHash) || !isHash(root1) || !isHash(root2)) return false;
  // A power-of-two first tree is itself a node on the path, so the proof omits it.
  const path: Uint8Array[] = isPow2(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(path[0] as Uint8Array);
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHash(fr, root1) && equalHash(sr, root2);
}

function isPow2(n: number): boolean {
  while (n > 1) {
    if (n % 2 === 1) return false;
    n = n / 2;
  }
  return n === 1;
}

/**
 * PROOF(m, D[n]) from the frontier of the tree of size m and the leaf hashes m..n-1 alone: every node of a consistency
 * proof lies wholly before m (and is then one of m's frontier subtrees) or wholly at or after m. So a proof between two
 * checkpoints costs the leaves written between them, not the whole log (a witness is sent one per checkpoint).
 */
export function consistencyProofFromFrontier(frontier: Frontier, newerLeafHashes: readonly Uint8Array[]): Buffer[] {
  const m = frontier.size;
  const n = m + newerLeafHashes.length;
  if (m === 0 || m === n) return [];
  // The frontier's subtrees, largest first, keyed by the leaf range they cover: one per set bit of m.
  const known = new Map<string, Buffer>();
  const hashes = frontier.toJSON().hashes;
  let lo = 0;
  let bit = 1;
  while (bit * 2 <= m) bit *= 2;
  for (let i = 0; bit >= 1; bit /= 2) {
    if (m - lo < bit) continue;
    known.set(`${lo}:${lo + bit}`, Buffer.from(hashes[i++] as string, 'hex'));
    lo += bit;
  }
  const range = (a: number, b: number): Buffer => {
    if (a >= m) return rootOfRecursive(newerLeafHashes, a - m, b - m);
    const h = known.get(`${a}:${b}`);
    if (h === undefined) throw new RangeError(`consistency proof needs the subtree [${a}, ${b}), which is not on the frontier of size ${m}`);
    return h;
  };
  const sub = (size1: number, a: number, b: number, complete: boolean): Buffer[] => {
    if (size1 === b - a) return complete ? [] : [range(a, b)];
    const k = splitPoint(b - a);
    if (size1 <= k) return [...sub(size1, a, a + k, complete), range(a + k, b)];
    return [...sub(size1 - k, a + k, b, false), range(a, a + k)];
  };
  return sub(m, 0, n, true);
}
