// Offline check of a period's witnessed checkpoints: cosignatures verify, and each cosigned checkpoint extends the one before.
import { verifyConsistency } from '../ledger/merkle.js';
import { NoteError, openNote, parseCheckpoint, parseSignatureLine, parseSignedNote, strictBase64, type NoteVerifier } from '../ledger/note.js';
import { CosignatureError, parseCosignatureVkey, verifyCosignature, type WitnessKey } from './cosignature.js';

export interface ChainCheckpoint {
  /** The signed checkpoint note; its signature block may already carry witnesses' cosignature lines. */
  note: string;
  /** Cosignature lines kept apart from the note (recorded as their own evidence), if any. */
  cosignatures?: readonly string[];
}

/** An RFC 6962 consistency proof between two checkpoint sizes; hashes as bytes or standard base64. */
export interface ChainProof {
  fromSize: number;
  toSize: number;
  proof: ReadonlyArray<Uint8Array | string>;
}

export interface CosignedChainInput {
  /** The period's checkpoints in the order the log signed them. */
  checkpoints: readonly ChainCheckpoint[];
  /** Consistency proofs between successive cosigned checkpoints (from the smaller size to the larger). */
  proofs: readonly ChainProof[];
  /** Witness vkeys (cosignature/v1, type 0x04) the verifier trusts. */
  witnesses: readonly string[];
  /** Distinct trusted witnesses needed for a checkpoint to count as cosigned. @defaultValue 1 */
  quorum?: number;
  /** Every checkpoint must be cosigned ('every'), or at least one ('any'). @defaultValue 'any' */
  require?: 'every' | 'any';
  /** When given, each checkpoint's log signature is checked too. */
  logVerifiers?: readonly NoteVerifier[];
}

export type ChainFaultKind =
  | 'malformed'
  | 'bad-log-signature'
  | 'origin-mismatch'
  | 'bad-cosignature'
  | 'not-cosigned'
  | 'rollback'
  | 'fork'
  | 'missing-proof';

export interface ChainFault {
  kind: ChainFaultKind;
  message: string;
  /** Position of the checkpoint in the input, when the fault is about one. */
  checkpoint?: number;
  size?: number;
  witness?: string;
}

export interface CosignedCheckpointInfo {
  checkpoint: number;
  origin: string;
  size: number;
  /** Base64 root hash: leaves must hash to it for the cosignatures to cover them. */
  root: string;
  witnesses: Array<{ name: string; keyId: string; timestamp: number }>;
}

export interface CosignedChainReport {
  ok: boolean;
  faults: ChainFault[];
  /** Checkpoints with a quorum of valid cosignatures, in input order. */
  cosigned: CosignedCheckpointInfo[];
}

interface Parsed {
  index: number;
  origin: string;
  size: number;
  root: Buffer;
  text: string;
  lines: string[];
}

function parseOne(c: ChainCheckpoint, index: number, logVerifiers: readonly NoteVerifier[] | undefined, faults: ChainFault[]): Parsed | undefined {
  try {
    const { text, signatures } = parseSignedNote(c.note);
    const body = parseCheckpoint(text, { allowExtensions: true });
    if (logVerifiers !== undefined) {
      try {
        openNote(c.note, logVerifiers);
      } catch (e) {
        faults.push({ kind: 'bad-log-signature', checkpoint: index, size: body.size, message: `checkpoint #${index} (size ${body.size}): ${(e as Error).message}` });
        return undefined;
      }
    }
    return { index, origin: body.origin, size: body.size, root: body.root, text, lines: [...signatures.map((s) => s.line), ...(c.cosignatures ?? [])] };
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    faults.push({ kind: 'malformed', checkpoint: index, message: `checkpoint #${index} is not a checkpoint note: ${e.message}` });
    return undefined;
  }
}

/** The trusted witnesses whose cosignature on `p` verifies; a trusted witness's line that fails is a fault. */
function validCosigners(p: Parsed, keys: readonly WitnessKey[], faults: ChainFault[]): CosignedCheckpointInfo['witnesses'] {
  const out: CosignedCheckpointInfo['witnesses'] = [];
  for (const line of p.lines) {
    let sig;
    try {
      sig = parseSignatureLine(line.replace(/\n$/, ''));
    } catch (e) {
      faults.push({ kind: 'malformed', checkpoint: p.index, size: p.size, message: `checkpoint #${p.index} (size ${p.size}): ${(e as Error).message}` });
      continue;
    }
    const key = keys.find((k) => k.name === sig.name && k.keyId.equals(sig.keyId));
    if (key === undefined) continue;
    try {
      const v = verifyCosignature(p.text, line, key);
      if (!out.some((w) => w.name === v.name && w.keyId === v.keyId)) out.push({ name: v.name, keyId: v.keyId, timestamp: v.timestamp });
    } catch (e) {
      if (!(e instanceof CosignatureError)) throw e;
      faults.push({ kind: 'bad-cosignature', checkpoint: p.index, size: p.size, witness: key.name, message: `checkpoint #${p.index} (size ${p.size}): ${e.message}` });
    }
  }
  return out;
}

function decodeProof(p: ChainProof): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (const h of p.proof) {
    const b = typeof h === 'string' ? strictBase64(h) : Buffer.from(h);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

/** Whether cosigned checkpoint `b` extends cosigned checkpoint `a` (which came before it); a fault when not. */
function link(a: CosignedCheckpointInfo, b: CosignedCheckpointInfo, proofs: readonly ChainProof[]): ChainFault | undefined {
  const where = `cosigned checkpoint #${b.checkpoint} (size ${b.size})`;
  const prev = `cosigned checkpoint #${a.checkpoint} (size ${a.size})`;
  if (b.size < a.size) return { kind: 'rollback', checkpoint: b.checkpoint, size: b.size, message: `${where} is smaller than ${prev} before it: the log was rolled back` };
  if (b.size === a.size) {
    if (b.root === a.root) return undefined;
    return { kind: 'fork', checkpoint: b.checkpoint, size: b.size, message: `${where} has root ${b.root}, but ${prev} has root ${a.root}: two histories of one size (fork)` };
  }
  const p = proofs.find((x) => x.fromSize === a.size && x.toSize === b.size);
  if (p === undefined) return { kind: 'missing-proof', checkpoint: b.checkpoint, size: b.size, message: `no consistency proof from size ${a.size} to ${b.size} between ${prev} and ${where}` };
  const hashes = decodeProof(p);
  if (hashes === undefined) return { kind: 'malformed', checkpoint: b.checkpoint, size: b.size, message: `consistency proof ${a.size} → ${b.size} holds a hash that is not standard base64` };
  if (!verifyConsistency(a.size, b.size, hashes, Buffer.from(a.root, 'base64'), Buffer.from(b.root, 'base64'))) {
    return { kind: 'fork', checkpoint: b.checkpoint, size: b.size, message: `${where} is not an extension of ${prev}: the consistency proof does not verify (history rewritten or forked)` };
  }
  return undefined;
}

/**
 * Checks a period's checkpoints against trusted witnesses: every trusted cosignature verifies, checkpoints with a quorum
 * count as cosigned, and each cosigned checkpoint is consistent with the next one (a proof between them verifies; same
 * size means same root; never smaller). Names every fault: fork, rollback, bad cosignature, missing proof, not cosigned.
 */
export function checkCosignedChain(input: CosignedChainInput): CosignedChainReport {
  const faults: ChainFault[] = [];
  const quorum = input.quorum ?? 1;
  const keys = input.witnesses.map((v) => parseCosignatureVkey(v));
  const parsed = input.checkpoints.map((c, i) => parseOne(c, i, input.logVerifiers, faults)).filter((p): p is Parsed => p !== undefined);
  const origin = parsed[0]?.origin;
  const cosigned: CosignedCheckpointInfo[] = [];
  for (const p of parsed) {
    if (p.origin !== origin) {
      faults.push({ kind: 'origin-mismatch', checkpoint: p.index, size: p.size, message: `checkpoint #${p.index} is for log ${JSON.stringify(p.origin)}, not ${JSON.stringify(origin)}` });
      continue;
    }
    const witnesses = validCosigners(p, keys, faults);
    if (witnesses.length >= quorum) {
      cosigned.push({ checkpoint: p.index, origin: p.origin, size: p.size, root: p.root.toString('base64'), witnesses });
    } else if (input.require === 'every') {
      faults.push({ kind: 'not-cosigned', checkpoint: p.index, size: p.size, message: `checkpoint #${p.index} (size ${p.size}) has ${witnesses.length} valid cosignature(s) of the ${quorum} required` });
    }
  }
  if (cosigned.length === 0 && input.checkpoints.length > 0 && input.require !== 'every') {
    faults.push({ kind: 'not-cosigned', message: `none of the ${input.checkpoints.length} checkpoints has ${quorum} valid cosignature(s) from the trusted witnesses` });
  }
  for (let i = 1; i < cosigned.length; i++) {
    const f = link(cosigned[i - 1] as CosignedCheckpointInfo, cosigned[i] as CosignedCheckpointInfo, input.proofs);
    if (f !== undefined) faults.push(f);
  }
  return { ok: faults.length === 0, faults, cosigned };
}
