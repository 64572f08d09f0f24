// Path errors end to end: each names the path and the cause and exits 2 (your input) or 1 (the environment), never
// "unexpected error", and a rejected command leaves every folder as it was (no data dir, no -wal/-shm, no bundle).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDemoLedger } from '../export/helpers.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
/** Root ignores file modes: permission cases run the CLI as `nobody` when the tests run as root. */
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function vigil(args: string[], opts: { cwd: string; unprivileged?: boolean }): Promise<Run> {
  return new Promise((res) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, VIGIL_LOG_LEVEL: 'warn' })) if (v !== undefined && k !== 'DATABASE_URL' && k !== 'VIGIL_CONFIG') env[k] = v;
    const ids = opts.unprivileged && AS_ROOT ? { uid: NOBODY, gid: NOBODY } : {};
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** Every path under `dir` with its kind, size and mode: what "nothing written" is checked against. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return ['(absent)'];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, p));
      out.push(`${p} ${st.isDirectory() ? 'd' : st.size} ${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk('');
  return out;
}

/** The mode bits of every file and every folder of a bundle folder (the folder itself included). */
function modes(dir: string): { files: Set<string>; folders: Set<string> } {
  const files = new Set<string>();
  const folders = new Set<string>([(statSync(dir).mode & 0o777).toString(8)]);
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const st = lstatSync(join(d, name));
      if (st.isDirectory()) {
        folders.add((st.mode & 0o777).toString(8));
        walk(join(d, name));
      } else files.add((st.mode & 0o777).toString(8));
    }
  };
  walk(dir);
  return { files, folders };
}

describe('path errors name the path and the cause, and write nothing', () => {
  let root: string;
  let dataDir: string;
  let n = 0;
  const T2 = ['export', '--type', '2', '--from', '2025-03-01', '--to', '2025-03-02'];
  /** A fresh copy of the demo ledger, readable by the unprivileged user, so each case starts from the same files. */
  const freshLedger = (): string => {
    const d = join(root, `ledger-${++n}`);
    cpSync(dataDir, d, { recursive: true });
    chmodSync(d, 0o755);
    chmodSync(join(d, 'keys'), 0o755);
    chmodSync(join(d, 'ledger.sqlite'), 0o644);
    return d;
  };
  /** A folder the unprivileged user may read and enter but not write. */
  const lockedFolder = (): string => {
    const d = join(root, `locked-${++n}`);
    mkdirSync(d);
    chmodSync(d, 0o555);
    return d;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vigil-paths-'));
    chmodSync(root, 0o755);
    dataDir = (await buildDemoLedger({ days: 2 })).dataDir;
  }, 60_000);
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs a command that must be refused: its exit code and stderr, and every watched folder unchanged. */
  async function refused(args: string[], watch: string[], opts: { unprivileged?: boolean } = {}): Promise<Run> {
    const before = watch.map(tree);
    const r = await vigil(args, { cwd: root, ...opts });
    expect(r.stderr).not.toContain('unexpected error');
    expect(watch.map(tree)).toEqual(before);
    return r;
  }

  it('export --out in a folder that does not exist: exit 2 naming the folder', async () => {
    const d = freshLedger();
    const r = await refused(['--data-dir', d, ...T2, '--out', '/nonexistent/dir/x.zip'], [d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out /nonexistent/dir/x.zip: folder /nonexistent/dir does not exist');
    expect(existsSync('/nonexistent')).toBe(false);
  }, 60_000);

  it('export --out an existing non-empty folder: exit 2, the folder untouched', async () => {
    const d = freshLedger();
    const out = join(root, 'full');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = await refused(['--data-dir', d, ...T2, '--out', out], [d, out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${out} already exists and is not empty`);
  }, 60_000);

  it('export --out an existing file: exit 2 saying it is a file', async () => {
    const d = freshLedger();
    const out = join(root, 'notes');
    writeFileSync(out, 'mine');
    const r = await refused(['--data-dir', d, ...T2, '--out', out], [d, root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${out} already exists and is a file, not a folder`);
  }, 60_000);

  it('export --out under a file: exit 2 naming the file in the way', async () => {
    const d = freshLedger();
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r = await refused(['--data-dir', d, ...T2, '--out', join(file, 'x.zip')], [d, root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} is a file, not a folder`);
  }, 60_000);

  it('export --out evidence.tar.gz: exit 2 saying what --out accepts, no folder made', async () => {
    const d = freshLedger();
    const r = await refused(['--data-dir', d, ...T2, '--out', 'evidence.tar.gz'], [d, root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out evidence.tar.gz: ".gz" names a file type Vigil does not write');
    expect(r.stderr).toContain('a new folder (a name without a file extension) or a new path ending in .zip');
  }, 60_000);

  it('export --out a dangling symbolic link: exit 2, nothing written where it points', async () => {
    const d = freshLedger();
    const link = join(root, 'dangling.zip');
    symlinkSync(join(root, 'elsewhere', 'target.zip'), link);
    mkdirSync(join(root, 'elsewhere'));
    const r = await refused(['--data-dir', d, ...T2, '--out', link], [d, root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${link} is a symbolic link`);
    expect(existsSync(join(root, 'elsewhere', 'target.zip'))).toBe(false);
  }, 60_000);

  it('export --out a symbolic link to an empty folder: exit 2, the folder stays empty', async () => {
    const d = freshLedger();
    const target = join(root, 'real-folder');
    mkdirSync(target);
    const link = join(root, 'linked-folder');
    symlinkSync(target, link);
    const r = await refused(['--data-dir', d, ...T2, '--out', link], [d, root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${link} is a symbolic link`);
  }, 60_000);

  it('export --out in a folder this user cannot write: exit 2 naming the folder and the permission', async () => {
    const d = freshLedger();
    const locked = lockedFolder();
    const r = await refused(['--data-dir', d, ...T2, '--out', join(locked, 'bundle')], [d, locked], { unprivileged: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`folder ${locked} is not writable: permission denied`);
  }, 60_000);

  it('export --file-mode that would lock the owner out or make files executable: exit 2', async () => {
    const d = freshLedger();
    const out = join(root, 'never');
    const r = await refused(['--data-dir', d, ...T2, '--out', out, '--file-mode', '0755'], [d, root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--file-mode 0755: expected an octal file mode with owner read and write and no execute bits');
  }, 60_000);

  it('a bundle folder is written 0600/0700 and a zip 0600; --file-mode 0640 gives 0640/0750; each verifies', async () => {
    const d = freshLedger();
    const folder = join(root, 'bundle-default');
    expect((await vigil(['--data-dir', d, ...T2, '--out', folder], { cwd: root })).code).toBe(0);
    expect(modes(folder)).toEqual({ files: new Set(['600']), folders: new Set(['700']) });
    const zip = join(root, 'bundle.zip');
    expect((await vigil(['--data-dir', d, ...T2, '--out', zip], { cwd: root })).code).toBe(0);
    expect((statSync(zip).mode & 0o777).toString(8)).toBe('600');
    expect(readdirSync(root).filter((f) => f.startsWith('.vigil-export-'))).toEqual([]);
    const shared = join(root, 'bundle-shared');
    expect((await vigil(['--data-dir', d, ...T2, '--out', shared, '--file-mode', '0640'], { cwd: root })).code).toBe(0);
    expect(modes(shared)).toEqual({ files: new Set(['640']), folders: new Set(['750']) });
    for (const b of [folder, zip, shared]) expect((await vigil(['verify', b], { cwd: root })).code).toBe(0);
  }, 120_000);

  it('init --out in a folder that does not exist: exit 2 naming it', async () => {
    const r = await refused(['init', '--out', join(root, 'missing', 'vigil.config.yaml')], [root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`folder ${join(root, 'missing')} does not exist`);
  }, 60_000);

  it('init --out a folder: exit 2 saying it is a folder, even with --force', async () => {
    const dir = join(root, 'init-here');
    mkdirSync(dir);
    const r = await refused(['init', '--out', dir, '--force'], [root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${dir} is a folder`);
  }, 60_000);

  it('init --out in a folder this user cannot write: exit 2 naming the folder and the permission', async () => {
    const locked = lockedFolder();
    const r = await refused(['init', '--out', join(locked, 'vigil.config.yaml')], [locked], { unprivileged: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`folder ${locked} is not writable: permission denied`);
  }, 60_000);

  it('--config a file this user cannot read: exit 2 naming it and the permission', async () => {
    const file = join(root, 'private.yaml');
    writeFileSync(file, 'sources: {}\n');
    chmodSync(file, 0o000);
    const d = freshLedger();
    const r = await refused(['--config', file, '--data-dir', d, 'status'], [d], { unprivileged: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: cannot read the config file`);
    expect(r.stderr).toContain('permission denied');
  }, 60_000);

  it('--data-dir a file: exit 2 saying it is a file, for readers and writers alike', async () => {
    const file = join(root, 'data-file');
    writeFileSync(file, 'x');
    for (const cmd of [['status'], ['exceptions', 'revoke', 'x', '--reason', 'b']]) {
      const r = await refused(['--data-dir', file, ...cmd], [root]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`data dir ${file} is a file, not a folder`);
    }
  }, 60_000);

  it('a writer with a data dir it cannot create: exit 1 naming the folder and the permission', async () => {
    const locked = lockedFolder();
    const grant = ['exceptions', 'request', '--rule', 'aws.iam.root_mfa_enabled', '--resource', 'root', '--reason', 'r', '--force', '--expires', new Date(Date.now() + 86_400_000).toISOString()];
    const r = await refused(['--data-dir', join(locked, 'data'), ...grant], [locked], { unprivileged: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot create data dir ${join(locked, 'data')}: folder ${locked} is not writable: permission denied`);
  }, 60_000);

  it('a writer on a ledger in a folder it cannot write: exit 1 naming the folder, the ledger unchanged', async () => {
    const d = freshLedger();
    chmodSync(d, 0o555);
    const r = await refused(['--data-dir', d, 'exceptions', 'revoke', 'ex-1', '--reason', 'b'], [d], { unprivileged: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ledger ${join(d, 'ledger.sqlite')}: folder ${d} is not writable: permission denied`);
  }, 60_000);

  it('vigil run with a data dir it cannot write: exit 1 naming the file and the permission, not "unexpected error"', async () => {
    const d = freshLedger();
    chmodSync(d, 0o555);
    const config = join(root, `run-${n}.yaml`);
    writeFileSync(config, `sources:\n  aws:\n    region: us-east-1\nredis:\n  prefix: vigil-paths-${process.pid}-${n}\n`);
    chmodSync(config, 0o644);
    const r = await refused(['--config', config, '--data-dir', d, 'run'], [d], { unprivileged: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(d, 'writer.lock')}: permission denied`);
  }, 60_000);

  it('read commands work on a ledger in a folder this user cannot write (another user\'s data dir), and write nothing', async () => {
    const d = freshLedger();
    chmodSync(d, 0o555);
    for (const cmd of [['status'], ['ledger', 'verify'], ['exceptions', 'list'], ['alerts'], ['ledger', 'key']]) {
      const before = tree(d);
      const r = await vigil(['--data-dir', d, ...cmd], { cwd: root, unprivileged: true });
      expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(0);
      expect(tree(d)).toEqual(before);
    }
    expect((await vigil(['--data-dir', d, 'ledger', 'verify'], { cwd: root, unprivileged: true })).stdout).toContain('ledger OK');
  }, 120_000);

  it('read commands leave no -wal/-shm beside a ledger they could have written', async () => {
    const d = freshLedger();
    const before = tree(d);
    for (const cmd of [['status'], ['alerts'], ['exceptions', 'list'], ['ledger', 'key']]) {
      expect((await vigil(['--data-dir', d, ...cmd], { cwd: root })).code).toBe(0);
      expect(tree(d), cmd.join(' ')).toEqual(before);
    }
  }, 120_000);

  const REJECTED: Array<[string, string[], string]> = [
    ['export --as-of before the ledger began', ['export', '--type', '1', '--as-of', '2020-01-01', '--out', 'OUT'], 'before the ledger began'],
    ['export a period before the ledger began', ['export', '--type', '2', '--from', '2020-01-01', '--to', '2020-01-02', '--out', 'OUT'], 'before the ledger began'],
    ['export --criteria unknown', [...T2, '--criteria', 'ZZ9', '--out', 'OUT'], '--criteria: ZZ9'],
    ['exceptions revoke of an unknown id', ['exceptions', 'revoke', 'nope', '--reason', 'b'], 'no exception with id nope'],
    ['exceptions request on a resource with no failing result', ['exceptions', 'request', '--rule', 'aws.iam.root_mfa_enabled', '--resource', 'r', '--reason', 'x', '--expires', new Date(Date.now() + 86_400_000).toISOString()], 'r has no failing result for aws.iam.root_mfa_enabled (no result at all in the latest runs), so the exception would accept nothing today; pass --force'],
    ['exceptions revoke --by (a typed name, removed)', ['exceptions', 'revoke', 'x', '--by', 'ciso', '--reason', 'b'], '--by is no longer accepted'],
    ['exceptions approve without a token', ['exceptions', 'approve', 'nope'], "required option '--token-file <file>' not specified"],
    ['alerts --after not a seq', ['alerts', '--after', 'x'], '--after'],
    ['status --framework unknown', ['status', '--framework', 'nope'], 'framework "nope"'],
    ['collect --source unknown', ['collect', '--source', 'nope'], 'unknown source "nope"'],
  ];
  for (const [what, args, message] of REJECTED) {
    it(`exit 2 writes nothing in the data dir: ${what}`, async () => {
      const d = freshLedger();
      const out = join(root, `out-${n}`);
      const r = await refused(['--data-dir', d, ...args.map((a) => (a === 'OUT' ? out : a))], [d, root]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }, 60_000);
  }

  it('exit 2 makes no data dir: exceptions revoke with no ledger there', async () => {
    const d = join(root, 'no-ledger-here');
    const r = await refused(['--data-dir', d, 'exceptions', 'revoke', 'nope', '--reason', 'b'], [root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no exception with id nope: no ledger at ${join(d, 'ledger.sqlite')}`);
    expect(existsSync(d)).toBe(false);
  }, 60_000);

  it('exit 2 makes no data dir: serve --listen with a port out of range', async () => {
    const d = join(root, 'no-ledger-either');
    const r = await refused(['--data-dir', d, 'serve', '--listen', '127.0.0.1:99999'], [root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listen "127.0.0.1:99999": expected HOST:PORT');
    expect(existsSync(d)).toBe(false);
  }, 60_000);
});
