// proveLeaf: a leaf's inclusion in the signed log, from the two checkpoints around it, without reading the whole log.
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { rawDb, tamperBody, tempDir, TestClock, OPEN_CATALOGUE } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function ledgerWithCheckpoints(): Promise<{ ledger: Ledger<typeof OPEN_CATALOGUE>; dir: string }> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const clock = new TestClock(Date.parse('2026-01-01T00:00:00Z'));
  const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, clock });
  cleanups.push(() => ledger.close());
  for (let h = 0; h < 20; h++) {
    await ledger.append(Array.from({ length: 7 }, (_, i) => ({ type: 'evaluation', data: { h, i } })));
    await ledger.checkpoint('hourly');
  }
  await ledger.append([{ type: 'evaluation', data: { uncovered: true } }]);
  return { ledger, dir };
}

describe('proveLeaf', () => {
  it('proves every covered leaf by reading only the leaves between its two checkpoints', async () => {
    const { ledger } = await ledgerWithCheckpoints();
    const size = (await ledger.checkpoints()).at(-1)!.size;
    for (let seq = 0; seq < size; seq++) {
      const p = await ledger.proveLeaf(seq);
      expect(p.ok, p.problem).toBe(true);
      expect(p.leaf?.seq).toBe(seq);
      expect(p.from <= seq && seq < p.to).toBe(true);
      expect(p.leavesRead).toBeLessThanOrEqual(8);
    }
    const last = await ledger.proveLeaf(size);
    expect(last.ok).toBe(false);
    expect(last.problem).toContain('no signed checkpoint covers');
  });

  it('fails naming the checkpoints when a leaf between them was changed', async () => {
    const { ledger, dir } = await ledgerWithCheckpoints();
    await ledger.close();
    cleanups.pop();
    tamperBody(dir, 40, (b) => Buffer.from(b.toString('utf8').replace('"i":', '"j":')));
    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, readOnly: true });
    cleanups.push(() => ro.close());
    const p = await ro.proveLeaf(40);
    expect(p.ok).toBe(false);
    expect(p.problem).toMatch(/between checkpoints \d+ and \d+ no longer hash to the signed root/);
    expect((await ro.proveLeaf(5)).ok).toBe(true);
  });

  it('fails when a checkpoint frontier was rewritten', async () => {
    const { ledger, dir } = await ledgerWithCheckpoints();
    await ledger.close();
    cleanups.pop();
    const db = rawDb(dir);
    db.exec('DROP TRIGGER IF EXISTS checkpoints_no_update');
    db.prepare('UPDATE checkpoints SET frontier = (SELECT frontier FROM checkpoints WHERE size = 8) WHERE size = 15').run();
    db.close();
    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, readOnly: true });
    cleanups.push(() => ro.close());
    const p = await ro.proveLeaf(16);
    expect(p.ok).toBe(false);
    expect(p.problem).toMatch(/frontier/);
  });
});
