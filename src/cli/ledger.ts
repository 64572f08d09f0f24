// `vigil ledger verify`: recompute the whole local ledger and check it against its signed checkpoints; `vigil ledger key`: what an auditor pins.
import type { AgentContext } from '../agent-context.js';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { openLedger } from '../ledger/open-ledger.js';
import { createPublicKey } from 'node:crypto';
import { formatVkey, rawEd25519PublicKey } from '../ledger/note.js';
import { consoleProgress } from './progress-console.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { takeWriterLock } from '../ledger/writer-lock.js';
import { localPrincipal, describePrincipal } from '../core/principal.js';

/**
 * The ledger's identity for an auditor to record at the start of an engagement, received from the company out of band,
 * and later pass to `vigil verify --trusted-fingerprint`.
 */
export async function ledgerKeyCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<number> {
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    // vkey: the signed-note key a witness is configured with (`vigil witness serve --origin ORIGIN=VKEY`).
    const vkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
    const chain = ledger.keyChain();
    const info = {
      origin: ledger.origin,
      keyId: ledger.keyId,
      fingerprint: keyFingerprint(ledger.publicKeyPem),
      algorithm: 'ed25519',
      publicKeyPem: ledger.publicKeyPem,
      vkey,
      // The genesis key an auditor may have pinned, and the rotations since (each signed by the key it replaced).
      genesisFingerprint: chain.keys[0]!.fingerprint,
      rotations: chain.rotations.length,
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    else {
      process.stdout.write(
        `origin       ${info.origin}\nkey id       ${info.keyId}\nfingerprint  ${info.fingerprint}\n` +
          `             (SHA-256 of the key's DER SubjectPublicKeyInfo: openssl pkey -pubin -outform DER | sha256sum)\n` +
          `vkey         ${info.vkey}\n             (for a witness: vigil witness serve --origin ${info.origin}=VKEY)\n` +
          (info.rotations > 0 ? `rotations    ${info.rotations} since the genesis key ${info.genesisFingerprint} (vigil verify accepts a pin of any key in the chain)\n` : '') +
          `\n${info.publicKeyPem}`,
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
        `ledger OK: ${report.size} leaves, ${report.checkpointsChecked} signed checkpoints verified (origin ${ledger.origin}, key ${ledger.keyId}, ${keyFingerprint(ledger.publicKeyPem)}` +
          (report.keys && report.keys.rotations > 0 ? `, reached by ${report.keys.rotations} rotation(s) from the genesis key ${report.keys.genesis.fingerprint}` : '') +
          ')' +
          (report.blobsChecked !== undefined ? `, ${report.blobsChecked} blobs re-hashed` : '') +
          (report.uncoveredLeaves ? `; ${report.uncoveredLeaves} newest leaves not yet covered by a checkpoint` : '') +
          '\n',
      );
    } else {
      process.stdout.write(`ledger FAILED verification${report.firstBadSeq !== undefined ? ` — first bad leaf: #${report.firstBadSeq}` : ''}\n`);
      for (const f of report.faults) {
        process.stdout.write(`  - ${f.code ? `${f.code}: ` : ''}${f.seq !== undefined ? `leaf #${f.seq}: ` : f.checkpointSize !== undefined ? `checkpoint at size ${f.checkpointSize}: ` : f.blob !== undefined ? 'blob: ' : ''}${f.message}\n`);
      }
    }
    return report.ok ? 0 : 1;
  } finally {
    await ledger.close();
  }
}

/**
 * `vigil ledger rotate-key`: takes the writer lock (so no `vigil run`, `worker` or `collect` signs meanwhile; refused
 * with exit 1 naming the holder), opens the ledger as its writer — which first finishes any rotation a crash
 * interrupted — and rotates (Ledger.rotateKey).
 */
export async function ledgerRotateKeyCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<number> {
  // Opening for writing would create a ledger where there is none: a wrong --data-dir is a usage error instead.
  if (!process.env.DATABASE_URL && !existsSync(join(ctx.dataDir, 'ledger.sqlite'))) {
    throw new UsageError('LEDGER_NOT_FOUND', `no ledger at ${join(ctx.dataDir, 'ledger.sqlite')}: nothing to rotate (check --data-dir)`);
  }
  if (process.env.DATABASE_URL) {
    // PostgreSQL: a read-only look first (an empty schema throws LEDGER_NOT_FOUND, exit 2, before anything is written).
    const { PgEvidenceStore } = await import('../ledger/pg-store.js');
    const store = await PgEvidenceStore.open({ url: process.env.DATABASE_URL, readOnly: true, logger: ctx.logger });
    const count = await store.leafCount().finally(() => store.close());
    if (count === 0) throw new UsageError('LEDGER_NOT_FOUND', `${store.location} holds no ledger: nothing to rotate`);
  }
  const lock = await takeWriterLock({ dataDir: ctx.dataDir, command: 'vigil ledger rotate-key', logger: ctx.logger, ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}) });
  try {
    const ledger = await openLedger(ctx, { role: 'writer' });
    try {
      const by = localPrincipal();
      const r = await ledger.rotateKey(by);
      const out = {
        origin: ledger.origin,
        from: { keyId: r.from.keyId, fingerprint: r.from.fingerprint },
        to: { keyId: r.to.keyId, fingerprint: r.to.fingerprint, vkey: formatVkey(ledger.origin, r.to.raw) },
        seq: r.seq,
        handoverCheckpoint: r.handover.size,
        by: describePrincipal(by),
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else {
        process.stdout.write(
          `ledger key rotated by ${out.by}: leaf #${out.seq} (key.rotated, signed by both keys), handover checkpoint at size ${out.handoverCheckpoint} signed by the old key\n` +
            `  old  ${out.from.fingerprint} (key id ${out.from.keyId}; archived in keys/archive/)\n` +
            `  new  ${out.to.fingerprint} (key id ${out.to.keyId}) signs from now on\n` +
            `Tell your auditor the new fingerprint (their pin of the old one still verifies through the rotation), and give each witness the new vkey:\n  ${out.to.vkey}\n`,
        );
      }
      return 0;
    } finally {
      await ledger.close();
    }
  } finally {
    await lock.release();
  }
}
