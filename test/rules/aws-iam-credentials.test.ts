// Tables of hand-made snapshots for the credential-report rules: root, console MFA, password policy, key rotation, unused credentials.
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/core/types.js';
import rootMfa from '../../rules/aws/iam/root_mfa_enabled.js';
import rootCreds from '../../rules/aws/iam/root_credentials_minimized.js';
import rootUse from '../../rules/aws/iam/root_recent_use.js';
import consoleMfa from '../../rules/aws/iam/console_users_mfa.js';
import pwPolicy from '../../rules/aws/iam/password_policy_strong.js';
import rotated from '../../rules/aws/iam/access_keys_rotated.js';
import unused from '../../rules/aws/iam/unused_credentials_disabled.js';
import { ACCOUNT, NOW, ROOT_ARN, daysAgo, key, one, passwordPolicy, root, run, snapshot, user, userArn, table } from './helpers.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';

describe('aws.iam.root_mfa_enabled', () => {
  table(rootMfa as Rule, [
    { name: 'hardware MFA passes', resources: [root()], id: ROOT_ARN, status: 'pass', reason: /hardware MFA/ },
    { name: 'no MFA fails', resources: [root({ mfaActive: false, accountMfaEnabled: false })], id: ROOT_ARN, status: 'fail', reason: /AccountMFAEnabled=0/ },
    { name: 'live summary wins over a lagging report (report says no, summary says yes)', resources: [root({ mfaActive: false, accountMfaEnabled: true })], id: ROOT_ARN, status: 'pass', reason: /can lag/ },
    { name: 'MFA removed since the report fails', resources: [root({ mfaActive: true, accountMfaEnabled: false })], id: ROOT_ARN, status: 'fail' },
    { name: 'virtual MFA passes by default', resources: [root({ virtualMfa: true })], id: ROOT_ARN, status: 'pass', reason: /virtual/ },
    { name: 'virtual MFA fails when hardware required', resources: [root({ virtualMfa: true })], params: { requireHardware: true }, id: ROOT_ARN, status: 'fail', reason: /requireHardware/ },
    { name: 'unknown device type is an error when hardware required', resources: [root({ virtualMfa: undefined })], params: { requireHardware: true }, id: ROOT_ARN, status: 'error', reason: /ListVirtualMFADevices/ },
    { name: 'no root resource is not applicable', resources: [], id: `aws:${ACCOUNT}`, status: 'not_applicable' },
  ]);
});

describe('aws.iam.root_credentials_minimized', () => {
  table(rootCreds as Rule, [
    { name: 'no keys passes', resources: [root()], id: ROOT_ARN, status: 'pass' },
    { name: 'active key fails', resources: [root({ accessKeys: [key(1, true, 500, 3)], accessKeysPresent: true })], id: ROOT_ARN, status: 'fail', reason: /access key 1 is active \(created 2024-/ },
    { name: 'inactive key still fails', resources: [root({ accessKeys: [key(2, false, 500, null)], accessKeysPresent: true })], id: ROOT_ARN, status: 'fail', reason: /inactive but not deleted/ },
    { name: 'summary reports keys the report does not show', resources: [root({ accessKeys: [], accessKeysPresent: true })], id: ROOT_ARN, status: 'fail', reason: /GetAccountSummary/ },
    { name: 'password not_supported passes by default', resources: [root({ passwordEnabled: 'not_supported' })], id: ROOT_ARN, status: 'pass' },
    { name: 'password required absent: true fails', resources: [root({ passwordEnabled: true })], params: { requireNoRootPassword: true }, id: ROOT_ARN, status: 'fail', reason: /console password/ },
    { name: 'password required absent: not_supported is an error', resources: [root({ passwordEnabled: 'not_supported' })], params: { requireNoRootPassword: true }, id: ROOT_ARN, status: 'error', reason: /not_supported/ },
    { name: 'password required absent: false passes', resources: [root({ passwordEnabled: false })], params: { requireNoRootPassword: true }, id: ROOT_ARN, status: 'pass', reason: /no password/ },
  ]);
});

describe('aws.iam.root_recent_use', () => {
  table(rootUse as Rule, [
    { name: 'never used (N/A) passes', resources: [root({ passwordLastUsed: null })], id: ROOT_ARN, status: 'pass', reason: /no recorded use/ },
    { name: 'password used 3 days ago fails with the date', resources: [root({ passwordLastUsed: daysAgo(3) })], id: ROOT_ARN, status: 'fail', reason: /console password on 2025-06-12/ },
    { name: 'key used yesterday fails', resources: [root({ accessKeys: [key(1, true, 100, 1)] })], id: ROOT_ARN, status: 'fail', reason: /access key 1 on 2025-06-14/ },
    { name: 'used exactly 30 days ago is outside the window', resources: [root({ passwordLastUsed: daysAgo(30) })], id: ROOT_ARN, status: 'pass', reason: /last used on 2025-05-16/ },
    { name: 'used 29.9 days ago is inside the window', resources: [root({ passwordLastUsed: daysAgo(29.9) })], id: ROOT_ARN, status: 'fail' },
    { name: 'recentUseDays override', resources: [root({ passwordLastUsed: daysAgo(3) })], params: { recentUseDays: 1 }, id: ROOT_ARN, status: 'pass' },
    { name: 'unparseable date is treated as no use', resources: [root({ passwordLastUsed: 'no_information' })], id: ROOT_ARN, status: 'pass' },
  ]);

  it('keeps the reason identical hour to hour while nothing changes', () => {
    const r = root({ passwordLastUsed: daysAgo(3) });
    const a = run(rootUse as Rule, [r]);
    const later = new Date(NOW.getTime() + 5 * 3_600_000);
    const b = evaluateSnapshot(snapshot([r]), [rootUse as Rule], { now: later });
    expect(b[0]!.reason).toBe(one(a, ROOT_ARN).reason);
    expect(b[0]!.details).toEqual(one(a, ROOT_ARN).details);
  });
});

describe('aws.iam.console_users_mfa', () => {
  const alice = userArn('alice');
  table(consoleMfa as Rule, [
    { name: 'console user with MFA passes', resources: [user('alice', { passwordEnabled: true, mfaActive: true })], id: alice, status: 'pass' },
    { name: 'console user without MFA fails', resources: [user('alice', { passwordEnabled: true, passwordLastUsed: daysAgo(2) })], id: alice, status: 'fail', reason: /no MFA device, password last used 2025-06-13/ },
    { name: 'never-used password still fails', resources: [user('alice', { passwordEnabled: true })], id: alice, status: 'fail', reason: /never used/ },
    { name: 'users without a password are outside the population', resources: [user('alice', { passwordEnabled: false })], id: `aws:${ACCOUNT}`, status: 'not_applicable', reason: /no aws\.iam\.user in scope/ },
  ]);
});

describe('aws.iam.password_policy_strong', () => {
  const id = `arn:aws:iam::${ACCOUNT}:password-policy`;
  const strong = { exists: true, minimumPasswordLength: 14, passwordReusePrevention: 24, requireSymbols: true, requireNumbers: true, requireUppercaseCharacters: true, requireLowercaseCharacters: true };
  table(pwPolicy as Rule, [
    { name: 'baseline exactly met passes', resources: [passwordPolicy(strong)], id, status: 'pass' },
    { name: 'no policy (NoSuchEntity) fails', resources: [passwordPolicy({ exists: false })], id, status: 'fail', reason: /NoSuchEntity/ },
    { name: 'length 13 fails', resources: [passwordPolicy({ ...strong, minimumPasswordLength: 13 })], id, status: 'fail', reason: /minimum length 13 < 14/ },
    { name: 'reuse missing and symbols off fail together', resources: [passwordPolicy({ ...strong, passwordReusePrevention: undefined, requireSymbols: false })], id, status: 'fail', reason: /reuse prevention 0 < 24; symbols not required/ },
    { name: 'params relax the baseline', resources: [passwordPolicy({ ...strong, minimumPasswordLength: 8, requireSymbols: false })], params: { minLength: 8, requireSymbols: false }, id, status: 'pass' },
    { name: 'max age required but passwords never expire', resources: [passwordPolicy(strong)], params: { maxAgeDays: 90 }, id, status: 'fail', reason: /never expire/ },
    { name: 'max age 90 meets 90', resources: [passwordPolicy({ ...strong, expirePasswords: true, maxPasswordAge: 90 })], params: { maxAgeDays: 90 }, id, status: 'pass' },
    { name: 'max age 180 exceeds 90', resources: [passwordPolicy({ ...strong, expirePasswords: true, maxPasswordAge: 180 })], params: { maxAgeDays: 90 }, id, status: 'fail', reason: /180 days > 90/ },
  ]);
});

describe('aws.iam.access_keys_rotated', () => {
  const bob = userArn('bob');
  table(rotated as Rule, [
    { name: 'young used key passes', resources: [user('bob', { accessKeys: [key(1, true, 10, 1)] })], id: bob, status: 'pass' },
    { name: 'key exactly 90 days old passes', resources: [user('bob', { accessKeys: [key(1, true, 90, 1)] })], id: bob, status: 'pass' },
    { name: 'key 90 days and an hour old fails', resources: [user('bob', { accessKeys: [key(1, true, 90 + 1 / 24, 1)] })], id: bob, status: 'fail', reason: /key 1 created 2025-03-17, more than 90 days ago/ },
    { name: 'old inactive key is ignored', resources: [user('bob', { accessKeys: [key(1, false, 400, null), key(2, true, 5, 1)] })], id: bob, status: 'pass' },
    { name: 'two active keys fail', resources: [user('bob', { accessKeys: [key(1, true, 10, 1), key(2, true, 5, 1)] })], id: bob, status: 'fail', reason: /2 active keys \(at most 1\)/ },
    { name: 'never-used key on a console user fails (setup key)', resources: [user('bob', { passwordEnabled: true, accessKeys: [key(1, true, 10, null)] })], id: bob, status: 'fail', reason: /never been used/ },
    { name: 'never-used key without console password passes', resources: [user('bob', { accessKeys: [key(1, true, 10, null)] })], id: bob, status: 'pass' },
    { name: 'setup-key check can be turned off', resources: [user('bob', { passwordEnabled: true, accessKeys: [key(1, true, 10, null)] })], params: { flagUnusedSetupKeys: false }, id: bob, status: 'pass' },
    { name: 'active key with N/A creation date is an error', resources: [user('bob', { accessKeys: [key(1, true, null, 1)] })], id: bob, status: 'error', reason: /no creation date/ },
    { name: 'a known failure outranks an unknown', resources: [user('bob', { accessKeys: [key(1, true, null, 1), key(2, true, 200, 1)] })], id: bob, status: 'fail' },
    { name: 'maxKeyAgeDays override', resources: [user('bob', { accessKeys: [key(1, true, 40, 1)] })], params: { maxKeyAgeDays: 30 }, id: bob, status: 'fail' },
    { name: 'user with no keys is outside the population', resources: [user('bob')], id: `aws:${ACCOUNT}`, status: 'not_applicable' },
    { name: 'access keys absent from the snapshot are unknown, not none: error', resources: [user('bob', { accessKeys: undefined })], id: bob, status: 'error', reason: /came without its credential report access keys/ },
  ]);
});

describe('aws.iam.unused_credentials_disabled', () => {
  const carol = userArn('carol');
  table(unused as Rule, [
    { name: 'recently used password and key pass', resources: [user('carol', { passwordEnabled: true, passwordLastUsed: daysAgo(3), accessKeys: [key(1, true, 100, 2)] })], id: carol, status: 'pass' },
    { name: 'password last used 46 days ago fails', resources: [user('carol', { passwordEnabled: true, passwordLastUsed: daysAgo(46) })], id: carol, status: 'fail', reason: /password last used 2025-04-30 \(limit 45 days\)/ },
    { name: 'password used exactly 45 days ago passes', resources: [user('carol', { passwordEnabled: true, passwordLastUsed: daysAgo(45) })], id: carol, status: 'pass' },
    { name: 'never-used password set long ago fails', resources: [user('carol', { passwordEnabled: true, passwordLastChanged: daysAgo(100) })], id: carol, status: 'fail', reason: /never used since set 2025-03-07/ },
    { name: 'never-used password on a new user passes', resources: [user('carol', { passwordEnabled: true, createdAt: daysAgo(5) })], id: carol, status: 'pass' },
    { name: 'never-used password falls back to user creation', resources: [user('carol', { passwordEnabled: true, createdAt: daysAgo(60) })], id: carol, status: 'fail', reason: /since user creation/ },
    { name: 'stale active key fails', resources: [user('carol', { accessKeys: [key(2, true, 300, 90)] })], id: carol, status: 'fail', reason: /access key 2 last used/ },
    { name: 'never-used old key fails', resources: [user('carol', { accessKeys: [key(1, true, 60, null)] })], id: carol, status: 'fail', reason: /access key 1 never used since creation/ },
    { name: 'inactive stale key is ignored', resources: [user('carol', { accessKeys: [key(1, false, 300, 200)] })], id: `aws:${ACCOUNT}`, status: 'not_applicable' },
    { name: 'never-used key with unknown creation is an error', resources: [user('carol', { accessKeys: [key(1, true, null, null)] })], id: carol, status: 'error', reason: /unknown/ },
    { name: 'access keys absent beside a recently used password: error, not a pass on the password alone', resources: [user('carol', { passwordEnabled: true, passwordLastUsed: daysAgo(3), accessKeys: undefined })], id: carol, status: 'error', reason: /access keys/ },
    { name: 'unusedDays 90 override', resources: [user('carol', { passwordEnabled: true, passwordLastUsed: daysAgo(60) })], params: { unusedDays: 90 }, id: carol, status: 'pass' },
  ]);
});
