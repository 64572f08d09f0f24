// A throttling source is two lines in the log — when it starts and when it ends — not one per back-off wait.
import { afterEach, describe, expect, it } from 'vitest';
import { ThrottleNotice } from '../../src/core/throttle-notice.js';
import { entraSource } from '../../collectors/entra/index.js';
import { startEntraEmulator, type EntraEmulator } from '../../collectors/entra/demo.js';
import { entraConfigSchema } from '../../collectors/entra/config.js';
import type { Logger } from '../../src/core/collector.js';
import { TestClock } from '../support/test-clock.js';

function recordingLogger(): { logger: Logger; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (o: object | string, msg?: string) => void lines.push({ level, msg: typeof o === 'string' ? o : (msg ?? '') });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('ThrottleNotice', () => {
  it('one line when a spell starts, one when it ends with its length and waits; nothing between or when not throttled', () => {
    const { logger, lines } = recordingLogger();
    const clock = new TestClock();
    const n = new ThrottleNotice(logger, 'okta', () => clock.now().getTime());
    n.clear();
    n.waiting(2000, { operation: 'okta:ListUsers' });
    clock.advance(2000);
    n.waiting(3000);
    clock.advance(3000);
    n.clear();
    n.clear();
    expect(lines).toEqual([
      { level: 'warn', msg: 'okta is throttling our reads; waiting as it asks (one line when it stops)' },
      { level: 'warn', msg: 'okta stopped throttling after 5 s (2 waits, 5 s waited)' },
    ]);
  });
});

let emu: EntraEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('a throttled collection (Entra emulator answering 429 with Retry-After)', () => {
  it('logs each spell of throttling as one start and one end line, and no back-off line per 429', async () => {
    const clock = new TestClock(Date.now());
    emu = await startEntraEmulator({ throttle: { windowMs: 1000, limit: 4 }, clock });
    const { logger, lines } = recordingLogger();
    const cfg = entraConfigSchema.parse({ tenantId: emu.tenant.tenantId, clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret', authorityHost: emu.url, graphUrl: emu.url });
    const snap = await entraSource.createCollector(cfg, { logger, clock, configDir: process.cwd() }).collect({ scope: 'x', slot: clock.now().toISOString(), clock, logger });
    expect(snap.errors).toEqual([]);
    const rejected = emu.stats.rejected429;
    expect(rejected).toBeGreaterThan(0);
    const starts = lines.filter((l) => /^entra is throttling/.test(l.msg));
    const ends = lines.filter((l) => /^entra stopped throttling/.test(l.msg));
    expect(starts.length).toBeGreaterThan(0);
    expect(ends).toHaveLength(starts.length);
    expect(lines.filter((l) => /backing off/.test(l.msg))).toEqual([]);
    expect(starts.length).toBeLessThanOrEqual(rejected);
  });
});
