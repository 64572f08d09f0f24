// Opens the deployment's ledger from a command's context (data dir, origin, DATABASE_URL). Its own module so read-only
// commands (`vigil status`, `alerts`, `ledger verify`) open it without loading the agent's queues, API and collectors.
import type { AgentContext } from '../agent-context.js';
import { Ledger } from './ledger.js';
import type { WriterRole } from './leaf-catalogue.js';
import type { ProgressListener } from '../core/progress.js';

/** `role`: which process this is, so append refuses what that process never writes (leaf-catalogue.ts). @defaultValue 'writer' */
export async function openLedger(ctx: AgentContext, opts: { readOnly?: boolean; role?: WriterRole; progress?: ProgressListener } = {}): Promise<Ledger> {
  return Ledger.open({
    dataDir: ctx.dataDir,
    ...(ctx.loaded.config.origin ? { origin: ctx.loaded.config.origin } : {}),
    clock: ctx.clock,
    logger: ctx.logger,
    ...(opts.readOnly ? { readOnly: true } : {}),
    ...(opts.role ? { role: opts.role } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
    // DESIGN: DATABASE_URL=postgres://… switches the evidence store from SQLite to PostgreSQL.
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
}
