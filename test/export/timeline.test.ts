// Per-day failing share and outage marks of report.html's timeline: shares from evaluation counts, outages clipped to the period and bounded by local dates.
import { describe, expect, it } from 'vitest';
import { DailyTimeline } from '../../src/export/timeline.js';

describe('DailyTimeline', () => {
  const dates = ['2025-03-01', '2025-03-02', '2025-03-03'];
  it('gives the share of a day’s evaluations that failed, not "red if any failed"', () => {
    const t = new DailyTimeline(dates, 'UTC');
    t.add('r', '2025-03-01', 4, { pass: 4 });
    t.add('r', '2025-03-02', 4, { pass: 3, fail: 1 });
    t.add('r', '2025-03-02', 4, { pass: 4 });
    t.add('r', '2025-03-02', 2, { error: 2 });
    const row = t.row('r', 'aws');
    expect(row.map((d) => d.failShare)).toEqual([0, 0.1, null]);
    expect(row[1]).toMatchObject({ errors: 2, evaluations: 10, outage: false });
  });
  it('marks outages on every period day a gap touches, the end excluded, in the report’s zone', () => {
    const t = new DailyTimeline(dates, 'UTC');
    t.outage('aws', '2025-02-27T00:00:00Z', '2025-03-02T00:00:00Z'); // ends at midnight: 03-02 untouched
    t.outage('github', '2025-03-03T05:00:00Z', '2025-03-03T05:00:00Z'); // a failed run: its own day
    expect(t.row('r', 'aws').map((d) => d.outage)).toEqual([true, false, false]);
    expect(t.row('r', 'github').map((d) => d.outage)).toEqual([false, false, true]);
    expect(t.hadOutage('aws')).toBe(true);
    expect(t.hadOutage('okta')).toBe(false);
    const ny = new DailyTimeline(dates, 'America/New_York');
    ny.outage('aws', '2025-03-02T03:00:00Z', '2025-03-02T04:00:00Z'); // 22:00–23:00 on 03-01 in New York
    expect(ny.row('r', 'aws').map((d) => d.outage)).toEqual([true, false, false]);
  });
});
