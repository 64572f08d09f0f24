// vitest globalSetup: brings dist/ up to date with the sources once, before any test spawns the compiled CLI
// (src/bin/vigil.mjs), so the first parallel spawns do not each compile the tree and no test runs a stale dist/.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../src/bin/build.mjs', import.meta.url));

export default function setup(): void {
  const r = spawnSync(process.execPath, [BUILD, '--changed', '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`src/bin/build.mjs exited ${r.status ?? r.signal}: the sources named above do not compile`);
}
