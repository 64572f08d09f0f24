// The GitHub ETag cache file: a missing one is the first run (silent); a corrupt one is logged, then ignored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EtagCache } from '../../collectors/github/client.js';
import { silentLogger } from '../../src/core/collector.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function recording() {
  const warned: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  return { warned, logger: { ...silentLogger, warn: (o: object | string, msg?: string) => void warned.push({ msg: msg ?? '', fields: o as Record<string, unknown> }) } };
}

describe('github ETag cache file', () => {
  it('a corrupt cache file is logged, and the cache starts empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-etag-'));
    dirs.push(dir);
    const file = join(dir, 'etags.json');
    writeFileSync(file, '{"https://api.github.com/orgs/acme": {"etag": ');
    const { warned, logger } = recording();
    new EtagCache(file, logger);
    expect(warned).toEqual([{ msg: 'github: ETag cache file unreadable; starting with an empty cache', fields: expect.objectContaining({ file }) }]);
  });

  it('a missing cache file (the first run) is not a problem worth a log line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-etag-'));
    dirs.push(dir);
    const { warned, logger } = recording();
    new EtagCache(join(dir, 'absent.json'), logger);
    expect(warned).toEqual([]);
  });
});
