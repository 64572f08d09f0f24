// Builds the bundle's zero-dependency verify/verify.mjs by bundling src/verify/standalone.ts: one implementation, two ways to run it.
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../core/package-root.js';

// Bundled from the TypeScript sources whichever tree runs (sources or dist/): one verifier per source tree.
const ROOT = PACKAGE_ROOT;
let cached: string | undefined;

/** The verifier as one ESM file for Node ≥ 18; deterministic for a given source tree and esbuild version. */
export async function buildVerifierScript(): Promise<string> {
  if (cached !== undefined) return cached;
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/verify/standalone.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    // CommonJS dependencies (yauzl) call require() for Node built-ins; ESM has none, so give them one.
    banner: { js: "// Vigil bundle verifier (generated from src/verify). Usage: node verify/verify.mjs <bundle> [--trusted-key PEM]\nimport { createRequire as __vigilCreateRequire } from 'node:module';\nconst require = __vigilCreateRequire(import.meta.url);" },
  });
  cached = r.outputFiles[0]!.text;
  return cached;
}
