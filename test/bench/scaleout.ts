// Benchmark: the scale-out roles as separate processes (scheduler, 3 collect workers, the writer, serve) on Redis and
// PostgreSQL, collecting 200 emulated AWS accounts every minute for 3 slots, one collect worker SIGKILLed mid-slot;
// every (account, slot) counted in the ledger, the ledger verified, the API timed throughout. One JSON line.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runScaleout } from '../support/scaleout-scenario.js';
import { positive } from './_args.js';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { accounts: { type: 'string' }, slots: { type: 'string' }, workers: { type: 'string' }, schedule: { type: 'string' }, 'no-kill': { type: 'boolean' }, 'settle-seconds': { type: 'string' }, logs: { type: 'string' } },
    strict: true,
  });
  const accounts = positive('accounts', values.accounts, 200);
  const slots = positive('slots', values.slots, 3);
  const collectWorkers = positive('workers', values.workers, 3);
  const schedule = values.schedule ?? '* * * * *';
  const kill = !values['no-kill'];
  const r = await runScaleout({ accounts, slots, collectWorkers, schedule, kill, settleMs: positive('settle-seconds', values['settle-seconds'], 180) * 1000, ...(values.logs ? { logDir: values.logs } : {}) });
  if (r.details.length > 0) process.stderr.write(`scaleout: ${r.details.join('\n')}\n`);
  const { details: _d, ...figures } = r;
  process.stdout.write(`${JSON.stringify({ bench: 'scaleout', params: { accounts, slots, collectWorkers, schedule, kill, store: 'postgresql' }, ...figures, node: process.version, cpus: cpus().length })}\n`);
  if (r.missing + r.duplicates > 0 || !r.ledgerVerifyOk) process.exitCode = 1;
}
