#!/usr/bin/env node
// `npm run bench -- NAME [options]`: runs test/bench/NAME.ts, which prints one JSON line of figures.
import { register } from 'tsx/esm/api';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

register();
const dir = fileURLToPath(new URL('../../test/bench/', import.meta.url));
const names = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3)).sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [options]\nbenchmarks: ${names.join(', ')}\n`);
  process.exit(2);
}
const mod = await import(new URL(`../../test/bench/${name}.ts`, import.meta.url).href);
await mod.main(args);
