// `vigil gaps declare | list`: operator-declared monitoring outages (ledger leaves), and the gaps the ledger recorded.
import type { AgentContext } from '../agent-context.js';
import { describePrincipal, localPrincipal } from '../core/principal.js';
import { openLedger } from '../ledger/open-ledger.js';
import { declareOutage, validateOutage, type OutageInput } from '../gaps/outages.js';

export async function gapsDeclareCommand(ctx: AgentContext, o: OutageInput & { json?: boolean }): Promise<number> {
  const { SOURCE_IDS } = await import('../../collectors/manifest.js');
  // Checked before the ledger opens: bad input writes nothing.
  const d = validateOutage(o, ctx.clock.now(), SOURCE_IDS, localPrincipal());
  const ledger = await openLedger(ctx, { role: 'exceptions' });
  try {
    const { seq } = await declareOutage(ledger, d);
    const what = `${d.source}${d.scope !== undefined ? `/${d.scope}` : ' (every scope)'}`;
    process.stdout.write(o.json ? `${JSON.stringify({ outage: d, seq })}\n` : `declared outage of ${what} from ${d.from} to ${d.to} by ${describePrincipal(d.declaredBy)} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

interface ListedGap {
  seq: number;
  recordedAt: string;
  kind: 'missed slots' | 'history out of reach' | 'declared outage';
  source: string;
  scope: string | null;
  from: string;
  to: string;
  slots: number | null;
  reason: string;
  declaredBy: string | null;
}

/** Gap leaves (missed slots, history out of reach) and declared outages, in ledger order. */
export async function gapsListCommand(ctx: AgentContext, o: { json?: boolean }): Promise<number> {
  const ledger = await openLedger(ctx, { readOnly: true });
  const list: ListedGap[] = [];
  try {
    for await (const l of ledger.readLeaves({ types: ['gap', 'outage.declared'] })) {
      const b = l.body;
      const base = { seq: l.seq, recordedAt: String(b.observedAt), source: String(b.source), scope: typeof b.scope === 'string' ? b.scope : null, from: b.from, to: b.to, reason: b.reason };
      if (b.type === 'outage.declared') list.push({ ...base, kind: 'declared outage', slots: null, declaredBy: describePrincipal(b.declaredBy) });
      else list.push({ ...base, kind: b.declared === true ? 'history out of reach' : 'missed slots', slots: b.slots ?? null, declaredBy: null });
    }
  } finally {
    await ledger.close();
  }
  if (o.json) process.stdout.write(`${JSON.stringify({ gaps: list }, null, 2)}\n`);
  else if (list.length === 0) process.stdout.write('No gaps or declared outages recorded.\n');
  else
    for (const g of list) {
      const who = g.declaredBy !== null ? `, declared by ${g.declaredBy}` : '';
      const slots = g.slots !== null ? ` (${g.slots} slots)` : '';
      process.stdout.write(`#${g.seq}  ${g.kind}  ${g.source}/${g.scope ?? '*'}  ${g.from} .. ${g.to}${slots}  recorded ${g.recordedAt}${who}: ${g.reason}\n`);
    }
  return 0;
}
