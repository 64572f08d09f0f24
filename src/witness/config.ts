// The `witnesses:` block of vigil.config.yaml: the witnesses the agent submits every signed checkpoint to.
import { z } from 'zod';
import { parseCosignatureVkey } from './cosignature.js';

/** Bounds of one submission request (seconds): long enough for a distant witness, short enough never to pile up. */
export const WITNESS_TIMEOUT_BOUNDS_S = { min: 1, max: 60 } as const;

const witnessEntry = z
  .object({
    /** How the witness is named in logs, alerts, `vigil status` and /readyz. */
    name: z.string().regex(/^[A-Za-z0-9._:/-]{1,100}$/, 'expected a short name: letters, digits and . _ : / - (e.g. auditor)'),
    /** Submission prefix: checkpoints go to `<url>/add-checkpoint`. */
    url: z
      .string()
      .url('expected the witness URL, e.g. https://witness.auditor.example')
      .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'expected an http:// or https:// URL' }),
    /** The witness's cosignature/v1 vkey, as `vigil witness key` prints it. */
    key: z.string().superRefine((v, ctx) => {
      try {
        parseCosignatureVkey(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `${(e as Error).message}` });
      }
    }),
    /** Time for one request to this witness. @defaultValue 10 */
    timeoutSeconds: z
      .number()
      .int()
      .min(WITNESS_TIMEOUT_BOUNDS_S.min, `expected ${WITNESS_TIMEOUT_BOUNDS_S.min} to ${WITNESS_TIMEOUT_BOUNDS_S.max} s`)
      .max(WITNESS_TIMEOUT_BOUNDS_S.max, `expected ${WITNESS_TIMEOUT_BOUNDS_S.min} to ${WITNESS_TIMEOUT_BOUNDS_S.max} s`)
      .default(10),
    /** Alert when this many signed checkpoints in a row have no cosignature from this witness. @defaultValue 3 */
    alertAfterCheckpoints: z.number().int().min(1).max(1000).default(3),
  })
  .strict();

export const witnessesConfigSchema = z.array(witnessEntry).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((w, i) => {
    if (seen.has(w.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `witness name ${JSON.stringify(w.name)} is used twice; names must be unique` });
    seen.add(w.name);
  });
});

export type WitnessConfig = z.infer<typeof witnessEntry>;
