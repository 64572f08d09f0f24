// The `timestamping:` block of vigil.config.yaml: the RFC 3161 TSA each daily seal's checkpoint is time-stamped by.
import { z } from 'zod';

/** Bounds of `timestamping.timeoutMs`: below 1 s a TSA across the internet rarely answers; above 2 min nothing is gained. */
export const TSA_TIMEOUT_BOUNDS_MS = { min: 1_000, max: 120_000 } as const;

export const timestampingConfigSchema = z
  .object({
    /**
     * The TSA's RFC 3161 HTTP endpoint (POST application/timestamp-query), e.g. https://freetsa.org/tsr. It is recorded
     * in each `timestamp.token` leaf, so it may not carry credentials.
     */
    url: z
      .string()
      .url('expected the http(s) URL of an RFC 3161 time-stamping authority, e.g. https://freetsa.org/tsr')
      .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'expected an http or https URL' })
      .refine((u) => new URL(u).username === '' && new URL(u).password === '', { message: 'the TSA URL is recorded as evidence: it may not carry a user name or password' }),
    /** How long one request may wait for the TSA's reply. @defaultValue 10000 */
    timeoutMs: z
      .number({ message: `expected a number of milliseconds from ${TSA_TIMEOUT_BOUNDS_MS.min} to ${TSA_TIMEOUT_BOUNDS_MS.max}` })
      .int(`expected whole milliseconds from ${TSA_TIMEOUT_BOUNDS_MS.min} to ${TSA_TIMEOUT_BOUNDS_MS.max}`)
      .min(TSA_TIMEOUT_BOUNDS_MS.min, `expected ${TSA_TIMEOUT_BOUNDS_MS.min} to ${TSA_TIMEOUT_BOUNDS_MS.max} ms`)
      .max(TSA_TIMEOUT_BOUNDS_MS.max, `expected ${TSA_TIMEOUT_BOUNDS_MS.min} to ${TSA_TIMEOUT_BOUNDS_MS.max} ms`)
      .default(10_000),
  })
  .strict();

export type TimestampingConfig = z.infer<typeof timestampingConfigSchema>;
