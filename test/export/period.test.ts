// Period boundaries: dates in an IANA zone to half-open UTC instants, across DST changes, leap days and bad input.
import { describe, expect, it } from 'vitest';
import { asOfInstant, datesInPeriod, localDate, periodFromDates } from '../../src/export/period.js';

const now = new Date('2030-01-01T00:00:00Z');

describe('periodFromDates', () => {
  it('UTC: [from 00:00, day after to 00:00)', () => {
    expect(periodFromDates('2025-01-01', '2025-06-30', 'UTC', { now })).toMatchObject({ start: '2025-01-01T00:00:00.000Z', end: '2025-07-01T00:00:00.000Z' });
  });
  it('New York across the March and November DST changes', () => {
    const spring = periodFromDates('2025-03-09', '2025-03-09', 'America/New_York', { now });
    expect(spring.start).toBe('2025-03-09T05:00:00.000Z');
    expect(spring.end).toBe('2025-03-10T04:00:00.000Z'); // a 23-hour day
    const fall = periodFromDates('2025-11-02', '2025-11-02', 'America/New_York', { now });
    expect(fall.start).toBe('2025-11-02T04:00:00.000Z');
    expect(fall.end).toBe('2025-11-03T05:00:00.000Z'); // a 25-hour day
  });
  it('a zone whose DST change happens at midnight starts the day when clocks resume (Santiago, 2024-09-08)', () => {
    const p = periodFromDates('2024-09-08', '2024-09-08', 'America/Santiago', { now });
    expect(p.start).toBe('2024-09-08T04:00:00.000Z');
    expect(localDate(p.start, 'America/Santiago')).toBe('2024-09-08');
    expect(localDate(new Date(Date.parse(p.start) - 1).toISOString(), 'America/Santiago')).toBe('2024-09-07');
  });
  it('leap day, half-open ends, and local dates for bucketing', () => {
    const p = periodFromDates('2024-02-29', '2024-02-29', 'Europe/Berlin', { now });
    expect(p.start).toBe('2024-02-28T23:00:00.000Z');
    expect(localDate(p.start, 'Europe/Berlin')).toBe('2024-02-29');
    expect(localDate(new Date(Date.parse(p.end) - 1).toISOString(), 'Europe/Berlin')).toBe('2024-02-29');
    expect(localDate(p.end, 'Europe/Berlin')).toBe('2024-03-01');
    expect(datesInPeriod(p.start, p.end, 'Europe/Berlin')).toEqual(['2024-02-29']);
    expect(datesInPeriod('2025-03-08T05:00:00.000Z', '2025-03-11T04:00:00.000Z', 'America/New_York')).toEqual(['2025-03-08', '2025-03-09', '2025-03-10']);
  });
  it('refuses bad input with UsageError (exit 2)', () => {
    const bad = (f: () => unknown, msg: RegExp) => expect(f).toThrow(msg);
    bad(() => periodFromDates('2025-02-30', '2025-03-01', 'UTC', { now }), /--from: 2025-02-30 is not a calendar date/);
    bad(() => periodFromDates('2025-03-01T23:59:60', '2025-03-01', 'UTC', { now }), /not a date YYYY-MM-DD/);
    bad(() => periodFromDates('2025-03-02', '2025-03-01', 'UTC', { now }), /before --from/);
    bad(() => periodFromDates('2025-03-01', '2025-03-02', 'Mars/Olympus', { now }), /not an IANA time zone/);
    bad(() => periodFromDates('2029-12-30', '2030-01-05', 'UTC', { now }), /future/);
    bad(() => periodFromDates('2020-01-01', '2020-01-02', 'UTC', { now, ledgerStart: '2024-01-01T00:00:00Z' }), /before the ledger began/);
    bad(() => asOfInstant('2031-01-01', 'UTC', now), /future/);
    expect(asOfInstant('2025-03-09', 'America/New_York', now).at).toBe('2025-03-10T04:00:00.000Z');
  });
  it('a period whose last day is today ends at the export instant; as of today means as of now', () => {
    const midday = new Date('2030-01-01T12:34:56.789Z');
    expect(periodFromDates('2029-12-01', '2030-01-01', 'UTC', { now: midday })).toMatchObject({ start: '2029-12-01T00:00:00.000Z', end: '2030-01-01T12:34:56.000Z' });
    expect(asOfInstant('2030-01-01', 'UTC', midday).at).toBe('2030-01-01T12:34:56.000Z');
    expect(() => periodFromDates('2029-12-01', '2030-01-02', 'UTC', { now: midday })).toThrow(/future/);
    // the day has started in UTC but not yet in Los Angeles (still 2029-12-31 there)
    expect(() => periodFromDates('2029-12-01', '2030-01-01', 'America/Los_Angeles', { now: new Date('2030-01-01T05:00:00Z') })).toThrow(/future/);
  });
});
