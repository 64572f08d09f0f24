// Help and listings as a user reads them: global options on every subcommand's --help, rule parameters in `rules list`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const vigil = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });

describe('help and listings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-help-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every subcommand --help lists --config and --data-dir', () => {
    for (const cmd of [['status'], ['collect'], ['export'], ['ledger', 'verify'], ['exceptions', 'request'], ['exceptions', 'approve']]) {
      const r = vigil([...cmd, '--help'], dir);
      expect(r.status, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/Global Options:[\s\S]*--config <file>[\s\S]*--data-dir <dir>/);
    }
  });

  it('rules list shows each rule\'s parameters in force, config overrides applied', () => {
    writeFileSync(join(dir, 'c.yaml'), 'rules:\n  params:\n    aws.iam.access_keys_rotated: { maxKeyAgeDays: 45 }\n');
    const r = vigil(['--config', 'c.yaml', 'rules', 'list'], dir);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('aws.iam.access_keys_rotated '));
    expect(lines[at + 1]).toMatch(/^ {4}params: .*maxKeyAgeDays=45/);
    expect(r.stdout).toMatch(/^ {4}params: .*recentUseDays=30/m); // a default, shown as such
  });
});
