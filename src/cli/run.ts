// `vigil run | scheduler | worker`: long-running roles, stopped cleanly by SIGTERM/SIGINT (shutdown checkpoint signed).
import { UsageError } from '../core/errors.js';
import { startAgent, type AgentContext, type Role } from '../agent.js';

export async function runCommand(ctx: AgentContext, roles: Role[]): Promise<number> {
  if (Object.keys(ctx.loaded.sources).length === 0) {
    throw new UsageError('NO_SOURCES', 'no sources configured: run `vigil init` and edit vigil.config.yaml, or try `vigil demo`');
  }
  const agent = await startAgent(ctx, { roles });
  ctx.logger.info({ roles, dataDir: ctx.dataDir }, 'vigil running');
  await waitForSignal();
  ctx.logger.info('stopping: finishing work in hand, signing the shutdown checkpoint');
  await agent.stop('signal');
  return 0;
}

export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
