import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts', 'collectors/**/*.test.ts', 'rules/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CLI tests spawn the compiled CLI: compile what changed first (src/bin/build.mjs).
    globalSetup: ['test/support/build-dist.ts'],
  },
});
