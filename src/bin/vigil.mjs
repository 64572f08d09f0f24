#!/usr/bin/env node
// The `vigil` command: runs the TypeScript sources through tsx's loader, so a fresh clone needs only `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv);
// Exit explicitly: a finished command must not linger on an idle Redis socket or timer.
process.exit(code);
