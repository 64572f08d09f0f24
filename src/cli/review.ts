// `vigil review start|list|status|decide|close`: access reviews (SOC 2 CC6.2, CC6.3) recorded as ledger leaves; the CLI
// acts as the local OS account (src/core/principal.ts), so a decision is bound to who ran it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentContext } from '../agent-context.js';
import { openLedger } from '../ledger/open-ledger.js';
import { UsageError } from '../core/errors.js';
import { describePrincipal, localPrincipal } from '../core/principal.js';
import { loadReviews, reviewJson, type ReviewState } from '../reviews/book.js';
import { decide, openReview, readPopulation } from '../reviews/reviews.js';
import { closeFromRequest, startFromRequest } from '../reviews/lifecycle.js';
import { loadConfiguredFramework } from '../rules/frameworks.js';

const out = (s: string) => process.stdout.write(s);

/** A review needs a ledger with runs in it: say so rather than create one (and its key) to find that out. */
function needLedger(ctx: AgentContext, what: string): void {
  const file = join(ctx.dataDir, 'ledger.sqlite');
  if (!process.env.DATABASE_URL && !existsSync(file)) throw new UsageError('REVIEW_NO_LEDGER', `${what}: no ledger at ${file}`, { remediation: 'check --data-dir, or collect first (vigil collect)' });
}

export interface ReviewStartOptions {
  name: string;
  sources: string;
  reviewer?: string[];
  assign?: string;
  id?: string;
  json?: boolean;
}

export async function reviewStartCommand(ctx: AgentContext, o: ReviewStartOptions): Promise<number> {
  const { peopleOptionsFromConfig } = await import('../pipeline/people.js');
  const people = peopleOptionsFromConfig(ctx.loaded);
  needLedger(ctx, 'vigil review start');
  const ledger = await openLedger(ctx, { role: 'review' });
  try {
    const by = localPrincipal();
    const request = { name: o.name, sources: o.sources, ...(o.assign !== undefined ? { assign: o.assign } : {}), ...(o.reviewer ? { reviewers: o.reviewer } : {}), ...(o.id !== undefined ? { id: o.id } : {}) };
    const { id, pop, ...r } = await startFromRequest(ledger, request, by, { now: ctx.clock.now(), ...(people.mapping ? { mapping: people.mapping } : {}), field: (f) => `--${f}` });
    if (o.json) out(`${JSON.stringify({ reviewId: id, seq: r.seq, populationSha256: r.populationSha256, accounts: pop.accounts.length, notes: pop.notes })}\n`);
    else {
      out(`started review ${id} "${o.name}": ${pop.accounts.length} accounts from ${pop.runs.map((x) => `${x.source} ${x.scope} (${x.endedAt})`).join(', ')}; population sha256 ${r.populationSha256} (leaf #${r.seq}), by ${describePrincipal(by)}\n`);
      const byReviewer = new Map<string, number>();
      for (const a of pop.accounts) for (const x of a.reviewers) byReviewer.set(x, (byReviewer.get(x) ?? 0) + 1);
      for (const [x, n] of [...byReviewer].sort()) out(`  reviewer ${x}: ${n} account(s)\n`);
      for (const n of pop.notes) out(`  note: ${n}\n`);
    }
  } finally {
    await ledger.close();
  }
  return 0;
}

function line(r: ReviewState): string {
  const j = reviewJson(r) as { decided: number; undecided: number };
  return `${r.id}  ${r.status}  "${r.name}"  ${r.sources.join(',')}  ${r.accounts} accounts, ${j.decided} decided, ${j.undecided} undecided  started ${r.startedAt} by ${describePrincipal(r.startedBy)}${r.closed ? `, closed ${r.closed.completedAt} by ${describePrincipal(r.closed.closedBy as never)}` : ''}`;
}

export async function reviewListCommand(ctx: AgentContext, o: { json?: boolean }): Promise<number> {
  needLedger(ctx, 'vigil review list');
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const all = [...(await loadReviews(ledger)).all.values()];
    if (o.json) out(`${JSON.stringify({ reviews: all.map(reviewJson) }, null, 2)}\n`);
    else if (all.length === 0) out('No access reviews recorded.\n');
    else for (const r of all) out(`${line(r)}\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function reviewStatusCommand(ctx: AgentContext, o: { review: string; accounts?: boolean; json?: boolean }): Promise<number> {
  needLedger(ctx, 'vigil review status');
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const r = await openReview(ledger, o.review);
    const pop = o.accounts ? await readPopulation(ledger, r) : undefined;
    const rows = pop?.accounts.map((a) => ({ ...a, decision: r.decisions.get(a.id) ?? null }));
    if (o.json) out(`${JSON.stringify({ review: reviewJson(r), decisions: [...r.decisions.values()], ...(rows ? { accounts: rows } : {}) }, null, 2)}\n`);
    else {
      out(`${line(r)}\n`);
      for (const a of rows ?? []) {
        const d = a.decision ? `${a.decision.decision} by ${describePrincipal(a.decision.by)}: ${a.decision.reason}` : 'undecided';
        out(`  ${a.id}  person ${a.person ?? '-'}  hr ${a.hr?.status ?? '-'}  last activity ${a.lastActivity ?? '-'}  [${a.privileges.join('; ')}]  reviewers ${a.reviewers.join(', ')}  → ${d}\n`);
      }
    }
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function reviewDecideCommand(ctx: AgentContext, o: { review: string; account: string; decision: string; reason: string; json?: boolean }): Promise<number> {
  needLedger(ctx, 'vigil review decide');
  const ledger = await openLedger(ctx, { role: 'review' });
  try {
    const by = localPrincipal();
    const { seq } = await decide(ledger, { reviewId: o.review, account: o.account, decision: o.decision, reason: o.reason }, by);
    out(o.json ? `${JSON.stringify({ reviewId: o.review, account: o.account, decision: o.decision, seq, by })}\n` : `${o.decision} ${o.account} in review ${o.review} by ${describePrincipal(by)} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function reviewCloseCommand(ctx: AgentContext, o: { review: string; force?: boolean; reason?: string; evidence?: string[]; json?: boolean }): Promise<number> {
  needLedger(ctx, 'vigil review close');
  const by = localPrincipal();
  const fw = loadConfiguredFramework(ctx.loaded.config);
  const owners = ctx.loaded.config.evidence?.owners ?? {};
  const ledger = await openLedger(ctx, { role: 'review' });
  try {
    const request = { review: o.review, ...(o.force ? { force: true } : {}), ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.evidence ? { evidence: o.evidence } : {}) };
    const r = await closeFromRequest(ledger, request, by, { now: ctx.clock.now(), fw, owners, field: (f) => `--${f}`, where: 'vigil review close --evidence' });
    const evidence = r.evidence;
    if (o.json) out(`${JSON.stringify({ reviewId: o.review, seq: r.seq, undecided: r.undecided, decisionsSha256: r.decisionsSha256, evidence })}\n`);
    else {
      out(`closed review ${o.review} by ${describePrincipal(by)} (leaf #${r.seq})${r.undecided.length ? `; ${r.undecided.length} account(s) left undecided, recorded as such` : ''}\n`);
      for (const e of evidence) out(`  recorded as evidence ${e.id} of ${e.criterion}/${e.requirement} (leaf #${e.seq})\n`);
      if (evidence.length === 0) out(`  not recorded as evidence of any requirement (${o.evidence?.[0] === 'none' ? '--evidence none' : `framework ${fw.id} has no access-review requirement`})\n`);
    }
  } finally {
    await ledger.close();
  }
  return 0;
}
