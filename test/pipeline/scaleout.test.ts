// The scale-out roles run together as separate processes (`vigil scheduler`, two `vigil worker --no-writer`, the
// writer `vigil worker`, `vigil serve`) on Redis and PostgreSQL: every (account, slot) of an emulated 5-account AWS
// organization is recorded exactly once, the ledger verifies, and the API answers while they run. The full-size run
// (200 accounts, a worker SIGKILLed) is `npm run bench -- scaleout`.
import { describe, expect, it } from 'vitest';
import { runScaleout } from '../support/scaleout-scenario.js';

describe('scale-out roles as separate processes', () => {
  it('5 accounts × 2 slots: each (account, slot) one run, no gap, ledger verifies, API answers throughout', async () => {
    const r = await runScaleout({ accounts: 5, slots: 2, collectWorkers: 2, schedule: '*/10 * * * * *', kill: false, settleMs: 30_000 });
    expect(r.details).toEqual([]);
    expect(r.slots).toBe(2);
    expect(r.expected).toBe(10);
    expect(r.runs).toBe(10);
    expect(r.missing).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.gapSlotsInWindow).toBe(0);
    expect(r.runsWithErrors).toBe(0);
    expect(r.ledgerVerifyOk).toBe(true);
    // Every role stopped cleanly on SIGTERM (the writer signed its shutdown checkpoint).
    expect(r.exitCodes).toEqual({ scheduler: 0, 'worker-1': 0, 'worker-2': 0, serve: 0, writer: 0 });
    // serve read the PostgreSQL ledger the writer was appending to, with the token, every time it was asked.
    expect(r.api.posture.requests).toBeGreaterThan(0);
    expect(r.api.posture.statuses).toEqual({ 200: r.api.posture.requests });
    expect(r.api.readyz.requests).toBeGreaterThan(0);
    expect(Object.keys(r.api.readyz.statuses).every((s) => s === '200' || s === '503')).toBe(true);
  }, 90_000);
});
