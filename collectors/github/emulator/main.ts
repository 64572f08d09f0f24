// Runs the GitHub emulator standalone: `node --import tsx collectors/github/emulator/main.ts [--repos N --members N] [--port P]`.
import { parseArgs } from 'node:util';
import { DEMO_APP_ID, DEMO_INSTALLATION_ID, DEMO_TOKEN, startGithubEmulator } from './server.js';

const { values } = parseArgs({ options: { repos: { type: 'string' }, members: { type: 'string' }, port: { type: 'string' }, seed: { type: 'string' } }, strict: true });
const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name}: expected a non-negative integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
};
const repos = int('repos', values.repos);
const members = int('members', values.members);
const emu = await startGithubEmulator({
  port: int('port', values.port) ?? 0,
  estate: repos === undefined && members === undefined ? 'demo' : { generate: { repos: repos ?? 100, members: members ?? 50, seed: int('seed', values.seed) ?? 42 } },
});
process.stdout.write(`${JSON.stringify({ url: emu.url, org: emu.state.org.login, token: DEMO_TOKEN, appId: DEMO_APP_ID, installationId: DEMO_INSTALLATION_ID })}\n`);
const stop = (): void => { void emu.close().then(() => process.exit(0)); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
