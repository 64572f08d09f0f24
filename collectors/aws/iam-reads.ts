// IAM's reads, one function each: the account summary, the password policy, virtual MFA devices, the authorization
// details and the credential report poll. Each records its reply as an artifact, or a CollectionError naming its cause.
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListVirtualMFADevicesCommand,
  type GroupDetail,
  type ManagedPolicyDetail,
  type PasswordPolicy,
  type RoleDetail,
  type UserDetail,
  type VirtualMFADevice,
} from '@aws-sdk/client-iam';
import type { CollectContext } from '../../src/core/collector.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { CollectionError } from '../../src/core/types.js';
import { errorCode } from './failure.js';
import type { RawIam } from './normalize.js';
import { abortedError, requireList, type awsSend, type SendResult } from './wire.js';
import { clockSleep } from '../../src/core/abortable-sleep.js';

const REPORT_POLL_START_MS = 100;
const REPORT_POLL_MAX_MS = 2000;
/** The credential-report wait is bounded in time and in calls, whatever IAM answers. */
const REPORT_WAIT_LIMIT_MS = 120_000;
const REPORT_MAX_POLLS = 80;
/** Pages of one paged IAM call: 1000 pages of 1000 entities is far past any real account; a loop of Markers is not. */
const MAX_PAGES = 1000;

/** Resource types each IAM action feeds: what a failure of that action leaves missing or incomplete. */
export const ACTION_INPUTS: Record<string, string[]> = {
  GenerateCredentialReport: ['aws.iam.root', 'aws.iam.user'],
  GetCredentialReport: ['aws.iam.root', 'aws.iam.user'],
  GetAccountSummary: ['aws.account', 'aws.iam.root'],
  GetAccountPasswordPolicy: ['aws.iam.password_policy'],
  GetAccountAuthorizationDetails: ['aws.iam.user', 'aws.iam.group', 'aws.iam.role', 'aws.iam.policy'],
  ListVirtualMFADevices: ['aws.iam.root', 'aws.iam.user'],
};

/** A failed call's error, reply and status. */
export type Failure = { err: unknown; body?: Buffer; status?: number };

/** What every IAM read works with: the call, the ways to record a reply or a failure, and the raw data being filled. */
export interface IamRun {
  ctx: CollectContext;
  pageSize: number;
  raw: RawIam;
  errors: CollectionError[];
  metrics: { credentialReportPolls: number; authorizationDetailsPages: number; virtualMfaPages: number; throttled: number; serverErrors: number; invocations: number };
  call<T>(action: string, command: Parameters<typeof awsSend>[1]): Promise<SendResult<T>>;
  addArtifact(label: string, mediaType: string, body: Buffer): void;
  fail(action: string, r: Failure, label?: string): void;
  /** A 2xx reply whose content is not what IAM documents: recorded as malformed, the reply kept as evidence. */
  malformed(action: string, r: { body: Buffer; status: number }, e: unknown, label?: string): void;
  now(): string;
}

/** Starts the credential report, which generates while the other reads run; returns the failure if it was refused. */
export async function startCredentialReport(run: IamRun): Promise<Failure | undefined> {
  const gen = await run.call<{ State?: string }>('GenerateCredentialReport', new GenerateCredentialReportCommand({}));
  if (gen.ok) {
    run.addArtifact('iam:GenerateCredentialReport#1', 'application/xml', gen.body);
    return undefined;
  }
  return gen;
}

/** GetAccountSummary: the root verdicts read AccountMFAEnabled and AccountAccessKeysPresent from it. */
export async function readAccountSummary(run: IamRun): Promise<void> {
  const r = await run.call<{ SummaryMap?: Record<string, number> }>('GetAccountSummary', new GetAccountSummaryCommand({}));
  if (!r.ok) return run.fail('GetAccountSummary', r);
  run.addArtifact('iam:GetAccountSummary', 'application/xml', r.body);
  const map = r.out.SummaryMap;
  // the root verdicts read these two entries; a map without them is not GetAccountSummary's documented reply
  const missing = ['AccountMFAEnabled', 'AccountAccessKeysPresent'].filter((k) => typeof map?.[k] !== 'number');
  if (!map || missing.length > 0) return run.malformed('GetAccountSummary', r, new MalformedReplyError('iam:GetAccountSummary', map ? `SummaryMap lacks ${missing.join(', ')}` : 'SummaryMap missing'));
  run.raw.summary = { map, at: run.now() };
}

/** GetAccountPasswordPolicy; IAM's NoSuchEntity (404) is the finding "no policy", not a failed read. */
export async function readPasswordPolicy(run: IamRun): Promise<void> {
  const r = await run.call<{ PasswordPolicy?: PasswordPolicy }>('GetAccountPasswordPolicy', new GetAccountPasswordPolicyCommand({}));
  if (r.ok) {
    run.addArtifact('iam:GetAccountPasswordPolicy', 'application/xml', r.body);
    if (!r.out.PasswordPolicy) return run.malformed('GetAccountPasswordPolicy', r, new MalformedReplyError('iam:GetAccountPasswordPolicy', 'PasswordPolicy missing'));
    run.raw.passwordPolicy = { policy: r.out.PasswordPolicy, at: run.now() };
  } else if (errorCode(r.err as { name?: string }) === 'NoSuchEntity' && r.status === 404) {
    // no password policy is a finding about the account, not a failure to read it — but only when IAM said so
    if (r.body) run.addArtifact('iam:GetAccountPasswordPolicy', 'application/xml', r.body);
    run.raw.passwordPolicy = { policy: null, at: run.now() };
  } else run.fail('GetAccountPasswordPolicy', r);
}

/** ListVirtualMFADevices (assigned), every page. */
export async function readVirtualMfa(run: IamRun): Promise<void> {
  const devices: VirtualMFADevice[] = [];
  let marker: string | undefined;
  const at = run.now();
  for (;;) {
    const page = ++run.metrics.virtualMfaPages;
    const label = `iam:ListVirtualMFADevices#${page}`;
    const r = await run.call<{ VirtualMFADevices?: VirtualMFADevice[]; IsTruncated?: boolean; Marker?: string }>(
      'ListVirtualMFADevices',
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned', MaxItems: run.pageSize, ...(marker ? { Marker: marker } : {}) }),
    );
    if (!r.ok) return run.fail('ListVirtualMFADevices', r, label);
    run.addArtifact(label, 'application/xml', r.body);
    try {
      devices.push(...requireList<VirtualMFADevice>('iam:ListVirtualMFADevices', r.out, 'VirtualMFADevices'));
      if (!r.out.IsTruncated) break;
      if (!r.out.Marker || page >= MAX_PAGES) throw new MalformedReplyError('iam:ListVirtualMFADevices', page >= MAX_PAGES ? `more than ${MAX_PAGES} pages` : 'IsTruncated without Marker');
    } catch (e) {
      return run.malformed('ListVirtualMFADevices', r, e, label);
    }
    marker = r.out.Marker;
  }
  run.raw.virtualMfa = { devices, at };
}

/** GetAccountAuthorizationDetails: users, groups, roles and managed policies, every page. */
export async function readAuthorizationDetails(run: IamRun): Promise<void> {
  const d = { users: [] as UserDetail[], groups: [] as GroupDetail[], roles: [] as RoleDetail[], policies: [] as ManagedPolicyDetail[], at: run.now() };
  let marker: string | undefined;
  for (;;) {
    const page = ++run.metrics.authorizationDetailsPages;
    const label = `iam:GetAccountAuthorizationDetails#${page}`;
    const r = await run.call<{ UserDetailList?: UserDetail[]; GroupDetailList?: GroupDetail[]; RoleDetailList?: RoleDetail[]; Policies?: ManagedPolicyDetail[]; IsTruncated?: boolean; Marker?: string }>(
      'GetAccountAuthorizationDetails',
      new GetAccountAuthorizationDetailsCommand({ MaxItems: run.pageSize, ...(marker ? { Marker: marker } : {}) }),
    );
    if (!r.ok) return run.fail('GetAccountAuthorizationDetails', r, label);
    run.addArtifact(label, 'application/xml', r.body);
    try {
      // IAM sends all four lists on every page, empty ones as empty elements
      const op = 'iam:GetAccountAuthorizationDetails';
      const lists = [requireList<UserDetail>(op, r.out, 'UserDetailList'), requireList<GroupDetail>(op, r.out, 'GroupDetailList'), requireList<RoleDetail>(op, r.out, 'RoleDetailList'), requireList<ManagedPolicyDetail>(op, r.out, 'Policies')] as const;
      d.users.push(...lists[0]);
      d.groups.push(...lists[1]);
      d.roles.push(...lists[2]);
      d.policies.push(...lists[3]);
      if (!r.out.IsTruncated) break;
      if (!r.out.Marker || page >= MAX_PAGES) throw new MalformedReplyError(op, page >= MAX_PAGES ? `more than ${MAX_PAGES} pages` : 'IsTruncated without Marker');
    } catch (e) {
      return run.malformed('GetAccountAuthorizationDetails', r, e, label);
    }
    marker = r.out.Marker;
  }
  run.raw.details = d;
}

/** The credential report: usually ready by the time the other reads are done, so one GetCredentialReport suffices; polled, bounded, otherwise. */
export async function readCredentialReport(run: IamRun, generateFailure: Failure | undefined): Promise<void> {
  const { ctx, metrics, raw, call, malformed, addArtifact, fail, errors } = run;
  const { logger, signal } = ctx;
  let waited = 0;
  let delay = REPORT_POLL_START_MS;
  let generateCalls = 1;
  for (;;) {
    const r = await call<{ Content?: Uint8Array; GeneratedTime?: Date }>('GetCredentialReport', new GetCredentialReportCommand({}));
    if (r.ok) {
      if (!r.out.Content || r.out.Content.length === 0 || !(r.out.GeneratedTime instanceof Date) || Number.isNaN(r.out.GeneratedTime.getTime())) {
        malformed('GetCredentialReport', r, new MalformedReplyError('iam:GetCredentialReport', !r.out.Content || r.out.Content.length === 0 ? 'Content missing or empty' : 'GeneratedTime missing'));
        break;
      }
      const csv = Buffer.from(r.out.Content).toString('utf8');
      const generatedAt = r.out.GeneratedTime.toISOString();
      addArtifact(`iam:GetCredentialReport (GeneratedTime=${generatedAt})`, 'text/csv', Buffer.from(csv, 'utf8'));
      raw.report = { csv, generatedAt };
      break;
    }
    const code = errorCode(r.err as { name?: string });
    const notReady = code === 'ReportInProgress';
    const needsGenerate = code === 'ReportNotPresent' || code === 'ReportExpired';
    const outOfTime = waited >= REPORT_WAIT_LIMIT_MS || metrics.credentialReportPolls >= REPORT_MAX_POLLS;
    if ((!notReady && !needsGenerate) || outOfTime || (needsGenerate && generateFailure)) {
      if (generateFailure) fail('GenerateCredentialReport', generateFailure);
      if (outOfTime) {
        errors.push({ operation: 'iam:GetCredentialReport', code: 'ReportTimeout', message: `credential report not ready after ${Math.round(waited / 1000)} s and ${metrics.credentialReportPolls} polls`, inputs: ACTION_INPUTS.GetCredentialReport!, cause: 'timeout', retryable: true });
      } else if (!(needsGenerate && generateFailure)) fail('GetCredentialReport', r);
      break;
    }
    metrics.credentialReportPolls++;
    if (needsGenerate) {
      // the report expired or vanished between our Generate and Get: ask again
      generateCalls++;
      const g = await call<{ State?: string }>('GenerateCredentialReport', new GenerateCredentialReportCommand({}));
      if (g.ok) addArtifact(`iam:GenerateCredentialReport#${generateCalls}`, 'application/xml', g.body);
      else generateFailure = g;
    }
    await clockSleep(ctx.clock, delay, signal, () => abortedError());
    waited += delay;
    delay = Math.min(REPORT_POLL_MAX_MS, delay * 2);
  }
  if (raw.report && generateFailure) {
    // Generate was refused but a report under 4 hours old was still served: usable, and its age is in GeneratedTime.
    logger.warn({ operation: 'iam:GenerateCredentialReport' }, 'aws: could not generate a fresh credential report; using the cached one');
  }
}
