// The `publish:` block of vigil.config.yaml: where copies of each signed checkpoint and day seal are written to WORM
// storage (today one target: an S3 bucket with Object Lock, in COMPLIANCE mode).
import { z } from 'zod';

/** Bounds of `publish.s3.timeoutMs`: one S3 request's deadline. */
export const S3_TIMEOUT_BOUNDS_MS = { min: 1_000, max: 120_000 } as const;
/** Bounds of `publish.s3.retentionDays`: at least a day; at most 100 years (S3 accepts more; nothing needs it). */
export const RETENTION_BOUNDS_DAYS = { min: 1, max: 36_500 } as const;

const s3Target = z
  .object({
    /** The bucket: created with Object Lock enabled (S3 turns versioning on with it). */
    bucket: z
      .string({ message: 'expected the bucket name' })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens'),
    /** Key prefix, e.g. `vigil/prod`; objects go under `<prefix>/<origin>/…`. @defaultValue none */
    prefix: z
      .string()
      .max(200)
      .refine((p) => !p.startsWith('/') && !p.split('/').some((s) => s === '.' || s === '..'), { message: 'expected a key prefix without a leading "/" or "." / ".." segments, e.g. vigil/prod' })
      .default(''),
    /** The bucket's region. @defaultValue the SDK's chain (AWS_REGION, the profile) */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1').optional(),
    /**
     * Another S3 endpoint (path-style addressing), for the emulator and S3-compatible stores; no credentials in it.
     * @defaultValue AWS_ENDPOINT_URL, else AWS's
     */
    endpoint: z
      .string()
      .url('expected an http(s) URL, e.g. http://127.0.0.1:4566')
      .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'expected an http:// or https:// URL' })
      .refine((u) => new URL(u).username === '' && new URL(u).password === '', { message: 'the endpoint may not carry a user name or password (credentials come from the AWS credential chain)' })
      .optional(),
    /** Days each object is kept under COMPLIANCE retention from when it is written. Required: cover the audit period and its retention. */
    retentionDays: z
      .number({ message: `expected retentionDays: a whole number of days from ${RETENTION_BOUNDS_DAYS.min} to ${RETENTION_BOUNDS_DAYS.max}` })
      .int(`expected whole days from ${RETENTION_BOUNDS_DAYS.min} to ${RETENTION_BOUNDS_DAYS.max}`)
      .min(RETENTION_BOUNDS_DAYS.min, `expected ${RETENTION_BOUNDS_DAYS.min} to ${RETENTION_BOUNDS_DAYS.max} days (a copy with no retention is not WORM)`)
      .max(RETENTION_BOUNDS_DAYS.max, `expected ${RETENTION_BOUNDS_DAYS.min} to ${RETENTION_BOUNDS_DAYS.max} days`),
    /**
     * Object Lock mode. Only COMPLIANCE: under GOVERNANCE anyone with s3:BypassGovernanceRetention (the account root
     * included) may delete the copy, so it would not bind the key holder. @defaultValue COMPLIANCE
     */
    mode: z
      .string()
      .refine((m) => m === 'COMPLIANCE', {
        message: 'expected COMPLIANCE: GOVERNANCE retention can be lifted by anyone with s3:BypassGovernanceRetention (the account root included), so it is not a WORM copy',
      })
      .default('COMPLIANCE')
      .transform(() => 'COMPLIANCE' as const),
    /** Deadline of one S3 request. @defaultValue 10000 */
    timeoutMs: z
      .number({ message: `expected a number of milliseconds from ${S3_TIMEOUT_BOUNDS_MS.min} to ${S3_TIMEOUT_BOUNDS_MS.max}` })
      .int(`expected whole milliseconds from ${S3_TIMEOUT_BOUNDS_MS.min} to ${S3_TIMEOUT_BOUNDS_MS.max}`)
      .min(S3_TIMEOUT_BOUNDS_MS.min, `expected ${S3_TIMEOUT_BOUNDS_MS.min} to ${S3_TIMEOUT_BOUNDS_MS.max} ms`)
      .max(S3_TIMEOUT_BOUNDS_MS.max, `expected ${S3_TIMEOUT_BOUNDS_MS.min} to ${S3_TIMEOUT_BOUNDS_MS.max} ms`)
      .default(10_000),
    /** `vigil status` and /readyz say degraded when more than this many signed checkpoints have no copy. @defaultValue 3 */
    alertAfterCheckpoints: z.number().int().min(1).max(1000).default(3),
  })
  .strict();

export const publishConfigSchema = z
  .object({
    /** An S3 bucket with Object Lock (src/publish/s3-publisher.ts). */
    s3: s3Target.optional(),
  })
  .strict();

export type S3PublishConfig = z.infer<typeof s3Target>;
export type PublishConfig = z.infer<typeof publishConfigSchema>;
