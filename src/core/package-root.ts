// Where the package's own files are (rules/frameworks, the sources the lean workers bundle, node_modules/.cache), found
// the same way from the TypeScript sources (src/core/) and from the compiled tree (dist/src/core/).
import { existsSync } from 'node:fs';
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
