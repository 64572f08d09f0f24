// Progress on the CLI's stderr: a redrawn bar on a terminal, periodic plain lines otherwise, nothing with --json.
// Drawn here rather than with cli-progress: the clock and stream are injected (so the bar is tested without a
// terminal), and other output (a worker child's log lines, the final result) is written through it, bar lifted first.
import { PhaseClock, periodicLines, progressIntervalMs, type ProgressListener, type ProgressUpdate } from '../core/progress.js';

export interface ConsoleStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A progress display plus the means to print other text without tearing it. */
export interface ConsoleProgress {
  update: ProgressListener;
  /** Writes `text` to `to` with the bar lifted (and redrawn after, on a terminal). */
  print(to: { write(text: string): unknown }, text: string): void;
  /** Removes the bar (the work is over). */
  end(): void;
}

const BAR_WIDTH = 20;

/** A single-line bar redrawn in place, at most every `minRedrawMs` (always on a phase's first and last update). */
export function ttyBar(task: string, out: ConsoleStream, o: { now?: () => number; minRedrawMs?: number } = {}): ConsoleProgress {
  const now = o.now ?? Date.now;
  const gap = o.minRedrawMs ?? 100;
  const clock = new PhaseClock(now);
  let shown = '';
  let lastDraw = -Infinity;
  let last: ProgressUpdate | undefined;
  const erase = (): void => {
    if (shown !== '') out.write('\r\u001b[K');
    shown = '';
  };
  const draw = (u: ProgressUpdate): void => {
    const frac = u.total ? Math.min(1, u.done / u.total) : undefined;
    const filled = Math.round((frac ?? 0) * BAR_WIDTH);
    const bar = frac === undefined ? '' : `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] `;
    const text = clock.describe(u);
    const cols = (out.columns || 100) - 1; // a pseudo-terminal without a size says 0
    // A narrow terminal loses the bar before the figures; a line never wraps (a wrapped line cannot be redrawn in place).
    let line = `${task} ${bar}${text}`;
    if (line.length > cols) line = `${task} ${text}`.slice(0, cols);
    out.write(`\r\u001b[K${line}`);
    shown = line;
    lastDraw = now();
  };
  return {
    update(u) {
      const edge = last === undefined || u.phase !== last.phase || (u.total !== undefined && u.done >= u.total);
      last = u;
      clock.observe(u);
      if (edge || now() - lastDraw >= gap) draw(u);
    },
    print(to, text) {
      const had = shown !== '';
      erase();
      to.write(text);
      if (had && last) draw(last);
    },
    end: erase,
  };
}

/** Not a terminal: the periodic plain lines of src/core/progress.ts, other output passed straight through. */
export function lineProgress(task: string, out: ConsoleStream, o: { now?: () => number; intervalMs?: number } = {}): ConsoleProgress {
  const update = periodicLines(task, out, o);
  return { update, print: (to, text) => void to.write(text), end: () => undefined };
}

/** The progress display for `task` on stderr: none with --json, a bar on a terminal, periodic lines otherwise. */
export function consoleProgress(task: string, o: { json?: boolean; stream?: ConsoleStream; env?: NodeJS.ProcessEnv } = {}): ConsoleProgress | undefined {
  if (o.json) return undefined;
  const stream = o.stream ?? process.stderr;
  return stream.isTTY ? ttyBar(task, stream) : lineProgress(task, stream, { intervalMs: progressIntervalMs(o.env) });
}
