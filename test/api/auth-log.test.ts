// Refused requests are logged at a bounded rate: a flood of bad tokens gives at most `burst` lines per window and one
// "N more refused" summary when the window ends, while the metric counts every refusal.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { RefusalLog } from '../../src/api/auth.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { TestClock } from '../support/test-clock.js';
import { RULES, capturingLogger, openLedger, tempDir } from '../alerts/helpers.js';

const VIEWER = 'auth-log-viewer-' + 'v'.repeat(20);
const framework = { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [] } as unknown as Framework;

describe('failed-auth logging', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  let logger: ReturnType<typeof capturingLogger>;
  const clock = new TestClock('2026-03-01T10:00:00Z');

  beforeEach(async () => {
    dir = tempDir('vigil-auth-log-');
    ledger = await openLedger(dir, clock);
    logger = capturingLogger();
    api = await buildApi({
      ledger, rules: RULES, framework, logger, clock, sources: [],
      config: apiConfigSchema.parse({ tokens: [{ name: 'prom', sha256: createHash('sha256').update(VIEWER).digest('hex'), role: 'viewer' }] }),
      refusalLog: { burst: 5, windowMs: 60_000 },
    });
  });
  afterEach(async () => {
    await api.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusedLines = () => logger.lines.filter((l) => l.endsWith(' api request refused'));
  const summaries = () => logger.lines.filter((l) => /more api requests refused in the last minute/.test(l));
  const bad = (i: number, url = '/v1/posture') => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer flood-${i}` } });
  const metricOf = async (reason: string, route: string) => {
    const m = (await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${VIEWER}` } })).body;
    return Number(new RegExp(`vigil_api_auth_failures_total\\{reason="${reason}",route="${route.replace(/\//g, '\\/')}"\\} (\\d+)`).exec(m)?.[1] ?? 0);
  };

  it('a flood of 200 bad tokens: 5 lines, then one summary of the other 195 when the minute ends; the metric counts 200', async () => {
    for (let i = 0; i < 200; i++) expect((await bad(i)).statusCode).toBe(401);
    expect(refusedLines()).toHaveLength(5);
    expect(summaries()).toHaveLength(0);
    expect(await metricOf('unknown_token', '/v1/posture')).toBe(200);

    // the window ends: the next refusal logs the summary first, then itself (a new window)
    clock.advance(60_000);
    expect((await bad(200)).statusCode).toBe(401);
    expect(summaries()).toHaveLength(1);
    const summary = summaries()[0]!;
    expect(summary).toMatch(/^\{"suppressed":195,"reasons":\{"unknown_token":195\},"since":"2026-03-01T10:00:00.000Z"\} 195 more api requests refused/);
    expect(refusedLines()).toHaveLength(6);
    expect(logger.lines.join('\n')).not.toContain('flood-');
  });

  it('the summary does not wait for another refusal: the periodic flush logs it once the window has ended, close() at once', async () => {
    const log = new RefusalLog(logger, clock, { burst: 2, windowMs: 60_000 });
    try {
      for (let i = 0; i < 5; i++) log.refused('unknown_token', { route: '/v1/findings' });
      log.refused('missing_token', { route: '/v1/findings' });
      expect(refusedLines()).toHaveLength(2);
      log.flush(); // what the timer calls: the window has not ended, so nothing yet
      expect(summaries()).toHaveLength(0);
      clock.advance(60_000);
      log.flush();
      expect(summaries()).toHaveLength(1);
      expect(summaries()[0]).toMatch(/"suppressed":4,"reasons":\{"unknown_token":3,"missing_token":1\}/);
      log.flush();
      clock.advance(60_000);
      log.flush(); // a quiet window logs nothing
      expect(summaries()).toHaveLength(1);
    } finally {
      log.close();
    }
    // the API's own log is flushed by close(), without waiting for the window
    for (let i = 0; i < 8; i++) await bad(i, '/v1/findings');
    await api.close();
    expect(summaries()).toHaveLength(2);
    expect(summaries()[1]).toMatch(/"suppressed":3,"reasons":\{"unknown_token":3\}/);
    api = await buildApi({ ledger, rules: RULES, framework, logger, clock, sources: [], config: apiConfigSchema.parse({}) });
  });

  it('a bad token sent to the public /readyz is counted and logged under the same limit, and still answered', async () => {
    for (let i = 0; i < 7; i++) expect((await bad(i, '/readyz')).statusCode).toBe(200);
    expect(await metricOf('unknown_token', '/readyz')).toBe(7);
    expect(refusedLines()).toHaveLength(5);
    expect(refusedLines()[0]).toContain('"answered":"without details"');
  });
});
