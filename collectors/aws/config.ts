// The `sources.aws` block of vigil.config.yaml: everything else (credentials, endpoint) comes from the AWS SDK's own chain.
import { z } from 'zod';

export const awsSourceConfigSchema = z.strictObject({
  /** The account to collect. When absent, STS GetCallerIdentity names it (one call, cached). */
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit AWS account id (quote it in YAML so leading zeros survive)')
    .optional(),
  /** Region for the IAM/STS clients; IAM is global. @defaultValue us-east-1 */
  region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'expected an AWS region such as us-east-1').optional(),
  /** SDK attempts per request, first try included (adaptive retry). @defaultValue 8 */
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** MaxItems per page for paged IAM calls (1-1000); only tests need a smaller one. @defaultValue 1000 */
  pageSize: z.number().int().min(1).max(1000).optional(),
  /** Endpoint override for tests; users rely on AWS_ENDPOINT_URL / profiles like every AWS tool. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
});

export type AwsSourceConfig = z.infer<typeof awsSourceConfigSchema>;
