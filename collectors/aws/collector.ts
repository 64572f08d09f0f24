// The AWS IAM collector: reads an account's IAM posture with a handful of bulk calls and returns a Snapshot.
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
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { OrganizationsClient, ListAccountsCommand } from '@aws-sdk/client-organizations';
import { collectServices } from './services.js';
import { localRateLimiter, redisRateLimiter } from './limits.js';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import { AppError, redactSecrets } from '../../src/core/errors.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Snapshot } from '../../src/core/types.js';
import type { AwsSourceConfig } from './config.js';
import { normalize, type RawIam } from './normalize.js';
import { AWS_IAM_RESOURCE_TYPES } from './types.js';

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
const REPORT_WAIT_LIMIT_MS = 120_000;

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: unknown;
}

type CallResult<T> = { ok: true; out: T; body: Buffer; status: number } | { ok: false; err: SdkError; body?: Buffer; status?: number };

// Minimal structural view of an SDK command, enough to attach a per-command middleware.
interface StackCommand {
  middlewareStack: { add(mw: unknown, opts: Record<string, unknown>): void };
}

/**
 * Builds the collector. Credentials and endpoint come from the SDK's default chains (env, profiles, SSO, web identity,
 * AWS_ENDPOINT_URL); `config.endpoint` is only for tests.
 */
export function createAwsCollector(config: AwsSourceConfig, deps: CollectorDeps): Collector {
  const region = config.region ?? 'us-east-1';
  const clientConfig = {
    region,
    maxAttempts: config.maxAttempts ?? 8,
    retryMode: 'adaptive' as const,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  let scopes: Promise<string[]> | undefined;
  const multi = config.organization === true || config.accounts !== undefined;
  const roleName = config.roleName ?? 'VigilAudit';
  const limiter = deps.redis ? redisRateLimiter(deps.redis) : localRateLimiter();
  const pathStyle = config.endpoint !== undefined || process.env.AWS_ENDPOINT_URL !== undefined;

  /** Temporary credentials for the account's role; held in memory for this run only, never logged or stored. */
  async function assume(account: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }> {
    const sts = new STSClient(clientConfig);
    try {
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'vigil', DurationSeconds: 3600, ...(config.externalId ? { ExternalId: config.externalId } : {}) }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new AppError('AWS_ASSUME_ROLE_FAILED', `sts:AssumeRole into ${account} returned no credentials`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
    } catch (e) {
      if (e instanceof AppError) throw e;
      const err = e as SdkError;
      // operation/permission let the pipeline name what was missing in every `error` result of this account
      throw Object.assign(
        new AppError('AWS_ASSUME_ROLE_FAILED', `sts:AssumeRole into arn:aws:iam::${account}:role/${roleName} failed: ${err.name ?? 'Error'}: ${redactSecrets(err.message ?? '')}`, {
          retryable: (err.$metadata?.httpStatusCode ?? 500) >= 500,
          remediation: `Create role ${roleName} in account ${account} with deploy/aws/member-policy.json and the trust policy deploy/aws/member-trust-policy.json (management account and ExternalId).`,
          cause: e,
        }),
        { operation: 'sts:AssumeRole', permission: `sts:AssumeRole on arn:aws:iam::${account}:role/${roleName} (role trust policy with the ExternalId)` },
      );
    } finally {
      sts.destroy();
    }
  }

  return {
    source: 'aws',
    scopes(): Promise<string[]> {
      if (config.accounts) return Promise.resolve([...config.accounts]);
      if (config.organization) {
        scopes ??= (async () => {
          const org = new OrganizationsClient(clientConfig);
          try {
            const ids: string[] = [];
            let token: string | undefined;
            do {
              const out = await org.send(new ListAccountsCommand({ MaxResults: 20, ...(token ? { NextToken: token } : {}) }));
              for (const a of out.Accounts ?? []) if (a.Id && (a.State ?? a.Status) === 'ACTIVE') ids.push(a.Id);
              token = out.NextToken;
            } while (token);
            deps.logger.info({ accounts: ids.length }, 'aws: organization accounts listed');
            return ids;
          } catch (e) {
            scopes = undefined;
            const err = e as SdkError;
            throw new AppError('AWS_LIST_ACCOUNTS_FAILED', `organizations:ListAccounts failed: ${err.name ?? 'Error'}: ${redactSecrets(err.message ?? '')}`, {
              retryable: true,
              remediation: 'Run Vigil with credentials of the organization management account (or a delegated administrator), or list the accounts in sources.aws.accounts.',
              cause: e,
            });
          } finally {
            org.destroy();
          }
        })();
        return scopes;
      }
      if (config.accountId) return Promise.resolve([config.accountId]);
      scopes ??= (async () => {
        const sts = new STSClient(clientConfig);
        try {
          const id = await sts.send(new GetCallerIdentityCommand({}));
          if (!id.Account) throw new AppError('AWS_NO_ACCOUNT', 'STS GetCallerIdentity returned no account id');
          deps.logger.info({ account: id.Account }, 'aws: account resolved from STS GetCallerIdentity');
          return [id.Account];
        } catch (e) {
          scopes = undefined; // a transient failure must not be cached
          if (e instanceof AppError) throw e;
          const err = e as SdkError;
          throw new AppError('AWS_CALLER_IDENTITY_FAILED', `STS GetCallerIdentity failed: ${err.name ?? 'Error'}: ${redactSecrets(err.message ?? '')}`, {
            retryable: true,
            remediation: 'Check the AWS credentials Vigil runs with (AWS_PROFILE, AWS_ACCESS_KEY_ID, role), or set sources.aws.accountId.',
            cause: e,
          });
        } finally {
          sts.destroy();
        }
      })();
      return scopes;
    },
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const cc = multi ? { ...clientConfig, credentials: await assume(ctx.scope) } : clientConfig;
      const iam = await collectOnce(cc, config.pageSize ?? IAM_MAX_ITEMS, ctx);
      if (config.iamOnly) return iam;
      const svc = await collectServices(ctx, {
        clientConfig: cc,
        region,
        ...(config.regions ? { regions: config.regions } : {}),
        regionConcurrency: config.regionConcurrency ?? 4,
        ...(config.periodStart ? { periodStart: config.periodStart } : {}),
        limiter,
        pathStyle,
      });
      return {
        ...iam,
        endedAt: ctx.clock.now().toISOString(),
        resources: [...iam.resources, ...svc.resources],
        inputs: { ...iam.inputs, ...svc.inputs },
        artifacts: [...iam.artifacts, ...svc.artifacts],
        errors: [...iam.errors, ...svc.errors],
        apiCalls: iam.apiCalls + svc.apiCalls + (multi ? 1 : 0),
        minApiCalls: (iam.minApiCalls ?? 0) + (svc.minApiCalls ?? 0) + (multi ? 1 : 0),
        metrics: { ...iam.metrics, ...svc.metrics },
        ...(svc.cursors && Object.keys(svc.cursors).length > 0 ? { cursors: svc.cursors } : {}),
        ...(svc.declaredGaps && svc.declaredGaps.length > 0 ? { declaredGaps: svc.declaredGaps } : {}),
      };
    },
  };
}

async function collectOnce(clientConfig: ConstructorParameters<typeof IAMClient>[0], pageSize: number, ctx: CollectContext): Promise<Snapshot> {
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

  const abortIfNeeded = (): void => {
    if (signal?.aborted) throw new AppError('COLLECTION_ABORTED', 'aws collection aborted', { retryable: true });
  };

  const addArtifact = (label: string, mediaType: string, body: Buffer): void => {
    artifacts.push({ sha256: createHash('sha256').update(body).digest('hex'), mediaType, size: body.length, label, body });
  };

  /** Sends one command; keeps the reply bytes (the last attempt's) for evidence. Never throws for an API failure. */
  async function call<T>(action: string, command: StackCommand): Promise<CallResult<T>> {
    abortIfNeeded();
    metrics.invocations++;
    let last: { status: number; body: Buffer } | undefined;
    command.middlewareStack.add(
      (next: (a: unknown) => Promise<{ response: { statusCode: number; body: unknown } }>) => async (args: unknown) => {
        const result = await next(args);
        const res = result.response;
        const chunks: Buffer[] = [];
        if (res.body instanceof Uint8Array) chunks.push(Buffer.from(res.body));
        else if (res.body) for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
        const body = Buffer.concat(chunks);
        // hand the deserializer its own view: the SDK re-prototypes the array it is given
        res.body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        last = { status: res.statusCode, body };
        if (res.statusCode >= 500) metrics.serverErrors++;
        else if (res.statusCode === 429 || (res.statusCode === 400 && body.includes('<Code>Throttling</Code>'))) metrics.throttled++;
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'vigilCaptureReply' },
    );
    try {
      const out = (await client.send(command as never, signal ? { abortSignal: signal } : {})) as T;
      return { ok: true, out, body: last?.body ?? Buffer.alloc(0), status: last?.status ?? 200 };
    } catch (e) {
      abortIfNeeded();
      return { ok: false, err: e as SdkError, ...(last ? { body: last.body, status: last.status } : {}) };
    }
  }

  const fail = (action: string, r: { err: SdkError; body?: Buffer; status?: number }, label = `iam:${action}`): void => {
    const status = r.status ?? r.err.$metadata?.httpStatusCode;
    const code = errorCode(r.err);
    const retryable = status === undefined || status >= 500 || status === 429 || /Throttl|TooManyRequests|RequestLimitExceeded|Timeout|ECONN/i.test(code);
    errors.push({
      operation: `iam:${action}`,
      code,
      message: redactSecrets(r.err.message ?? code).slice(0, 1000),
      permission: `iam:${action}`,
      inputs: ACTION_INPUTS[action] ?? [],
      retryable,
    });
    if (r.body && r.body.length > 0) addArtifact(`${label}#error`, 'application/xml', r.body);
    logger.warn({ operation: `iam:${action}`, code, status }, 'aws: IAM call failed');
  };

  const raw: RawIam = { accountId: ctx.scope };
  const now = (): string => clock.now().toISOString();

  try {
    // 1. Start the credential report first: it generates while the other reads run.
    let generateOk = true;
    const gen = await call<{ State?: string }>('GenerateCredentialReport', new GenerateCredentialReportCommand({}));
    let generateFailure: CallResult<unknown> | undefined;
    if (gen.ok) addArtifact('iam:GenerateCredentialReport#1', 'application/xml', gen.body);
    else {
      generateOk = false;
      generateFailure = gen;
    }

    // 2. The independent reads, concurrently.
    const summaryP = (async () => {
      const r = await call<{ SummaryMap?: Record<string, number> }>('GetAccountSummary', new GetAccountSummaryCommand({}));
      if (r.ok) {
        addArtifact('iam:GetAccountSummary', 'application/xml', r.body);
        raw.summary = { map: r.out.SummaryMap ?? {}, at: now() };
      } else fail('GetAccountSummary', r);
    })();
    const policyP = (async () => {
      const r = await call<{ PasswordPolicy?: PasswordPolicy }>('GetAccountPasswordPolicy', new GetAccountPasswordPolicyCommand({}));
      if (r.ok) {
        addArtifact('iam:GetAccountPasswordPolicy', 'application/xml', r.body);
        raw.passwordPolicy = { policy: r.out.PasswordPolicy ?? null, at: now() };
      } else if (errorCode(r.err) === 'NoSuchEntity') {
        // no password policy is a finding about the account, not a failure to read it
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
        const r = await call<{ VirtualMFADevices?: VirtualMFADevice[]; IsTruncated?: boolean; Marker?: string }>(
          'ListVirtualMFADevices',
          new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned', MaxItems: pageSize, ...(marker ? { Marker: marker } : {}) }),
        );
        if (!r.ok) return fail('ListVirtualMFADevices', r, `iam:ListVirtualMFADevices#${page}`);
        addArtifact(`iam:ListVirtualMFADevices#${page}`, 'application/xml', r.body);
        devices.push(...(r.out.VirtualMFADevices ?? []));
        if (!r.out.IsTruncated) break;
        if (!r.out.Marker) return fail('ListVirtualMFADevices', { err: { name: 'MalformedResponse', message: 'IsTruncated without Marker' } });
        marker = r.out.Marker;
      }
      raw.virtualMfa = { devices, at };
    })();
    const detailsP = (async () => {
      const d = { users: [] as UserDetail[], groups: [] as GroupDetail[], roles: [] as RoleDetail[], policies: [] as ManagedPolicyDetail[], at: now() };
      let marker: string | undefined;
      for (;;) {
        const page = ++metrics.authorizationDetailsPages;
        const r = await call<{ UserDetailList?: UserDetail[]; GroupDetailList?: GroupDetail[]; RoleDetailList?: RoleDetail[]; Policies?: ManagedPolicyDetail[]; IsTruncated?: boolean; Marker?: string }>(
          'GetAccountAuthorizationDetails',
          new GetAccountAuthorizationDetailsCommand({ MaxItems: pageSize, ...(marker ? { Marker: marker } : {}) }),
        );
        if (!r.ok) {
          fail('GetAccountAuthorizationDetails', r, `iam:GetAccountAuthorizationDetails#${page}`);
          break;
        }
        addArtifact(`iam:GetAccountAuthorizationDetails#${page}`, 'application/xml', r.body);
        d.users.push(...(r.out.UserDetailList ?? []));
        d.groups.push(...(r.out.GroupDetailList ?? []));
        d.roles.push(...(r.out.RoleDetailList ?? []));
        d.policies.push(...(r.out.Policies ?? []));
        if (!r.out.IsTruncated) break;
        if (!r.out.Marker) {
          fail('GetAccountAuthorizationDetails', { err: { name: 'MalformedResponse', message: 'IsTruncated without Marker' } });
          break;
        }
        marker = r.out.Marker;
      }
      // partial pages are kept: the error above already marks these types incomplete
      if (d.users.length + d.groups.length + d.roles.length + d.policies.length > 0 || !errors.some((e) => e.operation === 'iam:GetAccountAuthorizationDetails')) {
        raw.details = d;
      }
    })();
    await Promise.all([summaryP, policyP, mfaP, detailsP]);

    // 3. The credential report: usually ready by now, so one GetCredentialReport suffices.
    let waited = 0;
    let delay = REPORT_POLL_START_MS;
    let generateCalls = 1;
    for (;;) {
      const r = await call<{ Content?: Uint8Array; GeneratedTime?: Date }>('GetCredentialReport', new GetCredentialReportCommand({}));
      if (r.ok) {
        const csv = Buffer.from(r.out.Content ?? new Uint8Array()).toString('utf8');
        const generatedAt = (r.out.GeneratedTime ?? clock.now()).toISOString();
        addArtifact(`iam:GetCredentialReport (GeneratedTime=${generatedAt})`, 'text/csv', Buffer.from(csv, 'utf8'));
        raw.report = { csv, generatedAt };
        break;
      }
      const code = errorCode(r.err);
      const notReady = code === 'ReportInProgress';
      const needsGenerate = code === 'ReportNotPresent' || code === 'ReportExpired';
      if ((!notReady && !needsGenerate) || waited >= REPORT_WAIT_LIMIT_MS || (needsGenerate && !generateOk)) {
        if (generateFailure && !generateFailure.ok) fail('GenerateCredentialReport', generateFailure);
        if (waited >= REPORT_WAIT_LIMIT_MS) {
          errors.push({ operation: 'iam:GetCredentialReport', code: 'ReportTimeout', message: `credential report not ready after ${Math.round(waited / 1000)} s`, inputs: ACTION_INPUTS.GetCredentialReport!, retryable: true });
        } else fail('GetCredentialReport', r);
        break;
      }
      metrics.credentialReportPolls++;
      if (needsGenerate) {
        // the report expired or vanished between our Generate and Get: ask again
        generateCalls++;
        const g = await call<{ State?: string }>('GenerateCredentialReport', new GenerateCredentialReportCommand({}));
        if (g.ok) addArtifact(`iam:GenerateCredentialReport#${generateCalls}`, 'application/xml', g.body);
        else {
          generateOk = false;
          generateFailure = g;
        }
      }
      await sleep(delay, signal);
      waited += delay;
      delay = Math.min(REPORT_POLL_MAX_MS, delay * 2);
    }
    if (raw.report && generateFailure && !generateFailure.ok) {
      // Generate was refused but a report under 4 hours old was still served: usable, and its age is in GeneratedTime.
      logger.warn({ operation: 'iam:GenerateCredentialReport' }, 'aws: could not generate a fresh credential report; using the cached one');
    }
  } catch (e) {
    if (signal?.aborted) throw new AppError('COLLECTION_ABORTED', 'aws collection aborted', { retryable: true, cause: e });
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

/** The SDK names modeled errors by shape (CredentialReportNotReadyException); map back to IAM's wire codes. */
function errorCode(err: SdkError): string {
  const n = err.name ?? err.code ?? 'UnknownError';
  const modeled: Record<string, string> = {
    CredentialReportNotReadyException: 'ReportInProgress',
    CredentialReportNotPresentException: 'ReportNotPresent',
    CredentialReportExpiredException: 'ReportExpired',
    NoSuchEntityException: 'NoSuchEntity',
    ServiceFailureException: 'ServiceFailure',
  };
  return modeled[n] ?? n;
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** Without the details, the summary's counts (customer managed policies only) are the best estimate of entities. */
function summaryEntities(map: Record<string, number> | undefined): number {
  if (!map) return 0;
  return (map.Users ?? 0) + (map.Groups ?? 0) + (map.Roles ?? 0) + (map.Policies ?? 0);
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError('COLLECTION_ABORTED', 'aws collection aborted', { retryable: true }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new AppError('COLLECTION_ABORTED', 'aws collection aborted', { retryable: true }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
