// Normalized AWS resources the collector produces and the aws.* rules read. Attribute names are Vigil's, not AWS's.

/** `aws.account` — one per scope (account). id = `arn:aws:iam::<account>:root`. Always produced when the summary was read. */
export interface AwsAccountAttributes {
  accountId: string;
  /** GetAccountSummary SummaryMap, as returned (numbers). */
  summary: Record<string, number>;
}

/** `aws.iam.root` — the root user, from the credential report's `<root_account>` row and GetAccountSummary. id = root ARN. */
export interface AwsIamRootAttributes {
  mfaActive: boolean;
  /** From GetAccountSummary AccountMFAEnabled (1/0). */
  accountMfaEnabled: boolean;
  /** True when a virtual MFA device is assigned to root (hardware MFA is then not in use). Undefined when unknown. */
  virtualMfa?: boolean;
  passwordEnabled: boolean | 'not_supported';
  passwordLastUsed: string | null;
  accessKeys: AwsAccessKey[];
  accessKeysPresent: boolean;
}

export interface AwsAccessKey {
  /** 1 or 2: the credential report's slot. */
  slot: 1 | 2;
  active: boolean;
  lastRotated: string | null;
  lastUsed: string | null;
}

/** `aws.iam.user` — id = user ARN, name = user name. Merges the credential report row and the authorization details. */
export interface AwsIamUserAttributes {
  userId: string;
  path: string;
  createdAt: string;
  passwordEnabled: boolean;
  passwordLastUsed: string | null;
  passwordLastChanged: string | null;
  mfaActive: boolean;
  accessKeys: AwsAccessKey[];
  /** Group names the user belongs to. */
  groups: string[];
  /** Managed policy ARNs attached directly to the user. */
  attachedPolicies: string[];
  /** Inline policies on the user, documents URL-decoded and parsed. */
  inlinePolicies: Array<{ name: string; document: unknown }>;
  /** True when a virtual MFA device is assigned to the user (from ListVirtualMFADevices). Undefined when unknown. */
  virtualMfa?: boolean;
  /** True when the user is in the credential report but not in the authorization details (created between reads). */
  detailsMissing?: boolean;
}

/** `aws.iam.group` — id = group ARN. `members` are user ARNs. */
export interface AwsIamGroupAttributes {
  path: string;
  members: string[];
  attachedPolicies: string[];
  inlinePolicies: Array<{ name: string; document: unknown }>;
}

/** `aws.iam.role` — id = role ARN. */
export interface AwsIamRoleAttributes {
  path: string;
  createdAt: string;
  assumeRolePolicy: unknown;
  attachedPolicies: string[];
  inlinePolicies: Array<{ name: string; document: unknown }>;
  lastUsed: string | null;
  /** Region of the last use; IAM tracks role use for the trailing 400 days only. */
  lastUsedRegion?: string | null;
}

/** `aws.iam.policy` — managed policy, id = policy ARN; `document` is the default version, URL-decoded and parsed. */
export interface AwsIamPolicyAttributes {
  awsManaged: boolean;
  attachmentCount: number;
  defaultVersionId: string;
  document: unknown;
  path?: string;
}

/**
 * `aws.iam.password_policy` — exactly one per account: id = `arn:aws:iam::<account>:password-policy`.
 * `exists: false` when GetAccountPasswordPolicy answered NoSuchEntity (no policy is a finding, not an error).
 */
export interface AwsIamPasswordPolicyAttributes {
  exists: boolean;
  minimumPasswordLength?: number;
  requireSymbols?: boolean;
  requireNumbers?: boolean;
  requireUppercaseCharacters?: boolean;
  requireLowercaseCharacters?: boolean;
  allowUsersToChangePassword?: boolean;
  expirePasswords?: boolean;
  maxPasswordAge?: number;
  passwordReusePrevention?: number;
  hardExpiry?: boolean;
}

export const AWS_IAM_RESOURCE_TYPES = [
  'aws.account',
  'aws.iam.root',
  'aws.iam.user',
  'aws.iam.group',
  'aws.iam.role',
  'aws.iam.policy',
  'aws.iam.password_policy',
] as const;
