// `vigil run` SIGKILLed at 20 seeded random moments and restarted each time: every slot of every scope ends as exactly
// one run or one gap, nothing is duplicated, and the ledger verifies.
import { describe, expect, it } from 'vitest';
import { runKillScenario } from '../support/kill-scenario.js';

describe('kill test', () => {
  it('20 SIGKILLs of vigil run (one Redis restart among them): every slot one run or one gap, ledger verifies', async () => {
    const r = await runKillScenario({ kills: 20, redisRestarts: 1, seed: 20261201, settleMs: 60_000 });
    expect(r.details).toEqual([]);
    expect(r.kills).toBe(20);
    expect(r.redisRestarts).toBe(1);
    expect(r.unaccounted).toBe(0);
    expect(r.duplicated).toBe(0);
    expect(r.verifyOk).toBe(true);
    // The scenario really lost slots to the kills and still recorded runs: a test that accounts nothing proves nothing.
    expect(r.runs).toBeGreaterThan(0);
    expect(r.gapSlots).toBeGreaterThan(0);
    expect(r.slots).toBe(r.runs + r.gapSlots);
  }, 240_000);
});
