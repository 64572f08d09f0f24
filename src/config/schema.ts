// The shape of vigil.config.yaml. Its `sources:` keys are the manifest's (collectors/manifest.ts); each block is
// validated by its source's own schema (collectors/<source>/config.ts) in load.ts.
import { z } from 'zod';
import { validate as validateCron } from 'node-cron';
import { alertsConfigSchema, apiConfigSchema, exceptionsConfigSchema } from '../alerts/config.js';
import { DEADLINE_BOUNDS_S } from './deadline.js';
import { witnessesConfigSchema } from '../witness/config.js';
import { timestampingConfigSchema } from '../timestamp/config.js';
import { publishConfigSchema } from '../publish/config.js';
import { ownersConfigSchema } from '../report/owners.js';
import { SOURCE_IDS, type ManifestSourceId } from '../../collectors/manifest.js';

const cron = z
  .string()
  .refine((s) => validateCron(s), { message: 'expected a cron expression such as "0 * * * *" (minute hour day month weekday)' });

/** Fields every source block may carry besides its own settings. */
const sourceBlock = z
  .object({
    /** Cron expression in UTC. @defaultValue the top-level `schedule` */
    schedule: cron.optional(),
    /** @defaultValue true */
    enabled: z.boolean().optional(),
    /**
     * Longest one collection of this source may take (seconds); past it the run is `error` (TIMEOUT) naming the
     * operation in flight. At most the schedule's shortest slot interval. @defaultValue that interval
     */
    deadlineSeconds: z
      .number({ message: `expected a number of seconds from ${DEADLINE_BOUNDS_S.min} to ${DEADLINE_BOUNDS_S.max}` })
      .int(`expected whole seconds from ${DEADLINE_BOUNDS_S.min} to ${DEADLINE_BOUNDS_S.max}`)
      .min(DEADLINE_BOUNDS_S.min, `a deadline below ${DEADLINE_BOUNDS_S.min} s would disable collection; expected ${DEADLINE_BOUNDS_S.min} to ${DEADLINE_BOUNDS_S.max} s`)
      .max(DEADLINE_BOUNDS_S.max, `expected at most ${DEADLINE_BOUNDS_S.max} s (a day); bounds are ${DEADLINE_BOUNDS_S.min} to ${DEADLINE_BOUNDS_S.max} s`)
      .optional(),
  })
  .passthrough();

export const configSchema = z
  .object({
    /** Where the ledger, keys and caches live. CLI --data-dir wins. @defaultValue ./.vigil */
    dataDir: z.string().min(1).optional(),
    /** Ledger origin (C2SP checkpoint origin line): unique per ledger, no spaces or '+'. */
    origin: z
      .string()
      .regex(/^[^\s+]+$/, 'expected a schema-less URL-like name without spaces or "+", e.g. vigil.example.com/acme/prod')
      .optional(),
    /** Default collection schedule (cron, UTC). @defaultValue hourly */
    schedule: cron.default('0 * * * *'),
    /** Minutes between heartbeat leaves. @defaultValue 5 */
    heartbeatMinutes: z.number().int().min(1).max(60).default(5),
    redis: z
      .object({
        /** @defaultValue REDIS_URL or redis://127.0.0.1:6379 */
        url: z.string().url().optional(),
        /** BullMQ key prefix. @defaultValue vigil */
        prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('vigil'),
      })
      .strict()
      .default({ prefix: 'vigil' }),
    scopes: z
      .object({
        /**
         * A scope its source no longer lists (an account that left the AWS organization) is retired once its source has
         * recorded this many runs without it; a scope removed from config is retired at the next start.
         * @defaultValue 24
         */
        retireAfterRuns: z
          .number({ message: 'expected a number of runs from 1 to 10000' })
          .int('expected a whole number of runs from 1 to 10000')
          .min(1, 'expected 1 to 10000 runs')
          .max(10_000, 'expected 1 to 10000 runs (10000 hourly runs is over a year)')
          .default(24),
      })
      .strict()
      .default({ retireAfterRuns: 24 }),
    frameworks: z.array(z.string().regex(/^[a-z0-9_-]+$/)).default(['soc2']),
    /**
     * The criteria in scope per framework: categories (`security`, `availability`, `confidentiality`,
     * `processing-integrity`, `privacy` for soc2) or criterion ids and prefixes (`CC6.1`, `C1`). Checked against the
     * framework file when the config loads. @defaultValue each framework's default categories (soc2: security, availability)
     */
    criteria: z
      .record(
        z.string().regex(/^[a-z0-9-]+$/, 'expected a framework id like soc2 (see `vigil frameworks list`)'),
        z.array(z.string({ error: 'expected a category or criterion id as text: quote numeric ids such as "5.10" (unquoted, YAML reads 5.10 as the number 5.1)' }).trim().min(1, 'expected a category or criterion id'), { error: 'expected a list of categories or criterion ids, e.g. [security, availability, confidentiality]' }).min(1, 'expected at least one category or criterion id'),
      )
      .optional(),
    rules: z
      .object({
        /** Per-rule parameter overrides: { "aws.iam.access_keys_rotated": { maxKeyAgeDays: 60 } } */
        params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
        /** Rule ids not evaluated (recorded as excluded scope). */
        disabled: z.array(z.string()).default([]),
      })
      .strict()
      .default({ params: {}, disabled: [] }),
    /** One optional block per source of the manifest; any other key is an error naming it. */
    sources: z
      .object(Object.fromEntries(SOURCE_IDS.map((id) => [id, sourceBlock.optional()])) as Record<ManifestSourceId, z.ZodOptional<typeof sourceBlock>>)
      .strict()
      .default({}),
    /** Alert sinks, grace windows and delivery retries (src/alerts/config.ts). */
    alerts: alertsConfigSchema.optional(),
    /** HTTP API: listen address and hashed bearer tokens with roles. */
    api: apiConfigSchema.optional(),
    /** Risk acceptance kept in a reviewed file. */
    exceptions: exceptionsConfigSchema.optional(),
    /**
     * Manual evidence (docs/evidence.md): who owns each requirement's owner key, and when evidence counts as due. With
     * this block the agent's alert engine raises evidence.due / evidence.overdue alerts; without it, due requirements
     * show only in `vigil status` and `vigil evidence list --due`.
     */
    evidence: z
      .object({
        /** Owner keys of framework requirements (`owner: hr`) to the person responsible: `{ hr: "people-ops@example.com" }`. An API token with this name may upload evidence for the key's requirements. @defaultValue {} */
        owners: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an owner key like hr'), z.string().trim().min(1, 'a person (email or name)')).default({}),
        /** A requirement is due this many days before its evidence expires. @defaultValue 30 */
        warnDays: z.number().int().min(0).max(365).default(30),
      })
      .strict()
      .optional(),
    /**
     * Who owns findings (docs/dashboard.md#owners): entries matching a source, a scope and/or a rule id prefix, the first
     * match naming the owner; the API's and dashboard's findings filter by it. @defaultValue []
     */
    owners: ownersConfigSchema,
    /** Witnesses (C2SP tlog-witness) every signed checkpoint is submitted to (src/witness/config.ts). @defaultValue none */
    witnesses: witnessesConfigSchema.default([]),
    /** The cross-source person view (src/pipeline/people.ts). */
    people: z
      .object({
        /** YAML or JSON file, relative to the config file, mapping GitHub logins and IAM users to IdP emails (rules/identity/people.ts). */
        mappingFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** RFC 3161 time stamps of each daily seal's checkpoint (src/timestamp/config.ts). */
    timestamping: timestampingConfigSchema.optional(),
    /** WORM copies of each signed checkpoint and day seal (src/publish/config.ts). @defaultValue none */
    publish: publishConfigSchema.optional(),
  })
  .strict();

export type VigilConfig = z.infer<typeof configSchema>;
export type SourcesConfig = VigilConfig['sources'];
