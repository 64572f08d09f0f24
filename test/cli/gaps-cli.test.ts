// `vigil gaps declare | list` end to end: a declared outage is one `outage.declared` leaf naming the OS account that ran
// the command; bad input exits 2, says what is wrong, and writes nothing (not even a ledger).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runVigil } from '../support/vigil-cli.js';

describe('vigil gaps declare / list', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-gaps-cli-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/gaps\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const declare = (over: Record<string, string>) => {
    const o = { '--source': 'aws', '--from': '2025-03-01T08:00:00Z', '--to': '2025-03-01T12:00:00Z', '--reason': 'agent host patched', ...over };
    return runVigil(['gaps', 'declare', ...Object.entries(o).flat().filter((x) => x !== '')], dir);
  };

  it('refuses bad input with exit 2 and a message naming it, writing nothing', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ '--from': '2025-03-01T12:00:00Z', '--to': '2025-03-01T08:00:00Z' }, /--from 2025-03-01T12:00:00.000Z is not before --to 2025-03-01T08:00:00.000Z/],
      [{ '--source': 'azure' }, /unknown source "azure" \(sources: aws, /],
      [{ '--from': '2025-03-01 08:00' }, /--from "2025-03-01 08:00" is not an ISO 8601 instant with a time and a zone/],
      [{ '--to': new Date(Date.now() + 400 * 86_400_000).toISOString() }, /is more than 366 days ahead/],
    ];
    const results = await Promise.all(cases.map(([o]) => declare(o)));
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
    expect(existsSync(join(dir, 'data', 'ledger.sqlite'))).toBe(false);
  });

  it('records a declaration after the fact as one leaf by the local account, lists it with its recorded time, and the ledger verifies', async () => {
    const ok = await declare({ '--scope': '111122223333', '--json': '' });
    expect(ok.code, ok.stderr).toBe(0);
    const me = `${userInfo().username}@${hostname()}`;
    const out = JSON.parse(ok.stdout) as { seq: number; outage: Record<string, unknown> };
    expect(out.outage).toEqual({ source: 'aws', scope: '111122223333', from: '2025-03-01T08:00:00.000Z', to: '2025-03-01T12:00:00.000Z', reason: 'agent host patched', declaredBy: { kind: 'local', name: me } });
    const list = await runVigil(['gaps', 'list', '--json'], dir);
    expect(list.code, list.stderr).toBe(0);
    const gaps = (JSON.parse(list.stdout) as { gaps: Array<Record<string, unknown>> }).gaps;
    expect(gaps).toEqual([{ seq: out.seq, recordedAt: expect.stringMatching(/^20\d\d-/), kind: 'declared outage', source: 'aws', scope: '111122223333', from: '2025-03-01T08:00:00.000Z', to: '2025-03-01T12:00:00.000Z', slots: null, reason: 'agent host patched', declaredBy: `local:${me}` }]);
    // Declared now, for a window in the past: its recorded time says so.
    expect(Date.parse(String(gaps[0]!.recordedAt))).toBeGreaterThan(Date.parse('2025-03-01T12:00:00Z'));
    const verify = await runVigil(['ledger', 'verify'], dir);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
  });
});
