// `vigil run | scheduler | worker`: long-running roles, stopped cleanly by SIGTERM/SIGINT (shutdown checkpoint signed).
import { UsageError } from '../core/errors.js';
import { waitForSignal } from './signals.js';
import { PROCESS_ROLES, startAgent, type AgentContext, type ProcessRole } from '../agent.js';
import type { EvidenceJob } from '../pipeline/collect-stage.js';

export { waitForSignal };

/**
 * The longest SIGTERM may take: 10 s of grace for in-flight collections, then the evidence in hand, `agent.stopped`
 * and the shutdown checkpoint. Past it the process exits 1 without them (the next start's gap sweep accounts the slots).
 */
export const SHUTDOWN_LIMIT_MS = 30_000;

export async function runCommand(ctx: AgentContext, role: ProcessRole): Promise<number> {
  const roles = PROCESS_ROLES[role].parts;
  if (Object.keys(ctx.loaded.sources).length === 0) {
    throw new UsageError('NO_SOURCES', 'no sources configured: run `vigil init` and edit vigil.config.yaml, or try `vigil demo`');
  }
  const first = firstCollections(ctx, Date.now());
  const agent = await startAgent(ctx, { roles, command: PROCESS_ROLES[role].command, ...(roles.includes('writer') ? { onRecorded: (_o, j) => first(j) } : {}) });
  ctx.logger.info({ roles, dataDir: ctx.dataDir }, 'vigil running');
  await waitForSignal();
  ctx.logger.info('stopping: finishing work in hand, signing the shutdown checkpoint');
  let limit: NodeJS.Timeout | undefined;
  const over = new Promise<number>((res) => (limit = setTimeout(() => res(1), SHUTDOWN_LIMIT_MS)));
  const code = await Promise.race([agent.stop('signal').then(() => 0), over]);
  clearTimeout(limit);
  if (code !== 0) ctx.logger.error({ limitMs: SHUTDOWN_LIMIT_MS }, 'shutdown did not finish in time: exiting without the shutdown checkpoint');
  return code;
}

/**
 * The first collection of each source and scope, one line as each is recorded (human on a terminal, JSON otherwise),
 * so a new agent is not silent until its first cycle is over; later runs are logged by the writer at debug level.
 */
function firstCollections(ctx: AgentContext, startedAt: number): (j: EvidenceJob) => void {
  const seen = new Set<string>();
  const sources = new Set<string>();
  const expected = Object.keys(ctx.loaded.sources).length;
  return (j) => {
    const s = j.summary;
    const key = `${s.source} ${s.scope}`;
    if (seen.has(key) || s.source === 'identity') return;
    seen.add(key);
    sources.add(s.source);
    const c = s.counts;
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    ctx.logger.info(
      { source: s.source, scope: s.scope, resources: s.populationSize, counts: c, seconds },
      `first collection: ${key}: ${s.populationSize} resources → ${c.pass} pass, ${c.fail} fail, ${c.error} error (${seconds} s after start; ${sources.size}/${expected} sources have reported)`,
    );
  };
}
