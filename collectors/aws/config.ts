// The `sources.aws` block of vigil.config.yaml: everything else (credentials, endpoint) comes from the AWS SDK's own chain.
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id (quote it in YAML so leading zeros survive)');
const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'expected an AWS region such as us-east-1');

export const awsSourceConfigSchema = z
  .strictObject({
    /** The account to collect. When absent, STS GetCallerIdentity names it (one call, cached). */
    accountId: accountId.optional(),
    /** Region for the global clients (IAM, STS, Organizations, S3 ListBuckets) and where trails are listed. @defaultValue us-east-1 */
    region: region.optional(),
    /** SDK attempts per request, first try included (adaptive retry). @defaultValue 8 */
    maxAttempts: z.number().int().min(1, 'maxAttempts must be between 1 and 20').max(20, 'maxAttempts must be between 1 and 20').optional(),
    /**
     * Connection and request timeout of every HTTP request to AWS, in ms (each retry attempt has its own).
     * @defaultValue 30000 (DEFAULT_REQUEST_TIMEOUT_MS)
     */
    requestTimeoutMs: z
      .number()
      .int()
      .min(REQUEST_TIMEOUT_BOUNDS_MS.min, `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
      .max(REQUEST_TIMEOUT_BOUNDS_MS.max, `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
      .optional(),
    /** MaxItems per page for paged IAM calls (1-1000); only tests need a smaller one. @defaultValue 1000 */
    pageSize: z.number().int().min(1).max(1000).optional(),
    /** Endpoint override for tests; users rely on AWS_ENDPOINT_URL / profiles like every AWS tool. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** Collect every ACTIVE account of the AWS Organization (ListAccounts, from the management account). @defaultValue false */
    organization: z.boolean().optional(),
    /** Collect exactly these accounts (the alternative to `organization`). */
    accounts: z.array(accountId).min(1).optional(),
    /** Role assumed in each account when `organization` or `accounts` is set. @defaultValue VigilAudit */
    roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name').optional(),
    /** ExternalId the role's trust policy requires. Kept in memory only; use ${ENV} interpolation. */
    externalId: z.string().min(2).max(1224).optional(),
    /** Regions to collect; when absent, the account's enabled regions (account:ListRegions). */
    regions: z.array(region).min(1).optional(),
    /** Regions collected at once per account. @defaultValue 4 */
    regionConcurrency: z.number().int().min(1).max(32).optional(),
    /** Start of the audit period: history before what the APIs still hold is declared as a gap. @defaultValue 365 days before the first run */
    periodStart: z.iso.datetime({ offset: true }).optional(),
    /** Collect only IAM (the behaviour before CloudTrail and availability services). @defaultValue false */
    iamOnly: z.boolean().optional(),
  })
  .refine((c) => !(c.organization && c.accounts), { message: 'set either organization: true or accounts: [...], not both', path: ['accounts'] });

export type AwsSourceConfig = z.infer<typeof awsSourceConfigSchema>;

/**
 * This source's section of the config `vigil init` writes (collectors/manifest.ts hands it to src/cli/init.ts): the
 * block as YAML at column 0, leading `#` lines describing it; init indents it under `sources:` and comments it out
 * unless it is written active. A test uncomments every section and loads it with the config loader.
 */
export const AWS_CONFIG_TEMPLATE = `# AWS: the SDK's default credential and endpoint chain (AWS_PROFILE, AWS_ENDPOINT_URL, web identity, instance roles).
# The IAM policy the collector needs is deploy/aws/iam-policy.json.
aws:
  # accountId: "123456789012"   # else resolved with sts:GetCallerIdentity
  region: us-east-1
  # schedule: "0 * * * *"
  # requestTimeoutMs: 30000     # every API request's timeout (100 to 300000); every source takes it
  # deadlineSeconds: 3600       # a collection still running after this is recorded as error (TIMEOUT) and freed;
  #                             # default and maximum: the schedule's shortest interval between two slots
`;
