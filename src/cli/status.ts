// `vigil status`: posture per criterion from the latest runs in the ledger, with coverage so far.
import type { AgentContext } from '../agent-context.js';
import { openLedger } from '../ledger/open-ledger.js';
import { loadConfiguredFramework } from '../rules/frameworks.js';
import { computePosture, type Posture } from '../report/posture.js';
import { DEFAULT_WARN_DAYS } from '../rules/manual-evidence.js';
import { formatWitnessHealth, witnessHealth } from '../witness/health.js';
import { formatPublishHealth, publishHealth } from '../publish/health.js';

export async function statusCommand(ctx: AgentContext, opts: { json?: boolean; framework?: string }): Promise<number> {
  const framework = loadConfiguredFramework(ctx.loaded.config, opts.framework);
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const posture = await computePosture(ledger, framework, ctx.clock.now(), { sources: Object.keys(ctx.loaded.sources), evidenceWarnDays: ctx.loaded.config.evidence?.warnDays ?? DEFAULT_WARN_DAYS });
    const witnesses = await witnessHealth(ledger, ctx.loaded.config.witnesses);
    const publish = await publishHealth(ledger, ctx.loaded.config.publish);
    if (opts.json) process.stdout.write(JSON.stringify({ ...posture, ...(witnesses.length > 0 ? { witnesses } : {}), ...(publish.length > 0 ? { publish } : {}) }, null, 2) + '\n');
    else {
      process.stdout.write(formatWitnessHealth(witnesses));
      process.stdout.write(formatPublishHealth(publish));
      printPosture(posture);
    }
  } finally {
    await ledger.close();
  }
  return 0;
}

export function printPosture(p: Posture, out: NodeJS.WritableStream = process.stdout): void {
  if (p.runs.length === 0) {
    out.write('No runs recorded yet. Run `vigil collect` or `vigil run`.\n');
  }
  // Sources that cannot be read first: every criterion below is "could not tell" for them.
  for (const r of p.runs) {
    if (r.health === 'failing') {
      out.write(`NOT MONITORED: ${r.source} ${r.scope}: ${r.failedRuns} failed run${r.failedRuns === 1 ? '' : 's'} since ${r.failingSince} (last at ${r.observedAt}, leaf #${r.seq})\n  ${r.reason}\n`);
    } else {
      // partial errors: say how many and why, so "error" counts below are not read as "needs permission"
      const errs = r.errors > 0 ? ` — ${r.errors} collection error${r.errors === 1 ? '' : 's'}: ${(r.causes ?? []).join(', ')}` : '';
      if (r.source === 'findings') out.write(`imported: ${r.scope}: scanner results of ${r.slot}, read at ${r.observedAt} (${r.outcome}, leaf #${r.seq})${errs}\n`);
      else out.write(`last run: ${r.source} ${r.scope} at ${r.observedAt} (${r.outcome}, leaf #${r.seq})${errs}\n`);
    }
  }
  // Retired scopes are out of scope: not counted below, named so a missing scope is never a silent one.
  for (const r of p.retired) {
    const last = r.lastRun ? `last run ${r.lastRun.at}, leaf #${r.lastRun.seq}` : 'no run';
    out.write(`retired: ${r.source} ${r.scope} since ${r.at}: ${r.reason} (${last}; by ${r.by}, leaf #${r.seq})\n`);
  }
  // Counts, then the state (the words OSCAL and report.html use) and why; each manual requirement on its own line.
  out.write(`\n${'criterion'.padEnd(10)} ${'pass'.padStart(5)} ${'fail'.padStart(5)} ${'error'.padStart(5)}  ${'state'.padEnd(13)} why\n`);
  for (const c of p.criteria) {
    const why = c.reasons.filter((r) => r !== 'manual evidence needed').join('; ');
    const direct = c.rules.filter((r) => r.evidence === 'direct' && r.outcome !== 'out-of-scope').length;
    const supporting = c.rules.filter((r) => r.evidence === 'supporting' && r.outcome !== 'out-of-scope').length;
    const evidence = c.rules.length === 0 ? 'manual only' : `${direct} direct, ${supporting} supporting rule${direct + supporting === 1 ? '' : 's'} in scope`;
    const accepted = c.accepted ? `  (${c.accepted} fail (accepted) under exception)` : '';
    out.write(`${c.id.padEnd(10)} ${String(c.pass).padStart(5)} ${String(c.fail).padStart(5)} ${String(c.error).padStart(5)}  ${c.state.padEnd(13)} ${why} (${evidence})${accepted}\n`);
    for (const m of c.manual ?? []) out.write(`${''.padEnd(10)} ${manualLine(m)}\n`);
    // Imported scanner results (vigil import): marked as such, with what they amount to.
    for (const r of c.rules.filter((x) => x.imported)) {
      out.write(`${''.padEnd(10)} imported ${r.id} (${r.evidence}): ${r.pass} pass, ${r.fail} fail, ${r.error} error — ${r.outcome}\n`);
    }
  }
}

/** `manual code-of-conduct (12mo, owner hr): evidenced by ev_… "Code of conduct 2027" (effective …, until …); current`. */
function manualLine(m: NonNullable<Posture['criteria'][number]['manual']>[number]): string {
  const head = `manual ${m.id} (${m.cadence}${m.owner !== undefined ? `, owner ${m.owner}` : ''})`;
  if (m.state === 'not-assessed') return `${head}: not assessed: ${m.dueReason} — ${m.title}`;
  if (m.state === 'error') return `${head}: error: ${m.dueReason} — ${m.title}`;
  if (m.hires !== undefined) {
    // Per hire: the tally, then each hire still lacking evidence (overdue first), one line each.
    const open = [...m.hires.filter((h) => h.status === 'fail'), ...m.hires.filter((h) => h.status === 'pending')];
    const lines = open.map((h) => `\n${''.padEnd(10)}   hire ${h.email} (${h.employeeId}, hired ${h.hired}): ${h.status === 'fail' ? 'OVERDUE' : 'pending'}: ${h.reason}`);
    return `${head}: ${m.state === 'missing' ? 'needed' : 'evidenced'}: ${m.title} — ${m.due}: ${m.dueReason}${lines.join('')}`;
  }
  if (m.state === 'missing') return `${head}: needed: ${m.title} — ${m.due}: ${m.dueReason}`;
  const by = m.records.map((r) => `${r.id} "${r.title}" (effective ${r.effectiveAt.slice(0, 10)}, ${r.expiresAt === null ? 'no expiry' : `until ${r.expiresAt.slice(0, 10)}`}${r.confidential ? ', confidential' : ''})`);
  return `${head}: evidenced by ${by.join(', ')}; ${m.due}${m.due === 'current' ? '' : `: ${m.dueReason}`}`;
}
