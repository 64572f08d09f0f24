// Where the package's own files are (rules/frameworks, the sources the lean workers bundle, node_modules/.cache), found
// the same way from the TypeScript sources (src/core/) and from the compiled tree (dist/src/core/).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): URL {
  // The nearest directory above this module holding package.json: two levels up in the sources, three in dist/.
  let dir = new URL('../', import.meta.url);
  for (let i = 0; i < 4; i++) {
    if (existsSync(new URL('package.json', dir))) return dir;
    dir = new URL('../', dir);
  }
  return new URL('../../', import.meta.url);
}

/** The package root as a file: URL ending in '/'. */
export const PACKAGE_ROOT_URL: URL = findRoot();
/** The package root as a path ending in the separator. */
export const PACKAGE_ROOT: string = fileURLToPath(PACKAGE_ROOT_URL);

/**
 * Where derived files are cached (lean worker scripts, parsed framework files), each named by a hash of what it was
 * derived from. Inside the project so the export worker resolves its packages (better-sqlite3 is a native module and
 * cannot be bundled). Override with VIGIL_CACHE_DIR (it must sit where node_modules resolves, e.g. a folder under the
 * project). @defaultValue `<package root>/node_modules/.cache/vigil`
 */
export const cacheDir = (): string => process.env.VIGIL_CACHE_DIR ?? join(PACKAGE_ROOT, 'node_modules', '.cache', 'vigil');
