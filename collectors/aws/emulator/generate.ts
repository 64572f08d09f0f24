// Deterministic estates: a large realistic one for benchmarks and a small readable demo with some controls failing.
import { parseEstate, type AwsEstate, type AwsEstateInput } from './estate.js';
import { mulberry32 } from '../../../src/core/seeded-random.js';

export interface GenerateEstateOptions {
  /** Number of IAM users. @defaultValue 1000 */
  users?: number;
  /** PRNG seed; the same seed and options give the same estate. @defaultValue 1 */
  seed?: number;
  /** Groups. @defaultValue min(300, ceil(users / 40)) */
  groups?: number;
  /** Roles. @defaultValue min(400, ceil(users / 25)) */
  roles?: number;
  /** Customer managed policies. @defaultValue min(300, ceil(users / 35)) */
  policies?: number;
  /** 12-digit account id. @defaultValue 111122223333 */
  accountId?: string;
  /** The instant ages are measured from. @defaultValue today at 00:00 UTC (stable within a day) */
  now?: Date;
}

const DAY = 86_400_000;
const FIRST = ['ana', 'ben', 'chen', 'dana', 'eli', 'fatima', 'gus', 'hana', 'ivan', 'jo', 'kofi', 'lena', 'mateo', 'nia', 'omar', 'priya', 'quinn', 'rosa', 'sam', 'tariq', 'uma', 'vera', 'wei', 'yara', 'zoe'];
const LAST = ['adams', 'baker', 'costa', 'diaz', 'evans', 'fischer', 'garcia', 'haddad', 'ito', 'jensen', 'kim', 'lopez', 'moreau', 'nakamura', 'okafor', 'patel', 'rossi', 'silva', 'tan', 'usman', 'vogel', 'wong', 'young', 'zhang'];
const TEAMS = ['engineering', 'platform', 'data', 'finance', 'support', 'security', 'sales', 'contractors'];
const SERVICES = ['s3', 'ec2', 'sts', 'lambda', 'dynamodb', 'iam', 'logs'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];

const prng = mulberry32;

function startOfUtcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY) * DAY);
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A large estate with a realistic mix of compliant and violating users, groups, roles and policies. */
export function generateEstate(opts: GenerateEstateOptions = {}): AwsEstate {
  const nUsers = opts.users ?? 1000;
  const rnd = prng(opts.seed ?? 1);
  const now = startOfUtcDay(opts.now ?? new Date()).getTime();
  const accountId = opts.accountId ?? '111122223333';
  const nGroups = opts.groups ?? Math.max(1, Math.min(300, Math.ceil(nUsers / 40)));
  const nRoles = opts.roles ?? Math.max(1, Math.min(400, Math.ceil(nUsers / 25)));
  const nPolicies = opts.policies ?? Math.max(1, Math.min(300, Math.ceil(nUsers / 35)));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ago = (maxDays: number, minDays = 0): number => now - Math.floor((minDays + rnd() * (maxDays - minDays)) * DAY) - Math.floor(rnd() * DAY);

  const policies: NonNullable<AwsEstateInput['policies']> = [];
  for (let i = 0; i < nPolicies; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const created = ago(1500, 30);
    // about 2 % are the classic mistake: full admin in a customer policy
    const wide = rnd() < 0.02;
    policies.push({
      name: `${team}-policy-${String(i).padStart(4, '0')}`,
      path: `/${team}/`,
      created: iso(created),
      updated: iso(created + Math.floor(rnd() * (now - created))),
      document: wide
        ? { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }
        : {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: [`${pick(SERVICES)}:Get*`, `${pick(SERVICES)}:List*`], Resource: `arn:aws:s3:::${team}-bucket-${i}/*` }],
          },
      previousVersions: rnd() < 0.2 ? [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }] : [],
    });
  }
  const policyArns = policies.map((p) => `arn:aws:iam::${accountId}:policy${p.path}${p.name}`);

  const groups: NonNullable<AwsEstateInput['groups']> = [];
  for (let i = 0; i < nGroups; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const attached = i === 0 ? ['arn:aws:iam::aws:policy/AdministratorAccess'] : [pick(policyArns), ...(rnd() < 0.3 ? ['arn:aws:iam::aws:policy/ReadOnlyAccess'] : [])];
    groups.push({
      name: i === 0 ? 'admins' : `${team}-${String(i).padStart(3, '0')}`,
      path: '/',
      created: iso(ago(1500, 30)),
      attachedPolicies: [...new Set(attached)],
      inlinePolicies: rnd() < 0.05 ? [{ name: 'inline-extra', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] } }] : [],
    });
  }

  const g: Gen = { rnd, pick, ago, now, accountId };
  const users = generateUsers(g, nUsers, groups, policyArns);
  const roles = generateRoles(g, nRoles, policyArns);

  return parseEstate(
    {
      accountId,
      created: iso(now - 2200 * DAY),
      root: { mfa: 'hardware', mfaEnabled: iso(now - 2100 * DAY), passwordLastUsed: iso(ago(120, 10)), accessKeys: [] },
      users,
      groups,
      roles,
      policies,
      passwordPolicy: {
        minimumPasswordLength: 14,
        requireSymbols: true,
        requireNumbers: true,
        requireUppercaseCharacters: true,
        requireLowercaseCharacters: true,
        allowUsersToChangePassword: true,
        maxPasswordAge: 90,
        passwordReusePrevention: 24,
        hardExpiry: false,
      },
      unassignedVirtualMfaDevices: Math.floor(nUsers / 100),
    } satisfies AwsEstateInput,
    'generateEstate',
  );
}

/** The generator's seeded randomness and time, shared by its parts so they draw in the same order as ever. */
interface Gen {
  rnd: () => number;
  pick: <T>(xs: readonly T[]) => T;
  /** A time between `minDays` and `maxDays` before `now`, in ms. */
  ago: (maxDays: number, minDays?: number) => number;
  now: number;
  accountId: string;
}

function generateUsers(g: Gen, nUsers: number, groups: NonNullable<AwsEstateInput['groups']>, policyArns: string[]): NonNullable<AwsEstateInput['users']> {
  const { rnd, pick, ago, now } = g;
  const nGroups = groups.length;
  const users: NonNullable<AwsEstateInput['users']> = [];
  for (let i = 0; i < nUsers; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const name = `${pick(FIRST)}.${pick(LAST)}.${i}`;
    const created = ago(1800, 1);
    const console = rnd() < 0.7;
    const mfaRoll = rnd();
    const mfa = console && mfaRoll < 0.82 ? [{ type: mfaRoll < 0.7 ? ('virtual' as const) : ('hardware' as const), enabled: iso(created + DAY) }] : [];
    const keyCount = rnd() < 0.55 ? (rnd() < 0.1 ? 2 : 1) : 0;
    const accessKeys = Array.from({ length: keyCount }, () => {
      const kc = Math.max(created, ago(400));
      const used = rnd();
      return {
        active: rnd() < 0.93,
        created: iso(kc),
        lastUsed: used < 0.12 ? null : { date: iso(Math.min(now - 3600_000, kc + Math.floor(rnd() * (now - kc)))), region: pick(REGIONS), service: pick(SERVICES) },
      };
    });
    const userGroups = new Set<string>();
    if (rnd() < 0.93) userGroups.add(groups[1 + Math.floor(rnd() * Math.max(1, nGroups - 1))]?.name ?? groups[0]!.name);
    if (rnd() < 0.25) userGroups.add(pick(groups).name);
    if (rnd() < 0.01) userGroups.add('admins');
    users.push({
      name,
      path: rnd() < 0.6 ? '/' : `/${team}/`,
      created: iso(created),
      password: console ? { lastChanged: iso(Math.max(created, ago(500))), lastUsed: rnd() < 0.1 ? null : iso(Math.max(created, ago(200))) } : null,
      mfa,
      accessKeys,
      groups: [...userGroups].filter((g) => groups.some((x) => x.name === g)),
      attachedPolicies: rnd() < 0.05 ? [pick(policyArns)] : [],
      inlinePolicies: rnd() < 0.02 ? [{ name: 'personal', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }] : [],
    });
  }
  return users;
}

function generateRoles(g: Gen, nRoles: number, policyArns: string[]): NonNullable<AwsEstateInput['roles']> {
  const { rnd, pick, ago, accountId } = g;
  const roles: NonNullable<AwsEstateInput['roles']> = [];
  for (let i = 0; i < nRoles; i++) {
    const kind = rnd();
    const trust =
      kind < 0.6
        ? { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: `${pick(['ec2', 'lambda', 'ecs-tasks'])}.amazonaws.com` }, Action: 'sts:AssumeRole' }] }
        : kind < 0.9
          ? { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] }
          : {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${String(100000000000 + Math.floor(rnd() * 899999999999))}:root` },
                  Action: 'sts:AssumeRole',
                  ...(rnd() < 0.5 ? { Condition: { StringEquals: { 'sts:ExternalId': `ext-${i}` } } } : {}),
                },
              ],
            };
    roles.push({
      name: `${pick(TEAMS)}-role-${String(i).padStart(4, '0')}`,
      path: kind < 0.6 ? '/service-role/' : '/',
      created: iso(ago(1500, 2)),
      trustPolicy: trust,
      attachedPolicies: [...new Set([pick(policyArns), ...(rnd() < 0.03 ? ['arn:aws:iam::aws:policy/AdministratorAccess'] : [])])],
      inlinePolicies: rnd() < 0.1 ? [{ name: 'role-inline', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } }] : [],
      lastUsed: rnd() < 0.2 ? null : { date: iso(ago(300)), region: pick(REGIONS) },
    });
  }
  return roles;
}

/**
 * The demo account: 12 users with a readable mix. Root has hardware MFA but an active access key; a weak password
 * policy; a console user without MFA; an admin without MFA; a stale key; a never-used key; a `*:*` customer policy.
 */
export function demoEstate(now: Date = new Date()): AwsEstate {
  const t = startOfUtcDay(now).getTime();
  const d = (days: number): string => iso(t - days * DAY + 9 * 3600_000);
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
  const acct = '123456789012';
  const input: AwsEstateInput = {
    accountId: acct,
    created: d(2000),
    callerArn: `arn:aws:iam::${acct}:role/vigil-collector`,
    root: {
      mfa: 'hardware',
      mfaEnabled: d(1990),
      passwordLastUsed: d(200),
      accessKeys: [{ active: true, created: d(1500), lastUsed: { date: d(400), region: 'us-east-1', service: 's3' } }],
    },
    passwordPolicy: { minimumPasswordLength: 8, requireNumbers: true, allowUsersToChangePassword: true },
    groups: [
      { name: 'admins', created: d(1900), attachedPolicies: [admin] },
      {
        name: 'developers',
        created: d(1900),
        attachedPolicies: [`arn:aws:iam::${acct}:policy/developer-access`, 'arn:aws:iam::aws:policy/IAMUserChangePassword'],
        inlinePolicies: [{ name: 'deny-billing', document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'aws-portal:*', Resource: '*' }] } }],
      },
      { name: 'readonly', created: d(1900), attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
      { name: 'empty-legacy', created: d(1500) },
    ],
    policies: [
      {
        name: 'developer-access',
        created: d(1800),
        updated: d(100),
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 'logs:GetLogEvents'], Resource: '*' }] },
        previousVersions: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }],
      },
      {
        name: 'break-glass-everything',
        description: 'Temporary: created during the 2023 incident',
        created: d(700),
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      },
      {
        name: 'ci-deploy',
        path: '/ci/',
        created: d(900),
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:UpdateFunctionCode', 'iam:PassRole'], Resource: '*' }] },
      },
    ],
    users: [
      { name: 'alice', created: d(1800), password: { lastChanged: d(60), lastUsed: d(1) }, mfa: [{ type: 'hardware', enabled: d(1790) }], groups: ['admins'] },
      { name: 'bob', created: d(1700), password: { lastChanged: d(80), lastUsed: d(3) }, mfa: [], groups: ['admins'] },
      { name: 'carol', created: d(1200), password: { lastChanged: d(30), lastUsed: d(2) }, mfa: [{ type: 'virtual', enabled: d(1199) }], groups: ['developers'], accessKeys: [{ active: true, created: d(40), lastUsed: { date: d(1), region: 'eu-west-1', service: 's3' } }] },
      { name: 'dave', created: d(1100), password: { lastChanged: d(400), lastUsed: d(5) }, mfa: [], groups: ['developers'] },
      { name: 'erin', created: d(900), password: { lastChanged: d(20), lastUsed: d(1) }, mfa: [{ type: 'virtual', enabled: d(899) }], groups: ['developers'], accessKeys: [{ active: true, created: d(300), lastUsed: { date: d(2), region: 'us-east-1', service: 'ec2' } }] },
      { name: 'frank', created: d(800), password: { lastChanged: d(200), lastUsed: d(120) }, mfa: [{ type: 'virtual', enabled: d(799) }], groups: ['readonly'] },
      { name: 'grace', path: '/contractors/', created: d(200), password: { lastChanged: d(200), lastUsed: null }, mfa: [], groups: ['readonly'] },
      { name: 'heidi', created: d(700), password: { lastChanged: d(10), lastUsed: d(1) }, mfa: [{ type: 'virtual', enabled: d(699) }], groups: ['developers'], attachedPolicies: [`arn:aws:iam::${acct}:policy/break-glass-everything`] },
      { name: 'ci-deployer', path: '/service/', created: d(900), accessKeys: [{ active: true, created: d(890), lastUsed: { date: d(0), region: 'us-east-1', service: 'lambda' } }], attachedPolicies: [`arn:aws:iam::${acct}:policy/ci/ci-deploy`] },
      { name: 'backup-bot', path: '/service/', created: d(600), accessKeys: [{ active: true, created: d(100), lastUsed: null }, { active: false, created: d(590), lastUsed: { date: d(300), region: 'us-west-2', service: 's3' } }], inlinePolicies: [{ name: 'backup-write', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::corp-backups/*' }] } }] },
      { name: 'ivan', created: d(500), password: { lastChanged: d(45), lastUsed: d(7) }, mfa: [{ type: 'hardware', enabled: d(499) }], groups: ['developers', 'readonly'] },
      { name: 'judy', created: d(40), password: { lastChanged: d(40), lastUsed: d(2) }, mfa: [{ type: 'virtual', enabled: d(39) }], groups: ['readonly'] },
    ],
    roles: [
      {
        name: 'vigil-collector',
        created: d(30),
        description: 'Read-only role assumed by the Vigil agent',
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] },
        attachedPolicies: ['arn:aws:iam::aws:policy/SecurityAudit'],
        lastUsed: { date: d(0), region: 'us-east-1' },
      },
      {
        name: 'lambda-exec',
        path: '/service-role/',
        created: d(600),
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        attachedPolicies: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        inlinePolicies: [{ name: 'read-config', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:eu-west-1:${acct}:parameter/app/*` }] } }],
        lastUsed: { date: d(1), region: 'eu-west-1' },
      },
      {
        name: 'vendor-audit',
        created: d(800),
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sts:AssumeRole' }] },
        attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        lastUsed: null,
      },
    ],
    unassignedVirtualMfaDevices: 1,
  };
  return parseEstate(input, 'demoEstate');
}
