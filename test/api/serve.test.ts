// `vigil serve` as its own process: answers the API from the shared data directory and sees leaves another process appends.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { tempDir } from '../alerts/helpers.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

describe('vigil serve', () => {
  it('serves the feed of a ledger another process writes; tokens enforced', async () => {
    const dir = tempDir('vigil-serve-');
    const token = 'serve-admin-token-0123456789';
    writeFileSync(join(dir, 'vigil.config.yaml'), `dataDir: ./data\napi:\n  tokens:\n    - { name: a, sha256: ${createHash('sha256').update(token).digest('hex')}, role: admin }\n`);
    const ledger = await Ledger.open({ dataDir: join(dir, 'data'), clock: systemClock, logger: silentLogger });
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0'], { cwd: dir, env: { ...process.env, VIGIL_LOG_LEVEL: 'info' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      let url: string | undefined;
      for (let i = 0; i < 300 && !url; i++) {
        url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*api listening/.exec(stderr)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, stderr).toBeDefined();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/v1/alerts`)).status).toBe(401);
      await ledger.append([{ type: 'alert', idempotencyKey: 'alert:serve', data: { kind: 'gap', severity: 'high', title: 'from the writer', count: 1 } }]);
      const body = (await (await fetch(`${url}/v1/alerts`, { headers: { authorization: `Bearer ${token}` } })).json()) as { alerts: Array<{ title: string }> };
      expect(body.alerts.map((a) => a.title)).toEqual(['from the writer']);
      expect(stderr).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
