// Each configured witness's health read from the ledger (what any process sees: `vigil status`, /readyz in `vigil
// serve`): the latest checkpoint it cosigned, how many signed since have none, and a refusal not yet followed by one.
import type { Ledger } from '../ledger/ledger.js';
import type { WitnessConfig } from './config.js';

export interface WitnessHealth {
  name: string;
  state: 'ok' | 'degraded';
  /** Size of the latest checkpoint it cosigned; 0 when none. */
  cosignedSize: number;
  /** When that cosignature was recorded. */
  cosignedAt?: string;
  /** Signed checkpoints after that one (none cosigned by this witness). */
  uncosignedCheckpoints: number;
  /** The latest alert about it after its latest cosignature. */
  alert?: { failure: string; checkpointSize: number; message: string; at: string };
  /** Why it is degraded, in one line. */
  reason?: string;
}

/**
 * Degraded when its latest alert (a refusal, or too many uncosigned checkpoints) came after its latest cosignature, or
 * when more than `alertAfterCheckpoints` signed checkpoints are not cosigned by it (no writer alive to raise the alert).
 */
export async function witnessHealth(ledger: Pick<Ledger, 'checkpoints' | 'readLeaves'>, witnesses: readonly WitnessConfig[]): Promise<WitnessHealth[]> {
  if (witnesses.length === 0) return [];
  const last = new Map<string, { size: number; seq: number; at: string }>();
  for await (const l of ledger.readLeaves({ types: ['witness.cosigned'] })) {
    const prev = last.get(l.body.witness);
    if (!prev || l.body.checkpointSize >= prev.size) last.set(l.body.witness, { size: l.body.checkpointSize, seq: l.seq, at: l.observedAt });
  }
  const alerts = new Map<string, { seq: number; failure: string; checkpointSize: number; message: string; at: string }>();
  for await (const l of ledger.readLeaves({ types: ['alert'] })) {
    const w = l.body.witness;
    if (l.body.kind === 'witness' && w) alerts.set(w.name, { seq: l.seq, failure: w.failure, checkpointSize: w.checkpointSize, message: w.message, at: l.observedAt });
  }
  const sizes = (await ledger.checkpoints()).map((c) => c.size);
  return witnesses.map((w) => {
    const c = last.get(w.name);
    const cosignedSize = c?.size ?? 0;
    const uncosigned = sizes.filter((n) => n > cosignedSize).length;
    const a = alerts.get(w.name);
    const open = a !== undefined && (c === undefined || a.seq > c.seq) ? a : undefined;
    const reason = open
      ? `${open.failure === 'missing' ? 'no cosignature' : `refused checkpoint ${open.checkpointSize} (${open.failure})`} since ${open.at}: ${open.message}`
      : uncosigned > w.alertAfterCheckpoints
        ? `${uncosigned} signed checkpoints since ${c ? `size ${cosignedSize}` : 'the start'} have no cosignature from it`
        : undefined;
    return {
      name: w.name,
      state: reason ? 'degraded' : 'ok',
      cosignedSize,
      ...(c ? { cosignedAt: c.at } : {}),
      uncosignedCheckpoints: uncosigned,
      ...(open ? { alert: { failure: open.failure, checkpointSize: open.checkpointSize, message: open.message, at: open.at } } : {}),
      ...(reason ? { reason } : {}),
    };
  });
}

/** One line per witness for `vigil status`. */
export function formatWitnessHealth(list: readonly WitnessHealth[]): string {
  return list
    .map((h) =>
      h.state === 'degraded'
        ? `WITNESS DEGRADED: ${h.name}: ${h.reason}\n`
        : `witness ${h.name}: cosigned checkpoint ${h.cosignedSize}${h.cosignedAt ? ` (recorded ${h.cosignedAt})` : ''}, ${h.uncosignedCheckpoints} newer checkpoint(s) not cosigned yet\n`,
    )
    .join('');
}
