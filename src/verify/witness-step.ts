// Bundle step: the witnesses' cosignatures (ledger/witness/) checked against the witness keys the auditor trusts — the
// slice's end (and start) checkpoints cosigned by a quorum, and every cosigned checkpoint consistent with the next.
import { verifyConsistency } from '../ledger/merkle.js';
import { openCheckpoint, strictBase64, type NoteVerifier } from '../ledger/note.js';
import { checkCosignedChain, type ChainCheckpoint, type ChainProof } from '../witness/chain.js';
import { parseCosignatureVkey } from '../witness/cosignature.js';
import type { BundleFiles } from './bundle-files.js';
import type { BundleFault } from './bundle-steps.js';

// The bundle's file names, spelt here too: the verifier must not load the exporter.
const COSIGNATURES_FILE = 'ledger/witness/cosignatures.json';
const PROOFS_FILE = 'ledger/witness/proofs.json';
const ANCHOR = /^ledger\/witness\/anchor-(0|[1-9][0-9]*)\.checkpoint$/;

export interface WitnessCheckOptions {
  /** Witness vkeys (cosignature/v1) obtained out of band; none: the cosignatures are counted, not checked. */
  keys: readonly string[];
  /** Distinct trusted witnesses a checkpoint needs. @defaultValue every key given */
  quorum?: number;
}

export interface WitnessSummary {
  /** Cosignature lines the bundle carries. */
  carried: number;
  /** Distinct witness names among them. */
  witnesses: string[];
  /** Whether they were checked against given keys (and the end and start found cosigned by the quorum). */
  checked: boolean;
  quorum?: number;
}

interface CarriedCosignature {
  checkpointSize: number;
  witness: string;
  cosignature: string;
}

/** Usage problems in the options, before any file is read (exit 2). */
export function witnessOptionProblem(o: WitnessCheckOptions): string | undefined {
  for (const k of o.keys) {
    try {
      parseCosignatureVkey(k);
    } catch (e) {
      return `--witness-key ${JSON.stringify(k)}: ${(e as Error).message}`;
    }
  }
  if (o.quorum !== undefined) {
    if (o.keys.length === 0) return '--witness-quorum needs --witness-key';
    if (!Number.isSafeInteger(o.quorum) || o.quorum < 1 || o.quorum > o.keys.length) return `--witness-quorum must be a whole number from 1 to the ${o.keys.length} --witness-key given`;
  }
  return undefined;
}

function readJson<T>(bundle: BundleFiles, present: Set<string>, file: string, fault: (f: BundleFault) => void): T | undefined {
  if (!present.has(file)) return undefined;
  try {
    return JSON.parse(bundle.read(file).toString('utf8')) as T;
  } catch (e) {
    fault({ code: 'WITNESS_MALFORMED', file, message: `unreadable: ${(e as Error).message}` });
    return undefined;
  }
}

function carriedCosignatures(bundle: BundleFiles, present: Set<string>, fault: (f: BundleFault) => void): CarriedCosignature[] {
  const raw = readJson<unknown>(bundle, present, COSIGNATURES_FILE, fault);
  if (raw === undefined) return [];
  const ok = Array.isArray(raw) && raw.every((c) => c && typeof c === 'object' && Number.isSafeInteger((c as CarriedCosignature).checkpointSize) && typeof (c as CarriedCosignature).cosignature === 'string' && typeof (c as CarriedCosignature).witness === 'string');
  if (!ok) {
    fault({ code: 'WITNESS_MALFORMED', file: COSIGNATURES_FILE, message: 'expected a list of { checkpointSize, witness, cosignature, … }' });
    return [];
  }
  return raw as CarriedCosignature[];
}

/**
 * Counts the cosignatures a bundle carries and, with witness keys, checks them: each trusted cosignature verifies over
 * the log-signed checkpoint of its size, successive cosigned checkpoints are consistent (proofs in proofs.json), and the
 * slice's end (and start, when the slice does not begin at 0) is cosigned by the quorum — itself, or through a
 * consistency proof to a cosigned anchor just outside the slice. Every fault names the checkpoint file.
 */
export function checkWitnesses(
  bundle: BundleFiles,
  present: Set<string>,
  verifiers: NoteVerifier[],
  origin: string,
  slice: { s: number; e: number; roots: Map<number, Buffer> },
  o: WitnessCheckOptions,
  fault: (f: BundleFault) => void,
): WitnessSummary {
  const carried = carriedCosignatures(bundle, present, fault);
  const summary: WitnessSummary = { carried: carried.length, witnesses: [...new Set(carried.map((c) => c.witness))].sort(), checked: false };
  if (o.keys.length === 0) return summary;
  const quorum = o.quorum ?? o.keys.length;
  summary.quorum = quorum;
  const { s, e, roots } = slice;
  const sizes = [...new Set(carried.map((c) => c.checkpointSize))].sort((a, b) => a - b);
  const fileOf = (size: number): string => (present.has(`ledger/checkpoints/${size}.checkpoint`) ? `ledger/checkpoints/${size}.checkpoint` : `ledger/witness/anchor-${size}.checkpoint`);
  const anchorRoots = new Map<number, Buffer>();
  for (const f of present) {
    const m = ANCHOR.exec(f);
    if (!m) continue;
    try {
      const cp = openCheckpoint(bundle.read(f), verifiers, origin);
      if (cp.size !== Number(m[1])) fault({ code: 'WITNESS_MALFORMED', file: f, message: `signed size ${cp.size} differs from the file name` });
      else anchorRoots.set(cp.size, cp.root);
    } catch (err) {
      fault({ code: 'SIGNATURE', file: f, message: (err as Error).message });
    }
  }
  const checkpoints: ChainCheckpoint[] = [];
  const chainSizes: number[] = [];
  for (const size of sizes) {
    const file = fileOf(size);
    if (!present.has(file)) {
      fault({ code: 'WITNESS_MALFORMED', file: COSIGNATURES_FILE, message: `cosignatures of size ${size}, but the bundle has no checkpoint of that size` });
      continue;
    }
    checkpoints.push({ note: bundle.read(file).toString('utf8'), cosignatures: carried.filter((c) => c.checkpointSize === size).map((c) => c.cosignature) });
    chainSizes.push(size);
  }
  const proofs = readJson<ChainProof[]>(bundle, present, PROOFS_FILE, fault) ?? [];
  const report = checkCosignedChain({ checkpoints, proofs: Array.isArray(proofs) ? proofs : [], witnesses: o.keys, quorum, require: 'any', logVerifiers: verifiers });
  const cosigned = new Set(report.cosigned.map((c) => chainSizes[c.checkpoint]!));
  for (const f of report.faults) {
    const size = f.checkpoint !== undefined ? chainSizes[f.checkpoint] : undefined;
    // The chain numbers checkpoints by position in its input; the file name says which one.
    const message = f.message.replace(/^(cosigned )?checkpoint #\d+ /, '$1checkpoint ');
    let why = '';
    if (f.kind === 'bad-cosignature' && size !== undefined) {
      // Below the last checkpoint still validly cosigned nothing changed; the rewrite is between it and this one.
      const from = Math.max(0, ...[...cosigned].filter((n) => n < size));
      why = ` — the witness cosigned another root at this size: a leaf in seq ${from}..${size - 1} was rewritten and re-signed, or the cosignature was altered`;
    }
    fault({ code: `WITNESS_${f.kind.toUpperCase().replace(/-/g, '_')}`, ...(size !== undefined ? { file: fileOf(size) } : {}), message: `${message}${why}` });
  }
  const rootOf = (n: number): Buffer | undefined => roots.get(n) ?? anchorRoots.get(n);
  const anchored = (at: number, direction: 'after' | 'before'): boolean => {
    if (cosigned.has(at)) return true;
    const list = [...cosigned].sort((a, b) => a - b);
    const anchor = direction === 'after' ? list.find((n) => n > at) : [...list].reverse().find((n) => n < at);
    if (anchor === undefined) return false;
    const [from, to] = direction === 'after' ? [at, anchor] : [anchor, at];
    const p = (Array.isArray(proofs) ? proofs : []).find((x) => x.fromSize === from && x.toSize === to);
    const hashes = p?.proof.map((h) => (typeof h === 'string' ? strictBase64(h) : Buffer.from(h)));
    const a = rootOf(from);
    const b = rootOf(to);
    return hashes !== undefined && hashes.every((h) => h !== undefined) && a !== undefined && b !== undefined && verifyConsistency(from, to, hashes as Buffer[], a, b);
  };
  const need = `${quorum} of the ${o.keys.length} witness key(s) given`;
  if (!anchored(e, 'after')) {
    fault({ code: 'WITNESS_NOT_COSIGNED', file: `ledger/checkpoints/${e}.checkpoint`, message: `the slice's end checkpoint (size ${e}) is not cosigned by ${need}, nor proven consistent with a checkpoint that is` });
  }
  if (s > 0 && !anchored(s, 'before')) {
    fault({ code: 'WITNESS_NOT_COSIGNED', file: `ledger/checkpoints/${s}.checkpoint`, message: `the slice's start checkpoint (size ${s}) is not cosigned by ${need}, nor proven consistent with a checkpoint that is` });
  }
  summary.checked = true;
  return summary;
}
