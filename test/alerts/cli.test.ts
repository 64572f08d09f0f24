// `vigil alerts` as a user runs it: reads the feed from the ledger beside a writer, and --follow prints alerts as they land.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ledger, type LeafInput } from '../../src/ledger/ledger.js';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { tempDir } from './helpers.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const alert = (i: number): LeafInput<'alert'> => ({ type: 'alert', source: 'aws', scope: '1', idempotencyKey: `alert:cli:${i}`, data: { kind: 'broke', severity: 'high', title: `Control broke: thing ${i} (1 resource)`, ruleId: 'aws.x', count: 1, items: [{ resourceId: `r${i}`, from: 'pass', to: 'fail', reason: 'bad' }] } });

describe('vigil alerts', () => {
  it('lists alerts (text and --json, --after) and --follow prints new ones until SIGTERM', async () => {
    const dir = tempDir('vigil-alerts-cli-');
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\n');
    const ledger = await Ledger.open({ dataDir: join(dir, 'data'), clock: systemClock, logger: silentLogger });
    try {
      const [first] = await ledger.append([alert(1)]);
      const child = spawn(process.execPath, [BIN, 'alerts', '--follow', '--json'], { cwd: dir, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const until = async (cond: () => boolean) => {
        for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
        expect(cond()).toBe(true);
      };
      await until(() => out.split('\n').filter(Boolean).length === 1);
      await ledger.append([alert(2), { type: 'heartbeat', data: { uptimeSeconds: 1 } }, alert(3)]);
      await until(() => out.split('\n').filter(Boolean).length === 3);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.on('close', r))).toBe(0);
      expect(err).toBe('');
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; title: string });
      expect(lines.map((l) => l.title)).toEqual([1, 2, 3].map((i) => `Control broke: thing ${i} (1 resource)`));

      const text = await new Promise<string>((res) => {
        const c = spawn(process.execPath, [BIN, 'alerts', '--after', String(first!.seq)], { cwd: dir, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
        let o = '';
        c.stdout.on('data', (d) => (o += d));
        c.on('close', () => res(o));
      });
      expect(text).toMatch(/^#\d+ \S+ BROKE\s+high\s+Control broke: thing 2 \(1 resource\)\n {4}r2: pass → fail — bad\n#\d+ .*thing 3/);
      expect(text).not.toContain('thing 1');

      // Text --follow: after the backlog, one line on stderr says it is waiting; stdout has the alerts only.
      const f = spawn(process.execPath, [BIN, 'alerts', '--follow', '--after', String(first!.seq)], { cwd: dir, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
      let fOut = '';
      let fErr = '';
      f.stdout.on('data', (d) => (fOut += d));
      f.stderr.on('data', (d) => (fErr += d));
      await until(() => fErr.includes('\n') && fOut.includes('thing 3'));
      expect(fErr).toBe('— waiting for new alerts (Ctrl-C to stop)\n');
      expect(fOut).toMatch(/thing 2[\s\S]*thing 3/);
      f.kill('SIGTERM');
      expect(await new Promise((r) => f.on('close', r))).toBe(0);
      expect(fOut).not.toContain('waiting');
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
