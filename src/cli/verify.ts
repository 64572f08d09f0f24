// `vigil verify PATH`: offline bundle verification; needs no data dir or config (logic in src/verify/).
import { UsageError } from '../core/errors.js';
import { BOUNDED_HEAP_MARK, isVigilBin, rerunWithBoundedHeap } from '../export/bounded-heap.js';
import { runLeanWorker } from '../export/lean.js';
import { consoleProgress } from './progress-console.js';

export interface VerifyCliOptions {
  trustedKey?: string;
  trustedFingerprint?: string;
  requirePin?: boolean;
  /** Witness vkeys (repeatable). */
  witnessKey?: string[];
  witnessQuorum?: string;
  tsaCa?: string;
  json?: boolean;
}

export async function verifyCommand(path: string, o: VerifyCliOptions): Promise<number> {
  // From the command line, verification runs in the bundle's own verifier (verify/verify.mjs, plain JavaScript) under a
  // capped heap; in-process callers (tests) and a worker that could not be written fall through to doing it here.
  if (isVigilBin(process.argv[1] ?? '') && process.env[BOUNDED_HEAP_MARK] !== '1') {
    const args = [
      path,
      ...(o.trustedKey !== undefined ? ['--trusted-key', o.trustedKey] : []),
      ...(o.trustedFingerprint !== undefined ? ['--trusted-fingerprint', o.trustedFingerprint] : []),
      ...(o.requirePin ? ['--require-pin'] : []),
      ...(o.witnessKey ?? []).flatMap((k) => ['--witness-key', k]),
      ...(o.witnessQuorum !== undefined ? ['--witness-quorum', o.witnessQuorum] : []),
      ...(o.tsaCa !== undefined ? ['--tsa-ca', o.tsaCa] : []),
      ...(o.json ? ['--json'] : []),
    ];
    const code = (await runLeanWorker('verify', args, consoleProgress('verify', { json: o.json === true }))) ?? (await rerunWithBoundedHeap(isVigilBin));
    if (code !== undefined) return code;
  }
  // In-process: the verifier loads only here, so the launcher of a worker run does not hold it.
  const { verifyBundle } = await import('../verify/verify-bundle.js');
  const { formatVerification, writeAll } = await import('../verify/standalone.js');
  let r;
  const progress = consoleProgress('verify', { json: o.json === true });
  try {
    r = await verifyBundle(path, {
      ...(o.trustedKey !== undefined ? { trustedKeyFile: o.trustedKey } : {}),
      ...(o.trustedFingerprint !== undefined ? { trustedFingerprint: o.trustedFingerprint } : {}),
      ...(o.requirePin ? { requirePin: true } : {}),
      ...(o.witnessKey?.length ? { witnessKeys: o.witnessKey } : {}),
      ...(o.witnessQuorum !== undefined ? { witnessQuorum: quorumOf(o.witnessQuorum) } : {}),
      ...(o.tsaCa !== undefined ? { tsaCaFile: o.tsaCa } : {}),
      ...(progress ? { progress: progress.update } : {}),
    });
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    if (err.exitCode === 2) throw new UsageError('VERIFY_USAGE', err.message);
    throw e;
  } finally {
    progress?.end();
  }
  await writeAll(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatVerification(r));
  return r.ok ? 0 : 1;
}

function quorumOf(q: string): number {
  if (!/^[1-9][0-9]*$/.test(q)) throw new UsageError('VERIFY_USAGE', `--witness-quorum ${JSON.stringify(q)}: expected a whole number of witnesses`);
  return Number(q);
}
