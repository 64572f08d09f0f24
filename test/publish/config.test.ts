// The `publish:` block: checked at load, the message naming file, line, field and what was expected; exit 2.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { runVigil } from '../support/run-cli.js';
import { configRefusal } from '../support/config-refusal.js';

const file = '/etc/vigil/vigil.config.yaml';

const refusal = configRefusal;

describe('publish: config', () => {
  it('a good block loads with its defaults (COMPLIANCE, 10 s deadline, no prefix); none is the default', () => {
    const c = parseConfigText('publish:\n  s3:\n    bucket: acme-vigil-worm\n    retentionDays: 400\n', file, {});
    expect(c.config.publish).toEqual({ s3: { bucket: 'acme-vigil-worm', prefix: '', retentionDays: 400, mode: 'COMPLIANCE', timeoutMs: 10_000, alertAfterCheckpoints: 3 } });
    expect(parseConfigText('schedule: "0 * * * *"\n', file, {}).config.publish).toBeUndefined();
  });

  it('refuses, naming file:line and the field: no retention, zero retention, GOVERNANCE, a bad bucket, an endpoint with credentials, an unknown field', () => {
    const block = (extra: string, bucket = 'acme-vigil-worm') => `publish:\n  s3:\n    bucket: ${bucket}\n${extra}`;
    const cases: Array<[string, RegExp]> = [
      [block(''), /publish\.s3\.retentionDays.*expected retentionDays/],
      [block('    retentionDays: 0\n'), /:4:.*publish\.s3\.retentionDays.*not WORM/],
      [block('    retentionDays: 30\n    mode: GOVERNANCE\n'), /:5:.*publish\.s3\.mode.*expected COMPLIANCE.*BypassGovernanceRetention/],
      [block('    retentionDays: 30\n', 'Acme_Bucket'), /:3:.*publish\.s3\.bucket.*S3 bucket name/],
      [block('    retentionDays: 30\n    endpoint: http://key:secret@127.0.0.1:9000\n'), /:5:.*publish\.s3\.endpoint.*may not carry a user name or password/],
      [block('    retentionDays: 30\n    retentionDay: 30\n'), /publish\.s3.*retentionDay/],
      [`publish:\n  gcs:\n    bucket: x\n`, /publish.*gcs/],
    ];
    for (const [text, why] of cases) expect(refusal(text), text).toMatch(why);
    expect(refusal(block('    retentionDays: 30\n    endpoint: http://key:secret@127.0.0.1:9000\n'))).not.toContain('secret@');
  });

  it('vigil status with a bad publish: block exits 2 naming file:line, no stack trace, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-publish-cfg-'));
    try {
      const cfg = join(dir, 'vigil.yaml');
      writeFileSync(cfg, 'publish:\n  s3:\n    bucket: acme-vigil-worm\n    retentionDays: 30\n    mode: GOVERNANCE\n');
      const r = await runVigil(['--config', cfg, '--data-dir', join(dir, 'data'), 'status']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/vigil\.yaml:5:.*publish\.s3\.mode/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
