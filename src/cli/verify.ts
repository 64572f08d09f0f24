// `vigil verify PATH`: offline bundle verification; needs no data dir or config (logic in src/verify/).
import { UsageError } from '../core/errors.js';
import { verifyBundle } from '../verify/verify-bundle.js';
import { formatVerification } from '../verify/standalone.js';
import { isVigilBin, rerunWithBoundedHeap } from '../export/bounded-heap.js';

export async function verifyCommand(path: string, o: { trustedKey?: string; json?: boolean }): Promise<number> {
  const rerun = await rerunWithBoundedHeap(isVigilBin);
  if (rerun !== undefined) return rerun;
  let r;
  try {
    r = await verifyBundle(path, o.trustedKey !== undefined ? { trustedKeyFile: o.trustedKey } : {});
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    if (err.exitCode === 2) throw new UsageError('VERIFY_USAGE', err.message);
    throw e;
  }
  process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatVerification(r));
  return r.ok ? 0 : 1;
}
