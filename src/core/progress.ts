// Progress of long work (export, verify, collect, rebuilds): what a step reports, and how it is shown — a bar on a
// terminal, a periodic plain line otherwise, or marker lines a parent process renders for its worker child.

/** One report from a step: `done` of `total` `unit` in the current `phase` (and the bytes written or read, if counted). */
export interface ProgressUpdate {
  phase: string;
  unit: string;
  done: number;
  total?: number;
  bytes?: number;
}

/** Called as work advances; cheap to call per item (renderers decide when to draw). */
export type ProgressListener = (u: ProgressUpdate) => void;

/** The plain-line interval when not on a terminal: VIGIL_PROGRESS_INTERVAL_MS, default 10 s. */
export function progressIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.VIGIL_PROGRESS_INTERVAL_MS);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}

/** The env var a parent sets so its worker child writes marker lines instead of drawing (see `markerLines`). */
export const PROGRESS_MARKER_ENV = 'VIGIL_PROGRESS_MARKERS';
/** Prefix of a progress line on a worker child's stderr (an ASCII record separator: never the start of a log line). */
export const PROGRESS_MARKER = '\u001evigil-progress ';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatBytesPerSecond(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(1)} GB/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(bps >= 1e7 ? 0 : 1)} MB/s`;
  if (bps >= 1e3) return `${Math.round(bps / 1e3)} kB/s`;
  return `${Math.round(bps)} B/s`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  return `${h} h ${Math.round((s - h * 3600) / 60)} min`;
}

/** Tracks when each phase began, to give a rate and an ETA; one per task being shown. */
export class PhaseClock {
  private phase = '';
  private startedAt = 0;

  constructor(private readonly now: () => number) {}

  /** Notes the update's phase: a new phase restarts the rate. Cheap; call it on every update. */
  observe(u: ProgressUpdate): void {
    if (u.phase !== this.phase) {
      this.phase = u.phase;
      this.startedAt = this.now();
    }
  }

  /** "leaves 412/9,300, 1,234/s, 38 MB/s, ETA 2 min" (parts without data left out). */
  describe(u: ProgressUpdate): string {
    this.observe(u);
    const elapsed = this.now() - this.startedAt;
    const parts = [`${u.phase} ${int.format(u.done)}${u.total !== undefined ? `/${int.format(u.total)}` : ''} ${u.unit}`];
    if (elapsed >= 1000 && u.done > 0) {
      const rate = (u.done * 1000) / elapsed;
      parts.push(`${int.format(rate)}/s`);
      if (u.bytes !== undefined) parts.push(formatBytesPerSecond((u.bytes * 1000) / elapsed));
      if (u.total !== undefined && u.total > u.done) parts.push(`ETA ${formatDuration(((u.total - u.done) / rate) * 1000)}`);
    }
    return parts.join(', ');
  }

  /** The phase seen last. */
  get current(): string {
    return this.phase;
  }
}

export interface RenderTarget {
  write(text: string): unknown;
}

/**
 * Not a terminal: one plain line every `intervalMs` while work goes on ("export: leaves 412/9,300 …"), and one when a
 * phase ends that took longer than the interval, so a log shows steady movement and no line per item.
 */
export function periodicLines(task: string, out: RenderTarget, o: { now?: () => number; intervalMs?: number } = {}): ProgressListener {
  const now = o.now ?? Date.now;
  const interval = o.intervalMs ?? progressIntervalMs();
  const clock = new PhaseClock(now);
  let last = now();
  let shownInPhase = false;
  return (u) => {
    const t = now();
    if (u.phase !== clock.current) shownInPhase = false;
    clock.observe(u);
    const finished = u.total !== undefined && u.done >= u.total;
    if (t - last >= interval || (finished && shownInPhase)) {
      out.write(`${task}: ${clock.describe(u)}\n`);
      last = t;
      shownInPhase = !finished;
    }
  };
}

/**
 * In a worker child: every update as a marker line on stderr (at most one per `minGapMs` within a phase, plus each
 * phase's first and last), which the parent parses with `parseProgressLine` and renders.
 */
export function markerLines(out: RenderTarget, o: { now?: () => number; minGapMs?: number } = {}): ProgressListener {
  const now = o.now ?? Date.now;
  const gap = o.minGapMs ?? 100;
  let last = -Infinity;
  let phase = '';
  return (u) => {
    const t = now();
    const edge = u.phase !== phase || (u.total !== undefined && u.done >= u.total);
    if (!edge && t - last < gap) return;
    phase = u.phase;
    last = t;
    out.write(`${PROGRESS_MARKER}${JSON.stringify(u)}\n`);
  };
}

/** The update a marker line carries, or undefined for any other line. */
export function parseProgressLine(line: string): ProgressUpdate | undefined {
  if (!line.startsWith(PROGRESS_MARKER)) return undefined;
  try {
    const u = JSON.parse(line.slice(PROGRESS_MARKER.length)) as ProgressUpdate;
    return typeof u.phase === 'string' && typeof u.done === 'number' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** A long-running process's progress as periodic log lines ("ledger self-check: self-check 412,000/9,300,000 leaves …"). */
export function loggedProgress(task: string, logger: { info(obj: object, msg?: string): void }, o: { now?: () => number; intervalMs?: number } = {}): ProgressListener {
  return periodicLines(task, { write: (line) => logger.info({}, line.trimEnd()) }, o);
}

/** What a worker child or standalone script reports to: markers for a parent, plain periodic lines on its own. */
export function childProgress(task: string, out: RenderTarget, env: NodeJS.ProcessEnv = process.env): ProgressListener {
  return env[PROGRESS_MARKER_ENV] === '1' ? markerLines(out) : periodicLines(task, out, { intervalMs: progressIntervalMs(env) });
}
