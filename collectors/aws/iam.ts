// Reads an account's IAM posture with a handful of bulk calls, each reply checked for completeness, into a Snapshot.
import { createHash } from 'node:crypto';
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListVirtualMFADevicesCommand,
  type GroupDetail,
  type ManagedPolicyDetail,
  type PasswordPolicy,
  type RoleDetail,
  type UserDetail,
  type VirtualMFADevice,
} from '@aws-sdk/client-iam';
import type { CollectContext } from '../../src/core/collector.js';
import { AppError } from '../../src/core/errors.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { Artifact, CollectionError, Snapshot } from '../../src/core/types.js';
import { awsCollectionError, errorCode } from './failure.js';
import { normalize, type RawIam } from './normalize.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import { abortedError, awsSend, requireList, type SendResult } from './wire.js';
import { clockSleep } from '../../src/core/abortable-sleep.js';

/** The fewest entities IAM returns per page of the paged calls (their MaxItems ceiling). */
export const IAM_MAX_ITEMS = 1000;

/** Resource types each IAM action feeds: what a failure of that action leaves missing or incomplete. */
export const ACTION_INPUTS: Record<string, string[]> = {
  GenerateCredentialReport: ['aws.iam.root', 'aws.iam.user'],
  GetCredentialReport: ['aws.iam.root', 'aws.iam.user'],
  GetAccountSummary: ['aws.account', 'aws.iam.root'],
  GetAccountPasswordPolicy: ['aws.iam.password_policy'],
  GetAccountAuthorizationDetails: ['aws.iam.user', 'aws.iam.group', 'aws.iam.role', 'aws.iam.policy'],
  ListVirtualMFADevices: ['aws.iam.root', 'aws.iam.user'],
};

const REPORT_POLL_START_MS = 100;
const REPORT_POLL_MAX_MS = 2000;
/** The credential-report wait is bounded in time and in calls, whatever IAM answers. */
const REPORT_WAIT_LIMIT_MS = 120_000;
const REPORT_MAX_POLLS = 80;
/** Pages of one paged IAM call: 1000 pages of 1000 entities is far past any real account; a loop of Markers is not. */
const MAX_PAGES = 1000;

export async function collectIam(clientConfig: ConstructorParameters<typeof IAMClient>[0], pageSize: number, ctx: CollectContext): Promise<Snapshot> {
  const { clock, logger, signal } = ctx;
  const startedAt = clock.now().toISOString();
  const artifacts: Artifact[] = [];
  const errors: CollectionError[] = [];
  const metrics = { credentialReportPolls: 0, authorizationDetailsPages: 0, virtualMfaPages: 0, throttled: 0, serverErrors: 0, invocations: 0 };
  let apiCalls = 0;

  const client = new IAMClient(clientConfig!);
  // Counts every HTTP request the SDK really sends, retries included: this step runs once per attempt.
  client.middlewareStack.add(
    (next) => async (args) => {
      apiCalls++;
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'vigilCountRequests' },
  );

  const addArtifact = (label: string, mediaType: string, body: Buffer): void => {
    artifacts.push({ sha256: createHash('sha256').update(body).digest('hex'), mediaType, size: body.length, label, body });
  };

  const onReply = (status: number, body: Buffer): void => {
    if (status >= 500) metrics.serverErrors++;
    else if (status === 429 || (status === 400 && body.includes('<Code>Throttling</Code>'))) metrics.throttled++;
  };
  async function call<T>(action: string, command: Parameters<typeof awsSend>[1]): Promise<SendResult<T>> {
    metrics.invocations++;
    return awsSend<T>(client, command, { operation: `iam:${action}`, shape: { xml: `${action}Response` }, onReply, ...(signal ? { signal } : {}), ...(ctx.onOperation ? { onOperation: ctx.onOperation } : {}) });
  }

  const fail = (action: string, r: { err: unknown; body?: Buffer; status?: number }, label = `iam:${action}`): void => {
    const e = awsCollectionError(`iam:${action}`, r.err, { inputs: ACTION_INPUTS[action] ?? [], ...(r.status !== undefined ? { status: r.status } : {}) });
    errors.push(e);
    if (r.body && r.body.length > 0) addArtifact(`${label}#error`, 'application/xml', r.body);
    logger.warn({ operation: `iam:${action}`, code: e.code, cause: e.cause, status: r.status }, 'aws: IAM call failed');
  };
  /** A 2xx reply whose content is not what IAM documents: recorded as malformed, the reply kept as evidence. */
  const malformed = (action: string, r: { body: Buffer; status: number }, e: unknown, label = `iam:${action}`): void => fail(action, { err: e, body: r.body, status: r.status }, label);

  const raw: RawIam = { accountId: ctx.scope };
  const now = (): string => clock.now().toISOString();

  try {
    // 1. Start the credential report first: it generates while the other reads run.
    let generateFailure: { err: unknown; body?: Buffer; status?: number } | undefined;
    const gen = await call<{ State?: string }>('GenerateCredentialReport', new GenerateCredentialReportCommand({}));
    if (gen.ok) addArtifact('iam:GenerateCredentialReport#1', 'application/xml', gen.body);
    else generateFailure = gen;

    // 2. The independent reads, concurrently.
    const summaryP = (async () => {
      const r = await call<{ SummaryMap?: Record<string, number> }>('GetAccountSummary', new GetAccountSummaryCommand({}));
      if (!r.ok) return fail('GetAccountSummary', r);
      addArtifact('iam:GetAccountSummary', 'application/xml', r.body);
      const map = r.out.SummaryMap;
      // the root verdicts read these two entries; a map without them is not GetAccountSummary's documented reply
      const missing = ['AccountMFAEnabled', 'AccountAccessKeysPresent'].filter((k) => typeof map?.[k] !== 'number');
      if (!map || missing.length > 0) return malformed('GetAccountSummary', r, new MalformedReplyError('iam:GetAccountSummary', map ? `SummaryMap lacks ${missing.join(', ')}` : 'SummaryMap missing'));
      raw.summary = { map, at: now() };
    })();
    const policyP = (async () => {
      const r = await call<{ PasswordPolicy?: PasswordPolicy }>('GetAccountPasswordPolicy', new GetAccountPasswordPolicyCommand({}));
      if (r.ok) {
        addArtifact('iam:GetAccountPasswordPolicy', 'application/xml', r.body);
        if (!r.out.PasswordPolicy) return malformed('GetAccountPasswordPolicy', r, new MalformedReplyError('iam:GetAccountPasswordPolicy', 'PasswordPolicy missing'));
        raw.passwordPolicy = { policy: r.out.PasswordPolicy, at: now() };
      } else if (errorCode(r.err as { name?: string }) === 'NoSuchEntity' && r.status === 404) {
        // no password policy is a finding about the account, not a failure to read it — but only when IAM said so
        if (r.body) addArtifact('iam:GetAccountPasswordPolicy', 'application/xml', r.body);
        raw.passwordPolicy = { policy: null, at: now() };
      } else fail('GetAccountPasswordPolicy', r);
    })();
    const mfaP = (async () => {
      const devices: VirtualMFADevice[] = [];
      let marker: string | undefined;
      const at = now();
      for (;;) {
        const page = ++metrics.virtualMfaPages;
        const label = `iam:ListVirtualMFADevices#${page}`;
        const r = await call<{ VirtualMFADevices?: VirtualMFADevice[]; IsTruncated?: boolean; Marker?: string }>(
          'ListVirtualMFADevices',
          new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned', MaxItems: pageSize, ...(marker ? { Marker: marker } : {}) }),
        );
        if (!r.ok) return fail('ListVirtualMFADevices', r, label);
        addArtifact(label, 'application/xml', r.body);
        try {
          devices.push(...requireList<VirtualMFADevice>('iam:ListVirtualMFADevices', r.out, 'VirtualMFADevices'));
          if (!r.out.IsTruncated) break;
          if (!r.out.Marker || page >= MAX_PAGES) throw new MalformedReplyError('iam:ListVirtualMFADevices', page >= MAX_PAGES ? `more than ${MAX_PAGES} pages` : 'IsTruncated without Marker');
        } catch (e) {
          return malformed('ListVirtualMFADevices', r, e, label);
        }
        marker = r.out.Marker;
      }
      raw.virtualMfa = { devices, at };
    })();
    const detailsP = (async () => {
      const d = { users: [] as UserDetail[], groups: [] as GroupDetail[], roles: [] as RoleDetail[], policies: [] as ManagedPolicyDetail[], at: now() };
      let marker: string | undefined;
      for (;;) {
        const page = ++metrics.authorizationDetailsPages;
        const label = `iam:GetAccountAuthorizationDetails#${page}`;
        const r = await call<{ UserDetailList?: UserDetail[]; GroupDetailList?: GroupDetail[]; RoleDetailList?: RoleDetail[]; Policies?: ManagedPolicyDetail[]; IsTruncated?: boolean; Marker?: string }>(
          'GetAccountAuthorizationDetails',
          new GetAccountAuthorizationDetailsCommand({ MaxItems: pageSize, ...(marker ? { Marker: marker } : {}) }),
        );
        if (!r.ok) return fail('GetAccountAuthorizationDetails', r, label);
        addArtifact(label, 'application/xml', r.body);
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
          return malformed('GetAccountAuthorizationDetails', r, e, label);
        }
        marker = r.out.Marker;
      }
      raw.details = d;
    })();
    await Promise.all([summaryP, policyP, mfaP, detailsP]);

    // 3. The credential report: usually ready by now, so one GetCredentialReport suffices.
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
  } catch (e) {
    if (signal?.aborted) throw abortedError(e);
    throw e;
  } finally {
    client.destroy();
  }

  checkScope(raw, ctx.scope);
  const norm = normalize(raw);
  errors.push(...norm.errors);

  const inputs: Snapshot['inputs'] = {};
  const typeTime: Record<string, string | undefined> = {
    'aws.account': raw.summary?.at,
    'aws.iam.root': raw.report?.generatedAt ?? raw.summary?.at,
    'aws.iam.user': earliest(raw.report?.generatedAt, raw.details?.at),
    'aws.iam.group': raw.details?.at,
    'aws.iam.role': raw.details?.at,
    'aws.iam.policy': raw.details?.at,
    'aws.iam.password_policy': raw.passwordPolicy?.at,
  };
  for (const t of AWS_IAM_RESOURCE_TYPES) inputs[t] = { observedAt: typeTime[t] ?? startedAt };

  const virtualAssigned = raw.virtualMfa?.devices.length ?? 0;
  const entities = raw.details ? norm.entityCount : summaryEntities(raw.summary?.map);
  const minApiCalls = 4 + Math.max(1, Math.ceil(entities / IAM_MAX_ITEMS)) + Math.max(1, Math.ceil(virtualAssigned / IAM_MAX_ITEMS));
  const { invocations, ...shown } = metrics;
  const snapshot: Snapshot = {
    source: 'aws',
    scope: ctx.scope,
    slot: ctx.slot,
    startedAt,
    endedAt: clock.now().toISOString(),
    resources: norm.resources,
    inputs,
    artifacts,
    errors,
    apiCalls,
    minApiCalls,
    metrics: { ...shown, retries: Math.max(0, apiCalls - invocations), authorizationDetailsEntities: entities },
  };
  logger.info({ scope: ctx.scope, resources: norm.resources.length, errors: errors.length, apiCalls, minApiCalls }, 'aws: collection finished');
  return snapshot;
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** Without the details, the summary's counts (customer managed policies only) estimate the entities; only for minApiCalls. */
function summaryEntities(map: Record<string, number> | undefined): number {
  if (!map) return 0;
  return [map.Users, map.Groups, map.Roles, map.Policies].reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);
}

/** Data for another account than the scope would be recorded under the wrong name: refuse it. */
function checkScope(raw: RawIam, scope: string): void {
  const arn = raw.details?.users[0]?.Arn ?? raw.details?.roles[0]?.Arn ?? /arn:aws:iam::(\d{12}):root/.exec(raw.report?.csv ?? '')?.[0];
  const account = arn ? /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn)?.[1] : undefined;
  if (account !== undefined && account !== scope) {
    throw new AppError('AWS_SCOPE_MISMATCH', `aws: credentials reach account ${account}, but the scope being collected is ${scope}`, {
      remediation: 'Set sources.aws.accountId to the account the credentials belong to, or use credentials for that account.',
    });
  }
}

