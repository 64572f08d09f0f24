// `vigil alerts [--follow] [--json]`: the alert feed, read from the ledger (the same leaves the API and webhooks serve).
import type { AgentContext } from '../agent-context.js';
import { openLedger } from '../ledger/open-ledger.js';
import { UsageError } from '../core/errors.js';
import { readAlerts } from '../alerts/feed.js';
import type { AlertRecord } from '../alerts/engine.js';
import { waitForSignal } from './run.js';

export interface AlertsOptions {
  follow?: boolean;
  json?: boolean;
  after?: string;
  limit?: string;
  /** Poll interval for --follow, ms. */
  intervalMs?: number;
}

export function formatAlert(a: AlertRecord): string {
  const head = `#${a.seq} ${a.observedAt} ${a.kind.toUpperCase().padEnd(9)} ${a.severity.padEnd(8)} ${a.title}`;
  const items = (a.items ?? []).slice(0, 10).map((i) => `    ${i.resourceId}: ${i.from ?? 'new'} → ${i.to} — ${i.reason}`);
  if ((a.items?.length ?? 0) > 10) items.push(`    … and ${a.items!.length - 10} more`);
  // A monitoring-health alert: each collection error with its cause, so "why" is on screen, not only in the run leaf.
  for (const e of (a.health?.errors ?? []).slice(0, 10)) items.push(`    ${e.operation}: ${e.cause} (${e.code}) — ${e.message}`);
  return [head, ...items].join('\n');
}

export async function alertsCommand(ctx: AgentContext, o: AlertsOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const after = o.after === undefined ? -1 : Number(o.after);
  const limit = o.limit === undefined ? 1000 : Number(o.limit);
  if (!Number.isInteger(after) || after < -1) throw new UsageError('ALERTS_ARGS', `--after: expected a ledger seq (integer ≥ -1), got ${o.after}`);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('ALERTS_ARGS', `--limit: expected a positive integer, got ${o.limit}`);
  const ledger = await openLedger(ctx, { readOnly: true });
  const print = (a: AlertRecord) => out.write(o.json ? `${JSON.stringify(a)}\n` : `${formatAlert(a)}\n`);
  try {
    let cursor = after;
    let shown = 0;
    for (;;) {
      const page = await readAlerts(ledger, cursor, Math.min(1000, o.follow ? 1000 : limit - shown));
      for (const a of page.alerts) print(a);
      shown += page.alerts.length;
      cursor = page.next;
      if (page.alerts.length === 0 || (!o.follow && shown >= limit)) break;
    }
    if (!o.follow) {
      if (shown === 0 && !o.json) out.write('No alerts recorded.\n');
      return 0;
    }
    // Follow: poll the ledger (another process appends); WAL readers see each committed batch. Said on stderr, so a
    // person knows the backlog is over and the command is not stuck; stdout (and --json) carries alerts only.
    if (!o.json) err.write('— waiting for new alerts (Ctrl-C to stop)\n');
    let stop = false;
    void waitForSignal().then(() => (stop = true));
    while (!stop) {
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
      const page = await readAlerts(ledger, cursor, 1000);
      for (const a of page.alerts) print(a);
      cursor = page.next;
    }
    return 0;
  } finally {
    await ledger.close();
  }
}
