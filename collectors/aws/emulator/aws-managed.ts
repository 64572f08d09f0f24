// A few AWS managed policies the emulator knows, so estates can attach them by ARN as real accounts do.
import { createHash } from 'node:crypto';

export interface AwsManagedPolicy {
  name: string;
  path: string;
  versionId: string;
  created: string;
  updated: string;
  document: Record<string, unknown>;
}

// Documents are abridged (the real ReadOnlyAccess lists hundreds of actions) but keep the shape and intent rules look at.
const CATALOGUE: AwsManagedPolicy[] = [
  {
    name: 'AdministratorAccess',
    path: '/',
    versionId: 'v1',
    created: '2015-02-06T18:39:46Z',
    updated: '2015-02-06T18:39:46Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
  {
    name: 'PowerUserAccess',
    path: '/',
    versionId: 'v5',
    created: '2015-02-06T18:39:47Z',
    updated: '2023-07-06T22:04:19Z',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
        { Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization', 'account:ListRegions'], Resource: '*' },
      ],
    },
  },
  {
    name: 'ReadOnlyAccess',
    path: '/',
    versionId: 'v120',
    created: '2015-02-06T18:39:48Z',
    updated: '2024-06-12T18:46:00Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ec2:Describe*', 'iam:Get*', 'iam:List*', 's3:Get*', 's3:List*'], Resource: '*' }] },
  },
  {
    name: 'SecurityAudit',
    path: '/',
    versionId: 'v40',
    created: '2015-02-06T18:41:01Z',
    updated: '2024-05-01T17:44:42Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GenerateCredentialReport', 'iam:Get*', 'iam:List*', 'cloudtrail:Describe*'], Resource: '*' }] },
  },
  {
    name: 'IAMFullAccess',
    path: '/',
    versionId: 'v2',
    created: '2015-02-06T18:40:38Z',
    updated: '2019-06-21T19:40:00Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:ListRoots'], Resource: '*' }] },
  },
  {
    name: 'IAMUserChangePassword',
    path: '/',
    versionId: 'v2',
    created: '2016-11-15T00:25:16Z',
    updated: '2016-11-15T23:18:55Z',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:ChangePassword'], Resource: ['arn:aws:iam::*:user/${aws:username}'] },
        { Effect: 'Allow', Action: ['iam:GetAccountPasswordPolicy'], Resource: '*' },
      ],
    },
  },
  {
    name: 'AmazonS3ReadOnlyAccess',
    path: '/',
    versionId: 'v3',
    created: '2015-02-06T18:40:59Z',
    updated: '2023-08-10T21:31:39Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3:Describe*'], Resource: '*' }] },
  },
  {
    name: 'AWSSupportAccess',
    path: '/',
    versionId: 'v1',
    created: '2015-02-06T18:41:11Z',
    updated: '2015-02-06T18:41:11Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['support:*'], Resource: '*' }] },
  },
  {
    name: 'AWSLambdaBasicExecutionRole',
    path: '/service-role/',
    versionId: 'v1',
    created: '2015-04-09T15:03:43Z',
    updated: '2015-04-09T15:03:43Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] },
  },
];

const BY_ARN = new Map(CATALOGUE.map((p) => [`arn:aws:iam::aws:policy${p.path}${p.name}`, p]));

export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

export function awsManagedPolicyArns(): string[] {
  return [...BY_ARN.keys()];
}

/**
 * A stable IAM-style unique id (AIDA…, AGPA…, AROA…, ANPA…) derived from a name, so the same estate always yields the
 * same ids. These are identifiers, not secrets; the alphabet matches what IAM uses.
 */
export function derivedId(prefix: 'AIDA' | 'AGPA' | 'AROA' | 'ANPA' | 'AIPA', seed: string): string {
  const digest = createHash('sha256').update(`${prefix}:${seed}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = prefix;
  for (let i = 0; i < 17; i++) out += alphabet[digest[i]! % 32];
  return out;
}
