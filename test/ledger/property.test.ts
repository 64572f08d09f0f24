// Property: any sequence of appends and checkpoints verifies, and any single-byte change to any stored body is caught and named.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ledger } from '../../src/ledger/ledger.js';
import { tamperBody, tempDir, TestClock, OPEN_CATALOGUE } from './helpers.js';

type Op =
  | { kind: 'append'; leaves: Array<{ type: string; key?: number; data: Record<string, unknown> }> }
  | { kind: 'checkpoint' }
  | { kind: 'tick'; ms: number };

const jsonValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      leaves: fc.array(
        fc.record({
          type: fc.constantFrom('evaluation', 'run', 'change', 'heartbeat', 'gap'),
          key: fc.option(fc.nat(15), { nil: undefined }),
          data: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['v', 'seq', 'type', 'observedAt', 'source', 'scope', 'idempotencyKey'].includes(k)), jsonValue, { maxKeys: 4 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3_600_000 }) }) },
);

describe('ledger properties', () => {
  it('random appends and checkpoints always verify; one flipped byte in any body never does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (ops, pickLeaf, pickByte, xor) => {
        const t = tempDir();
        const clock = new TestClock();
        const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, clock });
        try {
          const seen = new Map<string, number>();
          for (const op of ops) {
            if (op.kind === 'tick') clock.advance(op.ms);
            else if (op.kind === 'checkpoint') {
              const before = (await ledger.checkpoints()).at(-1)?.size ?? 0;
              const cp = await ledger.checkpoint('manual');
              expect(cp === null).toBe(before === ledger.size());
            } else {
              const res = await ledger.append(op.leaves.map((l) => ({ type: l.type, idempotencyKey: l.key === undefined ? undefined : `k${l.key}`, data: l.data })));
              op.leaves.forEach((l, i) => {
                if (l.key === undefined) return;
                const k = `k${l.key}`;
                const r = res[i];
                if (seen.has(k)) expect(r).toMatchObject({ duplicate: true, seq: seen.get(k) });
                else seen.set(k, r?.seq as number);
              });
            }
          }
          const good = await ledger.verify();
          expect(good.faults).toEqual([]);
          expect(good.size).toBe(ledger.size());

          const seq = pickLeaf % ledger.size();
          tamperBody(t.dir, seq, (b) => {
            const i = pickByte % b.length;
            b[i] = (b[i] as number) ^ xor;
            return b;
          });
          const bad = await ledger.verify();
          expect(bad.ok).toBe(false);
          expect(bad.firstBadSeq).toBe(seq);
        } finally {
          await ledger.close();
          t.cleanup();
        }
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
