// What the two ledger-append benchmarks (SQLite and PostgreSQL) share: the leaves they append, options, peak memory.
import type { LeafInput } from '../../src/ledger/leaf-catalogue.js';

let peakRss = 0;
/** Samples resident memory; call between batches. */
export const sample = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
export const peakRssBytes = (): number => peakRss;

/** `n` `event` leaves (a catalogued type, so append checks their schema as in production), numbered from `from`. */
export function inputs(from: number, n: number): Array<LeafInput<'event'>> {
  return Array.from({ length: n }, (_, i) => ({
    type: 'event',
    idempotencyKey: `aws:123456789012:aws.iam.user_mfa_enabled:arn:aws:iam::123456789012:user/u${from + i}:2025-03-14T10`,
    source: 'aws',
    scope: '123456789012',
    data: {
      slot: '2025-03-14T10:00:00.000Z',
      ruleId: 'aws.iam.user_mfa_enabled',
      resourceId: `arn:aws:iam::123456789012:user/u${from + i}`,
      status: 'pass',
      reason: 'MFA device present',
      sourceTime: '2025-03-14T09:58:00.000Z',
      readAt: '2025-03-14T10:00:05.000Z',
      late: false,
      details: { mfaDevices: 1 },
    },
  }));
}

/** A positive whole-number option `--name N`; exits 2 naming the option when it is not one. */
export function num(argv: string[], name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i < 0 ? def : Number(argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`--${name}: expected a positive whole number\n`);
    process.exit(2);
  }
  return v;
}
