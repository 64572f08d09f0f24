// Log lines for a person at a terminal: pino's JSON records turned into "21:30:28 WARN  message key=value", no stack.
// A small formatter rather than pino-pretty: one record shape, no extra dependency, and stacks are dropped on purpose.

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 40: '\u001b[33m', 50: '\u001b[31m', 60: '\u001b[31m' };
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
/** Fields every record has, shown in the head of the line rather than as key=value. */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v !== null && typeof v === 'object') {
    // An error object pino serialised: its message only. A stack is for a bug report, and JSON logs still carry it.
    const e = v as { message?: unknown; stack?: unknown; type?: unknown };
    if (typeof e.message === 'string' && typeof e.stack === 'string') return value(e.message);
    return JSON.stringify(v);
  }
  return String(v);
}

/** One JSON log record as one human line (`color` adds ANSI colours for the level). Not JSON → returned as it came. */
export function humanLogLine(record: string, o: { color?: boolean } = {}): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(record) as Record<string, unknown>;
  } catch {
    return record.endsWith('\n') ? record : `${record}\n`;
  }
  const level = typeof r.level === 'number' ? r.level : 30;
  const time = typeof r.time === 'number' ? new Date(r.time).toISOString().slice(11, 19) : '';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const fields = Object.entries(r)
    .filter(([k, v]) => !HEAD.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  const msg = typeof r.msg === 'string' ? r.msg : '';
  if (!o.color) return `${time} ${name} ${msg}${fields ? ` ${fields}` : ''}\n`;
  const c = COLORS[level] ?? '';
  return `${DIM}${time}${RESET} ${c}${name}${c ? RESET : ''} ${msg}${fields ? ` ${DIM}${fields}${RESET}` : ''}\n`;
}

/** Whether logs on this stream are for a person: a terminal, unless VIGIL_LOG_FORMAT says json (or pretty forces it). */
export function humanLogs(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const f = env.VIGIL_LOG_FORMAT;
  if (f === 'json') return false;
  if (f === 'pretty') return true;
  return stream.isTTY === true;
}

/** A pino destination writing human lines to `out` (pino hands it one JSON record per write). */
export function humanDestination(out: { write(text: string): unknown; isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): { write(record: string): void } {
  const color = out.isTTY === true && env.NO_COLOR === undefined;
  // On a terminal a progress bar may be drawn on the current line (progress-console.ts): clear it first, so the record
  // gets a line of its own; the bar is redrawn below at its next update.
  const lift = out.isTTY === true ? '\r\u001b[K' : '';
  return { write: (record) => void out.write(`${lift}${humanLogLine(record, { color })}`) };
}
