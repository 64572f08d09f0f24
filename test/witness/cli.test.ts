// `vigil witness` as a user runs it: bad flags are exit 2 naming the flag, a state dir in use is refused, --json parses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseListen, parseOrigins } from '../../src/cli/witness.js';
import { parseCosignatureVkey } from '../../src/witness/cosignature.js';
import { TestLog } from './helpers.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const env = { ...process.env, VIGIL_LOG_LEVEL: 'warn' };
const vigil = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });

describe('vigil witness (CLI)', () => {
  let dir: string;
  let key: string;
  const log = new TestLog('vigil.test/cli-log');
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-witness-cli-'));
    key = join(dir, 'w.pem');
    expect(vigil(['witness', 'key', '--key', key, '--new']).status).toBe(0);
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('witness key --json: name, key ID and a vkey that parses; the default name is derived from the key', () => {
    const r = vigil(['witness', 'key', '--key', key, '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { name: string; keyId: string; vkey: string; created: boolean };
    expect(j.name).toMatch(/^vigil-witness\/[0-9a-f]{8}$/);
    expect(parseCosignatureVkey(j.vkey)).toMatchObject({ name: j.name });
    expect(j).toMatchObject({ created: false });
    expect(vigil(['witness', 'key', '--key', key]).stdout.trim()).toBe(j.vkey);
  });

  it('bad usage is exit 2 naming what is wrong, before anything starts', () => {
    const base = ['witness', 'serve', '--key', key, '--state', join(dir, 's0')];
    const cases: Array<[string[], RegExp]> = [
      [[...base, '--listen', '127.0.0.1:0'], /at least one --origin/],
      [[...base, '--listen', 'localhost', '--origin', log.vkey], /--listen "localhost": expected HOST:PORT/],
      [[...base, '--listen', '127.0.0.1:0', '--origin', 'x=not-a-vkey'], /--origin "x=not-a-vkey"/],
      [[...base, '--listen', '127.0.0.1:0', '--origin', log.vkey, '--name', 'a b'], /--name "a b"/],
      [[...base, '--listen', '127.0.0.1:0', '--origin', log.vkey, '--max-body', '10'], /--max-body "10"/],
      [['witness', 'serve', '--key', join(dir, 'missing.pem'), '--state', join(dir, 's0'), '--listen', '127.0.0.1:0', '--origin', log.vkey], /no witness key at .*missing\.pem/],
    ];
    for (const [args, why] of cases) {
      const r = vigil(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(why);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('refuses a key file others can read (exit 1, says chmod 600)', () => {
    const loose = join(dir, 'loose.pem');
    copyFileSync(key, loose);
    chmodSync(loose, 0o644);
    const r = vigil(['witness', 'key', '--key', loose]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/readable by group or others[\s\S]*chmod 600/);
  });

  it('one witness per state directory: a second one on the same state is refused, naming the holder', async () => {
    const state = join(dir, 'shared');
    const args = ['witness', 'serve', '--key', key, '--state', state, '--listen', '127.0.0.1:0', '--origin', log.vkey];
    const first = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(first);
    await new Promise<void>((res) => {
      let out = '';
      first.stdout.on('data', (d) => {
        out += d;
        if (out.includes('listening on')) res();
      });
    });
    const second = vigil(args);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`witness state .*shared is in use by pid ${first.pid}`));
    first.kill('SIGTERM');
    expect(await new Promise((r) => first.once('exit', r))).toBe(0);
  });

  it('--origin takes ORIGIN=VKEY or a bare VKEY; one origin may list several keys', () => {
    const other = new TestLog('vigil.test/cli-log');
    const logs = parseOrigins([log.vkey, `${log.origin}=${other.vkey}`, `alias.example/log=${log.vkey}`]);
    expect([...logs.keys()]).toEqual(['vigil.test/cli-log', 'alias.example/log']);
    expect(logs.get('vigil.test/cli-log')).toHaveLength(2);
    expect(parseListen('[::1]:7380')).toEqual({ host: '::1', port: 7380 });
    expect(() => parseListen('127.0.0.1:70000')).toThrow(/HOST:PORT/);
  });
});
