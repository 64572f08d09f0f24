// The AWS estate the emulator serves: a plain object (or YAML file) describing an account's IAM, validated with zod.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../../../src/core/errors.js';

const isoInstant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'expected an ISO 8601 date or date-time, e.g. 2024-05-01T12:00:00Z',
  });

const policyDocument = z.record(z.string(), z.unknown()).refine((d) => 'Statement' in d, {
  message: 'expected an IAM policy document object with a Statement',
});

const inlinePolicy = z.strictObject({ name: z.string().min(1), document: policyDocument });

const accessKey = z.strictObject({
  active: z.boolean().default(true),
  created: isoInstant,
  /** Last use; absent or null = never used. */
  lastUsed: z
    .strictObject({ date: isoInstant, region: z.string().default('us-east-1'), service: z.string().default('sts') })
    .nullable()
    .optional(),
});

const mfaDevice = z.strictObject({
  type: z.enum(['virtual', 'hardware']),
  /** Serial number; derived from the user name when absent. */
  serial: z.string().optional(),
  enabled: isoInstant,
});

const user = z.strictObject({
  name: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM user name (1-64 of A-Z a-z 0-9 + = , . @ _ -)'),
  path: z.string().regex(/^\/([\x21-\x7e]*\/)?$/, 'expected a path like / or /engineering/').default('/'),
  userId: z.string().optional(),
  created: isoInstant,
  /** Console password (login profile); null or absent = none. */
  password: z
    .strictObject({ lastChanged: isoInstant, lastUsed: isoInstant.nullable().optional() })
    .nullable()
    .optional(),
  mfa: z.array(mfaDevice).max(8).default([]),
  accessKeys: z.array(accessKey).max(2, 'IAM allows at most 2 access keys per user').default([]),
  groups: z.array(z.string()).default([]),
  attachedPolicies: z.array(z.string()).default([]),
  inlinePolicies: z.array(inlinePolicy).default([]),
});

const group = z.strictObject({
  name: z.string().min(1),
  path: z.string().default('/'),
  groupId: z.string().optional(),
  created: isoInstant,
  attachedPolicies: z.array(z.string()).default([]),
  inlinePolicies: z.array(inlinePolicy).default([]),
});

const role = z.strictObject({
  name: z.string().min(1),
  path: z.string().default('/'),
  roleId: z.string().optional(),
  created: isoInstant,
  description: z.string().optional(),
  trustPolicy: policyDocument,
  attachedPolicies: z.array(z.string()).default([]),
  inlinePolicies: z.array(inlinePolicy).default([]),
  lastUsed: z.strictObject({ date: isoInstant, region: z.string().default('us-east-1') }).nullable().optional(),
});

const policy = z.strictObject({
  name: z.string().min(1),
  path: z.string().default('/'),
  policyId: z.string().optional(),
  created: isoInstant,
  updated: isoInstant.optional(),
  description: z.string().optional(),
  /** The default version's document. */
  document: policyDocument,
  /** Older, non-default versions (v1, v2, ... in order); the default is the last one. */
  previousVersions: z.array(policyDocument).default([]),
});

const passwordPolicy = z.strictObject({
  minimumPasswordLength: z.number().int().min(6).max(128),
  requireSymbols: z.boolean().default(false),
  requireNumbers: z.boolean().default(false),
  requireUppercaseCharacters: z.boolean().default(false),
  requireLowercaseCharacters: z.boolean().default(false),
  allowUsersToChangePassword: z.boolean().default(false),
  maxPasswordAge: z.number().int().min(1).max(1095).optional(),
  passwordReusePrevention: z.number().int().min(1).max(24).optional(),
  hardExpiry: z.boolean().default(false),
});

export const awsEstateSchema = z.strictObject({
  accountId: z
    .string({ error: (iss) => (iss.input === undefined ? 'required: the 12-digit AWS account id' : 'expected a 12-digit AWS account id as a string (quote it in YAML)') })
    .regex(/^\d{12}$/, 'expected a 12-digit AWS account id (quote it in YAML)'),
  /** When the account (root user) was created. */
  created: isoInstant.default('2019-01-01T00:00:00Z'),
  /** The identity the collector calls as; named in AccessDenied messages and returned by STS GetCallerIdentity. */
  callerArn: z.string().optional(),
  root: z
    .strictObject({
      mfa: z.enum(['none', 'virtual', 'hardware']).default('none'),
      mfaEnabled: isoInstant.optional(),
      passwordLastUsed: isoInstant.nullable().optional(),
      accessKeys: z.array(accessKey).max(2).default([]),
    })
    .default({ mfa: 'none', accessKeys: [] }),
  users: z.array(user).default([]),
  groups: z.array(group).default([]),
  roles: z.array(role).default([]),
  policies: z.array(policy).default([]),
  /** null = no account password policy (GetAccountPasswordPolicy answers NoSuchEntity). */
  passwordPolicy: passwordPolicy.nullable().default(null),
  /** Virtual MFA devices created but not assigned to anyone (ListVirtualMFADevices AssignmentStatus=Unassigned). */
  unassignedVirtualMfaDevices: z.number().int().min(0).default(0),
});

/** An estate as written by a user (defaults not yet applied). */
export type AwsEstateInput = z.input<typeof awsEstateSchema>;
/** A validated estate with defaults applied; the emulator serves this and it may be mutated at runtime. */
export type AwsEstate = z.output<typeof awsEstateSchema>;
export type AwsEstateUser = AwsEstate['users'][number];
export type AwsEstateGroup = AwsEstate['groups'][number];
export type AwsEstateRole = AwsEstate['roles'][number];
export type AwsEstatePolicy = AwsEstate['policies'][number];
export type AwsEstatePasswordPolicy = NonNullable<AwsEstate['passwordPolicy']>;

/** Validates an estate object; `where` names the file (or origin) in the error message. */
export function parseEstate(input: unknown, where = 'estate'): AwsEstate {
  const r = awsEstateSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.slice(0, 10).map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new UsageError('ESTATE_INVALID', `${where}: invalid AWS estate\n${lines.join('\n')}`, {
      remediation: 'Fix the named fields; see collectors/aws/emulator/estates/demo.yaml for an example.',
    });
  }
  const estate = r.data;
  checkReferences(estate, where);
  return estate;
}

/** Reads and validates a YAML (or JSON) estate file. */
export function loadEstateFile(path: string): AwsEstate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError('ESTATE_UNREADABLE', `${path}: cannot read estate file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError('ESTATE_INVALID', `${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseEstate(doc, path);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Group and policy references must resolve, as IAM would refuse to attach what does not exist. */
function checkReferences(estate: AwsEstate, where: string): void {
  const groups = new Set(estate.groups.map((g) => g.name));
  const customer = new Set(estate.policies.map((p) => policyArn(estate.accountId, p)));
  const problems: string[] = [];
  const checkPolicies = (arns: string[], at: string): void => {
    arns.forEach((arn, i) => {
      if (arn.startsWith('arn:aws:iam::aws:policy/')) return;
      if (!customer.has(arn)) problems.push(`  ${at}.attachedPolicies[${i}]: no customer managed policy ${arn}`);
    });
  };
  const names = new Set<string>();
  estate.users.forEach((u, i) => {
    if (names.has(u.name)) problems.push(`  users[${i}].name: duplicate user name ${u.name}`);
    names.add(u.name);
    u.groups.forEach((g, j) => {
      if (!groups.has(g)) problems.push(`  users[${i}].groups[${j}]: no group named ${g}`);
    });
    checkPolicies(u.attachedPolicies, `users[${i}]`);
  });
  estate.groups.forEach((g, i) => checkPolicies(g.attachedPolicies, `groups[${i}]`));
  estate.roles.forEach((r, i) => checkPolicies(r.attachedPolicies, `roles[${i}]`));
  if (problems.length > 0) {
    throw new UsageError('ESTATE_INVALID', `${where}: invalid AWS estate\n${problems.slice(0, 10).join('\n')}`);
  }
}

export function policyArn(accountId: string, p: { name: string; path: string }): string {
  return `arn:aws:iam::${accountId}:policy${p.path}${p.name}`;
}
