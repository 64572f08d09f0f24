// `vigil demo` as a user runs it: the continuous demo serves the API with a token made for the run, and on Ctrl-C says
// what it wrote and the command that verifies it; two runs on one data dir record the same scopes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

/** The environment a user's shell gives: not npm's (the demo names `npm run vigil --` only when started through npm). */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('npm_')) env[k] = v;
  return { ...env, VIGIL_LOG_LEVEL: 'warn' };
}

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; closed: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, out: () => stdout, err: () => stderr, closed };
}

/** Resolves when stdout matches (an event: the demo's own line), failing after `ms` with what it printed. */
function waitFor(p: ReturnType<typeof start>, re: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((ok, fail) => {
    const check = () => {
      const m = re.exec(p.out());
      if (m) {
        clearTimeout(t);
        p.child.stdout!.off('data', check);
        ok(m);
      }
    };
    const t = setTimeout(() => fail(new Error(`no ${re} within ${ms} ms:\n${p.out().slice(-2000)}\n${p.err().slice(-2000)}`)), ms);
    p.child.stdout!.on('data', check);
    check();
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

describe('vigil demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-demo-api-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the API with a per-run token, and on SIGINT says what it wrote and how to verify it', async () => {
    const data = join(dir, 'continuous');
    const demo = start(['demo', '--data-dir', data]);
    try {
      await waitFor(demo, /Ctrl-C to stop\./, 90_000);
      const [, url, token] = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/ .*\n {2}(\S+)$/m.exec(demo.out())!;
      expect(demo.out()).toContain(`curl -H "Authorization: Bearer $VIGIL_DEMO_TOKEN" ${url}/v1/posture`);
      // the dashboard is served on the API's port, and its sign-in takes the printed token
      expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/^text\/html/);
      expect((await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status).toBe(201);
      expect(token).toMatch(/^vigil-demo-[\w-]{32}$/);
      const posture = await fetch(`${url}/v1/posture`, { headers: { authorization: `Bearer ${token}` } });
      expect(posture.status).toBe(200);
      expect(JSON.stringify(await posture.json())).toContain('CC6.1');
      expect((await fetch(`${url}/v1/posture`)).status).toBe(401);
      // an admin token: the exports (auditor) and exception (approver) routes answer past the role check too
      const exc = await fetch(`${url}/v1/exceptions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(exc.status).toBe(400);
      // the second identity, an approver: approves what the admin requested (the two-step flow); the admin may not
      const [, approver] = /^A second identity, to approve or reject what the first requests \(approver role.*\n {2}(\S+)$/m.exec(demo.out())!;
      expect(approver).toMatch(/^vigil-demo-[\w-]{32}$/);
      expect(approver).not.toBe(token);
      const as = (t: string, path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const expires = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      const req = await as(token!, '/v1/exceptions', { ruleId: 'aws.iam.root_mfa_enabled', resourceId: 'demo-root', reason: 'demo', expires, force: true });
      const requested = (await req.json()) as { exception: { id: string } };
      expect(req.status, JSON.stringify(requested)).toBe(201);
      expect((await as(token!, `/v1/exceptions/${requested.exception.id}/approve`, {})).status).toBe(403);
      expect((await as(approver!, `/v1/exceptions/${requested.exception.id}/approve`, {})).status).toBe(200);
      const session = await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: approver }) });
      expect(((await session.json()) as { principal: { role: string } }).principal.role).toBe('approver');
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: true, status: expect.stringMatching(/^(ready|degraded)$/) });
      // the token is printed once and kept nowhere else: not in a log line, not in any file the demo wrote
      for (const t of [token!, approver!]) {
        expect(demo.out().split(t).length - 1).toBe(1);
        expect(demo.err()).not.toContain(t);
        for (const f of filesUnder(data)) expect(readFileSync(f).includes(t), f).toBe(false);
      }

      demo.child.kill('SIGINT');
      expect(await demo.closed, demo.err().slice(-2000)).toBe(0);
    } finally {
      if (demo.child.exitCode === null) {
        demo.child.kill('SIGKILL');
        await demo.closed;
      }
    }
    const wrote = /This run wrote (\d+) ledger leaves \(#(\d+)–#(\d+); (\d+) runs recorded\) in (\S+): (.*)\./.exec(demo.out());
    expect(wrote, demo.out().slice(-1500)).not.toBeNull();
    expect(Number(wrote![1])).toBeGreaterThan(0);
    expect(Number(wrote![4])).toBeGreaterThanOrEqual(6); // five sources and the person view
    expect(wrote![5]).toBe(data);
    expect(wrote![6]).toContain('1 agent.stopped');
    const verifyLine = /^Verify it: (vigil ledger verify --data-dir (\S+))$/m.exec(demo.out());
    expect(verifyLine?.[2]).toBe(data);
    const verify = start(verifyLine![1]!.split(' ').slice(1));
    expect(await verify.closed, verify.err()).toBe(0);
    expect(demo.err()).not.toMatch(/\n\s+at /);
  }, 150_000);

  it('Ctrl-C during the first collection still stops cleanly and says what it wrote', async () => {
    const data = join(dir, 'interrupted');
    const demo = start(['demo', '--data-dir', data]);
    await waitFor(demo, /collecting now/, 90_000);
    demo.child.kill('SIGINT');
    expect(await demo.closed, demo.err().slice(-2000)).toBe(0);
    expect(demo.out()).not.toContain('Ctrl-C to stop');
    expect(demo.out()).toMatch(/This run wrote \d+ ledger leaves .*1 agent\.stopped/);
    const verify = start(['ledger', 'verify', '--data-dir', data]);
    expect(await verify.closed, verify.err()).toBe(0);
  }, 150_000);

  it('two runs on one data dir record the same scopes (no new Okta tenant per emulator port)', async () => {
    const data = join(dir, 'twice');
    for (let i = 0; i < 2; i++) {
      const once = start(['demo', '--once', '--data-dir', data]);
      expect(await once.closed, once.err().slice(-2000)).toBe(0);
      expect(once.out()).not.toContain('HTTP API'); // --once serves no API: it exits
    }
    const ledger = await Ledger.open({ dataDir: data, readOnly: true, origin: 'vigil.local/demo' });
    const scopesPerStart: Array<Set<string>> = [];
    try {
      for await (const l of ledger.readLeaves({ types: ['agent.started', 'run'] })) {
        if (!('source' in l.body)) scopesPerStart.push(new Set());
        else scopesPerStart.at(-1)!.add(`${String(l.body.source)} ${String(l.body.scope)}`);
      }
    } finally {
      await ledger.close();
    }
    expect(scopesPerStart).toHaveLength(2);
    const [first, second] = scopesPerStart.map((s) => [...s].sort());
    expect(first!.map((s) => s.split(' ')[0])).toEqual(['aws', 'entra', 'github', 'google-workspace', 'hris', 'identity', 'okta']);
    expect(second).toEqual(first);
  }, 150_000);
});
