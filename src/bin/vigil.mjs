#!/usr/bin/env node
// The `vigil` command: runs the compiled CLI (dist/src/cli/main.js) in plain Node, no TypeScript loader at run time.
// In a checkout (a .git beside package.json), or when dist/ is missing, sources changed since the last build are compiled
// first (src/bin/build.mjs, a few ms when nothing changed), so `npm run vigil` and `npm run demo` always run the current
// sources and a stale dist/ is never what runs.
import { existsSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const entry = new URL('dist/src/cli/main.js', root);
if (existsSync(new URL('.git', root)) || !existsSync(entry)) {
  const { compile, isCompiled } = await import('./build.mjs');
  try {
    if (!isCompiled()) {
      const { failed } = await compile();
      for (const f of failed) process.stderr.write(`vigil: cannot compile ${f.file}: ${f.message}\n`);
    }
  } catch (e) {
    // dist/ not writable, say: run the last build, and say so, rather than refuse to run at all.
    if (!existsSync(entry)) throw e;
    process.stderr.write(`vigil: cannot update dist/ (${e.message}); running the last build\n`);
  }
}
const { main } = await import(entry.href);
const code = await main(process.argv);
// Exit explicitly: a finished command must not linger on an idle Redis socket or timer. Drain stdout and stderr first:
// on a pipe they are asynchronous, and exiting at once would cut a large output (`vigil verify … --json | jq`).
await new Promise((res) => process.stdout.write('', res));
await new Promise((res) => process.stderr.write('', res));
process.exit(code);
