// The `witnesses:` block: each entry checked at load, the message naming file, line, field and what was expected.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { parseConfigText } from '../../src/config/load.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { TestLog } from './helpers.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVigil } from '../support/run-cli.js';
import { configRefusal } from '../support/config-refusal.js';

const file = '/etc/vigil/vigil.config.yaml';
const vkey = ed25519Cosigner('witness.test/auditor', generateKeyPairSync('ed25519').privateKey).vkey;

const refusal = configRefusal;

describe('witnesses: config', () => {
  it('a good entry loads with its defaults (10 s timeout, alert after 3 uncosigned checkpoints); none is the default', () => {
    const c = parseConfigText(`witnesses:\n  - name: auditor\n    url: https://witness.auditor.example\n    key: ${vkey}\n`, file, {});
    expect(c.config.witnesses).toEqual([{ name: 'auditor', url: 'https://witness.auditor.example', key: vkey, timeoutSeconds: 10, alertAfterCheckpoints: 3 }]);
    expect(parseConfigText('schedule: "0 * * * *"\n', file, {}).config.witnesses).toEqual([]);
  });

  it('refuses, naming file:line and the field: a key that is not a witness vkey (a log key included), a bad URL, unbounded timeouts, a repeated name, an unknown field', () => {
    const entry = (extra: string, key = vkey) => `origin: vigil.test/x\nwitnesses:\n  - name: auditor\n    url: https://w.example\n    key: ${key}\n${extra}`;
    const cases: Array<[string, RegExp]> = [
      [entry('', 'not-a-vkey'), /:5:.*witnesses\.0\.key.*<name>\+<hex key ID>\+<base64 key>/],
      // the ledger's own note key (type 0x01) is not a witness key (0x04)
      [entry('', new TestLog('vigil.test/x').vkey), /:5:.*witnesses\.0\.key.*not a cosignature\/v1 Ed25519 key/],
      [entry('').replace('https://w.example', 'ftp://w.example'), /:4:.*witnesses\.0\.url.*http:\/\/ or https:\/\//],
      [entry('    timeoutSeconds: 0\n'), /:6:.*witnesses\.0\.timeoutSeconds.*1 to 60 s/],
      [entry('    timeoutSeconds: 600\n'), /:6:.*witnesses\.0\.timeoutSeconds.*1 to 60 s/],
      [entry('    token: secret\n'), /witnesses\.0.*token/],
      [`${entry('')}  - name: auditor\n    url: https://x.example\n    key: ${vkey}\n`, /witnesses\.1\.name.*used twice/],
    ];
    for (const [text, why] of cases) expect(refusal(text), text).toMatch(why);
  });

  it('vigil demo --config FILE reads the witnesses: block first: a bad one is exit 2 naming file:line, nothing started or written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-witness-'));
    try {
      const cfg = join(dir, 'demo.yaml');
      writeFileSync(cfg, `witnesses:\n  - name: auditor\n    url: https://w.example\n    key: nope\n`);
      const r = await runVigil(['--config', cfg, '--data-dir', join(dir, 'data'), 'demo', '--once']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:.*witnesses\\.0\\.key`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
