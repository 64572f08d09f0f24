// What the collect stage reads off a thrown error: only a SourceError (what collector clients throw) names the failed
// operation, the permission it needs and the cause its client saw; any other Error is classified, not trusted.
import { afterEach, describe, expect, it } from 'vitest';
import type { Collector } from '../../src/core/collector.js';
import { AppError, SourceError } from '../../src/core/errors.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { stageDeps } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function deps() {
  const s = await stageDeps();
  cleanups.push(s.cleanup);
  return s.deps;
}

/** A collector that announces `inFlight` and then throws `err`. */
function throwing(inFlight: string, err: unknown): Collector {
  return {
    source: 'aws',
    scopes: async () => ['111122223333'],
    async collect(ctx) {
      ctx.onOperation?.(inFlight);
      throw err;
    },
  };
}

const req = { source: 'aws' as const, scope: '111122223333', slot: '2026-03-01T10:00:00.000Z' };

describe('collect stage error typing', () => {
  it('a SourceError names the operation that failed, its permission and the cause its client named', async () => {
    const err = new SourceError('AccessDenied', 'iam:ListUsers: not authorized', { operation: 'iam:ListUsers', permission: 'iam:ListUsers', failureCause: 'denied' });
    const { job, results } = await collectAndEvaluate(throwing('aws:collect', err), req, await deps());
    expect(job.summary.errors).toEqual([expect.objectContaining({ operation: 'iam:ListUsers', permission: 'iam:ListUsers', cause: 'denied', code: 'AccessDenied' })]);
    expect(results[0]?.reason).toContain('needs permission iam:ListUsers');
  });

  it("the client's cause wins over what the error's other fields would suggest", async () => {
    // 500 alone would classify as server_error; the client knew it was throttling.
    const err = new SourceError('SlowDown', 'too many requests', { operation: 's3:ListBuckets', failureCause: 'throttled', status: 500 });
    const { job } = await collectAndEvaluate(throwing('aws:collect', err), req, await deps());
    expect(job.summary.errors[0]).toMatchObject({ operation: 's3:ListBuckets', cause: 'throttled' });
  });

  it('a SourceError is retryable exactly when its cause may pass (unreachable, timeout, throttled, server error)', () => {
    const of = (failureCause?: 'throttled' | 'denied' | 'malformed') => new SourceError('X', 'x', { operation: 'op', ...(failureCause ? { failureCause } : {}) }).retryable;
    expect([of('throttled'), of('denied'), of('malformed'), of()]).toEqual([true, false, false, false]);
  });

  it('a MalformedReplyError is a SourceError naming its operation and the malformed cause', async () => {
    const err = new MalformedReplyError('iam:GetAccountSummary', 'no <GetAccountSummaryResponse> element');
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toBeInstanceOf(AppError);
    const { job } = await collectAndEvaluate(throwing('aws:collect', err), req, await deps());
    expect(job.summary.errors[0]).toMatchObject({ operation: 'iam:GetAccountSummary', code: 'MALFORMED', cause: 'malformed' });
  });

  it('an untyped Error is not trusted to name an operation or a permission: the operation in flight is named', async () => {
    const err = Object.assign(new Error('something broke'), { operation: 'made:Up', permission: 'made:Up', failureCause: 'denied' });
    const { job, results } = await collectAndEvaluate(throwing('iam:GetAccountAuthorizationDetails', err), req, await deps());
    expect(job.summary.errors[0]).toMatchObject({ operation: 'iam:GetAccountAuthorizationDetails', cause: 'internal' });
    expect(job.summary.errors[0]).not.toHaveProperty('permission');
    expect(results[0]?.reason).not.toContain('needs permission');
  });
});
