// Human log lines: what `vigil run` prints on a terminal, from pino's JSON records (pino itself writing to the formatter).
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { humanDestination, humanLogLine, humanLogs } from '../../src/cli/log-format.js';

describe('humanLogLine', () => {
  it('gives time, level, message and key=value, quoting values with spaces', () => {
    const rec = JSON.stringify({ level: 40, time: Date.parse('2026-03-01T10:00:05.000Z'), err: 'connect ECONNREFUSED 127.0.0.1:6379', outageSeconds: 8, roles: ['worker'], msg: 'Redis is unreachable' });
    expect(humanLogLine(rec)).toBe('10:00:05 WARN  Redis is unreachable err="connect ECONNREFUSED 127.0.0.1:6379" outageSeconds=8 roles=["worker"]\n');
  });

  it('shows an error object by its message, never its stack', () => {
    const rec = JSON.stringify({ level: 50, time: 0, err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' }, msg: 'gap sweep failed' });
    const line = humanLogLine(rec);
    expect(line).toBe('00:00:00 ERROR gap sweep failed err=boom\n');
    expect(line).not.toMatch(/\n\s+at /);
  });

  it('colours the level only when asked; passes a non-JSON line through', () => {
    expect(humanLogLine(JSON.stringify({ level: 30, time: 0, msg: 'vigil running' }), { color: true })).toBe('\u001b[2m00:00:00\u001b[0m INFO  vigil running\n');
    expect(humanLogLine('plain words')).toBe('plain words\n');
  });

  it('is what pino writes through humanDestination, secrets still redacted', () => {
    const out: string[] = [];
    const log = pino({ base: undefined, redact: { paths: ['*.token'], censor: '[REDACTED]' } }, humanDestination({ write: (t) => out.push(t) }, {}));
    log.info({ sink: { token: 'sekrit' } }, 'delivered');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d INFO  delivered sink=\{"token":"\[REDACTED\]"\}\n$/);
  });
});

describe('humanDestination', () => {
  it('on a terminal, clears the line first (a progress bar may be drawn there); elsewhere writes the line alone', () => {
    const rec = JSON.stringify({ level: 30, time: 0, msg: 'm' });
    const tty: string[] = [];
    humanDestination({ isTTY: true, write: (t) => tty.push(t) }, { NO_COLOR: '1' }).write(rec);
    expect(tty).toEqual(['\r\u001b[K00:00:00 INFO  m\n']);
    const pipe: string[] = [];
    humanDestination({ write: (t) => pipe.push(t) }, {}).write(rec);
    expect(pipe).toEqual(['00:00:00 INFO  m\n']);
  });
});

describe('humanLogs', () => {
  it('human on a terminal, JSON elsewhere; VIGIL_LOG_FORMAT decides when set', () => {
    expect(humanLogs({ isTTY: true }, {})).toBe(true);
    expect(humanLogs({}, {})).toBe(false);
    expect(humanLogs({ isTTY: true }, { VIGIL_LOG_FORMAT: 'json' })).toBe(false);
    expect(humanLogs({}, { VIGIL_LOG_FORMAT: 'pretty' })).toBe(true);
  });
});
