// The emulated STS: GetCallerIdentity as AWS names callers, and AssumeRole into organization members with their ExternalId.
import type { Clock } from '../../../src/core/collector.js';
import type { AwsEstate } from './estate.js';
import { QueryError, callerArn } from './iam-responses.js';
import { derivedId } from './aws-managed.js';
import { el, ts } from './xml.js';
import type { EmuAccountMeta } from './services-estate.js';

export interface StsOptions {
  /** What session expirations count from. */
  clock: Clock;
  /** The home account's id now (the estate may be replaced between runs). */
  homeAccountId: () => string;
  homeMeta: EmuAccountMeta | undefined;
  /** Member account id → its metadata (role, ExternalId, status). */
  memberMeta: (accountId: string) => EmuAccountMeta | undefined;
  /** Temporary access key id → `account/role`, filled by AssumeRole and read when requests authenticate. */
  sessions: Map<string, string>;
}

/** The caller as AWS names it: a role is seen through its session (arn:aws:sts::…:assumed-role/<role>/vigil). */
export function caller(estate: AwsEstate, session?: string): { arn: string; userId: string } {
  if (session) return { arn: `arn:aws:sts::${estate.accountId}:assumed-role/${session}/vigil`, userId: `${derivedId('AROA', session)}:vigil` };
  const arn = callerArn(estate);
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (m) return { arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/vigil`, userId: `${derivedId('AROA', arn)}:vigil` };
  return { arn, userId: arn.endsWith(':root') ? estate.accountId : derivedId('AIDA', arn) };
}

/** Answers one STS action as a Query result body, or throws the QueryError STS would answer. */
export function createSts(opts: StsOptions): (action: string, params: URLSearchParams, estate: AwsEstate, session?: string) => string {
  /** Only the management account's base credentials may assume a member's role, with the member's ExternalId. */
  function assumeRole(params: URLSearchParams, from: AwsEstate, session?: string): string {
    const arn = params.get('RoleArn') ?? '';
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (!m) throw new QueryError(400, 'ValidationError', `1 validation error detected: Value '${arn}' at 'roleArn' failed to satisfy constraint`);
    const sessionName = params.get('RoleSessionName') ?? '';
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw new QueryError(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
    const target = m[1]!;
    const meta = target === opts.homeAccountId() ? opts.homeMeta : opts.memberMeta(target);
    const denied = (): QueryError =>
      new QueryError(403, 'AccessDenied', `User: ${caller(from, session).arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    if (!meta?.role || meta.role.name !== m[2] || meta.status !== 'ACTIVE') throw denied();
    if (meta.role.externalId !== undefined && params.get('ExternalId') !== meta.role.externalId) throw denied();
    const akid = `ASIA${target}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    opts.sessions.set(akid, `${target}/${m[2]}`);
    const dur = Number(params.get('DurationSeconds') ?? 3600);
    return (
      '<Credentials>' +
      el('AccessKeyId', akid) +
      el('SecretAccessKey', Math.random().toString(36).slice(2) + 'emulated') +
      el('SessionToken', 'emulated-session-' + Math.random().toString(36).slice(2)) +
      el('Expiration', ts(new Date(opts.clock.now().getTime() + dur * 1000))) +
      '</Credentials>' +
      `<AssumedRoleUser>${el('AssumedRoleId', `${derivedId('AROA', arn)}:${sessionName}`)}${el('Arn', `arn:aws:sts::${target}:assumed-role/${m[2]}/${sessionName}`)}</AssumedRoleUser>`
    );
  }

  return (action, params, estate, session) => {
    if (action === 'AssumeRole') return assumeRole(params, estate, session);
    if (action !== 'GetCallerIdentity') throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    const c = caller(estate, session);
    return el('Arn', c.arn) + el('UserId', c.userId) + el('Account', estate.accountId);
  };
}
