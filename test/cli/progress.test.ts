// Progress as an operator sees it: periodic plain lines, the terminal bar and the worker child's marker lines, each on an
// injected clock and stream (no terminal, no waiting).
import { describe, expect, it } from 'vitest';
import { markerLines, parseProgressLine, periodicLines, PhaseClock, childProgress, PROGRESS_MARKER, PROGRESS_MARKER_ENV } from '../../src/core/progress.js';
import { ttyBar, consoleProgress } from '../../src/cli/progress-console.js';
import { TestClock } from '../support/test-clock.js';

function sink(extra: { isTTY?: boolean; columns?: number } = {}): { text: () => string; write(t: string): boolean; isTTY?: boolean; columns?: number } {
  const parts: string[] = [];
  return { ...extra, write: (t: string) => (parts.push(t), true), text: () => parts.join('') };
}

const now = (c: TestClock) => () => c.now().getTime();

describe('PhaseClock', () => {
  it('gives done/total, the rate, the byte rate and an ETA once a second has passed in the phase', () => {
    const c = new TestClock();
    const p = new PhaseClock(now(c));
    expect(p.describe({ phase: 'ledger', unit: 'leaf files', done: 0, total: 9300 })).toBe('ledger 0/9,300 leaf files');
    c.advance(10_000);
    expect(p.describe({ phase: 'ledger', unit: 'leaf files', done: 412, total: 9300, bytes: 380_000_000 })).toBe('ledger 412/9,300 leaf files, 41/s, 38 MB/s, ETA 4 min');
  });

  it('restarts the rate when the phase changes', () => {
    const c = new TestClock();
    const p = new PhaseClock(now(c));
    p.describe({ phase: 'ledger', unit: 'leaves', done: 1, total: 10 });
    c.advance(5_000);
    expect(p.describe({ phase: 'report', unit: 'leaves', done: 5, total: 10 })).toBe('report 5/10 leaves');
    c.advance(5_000);
    expect(p.describe({ phase: 'report', unit: 'leaves', done: 5, total: 10 })).toBe('report 5/10 leaves, 1/s, ETA 5 s');
  });
});

describe('periodicLines (not a terminal)', () => {
  it('writes one line per interval however many updates arrive, and a closing line for a phase it has shown', () => {
    const c = new TestClock();
    const out = sink();
    const p = periodicLines('export', out, { now: now(c), intervalMs: 10_000 });
    for (let i = 1; i <= 100; i++) {
      c.advance(250);
      p({ phase: 'ledger', unit: 'leaves', done: i, total: 100 });
    }
    // 25 s of updates: lines at 10 s and 20 s, then the phase's end.
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'export: ledger 40/100 leaves, 4/s, ETA 15 s',
      'export: ledger 80/100 leaves, 4/s, ETA 5 s',
      'export: ledger 100/100 leaves, 4/s',
    ]);
  });

  it('says nothing about work shorter than the interval', () => {
    const c = new TestClock();
    const out = sink();
    const p = periodicLines('verify', out, { now: now(c), intervalMs: 10_000 });
    for (let i = 1; i <= 10; i++) {
      c.advance(100);
      p({ phase: 'report', unit: 'leaves', done: i, total: 10 });
    }
    expect(out.text()).toBe('');
  });
});

describe('markerLines and parseProgressLine (worker child → parent)', () => {
  it('sends each phase edge and at most one update per gap; the parent reads them back', () => {
    const c = new TestClock();
    const out = sink();
    const m = markerLines(out, { now: now(c), minGapMs: 100 });
    for (let i = 0; i <= 10; i++) {
      m({ phase: 'leaves', unit: 'leaf files', done: i, total: 10 });
      c.advance(30);
    }
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines.every((l) => l.startsWith(PROGRESS_MARKER))).toBe(true);
    expect(lines.map((l) => parseProgressLine(l)?.done)).toEqual([0, 4, 8, 10]);
    expect(parseProgressLine('{"level":40,"msg":"a log line"}')).toBeUndefined();
    expect(parseProgressLine(`${PROGRESS_MARKER}not json`)).toBeUndefined();
  });

  it('a child writes markers only when its parent asks (the standalone verifier prints plain lines)', () => {
    const out = sink();
    childProgress('verify', out, { [PROGRESS_MARKER_ENV]: '1' })({ phase: 'report', unit: 'leaves', done: 1, total: 1 });
    expect(out.text().startsWith(PROGRESS_MARKER)).toBe(true);
    const plain = sink();
    childProgress('verify', plain, { VIGIL_PROGRESS_INTERVAL_MS: '1' })({ phase: 'report', unit: 'leaves', done: 0, total: 2 });
    expect(plain.text()).toBe('');
  });
});

describe('ttyBar (a terminal)', () => {
  it('redraws one line in place, lifts itself for other output and is gone at the end', () => {
    const c = new TestClock();
    const out = sink({ isTTY: true, columns: 120 });
    const bar = ttyBar('export', out, { now: now(c), minRedrawMs: 100 });
    bar.update({ phase: 'ledger', unit: 'leaves', done: 0, total: 4 });
    c.advance(2_000);
    bar.update({ phase: 'ledger', unit: 'leaves', done: 2, total: 4 });
    expect(out.text()).toBe('\r\u001b[Kexport [░░░░░░░░░░░░░░░░░░░░] ledger 0/4 leaves\r\u001b[Kexport [██████████░░░░░░░░░░] ledger 2/4 leaves, 1/s, ETA 2 s');
    const log = sink();
    const before = out.text().length;
    bar.print(log, 'a log line\n');
    expect(log.text()).toBe('a log line\n');
    expect(out.text().slice(before)).toBe('\r\u001b[K\r\u001b[Kexport [██████████░░░░░░░░░░] ledger 2/4 leaves, 1/s, ETA 2 s');
    bar.end();
    expect(out.text().endsWith('\r\u001b[K')).toBe(true);
  });

  it('skips redraws closer than the gap but always draws the end of a phase; a narrow terminal drops the bar, not the figures', () => {
    const c = new TestClock();
    const out = sink({ isTTY: true, columns: 40 });
    const bar = ttyBar('verify', out, { now: now(c), minRedrawMs: 100 });
    for (let i = 0; i <= 3; i++) bar.update({ phase: 'report', unit: 'leaves', done: i, total: 3 });
    expect(out.text()).toBe('\r\u001b[Kverify report 0/3 leaves\r\u001b[Kverify report 3/3 leaves');
  });
});

describe('consoleProgress', () => {
  it('is nothing with --json, a bar on a terminal, periodic lines otherwise', () => {
    expect(consoleProgress('export', { json: true, stream: sink({ isTTY: true }) })).toBeUndefined();
    const tty = sink({ isTTY: true });
    consoleProgress('export', { stream: tty })!.update({ phase: 'ledger', unit: 'leaves', done: 0, total: 1 });
    expect(tty.text()).toContain('\r\u001b[K');
    const pipe = sink();
    const p = consoleProgress('export', { stream: pipe, env: { VIGIL_PROGRESS_INTERVAL_MS: '60000' } })!;
    p.update({ phase: 'ledger', unit: 'leaves', done: 0, total: 1 });
    expect(pipe.text()).toBe('');
  });
});
