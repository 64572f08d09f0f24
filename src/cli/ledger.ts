// `vigil ledger verify`: recompute the whole local ledger and check it against its signed checkpoints; `vigil ledger key`: what an auditor pins.
import type { AgentContext } from '../agent-context.js';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { openLedger } from '../ledger/open-ledger.js';
import { createPublicKey } from 'node:crypto';
import { formatVkey, rawEd25519PublicKey } from '../ledger/note.js';
import { consoleProgress } from './progress-console.js';

/**
 * The ledger's identity for an auditor to record at the start of an engagement, received from the company out of band,
 * and later pass to `vigil verify --trusted-fingerprint`.
 */
export async function ledgerKeyCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<number> {
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    // vkey: the signed-note key a witness is configured with (`vigil witness serve --origin ORIGIN=VKEY`).
    const vkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
    const info = { origin: ledger.origin, keyId: ledger.keyId, fingerprint: keyFingerprint(ledger.publicKeyPem), algorithm: 'ed25519', publicKeyPem: ledger.publicKeyPem, vkey };
    if (opts.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    else {
      process.stdout.write(
        `origin       ${info.origin}\nkey id       ${info.keyId}\nfingerprint  ${info.fingerprint}\n` +
          `             (SHA-256 of the key's DER SubjectPublicKeyInfo: openssl pkey -pubin -outform DER | sha256sum)\n` +
          `vkey         ${info.vkey}\n             (for a witness: vigil witness serve --origin ${info.origin}=VKEY)\n\n${info.publicKeyPem}`,
      );
    }
    return 0;
  } finally {
    await ledger.close();
  }
}

export async function ledgerVerifyCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<number> {
  const progress = consoleProgress('ledger verify', { json: opts.json === true });
  const ledger = await openLedger(ctx, { readOnly: true, ...(progress ? { progress: progress.update } : {}) });
  try {
    const report = await ledger.verify(progress ? { onProgress: (done, total) => progress.update({ phase: 'leaves', unit: 'leaves', done, total }) } : {}).finally(() => progress?.end());
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else if (report.ok) {
      process.stdout.write(
        `ledger OK: ${report.size} leaves, ${report.checkpointsChecked} signed checkpoints verified (origin ${ledger.origin}, key ${ledger.keyId}, ${keyFingerprint(ledger.publicKeyPem)})` +
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
