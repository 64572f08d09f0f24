// ledger/witness/ in a bundle: the witnesses' cosignatures of the slice's checkpoints, anchors just outside it, and the
// consistency proofs between successive cosigned checkpoints, so `vigil verify --witness-key` can check them offline.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonBytes } from '../ledger/canonical.js';
import type { EvidenceStore, StoredCheckpoint } from '../ledger/store.js';
import { storeProofSource } from '../witness/ledger-proofs.js';
import { submitCheckpoint } from '../witness/client.js';
import type { WitnessConfig } from '../witness/config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../core/collector.js';

export const WITNESS_DIR = 'ledger/witness';
export const COSIGNATURES_FILE = `${WITNESS_DIR}/cosignatures.json`;
export const PROOFS_FILE = `${WITNESS_DIR}/proofs.json`;
/** Cosigned checkpoints just outside the slice (before its start, after its end) that anchor an uncosigned end. */
export const anchorFile = (size: number): string => `${WITNESS_DIR}/anchor-${size}.checkpoint`;

/** One cosignature as the bundle carries it (from a `witness.cosigned` leaf, or obtained by the export itself). */
export interface BundleCosignature {
  checkpointSize: number;
  /** Base64 root the witness signed over: equal to the checkpoint's, or the cosignature cannot verify. */
  rootHash: string;
  witness: string;
  keyId: string;
  cosignature: string;
  timestamp: number;
  /** The ledger leaf that recorded it, when it was recorded (an export's own submission is not). */
  seq?: number;
}

export interface BundleProof {
  fromSize: number;
  toSize: number;
  proof: string[];
}

export interface WitnessFilesResult {
  cosignatures: number;
  /** Distinct witness names among them. */
  witnesses: string[];
  files: string[];
}

/**
 * Writes ledger/witness/ when the ledger holds cosignatures of the slice (or `extra` ones the export obtained): the
 * cosignatures of checkpoints in [s, e]; when e (or s > 0) itself is not cosigned, the nearest cosigned checkpoint after
 * it (before it) as an anchor; and a consistency proof between each two successive cosigned sizes. Nothing is written
 * when there is nothing to carry.
 */
export async function writeWitnessFiles(ro: EvidenceStore, work: string, s: number, e: number, extra: readonly BundleCosignature[] = []): Promise<WitnessFilesResult> {
  const all: BundleCosignature[] = [...extra];
  for await (const l of ro.leaves({ types: ['witness.cosigned'] })) {
    const b = parseJsonBytes(l.body) as Omit<BundleCosignature, 'seq'>;
    all.push({ checkpointSize: b.checkpointSize, rootHash: b.rootHash, witness: b.witness, keyId: b.keyId, cosignature: b.cosignature, timestamp: b.timestamp, seq: l.seq });
  }
  if (all.length === 0) return { cosignatures: 0, witnesses: [], files: [] };
  const cps = new Map<number, StoredCheckpoint>((await ro.checkpoints()).map((c) => [c.size, c]));
  const sizes = [...new Set(all.map((c) => c.checkpointSize))].filter((n) => cps.has(n)).sort((a, b) => a - b);
  const inside = sizes.filter((n) => n >= s && n <= e);
  const anchors: number[] = [];
  const after = sizes.find((n) => n > e);
  if (!inside.includes(e) && after !== undefined) anchors.push(after);
  const before = [...sizes].reverse().find((n) => n < s);
  if (s > 0 && !inside.includes(s) && before !== undefined) anchors.push(before);
  const carried = [...inside, ...anchors].sort((a, b) => a - b);
  const kept = all.filter((c) => carried.includes(c.checkpointSize)).sort((a, b) => a.checkpointSize - b.checkpointSize || a.witness.localeCompare(b.witness));
  if (kept.length === 0) return { cosignatures: 0, witnesses: [], files: [] };

  mkdirSync(join(work, WITNESS_DIR), { recursive: true });
  const files = [COSIGNATURES_FILE, PROOFS_FILE];
  writeFileSync(join(work, COSIGNATURES_FILE), `${JSON.stringify(kept, null, 2)}\n`);
  for (const a of anchors) {
    writeFileSync(join(work, anchorFile(a)), cps.get(a)!.note);
    files.push(anchorFile(a));
  }
  // Proofs between successive cosigned sizes (the chain), and from an uncosigned end to its anchor (from the start's).
  const pairs: Array<[number, number]> = [];
  for (let i = 1; i < carried.length; i++) pairs.push([carried[i - 1]!, carried[i]!]);
  if (anchors.includes(after ?? -1)) pairs.push([e, after!]);
  if (anchors.includes(before ?? -1)) pairs.push([before!, s]);
  const prove = storeProofSource(ro);
  const proofs: BundleProof[] = [];
  for (const [from, to] of pairs) {
    if (from === to || proofs.some((p) => p.fromSize === from && p.toSize === to)) continue;
    proofs.push({ fromSize: from, toSize: to, proof: (await prove(from, to)).map((h) => Buffer.from(h).toString('base64')) });
  }
  writeFileSync(join(work, PROOFS_FILE), `${JSON.stringify(proofs, null, 2)}\n`);
  return { cosignatures: kept.length, witnesses: [...new Set(kept.map((c) => c.witness))].sort(), files };
}

/**
 * Offers the export checkpoint the export just signed to each witness (from the size its last recorded cosignature
 * covers; a witness that holds more answers 409 and the client retries from there). A witness that cannot be reached
 * or refuses is logged and the bundle carries what the others gave; `vigil verify --witness-key` says what is missing.
 */
export async function cosignExportCheckpoint(
  ledger: Ledger,
  cp: { size: number; root: string; note: string },
  witnesses: readonly WitnessConfig[],
  logger: Logger,
): Promise<BundleCosignature[]> {
  const held = new Map<string, number>();
  for await (const l of ledger.readLeaves({ types: ['witness.cosigned'] })) held.set(l.body.witness, Math.max(held.get(l.body.witness) ?? 0, l.body.checkpointSize));
  const proofs = storeProofSource(ledger.proofReader());
  const out = await Promise.all(
    witnesses.map(async (w): Promise<BundleCosignature | undefined> => {
      try {
        const r = await submitCheckpoint({ url: w.url, vkey: w.key }, cp.note, held.get(w.name) ?? 0, proofs, { timeoutMs: w.timeoutSeconds * 1000, maxAttempts: 2, backoffMs: 200, logger });
        return { checkpointSize: cp.size, rootHash: Buffer.from(cp.root, 'hex').toString('base64'), witness: w.name, keyId: r.keyId, cosignature: r.cosignature, timestamp: r.timestamp };
      } catch (e) {
        logger.warn({ witness: w.name, size: cp.size, err: (e as Error).message }, 'export: witness did not cosign the export checkpoint');
        return undefined;
      }
    }),
  );
  return out.filter((c): c is BundleCosignature => c !== undefined);
}
