// Who owns a finding: the config's `owners:` list, each entry matching a source, a scope and/or a rule id prefix and
// naming an owner. Resolved when findings are read (results record no owner), so changing the list re-assigns history.
import { z } from 'zod';
import { SOURCE_IDS } from '../../collectors/manifest.js';
import { FINDINGS_SOURCE } from '../rules/import-mapping.js';

/** Sources a run can carry: the manifest's, the derived person view's, and imported scanner findings'. */
const RUN_SOURCES = [...SOURCE_IDS, 'identity', FINDINGS_SOURCE] as const;

const ownerEntry = z
  .object({
    /** Who owns the matching findings: a team, a person, an email. */
    owner: z.string({ error: 'expected an owner (a team, person or email) as text' }).trim().min(1, 'expected an owner (a team, person or email)').max(200),
    /** The source id (`aws`, `github`, `okta`, …), exactly. */
    source: z.enum(RUN_SOURCES, { error: `expected a source id: ${RUN_SOURCES.join(', ')}` }).optional(),
    /** The scope (AWS account id, GitHub org, IdP tenant), exactly; quote numeric account ids. */
    scope: z.string({ error: 'expected the scope as text (quote numeric AWS account ids: "111122223333")' }).trim().min(1, 'expected a scope').optional(),
    /** A rule id or a prefix of one at a dot (`aws.iam` matches `aws.iam.root_mfa_enabled`, not `aws.iamx.…`). */
    rule: z
      .string({ error: 'expected a rule id or prefix as text' })
      .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/, 'expected a rule id or a prefix of one, such as aws.iam or aws.iam.root_mfa_enabled')
      .optional(),
  })
  .strict()
  .refine((e) => e.source !== undefined || e.scope !== undefined || e.rule !== undefined, { message: 'give at least one of source, scope, rule: an entry matching everything would hide the rest' });

/** `owners:` in vigil.config.yaml: the first entry that matches a finding names its owner. @defaultValue [] */
export const ownersConfigSchema = z.array(ownerEntry, { error: 'expected a list of { owner, source?, scope?, rule? } entries' }).default([]);

export type OwnerEntry = z.infer<typeof ownerEntry>;

const ruleMatches = (prefix: string, ruleId: string): boolean => {
  const p = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  return ruleId === p || ruleId.startsWith(`${p}.`);
};

/** The owner of a finding: the first entry whose every given field matches, or undefined when none does. */
export function ownerOf(entries: readonly OwnerEntry[], f: { source: string; scope: string; ruleId: string }): string | undefined {
  for (const e of entries) {
    if (e.source !== undefined && e.source !== f.source) continue;
    if (e.scope !== undefined && e.scope !== f.scope) continue;
    if (e.rule !== undefined && !ruleMatches(e.rule, f.ruleId)) continue;
    return e.owner;
  }
  return undefined;
}

/** The owners the list names, in first-mention order (the dashboard's filter choices). */
export function ownerNames(entries: readonly OwnerEntry[]): string[] {
  return [...new Set(entries.map((e) => e.owner))];
}
