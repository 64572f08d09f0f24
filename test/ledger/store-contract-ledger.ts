// The Ledger over each store backend: the cases the SQLite and PostgreSQL suites each wrote once for their own store.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { Ledger } from '../../src/ledger/ledger.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { putBlob, sha256Hex } from '../../src/ledger/store.js';
import { evals, TestClock, OPEN_CATALOGUE } from './helpers.js';
import type { FixtureTracker } from './store-contract.js';

/** Registers the Ledger-level cases over the backend `fixtures` opens (called by describeStoreContract). */
export function describeLedgerOverStore(name: string, fixtures: FixtureTracker): void {
  async function fresh(opts: { origin?: string; clock?: TestClock; pageSize?: number } = {}) {
    const f = await fixtures.open({ pageSize: opts.pageSize });
    const clock = opts.clock ?? new TestClock();
    const ledger = fixtures.track(await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: f.dataDir, store: f.store, clock, origin: opts.origin }));
    return { f, clock, ledger, store: f.store };
  }

  describe(`Ledger over ${name}`, () => {
    it('appends idempotently: a key seen before, or twice in one call, yields one leaf', async () => {
      const { ledger } = await fresh();
      const first = await ledger.append(evals(2));
      const again = await ledger.append([...evals(2), ...evals(1, 'new'), ...evals(1, 'new')]);
      expect(again.map((a) => [a.seq, a.duplicate])).toEqual([
        [1, true],
        [2, true],
        [3, false],
        [3, true],
      ]);
      expect(again[0]?.hash).toBe(first[0]?.hash);
      expect(ledger.size()).toBe(4);
      expect(await ledger.seqOfKey('new-0')).toBe(3);
      expect(await ledger.seqOfKey('nope')).toBeUndefined();
      expect((await ledger.verify()).ok).toBe(true);
    });

    it('a duplicate of an earlier batch reports the stored leaf with its hash', async () => {
      const { ledger } = await fresh();
      const a = await ledger.append([{ type: 'run', idempotencyKey: 'k', data: { x: 1 } }]);
      const b = await ledger.append([
        { type: 'run', idempotencyKey: 'k', data: { x: 1 } },
        { type: 'run', idempotencyKey: 'k2', data: { x: 2 } },
        { type: 'run', idempotencyKey: 'k2', data: { x: 2 } },
      ]);
      expect(b[0]).toMatchObject({ seq: a[0]!.seq, duplicate: true, hash: a[0]!.hash });
      expect(b[1]).toMatchObject({ seq: 2, duplicate: false });
      expect(b[2]).toMatchObject({ seq: 2, duplicate: true });
      expect(ledger.size()).toBe(3);
      expect(await ledger.seqOfKey('k2')).toBe(2);
    });

    it('serves lastLeaf and filtered leaves by type, source and scope', async () => {
      const { ledger, clock } = await fresh();
      await ledger.append([
        { type: 'run', source: 'aws', scope: 'A', data: { n: 1 } },
        { type: 'run', source: 'github', scope: 'org', data: { n: 2 } },
      ]);
      clock.advance(1000);
      await ledger.append([{ type: 'run', source: 'aws', scope: 'A', data: { n: 3 } }]);
      expect(await ledger.lastLeaf({ type: 'run', source: 'aws', scope: 'A' })).toMatchObject({ seq: 3, body: { n: 3, observedAt: '2025-03-14T10:00:01.000Z' } });
      expect((await ledger.lastLeaf({ type: 'run', source: 'github' }))?.seq).toBe(2);
      expect(await ledger.lastLeaf({ type: 'gap' })).toBeUndefined();
      const seqs = async (o: Parameters<Ledger['leaves']>[0]) => {
        const out: number[] = [];
        for await (const l of ledger.leaves(o)) out.push(l.seq);
        return out;
      };
      expect(await seqs({ types: ['run'], source: 'aws' })).toEqual([1, 3]);
      expect(await seqs({ fromSeq: 1, toSeq: 2 })).toEqual([1, 2]);
      expect(await seqs({ types: ['ledger.genesis', 'run'], scope: 'org' })).toEqual([2]);
    });

    it('pages through more leaves than one page holds', async () => {
      const { ledger } = await fresh();
      await ledger.append(evals(1300));
      let n = 0;
      let prev = -1;
      for await (const l of ledger.leaves({ types: ['evaluation'] })) {
        expect(l.seq).toBe(prev === -1 ? 1 : prev + 1);
        prev = l.seq;
        n++;
      }
      expect(n).toBe(1300);
    });

    it('pages through more leaves than one page holds, and filters by type, source, scope and day', async () => {
      const clock = new TestClock(Date.parse('2025-03-14T10:00:00.000Z'));
      // Small pages so 1,300 leaves span many of them (and hash-only reads, 8× larger, more than one).
      const { ledger, store } = await fresh({ clock, pageSize: 100 });
      const inputs = Array.from({ length: 1300 }, (_, i) => ({ type: i % 3 === 0 ? 'run' : 'change', source: i % 2 === 0 ? 'aws' : 'github', scope: 's', data: { i } }));
      await ledger.append(inputs);
      let expected = 0;
      for await (const l of ledger.leaves()) {
        expect(l.seq).toBe(expected++);
        expect(leafHash(l.body).toString('hex')).toBe(l.hash);
      }
      expect(expected).toBe(1301);
      let hashes = 0;
      for await (const h of store.leafHashes(1)) expect(h.seq).toBe(1 + hashes++);
      expect(hashes).toBe(1300);
      const runsAws: number[] = [];
      for await (const l of ledger.leaves({ types: ['run'], source: 'aws', fromSeq: 100, toSeq: 1000 })) runsAws.push(l.seq);
      const want = inputs.map((x, i) => ({ ...x, seq: i + 1 })).filter((x) => x.type === 'run' && x.source === 'aws' && x.seq >= 100 && x.seq <= 1000);
      expect(runsAws).toEqual(want.map((x) => x.seq));
      const lastGithubChange = want.length === 0 ? -1 : inputs.map((x, i) => ({ ...x, seq: i + 1 })).filter((x) => x.type === 'change' && x.source === 'github').pop()!.seq;
      expect((await ledger.lastLeaf({ type: 'change', source: 'github' }))?.seq).toBe(lastGithubChange);

      clock.t = Date.parse('2025-03-15T00:00:01.000Z');
      const sealed = await ledger.sealDay('2025-03-14');
      expect(sealed?.reason).toBe('daily');
      const seal = await ledger.lastLeaf({ type: 'day.sealed' });
      expect(seal?.body).toMatchObject({ date: '2025-03-14', firstSeq: 0, lastSeq: 1300, leafCount: 1301, countsByType: { 'ledger.genesis': 1, run: 434, change: 866 } });
    });

    it('stores blobs once, content-addressed, from any process handle', async () => {
      const { ledger, f } = await fresh();
      const data = Buffer.from('{"Users":[]}');
      const a = await ledger.putBlob(data, 'application/json');
      expect(a).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), size: data.length, isNew: true });
      // A collector worker writes through its own connection to the same ledger.
      const worker = await f.another();
      expect((await putBlob(worker, data, 'application/json')).isNew).toBe(false);
      const other = await putBlob(worker, Buffer.from('x'), 'text/plain');
      await worker.close();
      expect(await ledger.hasBlob(other.sha256)).toBe(true);
      expect((await ledger.getBlob(a.sha256))?.equals(data)).toBe(true);
      expect(await ledger.getBlob('0'.repeat(64))).toBeUndefined();
    });

    it('stores blobs once, content-addressed, byte for byte', async () => {
      const { ledger, f } = await fresh();
      const data = Buffer.concat([Buffer.from([0, 0xff, 0x5c, 0x78, 0x00]), randomBytes(200_000)]);
      const first = await ledger.putBlob(data, 'application/octet-stream');
      expect(first).toMatchObject({ sha256: sha256Hex(data), size: data.length, isNew: true });
      // A second handle (a collect worker in another process) sees it and does not store it twice.
      const worker = await f.another();
      expect(await worker.putBlob({ sha256: first.sha256, mediaType: 'application/octet-stream', size: data.length }, data)).toBe(false);
      expect(await worker.hasBlob(first.sha256)).toBe(true);
      await worker.close();
      expect((await ledger.getBlob(first.sha256))?.equals(data)).toBe(true);
      expect(await ledger.getBlob('0'.repeat(64))).toBeUndefined();
    });

    it('a writer takes in leaves another process appended and continues the same tree', async () => {
      const { ledger, f } = await fresh();
      const other = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: f.dataDir, store: await f.another() });
      await other.append(evals(2, 'other'));
      await other.checkpoint('manual');
      await other.close();
      const out = await ledger.append(evals(3));
      expect(out.map((o) => o.seq)).toEqual([3, 4, 5]);
      expect(await ledger.checkpoint('hourly')).toMatchObject({ size: 6 });
      const ro = fixtures.track(await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: f.dataDir, store: await f.another({ readOnly: true }), readOnly: true }));
      expect(ro.size()).toBe(6);
      expect((await ro.verify()).ok).toBe(true);
    });

    it("a second Ledger takes in the first one's leaves and both keep one verifiable tree", async () => {
      const { ledger: one, f } = await fresh();
      const two = fixtures.track(await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: f.dataDir, store: await f.another() }));
      await one.append([{ type: 'x', data: { by: 'one' } }]);
      await two.append([{ type: 'x', data: { by: 'two' } }]);
      await one.append([{ type: 'x', data: { by: 'one again' } }]);
      expect(one.size()).toBe(4);
      expect((await one.checkpoint('manual'))?.size).toBe(4);
      expect(await two.checkpoint('manual')).toBeNull(); // same tree, already signed
      expect(two.rootHex()).toBe(one.rootHex());
      expect((await two.verify()).ok).toBe(true);
    });
  });
}
