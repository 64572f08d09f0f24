// Owners of findings: the config's `owners:` list checked at load (exit 2 naming file:line and field), the first match
// naming the owner, and GET /v1/findings naming each finding's owner and filtering by it.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { ownerOf } from '../../src/report/owners.js';
import { CONFIG_TEMPLATE } from '../../src/cli/init.js';
import { buildApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { silentLogger } from '../../src/core/collector.js';
import { configRefusal, CONFIG_FILE } from '../support/config-refusal.js';
import { runVigil } from '../support/run-cli.js';
import { CRIT, HIGH, RULES, openLedger, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

describe('owners: config', () => {
  it('loads entries (none by default) and refuses bad ones naming file:line and the field', () => {
    expect(parseConfigText('schedule: "0 * * * *"\n', CONFIG_FILE, {}).config.owners).toEqual([]);
    const c = parseConfigText('owners:\n  - { owner: platform, source: aws, scope: "111122223333" }\n  - { owner: iam-team, rule: aws.iam }\n', CONFIG_FILE, {});
    expect(c.config.owners).toEqual([{ owner: 'platform', source: 'aws', scope: '111122223333' }, { owner: 'iam-team', rule: 'aws.iam' }]);
    const cases: Array<[string, RegExp]> = [
      ['owners:\n  - { owner: x }\n', /:2:.*owners\.0.*at least one of source, scope, rule/],
      ['owners:\n  - { owner: x, source: awz }\n', /:2:.*owners\.0\.source.*expected a source id: aws/],
      ['owners:\n  - { source: aws }\n', /owners\.0\.owner.*expected an owner/],
      ['owners:\n  - { owner: x, rule: "AWS IAM" }\n', /owners\.0\.rule.*rule id or a prefix/],
      ['owners:\n  - { owner: x, scope: 111122223333 }\n', /owners\.0\.scope.*quote numeric/],
      ['owners:\n  - { owner: x, team: y }\n', /owners\.0.*team/],
      ['owners: platform\n', /owners.*expected a list/],
    ];
    for (const [text, why] of cases) expect(configRefusal(text), text).toMatch(why);
  });

  it('the commented example in the `vigil init` template loads once uncommented', () => {
    const block = CONFIG_TEMPLATE.split('\n').filter((l) => /^# (owners:|  - \{ owner:)/.test(l)).map((l) => l.slice(2)).join('\n');
    expect(parseConfigText(`${block}\n`, CONFIG_FILE, {}).config.owners).toEqual([{ owner: 'platform-team', source: 'aws', scope: '111122223333' }, { owner: 'iam-team', rule: 'aws.iam' }]);
  });

  it('the first entry whose every given field matches names the owner; a rule prefix matches at a dot only', () => {
    const entries = [
      { owner: 'one-account', source: 'aws' as const, scope: '1', rule: 'aws.iam' },
      { owner: 'iam', rule: 'aws.iam' },
      { owner: 'github', source: 'github' as const },
    ];
    expect(ownerOf(entries, { source: 'aws', scope: '1', ruleId: 'aws.iam.root_mfa_enabled' })).toBe('one-account');
    expect(ownerOf(entries, { source: 'aws', scope: '2', ruleId: 'aws.iam.root_mfa_enabled' })).toBe('iam');
    expect(ownerOf(entries, { source: 'aws', scope: '1', ruleId: 'aws.iamx.thing' })).toBeUndefined();
    expect(ownerOf(entries, { source: 'aws', scope: '1', ruleId: 'aws.iam' })).toBe('one-account');
    expect(ownerOf(entries, { source: 'github', scope: 'acme', ruleId: 'github.repo.branch_protection' })).toBe('github');
    expect(ownerOf([], { source: 'github', scope: 'acme', ruleId: 'x' })).toBeUndefined();
  });

  it('vigil status with a bad owners: block exits 2 naming file:line, no stack trace, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-owners-cfg-'));
    try {
      const cfg = join(dir, 'vigil.yaml');
      writeFileSync(cfg, 'owners:\n  - owner: x\n    source: awz\n');
      const r = await runVigil(['--config', cfg, '--data-dir', join(dir, 'data'), 'status']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/vigil\.yaml:3:.*owners\.0\.source/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /v1/findings?owner=', () => {
  it('names each finding\'s owner, filters by it, and lists the configured owners', async () => {
    const dir = tempDir('vigil-owners-api-');
    const clock = settableClock('2026-03-01T10:00:00Z');
    const ledger = await openLedger(dir, clock);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'fail', b: 'pass' }, [HIGH.id]: { a: 'fail' } });
    const token = 'tok-viewer-' + 'o'.repeat(20);
    const framework = { id: 'soc2', title: 'SOC 2', version: 't', criteria: [] } as unknown as Framework;
    const api = await buildApi({
      ledger,
      rules: RULES,
      framework,
      config: apiConfigSchema.parse({ tokens: [{ name: 'v', sha256: createHash('sha256').update(token).digest('hex'), role: 'viewer' }] }),
      logger: silentLogger,
      clock,
      sources: [{ source: 'aws', schedule: '0 * * * *' }],
      owners: [{ owner: 'crit-team', rule: CRIT.id }, { owner: 'aws-team', source: 'aws' }, { owner: 'github-team', source: 'github' }],
    });
    try {
      const get = async (q: string) => (await api.app.inject({ method: 'GET', url: `/v1/findings${q}`, headers: { authorization: `Bearer ${token}` } })).json() as { total: number; owners: string[]; findings: Array<{ ruleId: string; resourceId: string; owner?: string }> };
      const all = await get('');
      expect(all.owners).toEqual(['crit-team', 'aws-team', 'github-team']);
      expect(all.findings.map((f) => [f.ruleId, f.resourceId, f.owner])).toEqual([
        [CRIT.id, 'a', 'crit-team'],
        [CRIT.id, 'b', 'crit-team'],
        [HIGH.id, 'a', 'aws-team'],
      ]);
      expect((await get('?owner=aws-team')).findings.map((f) => f.ruleId)).toEqual([HIGH.id]);
      expect((await get('?owner=crit-team&status=fail')).total).toBe(1);
      expect((await get('?owner=github-team')).total).toBe(0);
    } finally {
      await api.close();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
