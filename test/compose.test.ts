// The composition root: each command's role and parts come from src/agent.ts (PROCESS_ROLES, openCollectRecorder).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROCESS_ROLES, openCollectRecorder, type AgentContext } from '../src/agent.js';
import { parseConfigText } from '../src/config/load.js';
import { silentLogger } from '../src/core/collector.js';
import { UsageError } from '../src/core/errors.js';
import { Ledger } from '../src/ledger/ledger.js';
import { TestClock, tempDir } from './ledger/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function context(yaml: string): AgentContext {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const loaded = parseConfigText(yaml, join(t.dir, 'vigil.config.yaml'), {});
  return { loaded, dataDir: join(t.dir, 'data'), logger: silentLogger, clock: new TestClock(Date.parse('2026-03-01T10:00:00Z')) };
}

describe('composition root', () => {
  it('vigil collect records through a queue-less writer in the collect role: agent.started, then agent.stopped on close', async () => {
    const ctx = context('sources:\n  github:\n    org: acme\n    auth:\n      token: t0k3n-for-tests\n');
    const rec = await openCollectRecorder(ctx);
    expect(rec.role).toBe('collect');
    expect(Object.keys(rec.deadlines)).toEqual(['github']);
    await rec.close('collect finished');
    const ledger = await Ledger.open({ dataDir: ctx.dataDir, clock: ctx.clock, logger: silentLogger });
    try {
      expect((await ledger.lastLeaf({ type: 'agent.started' }))?.body.roles).toEqual(['collect']);
      expect((await ledger.lastLeaf({ type: 'agent.stopped' }))?.body.reason).toBe('collect finished');
    } finally {
      await ledger.close();
    }
  });

  it('a config mistake found while building the recorder is a UsageError with nothing written', async () => {
    const ctx = context('sources:\n  github:\n    org: acme\n    auth:\n      token: t0k3n-for-tests\nrules:\n  disabled: [no.such.rule]\n');
    await expect(openCollectRecorder(ctx)).rejects.toBeInstanceOf(UsageError);
    expect(existsSync(ctx.dataDir)).toBe(false);
  });

  it('every process role that records runs also holds the blobs they point at, and only collect records runs without sweeping', () => {
    for (const [role, m] of Object.entries(PROCESS_ROLES)) {
      if (m.appends.includes('runs')) expect(m.blobs, role).toBe(true);
      if (m.appends.includes('runs') && !m.appends.includes('sweeps')) expect(role).toBe('collect');
    }
    expect(PROCESS_ROLES.serve.appends).toEqual(['exceptions', 'evidence', 'review-decisions']);
  });
});
