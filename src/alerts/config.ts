// The `alerts:`, `api:` and `exceptions:` blocks of vigil.config.yaml (sinks, grace windows, tokens), validated with zod.
import { z } from 'zod';
import { validateSinkUrl } from './ssrf.js';
import { ALERT_KINDS } from '../ledger/leaf-catalogue.js';

// The kinds are part of the `alert` leaf's schema, so the leaf catalogue owns them.
export { ALERT_KINDS };
export type AlertKind = (typeof ALERT_KINDS)[number];
const severity = z.enum(['critical', 'high', 'medium', 'low']);

const grace = z
  .object({
    /** Consecutive runs a failure must be seen in before it alerts. @defaultValue 1 */
    runs: z.number().int().min(1).max(1000).optional(),
    /** Minutes a failure must have lasted before it alerts. @defaultValue 0 */
    minutes: z.number().min(0).max(100_000).optional(),
  })
  .strict();
export type GraceWindow = z.infer<typeof grace>;

const sink = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only (at most 40)'),
    type: z.enum(['webhook', 'slack']),
    url: z.string().min(1),
    /** HMAC key for `webhook` sinks; give it as ${ENV_VAR}, never inline. */
    secret: z.string().min(16, 'at least 16 characters').optional(),
    allowInsecure: z.boolean().default(false),
    allowPrivateNetwork: z.boolean().default(false),
    allowLoopback: z.boolean().default(false),
    /** Only these alert kinds. @defaultValue all */
    kinds: z.array(z.enum(ALERT_KINDS)).optional(),
    /** Only rule alerts at or above this severity (gap, exception and monitoring-health alerts always go). @defaultValue low */
    minSeverity: severity.default('low'),
  })
  .strict()
  .refine((s) => s.type !== 'webhook' || s.secret !== undefined, { message: 'a webhook sink needs a secret (e.g. secret: ${VIGIL_WEBHOOK_SECRET})', path: ['secret'] })
  .superRefine((s, ctx) => {
    try {
      validateSinkUrl(s.url, s, 'url');
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: (e as Error).message.replace(/^url: /, '') });
    }
  });
export type SinkConfig = z.infer<typeof sink>;

export const alertsConfigSchema = z
  .object({
    sinks: z.array(sink).default([]),
    grace: z
      .object({
        /** @defaultValue { runs: 2 } for non-critical rules */
        default: grace.default({ runs: 2 }),
        /** @defaultValue { critical: { runs: 1 } } (immediate) */
        severity: z.partialRecord(severity, grace).default({ critical: { runs: 1 } }),
        rules: z.record(z.string(), grace).default({}),
      })
      .strict()
      .default({ default: { runs: 2 }, severity: { critical: { runs: 1 } }, rules: {} }),
    retry: z
      .object({
        /** @defaultValue 12 */
        attempts: z.number().int().min(1).max(100).default(12),
        /** First retry delay; doubles each attempt. @defaultValue 2000 */
        backoffMs: z.number().int().min(1).max(3_600_000).default(2_000),
        /** @defaultValue 10000 */
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .default({ attempts: 12, backoffMs: 2_000, timeoutMs: 10_000 }),
    /** Warn this many days before an exception expires. @defaultValue 7 */
    expiringDays: z.number().min(0).max(90).default(7),
    /** How often pending grace windows, gaps and exception expiries are re-checked. @defaultValue 60 */
    tickSeconds: z.number().min(1).max(3600).default(60),
  })
  .strict();
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

export const apiConfigSchema = z
  .object({
    /** host:port. @defaultValue 127.0.0.1:8080 */
    listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:8080').default('127.0.0.1:8080'),
    tokens: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /** Hex SHA-256 of the token (`vigil api hash-token`); the token itself never goes in config. */
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (vigil api hash-token)'),
            role: z.enum(['viewer', 'auditor', 'approver', 'admin']),
          })
          .strict(),
      )
      .default([]),
    /** A source whose last run is older than this is stale for /readyz. @defaultValue twice its schedule interval + 30 min */
    staleAfterMinutes: z.number().min(1).max(525_600, "expected at most 525600 minutes (a year)").optional(),
  })
  .strict();
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export const exceptionsConfigSchema = z
  .object({
    /** A reviewed exceptions.yaml, relative to the config file. */
    file: z.string().min(1).optional(),
  })
  .strict();
