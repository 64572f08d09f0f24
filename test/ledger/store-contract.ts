// The EvidenceStore contract as one suite: every backend (SQLite, PostgreSQL) runs the same cases against a fresh store.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { leafHash } from '../../src/ledger/merkle.js';
import { putBlob, sha256Hex, type EvidenceStore, type StoredCheckpoint, type StoredLeaf } from '../../src/ledger/store.js';
import { describeLedgerOverStore } from './store-contract-ledger.js';

/** One fresh, empty ledger store of the backend under test, with what the cases need around it. */
export interface StoreFixture {
  /** A writable store on a ledger no other test uses. */
  store: EvidenceStore;
  /** Another handle on the same ledger, as a second process would open it. */
  another(opts?: { readOnly?: boolean }): Promise<EvidenceStore>;
  /** A directory for the ledger's keys when a case opens a Ledger over the store. */
  dataDir: string;
  /** Removes the ledger (file, schema) once every handle is closed. */
  cleanup(): Promise<void> | void;
}

/** Opens a fresh fixture. `pageSize` is the store's streaming page size, small so paging is exercised. */
export type OpenStoreFixture = (opts: { pageSize?: number }) => Promise<StoreFixture>;

/** Handles opened by a case, closed (then the fixture removed) after it, whatever the outcome. */
export class FixtureTracker {
  private readonly fixtures: StoreFixture[] = [];
  private readonly handles: Array<{ close(): Promise<void> }> = [];
  constructor(private readonly openFixture: OpenStoreFixture) {}

  async open(opts: { pageSize?: number } = {}): Promise<StoreFixture> {
    const f = await this.openFixture(opts);
    this.fixtures.push(f);
    this.handles.push(f.store);
    const another = f.another.bind(f);
    return {
      ...f,
      another: async (o) => this.track(await another(o)),
    };
  }

  track<T extends { close(): Promise<void> }>(h: T): T {
    this.handles.push(h);
    return h;
  }

  async cleanup(): Promise<void> {
    for (const h of this.handles.splice(0).reverse()) await h.close();
    for (const f of this.fixtures.splice(0)) await f.cleanup();
  }
}

export const T0 = '2025-03-14T10:00:00.000Z';

/** A stored leaf as the ledger would write it: the body is arbitrary bytes here, the store never judges content. */
export function leaf(seq: number, over: Partial<Omit<StoredLeaf, 'seq' | 'leafHash'>> = {}): StoredLeaf {
  const body = over.body ?? Buffer.from(JSON.stringify({ seq, n: seq }));
  return {
    seq,
    leafHash: leafHash(body),
    body,
    type: over.type ?? 'x',
    observedAt: over.observedAt ?? T0,
    idempotencyKey: over.idempotencyKey === undefined ? null : over.idempotencyKey,
    source: over.source === undefined ? null : over.source,
    scope: over.scope === undefined ? null : over.scope,
  };
}

function checkpoint(size: number, over: Partial<StoredCheckpoint> = {}): StoredCheckpoint {
  return {
    size,
    root: over.root ?? randomBytes(32),
    note: over.note ?? `vigil.test/contract\n${size}\n…\n`,
    reason: over.reason ?? 'manual',
    createdAt: over.createdAt ?? T0,
    frontier: over.frontier ?? randomBytes(40),
  };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeDefined();
  return err as { code?: string; message: string };
}

/**
 * Registers the store contract cases for one backend. `open` must give a fresh, empty ledger every call (a new
 * SQLite file, a new PostgreSQL schema); the suite closes every handle it opened and then calls `cleanup`.
 */
export function describeStoreContract(name: string, open: OpenStoreFixture): void {
  const fixtures = new FixtureTracker(open);
  afterEach(() => fixtures.cleanup());

  describe(`EvidenceStore contract: ${name}`, () => {
    it('meta: unset reads undefined; initMeta writes once and returns the value kept', async () => {
      const { store } = await fixtures.open();
      expect(store.readOnly).toBe(false);
      expect(store.location.length).toBeGreaterThan(0);
      expect(await store.getMeta('origin')).toBeUndefined();
      expect(await store.initMeta('origin', 'vigil.test/a')).toBe('vigil.test/a');
      expect(await store.initMeta('origin', 'vigil.test/b')).toBe('vigil.test/a');
      expect(await store.getMeta('origin')).toBe('vigil.test/a');
    });

    it('appends leaves and reads every column back exactly, bodies byte for byte', async () => {
      const { store } = await fixtures.open();
      expect(await store.leafCount()).toBe(0);
      await store.appendLeaves([]);
      expect(await store.leafCount()).toBe(0);
      const binary = Buffer.concat([Buffer.from([0, 0xff, 0x5c, 0x78, 0x00]), randomBytes(64)]);
      const rows = [
        leaf(0, { type: 'ledger.genesis', idempotencyKey: 'ledger.genesis' }),
        leaf(1, { body: Buffer.from('{"text":"é ✓ \\"quoted\\" \\\\ back"}'), source: 'aws', scope: '123', idempotencyKey: 'k1' }),
        leaf(2, { body: binary, type: 'run', observedAt: '2025-03-14T10:00:01.000Z' }),
      ];
      await store.appendLeaves(rows);
      expect(await store.leafCount()).toBe(3);
      const back = await all(store.leaves());
      expect(back).toEqual(rows);
      expect(back[2]!.body.equals(binary)).toBe(true);
      expect(await all(store.leafHashes())).toEqual(rows.map((r) => ({ seq: r.seq, leafHash: r.leafHash })));
      expect(await all(store.leafHashes(2))).toEqual([{ seq: 2, leafHash: rows[2]!.leafHash }]);
    });

    it('refuses an append that does not continue the log, atomically: LEDGER_CONCURRENT_WRITER, LEDGER_BAD_APPEND', async () => {
      const { store } = await fixtures.open();
      await store.appendLeaves([leaf(0), leaf(1)]);
      expect((await rejection(store.appendLeaves([leaf(1)]))).code).toBe('LEDGER_CONCURRENT_WRITER');
      expect((await rejection(store.appendLeaves([leaf(3)]))).code).toBe('LEDGER_CONCURRENT_WRITER');
      expect((await rejection(store.appendLeaves([leaf(2), leaf(3), leaf(5)]))).code).toBe('LEDGER_BAD_APPEND');
      expect(await store.leafCount()).toBe(2);
      expect((await all(store.leaves())).map((l) => l.seq)).toEqual([0, 1]);
    });

    it('idempotency keys are unique: seqsOfKeys finds stored ones in any number, a repeated key writes nothing', async () => {
      const { store } = await fixtures.open();
      // More keys than one lookup chunk of either backend.
      await store.appendLeaves(Array.from({ length: 1300 }, (_, i) => leaf(i, { idempotencyKey: `k-${i}` })));
      const asked = [...Array.from({ length: 1300 }, (_, i) => `k-${i}`), 'absent', 'k-5'];
      const found = await store.seqsOfKeys(asked);
      expect(found.size).toBe(1300);
      expect(found.get('k-0')).toBe(0);
      expect(found.get('k-1299')).toBe(1299);
      expect(found.has('absent')).toBe(false);
      expect(await store.seqsOfKeys([])).toEqual(new Map());
      await rejection(store.appendLeaves([leaf(1300, { idempotencyKey: 'fresh' }), leaf(1301, { idempotencyKey: 'k-7' })]));
      expect(await store.leafCount()).toBe(1300);
      expect((await store.seqsOfKeys(['fresh'])).size).toBe(0);
    });

    it('streams leaves in pages, filtered by seq range, types, source and scope', async () => {
      const { store } = await fixtures.open({ pageSize: 100 });
      const rows = Array.from({ length: 1300 }, (_, i) =>
        leaf(i, { type: i % 3 === 0 ? 'run' : 'change', source: i % 2 === 0 ? 'aws' : 'github', scope: i % 5 === 0 ? 'org' : 's' }),
      );
      await store.appendLeaves(rows);
      const seqs = async (q: Parameters<EvidenceStore['leaves']>[0]) => (await all(store.leaves(q))).map((l) => l.seq);
      const want = (f: (l: StoredLeaf) => boolean) => rows.filter(f).map((l) => l.seq);
      expect(await seqs({})).toEqual(want(() => true));
      expect(await seqs({ fromSeq: -5, toSeq: 2 })).toEqual([0, 1, 2]);
      expect(await seqs({ fromSeq: 100, toSeq: 1000, types: ['run'], source: 'aws' })).toEqual(
        want((l) => l.seq >= 100 && l.seq <= 1000 && l.type === 'run' && l.source === 'aws'),
      );
      expect(await seqs({ types: ['run', 'change'], scope: 'org' })).toEqual(want((l) => l.scope === 'org'));
      expect(await seqs({ types: [] })).toEqual([]);
      expect(await seqs({ types: ['none'] })).toEqual([]);
      expect(await seqs({ fromSeq: 1300 })).toEqual([]);
      // Hash-only pages are larger; 1,300 still spans more than one of them.
      expect((await all(store.leafHashes(1))).map((h) => h.seq)).toEqual(want((l) => l.seq >= 1));
    });

    it('lastLeaf is the highest seq of a type, narrowed by source and scope', async () => {
      const { store } = await fixtures.open();
      expect(await store.lastLeaf({ type: 'run' })).toBeUndefined();
      await store.appendLeaves([
        leaf(0, { type: 'run', source: 'aws', scope: 'A' }),
        leaf(1, { type: 'run', source: 'github', scope: 'org' }),
        leaf(2, { type: 'run', source: 'aws', scope: 'B' }),
        leaf(3, { type: 'gap', source: 'aws', scope: 'A' }),
      ]);
      expect((await store.lastLeaf({ type: 'run' }))?.seq).toBe(2);
      expect((await store.lastLeaf({ type: 'run', source: 'aws', scope: 'A' }))?.seq).toBe(0);
      expect((await store.lastLeaf({ type: 'run', source: 'github' }))?.seq).toBe(1);
      expect((await store.lastLeaf({ type: 'run', scope: 'B' }))?.seq).toBe(2);
      expect(await store.lastLeaf({ type: 'run', source: 'okta' })).toBeUndefined();
      expect(await store.lastLeaf({ type: 'gap' })).toEqual(leaf(3, { type: 'gap', source: 'aws', scope: 'A' }));
    });

    it('dayStats counts leaves with observedAt in [from, to) by type', async () => {
      const { store } = await fixtures.open();
      await store.appendLeaves([
        leaf(0, { type: 'ledger.genesis', observedAt: '2025-03-13T23:59:59.999Z' }),
        leaf(1, { type: 'run', observedAt: '2025-03-14T00:00:00.000Z' }),
        leaf(2, { type: 'change', observedAt: '2025-03-14T12:00:00.000Z' }),
        leaf(3, { type: 'run', observedAt: '2025-03-14T23:59:59.999Z' }),
        leaf(4, { type: 'run', observedAt: '2025-03-15T00:00:00.000Z' }),
      ]);
      expect(await store.dayStats('2025-03-14T00:00:00.000Z', '2025-03-15T00:00:00.000Z')).toEqual({ firstSeq: 1, lastSeq: 3, counts: { change: 1, run: 2 } });
      expect(await store.dayStats('2025-03-16T00:00:00.000Z', '2025-03-17T00:00:00.000Z')).toEqual({ firstSeq: null, lastSeq: null, counts: {} });
    });

    it('checkpoints: kept in order with their exact note and frontier; a smaller or equal size is refused', async () => {
      const { store } = await fixtures.open();
      expect(await store.checkpoints()).toEqual([]);
      expect(await store.lastCheckpoint()).toBeUndefined();
      const a = checkpoint(1, { reason: 'start' });
      const b = checkpoint(5, { reason: 'hourly', note: 'vigil.test/contract\n5\nroot\n\n— vigil.test/contract sig\n' });
      await store.addCheckpoint(a);
      await store.addCheckpoint(b);
      expect(await store.checkpoints()).toEqual([a, b]);
      expect(await store.lastCheckpoint()).toEqual(b);
      expect((await rejection(store.addCheckpoint(checkpoint(5)))).message).toMatch(/checkpoints must grow|UNIQUE|unique/);
      expect((await rejection(store.addCheckpoint(checkpoint(3)))).message).toMatch(/checkpoints must grow/);
      expect(await store.checkpoints()).toEqual([a, b]);
    });

    it('blobs: content-addressed, stored once, read back byte for byte, listed in hash order', async () => {
      const { store } = await fixtures.open({ pageSize: 2 });
      // Compressible, tiny and random bytes: the store may keep them in any form, it returns what was given.
      const blobs = [Buffer.from(JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ id: `res-${i}`, status: 'pass' })))), Buffer.from('[]'), randomBytes(4096)];
      const put = [];
      for (const b of blobs) put.push(await putBlob(store, b, 'application/json'));
      expect(put.map((p) => p.isNew)).toEqual([true, true, true]);
      expect(put.map((p) => p.sha256)).toEqual(blobs.map(sha256Hex));
      for (const [i, b] of blobs.entries()) {
        const got = await store.getBlob(put[i]!.sha256);
        expect(got?.record).toEqual({ sha256: sha256Hex(b), mediaType: 'application/json', size: b.length });
        expect(got?.data.equals(b)).toBe(true);
        expect(await store.hasBlob(put[i]!.sha256)).toBe(true);
      }
      expect(await store.putBlob({ sha256: put[1]!.sha256, mediaType: 'text/plain', size: 2 }, blobs[1]!)).toBe(false);
      expect((await store.getBlob(put[1]!.sha256))?.record.mediaType).toBe('application/json');
      expect((await putBlob(store, blobs[0]!, 'application/json')).isNew).toBe(false);
      expect(await store.getBlob('0'.repeat(64))).toBeUndefined();
      expect(await store.hasBlob('0'.repeat(64))).toBe(false);
      expect(store.blobHashes).toBeDefined();
      expect(await all(store.blobHashes!())).toEqual(put.map((p) => p.sha256).sort());
    });

    it('a second handle sees what the first wrote, dedupes its blobs, and loses a race for a seq', async () => {
      const f = await fixtures.open();
      const { store } = f;
      await store.appendLeaves([leaf(0)]);
      const blob = await putBlob(store, Buffer.from('{"Users":[]}'), 'application/json');
      const other = await f.another();
      expect(await other.leafCount()).toBe(1);
      expect((await putBlob(other, Buffer.from('{"Users":[]}'), 'application/json')).isNew).toBe(false);
      const x = await putBlob(other, Buffer.from('x'), 'text/plain');
      await other.appendLeaves([leaf(1)]);
      expect(await store.hasBlob(x.sha256)).toBe(true);
      expect(await store.hasBlob(blob.sha256)).toBe(true);
      expect(await store.leafCount()).toBe(2);
      expect((await rejection(store.appendLeaves([leaf(1)]))).code).toBe('LEDGER_CONCURRENT_WRITER');
      await other.close();
      await other.close();
    });

    it('a read-only handle reads everything and refuses every write with LEDGER_READ_ONLY', async () => {
      const f = await fixtures.open();
      await f.store.initMeta('origin', 'vigil.test/ro');
      await f.store.appendLeaves([leaf(0)]);
      await f.store.addCheckpoint(checkpoint(1));
      const b = await putBlob(f.store, Buffer.from('b'), 'text/plain');
      const ro = await f.another({ readOnly: true });
      expect(ro.readOnly).toBe(true);
      expect(await ro.getMeta('origin')).toBe('vigil.test/ro');
      expect(await all(ro.leaves())).toEqual([leaf(0)]);
      expect((await ro.checkpoints()).length).toBe(1);
      expect((await ro.getBlob(b.sha256))?.data.toString()).toBe('b');
      for (const write of [
        () => ro.initMeta('x', 'y'),
        () => ro.appendLeaves([leaf(1)]),
        () => ro.addCheckpoint(checkpoint(2)),
        () => ro.putBlob({ sha256: sha256Hex(Buffer.from('c')), mediaType: 'text/plain', size: 1 }, Buffer.from('c')),
      ]) {
        expect((await rejection(write())).code).toBe('LEDGER_READ_ONLY');
      }
      expect(await f.store.leafCount()).toBe(1);
    });
  });

  describeLedgerOverStore(name, fixtures);
}
