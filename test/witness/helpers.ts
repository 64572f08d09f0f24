// A small RFC 6962 log for witness tests: signed checkpoints at any size, consistency proofs, and forks of itself.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { consistencyProof, leafHash, rootOf } from '../../src/ledger/merkle.js';
import { ed25519Signer, formatCheckpoint, formatVkey, rawEd25519PublicKey, signNote } from '../../src/ledger/note.js';

export class TestLog {
  readonly leaves: Buffer[] = [];
  readonly key: KeyObject;
  constructor(
    readonly origin = 'vigil.test/witness-log',
    key?: KeyObject,
  ) {
    this.key = key ?? generateKeyPairSync('ed25519').privateKey;
  }

  get vkey(): string {
    return formatVkey(this.origin, rawEd25519PublicKey(this.key));
  }

  /** Appends `n` leaves whose content is `tag:index`. */
  grow(n: number, tag = 'leaf'): this {
    for (let i = 0; i < n; i++) this.leaves.push(leafHash(Buffer.from(`${tag}:${this.leaves.length}`)));
    return this;
  }

  root(size = this.leaves.length): Buffer {
    return rootOf(this.leaves.slice(0, size));
  }

  body(size = this.leaves.length): string {
    return formatCheckpoint({ origin: this.origin, size, root: this.root(size) });
  }

  /** The checkpoint at `size`, signed by the log's key (or another key under the same name). */
  checkpoint(size = this.leaves.length, key: KeyObject = this.key): string {
    return signNote(this.body(size), [ed25519Signer(this.origin, key)]);
  }

  proof(from: number, to: number): Buffer[] {
    return consistencyProof(from, this.leaves.slice(0, to));
  }

  /** A copy with the same origin and key whose leaf `at` differs: the same log key signing another history. */
  forkAt(at: number): TestLog {
    const f = new TestLog(this.origin, this.key);
    f.leaves.push(...this.leaves);
    f.leaves[at] = leafHash(Buffer.from(`forged:${at}`));
    return f;
  }
}

/** Raw add-checkpoint POST; returns status, content type and body text. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body, headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

