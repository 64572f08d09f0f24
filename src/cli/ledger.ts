// `vigil ledger verify`: recompute the whole local ledger and check it against its signed checkpoints.
import type { AgentContext } from '../agent-context.js';
import { openLedger } from '../ledger/open-ledger.js';

export async function ledgerVerifyCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<number> {
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const report = await ledger.verify();
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else if (report.ok) {
      process.stdout.write(
        `ledger OK: ${report.size} leaves, ${report.checkpointsChecked} signed checkpoints verified (origin ${ledger.origin}, key ${ledger.keyId})` +
          (report.blobsChecked !== undefined ? `, ${report.blobsChecked} blobs re-hashed` : '') +
          (report.uncoveredLeaves ? `; ${report.uncoveredLeaves} newest leaves not yet covered by a checkpoint` : '') +
          '\n',
      );
    } else {
      process.stdout.write(`ledger FAILED verification${report.firstBadSeq !== undefined ? ` — first bad leaf: #${report.firstBadSeq}` : ''}\n`);
      for (const f of report.faults) {
        process.stdout.write(`  - ${f.seq !== undefined ? `leaf #${f.seq}: ` : f.checkpointSize !== undefined ? `checkpoint at size ${f.checkpointSize}: ` : f.blob !== undefined ? 'blob: ' : ''}${f.message}\n`);
      }
    }
    return report.ok ? 0 : 1;
  } finally {
    await ledger.close();
  }
}
