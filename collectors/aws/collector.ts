// The AWS collector: resolves the accounts to collect, then reads IAM (iam.ts) and the other services (services.ts).
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { OrganizationsClient, ListAccountsCommand } from '@aws-sdk/client-organizations';
import { collectServices } from './services.js';
import { localRateLimiter, redisRateLimiter } from './limits.js';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, MalformedReplyError } from '../../src/core/failure.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import type { AwsSourceConfig } from './config.js';
import { awsAppError } from './failure.js';
import { collectIam, IAM_MAX_ITEMS } from './iam.js';
import { awsSend, requestHandlerOptions, requireList } from './wire.js';

export { ACTION_INPUTS, IAM_MAX_ITEMS } from './iam.js';

/** Pages of organizations:ListAccounts (20 accounts each) before the listing counts as looping. */
const MAX_ACCOUNT_PAGES = 1000;

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
    // every attempt of every request is bounded; the collection as a whole by the pipeline's deadline (ctx.signal)
    ...requestHandlerOptions(config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  let scopes: Promise<string[]> | undefined;
  const multi = config.organization === true || config.accounts !== undefined;
  const roleName = config.roleName ?? 'VigilAudit';
  const limiter = deps.redis ? redisRateLimiter(deps.redis) : localRateLimiter();
  const pathStyle = config.endpoint !== undefined || process.env.AWS_ENDPOINT_URL !== undefined;

  /** Temporary credentials for the account's role; held in memory for this run only, never logged or stored. */
  async function assume(account: string, ctx: CollectContext): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }> {
    const sts = new STSClient(clientConfig);
    const permission = `sts:AssumeRole on arn:aws:iam::${account}:role/${roleName} (role trust policy with the ExternalId)`;
    const remediation = `Create role ${roleName} in account ${account} with deploy/aws/member-policy.json and the trust policy deploy/aws/member-trust-policy.json (management account and ExternalId).`;
    try {
      const r = await awsSend<{ Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } }>(
        sts,
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'vigil', DurationSeconds: 3600, ...(config.externalId ? { ExternalId: config.externalId } : {}) }),
        { operation: 'sts:AssumeRole', shape: { xml: 'AssumeRoleResponse' }, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.onOperation ? { onOperation: ctx.onOperation } : {}) },
      );
      const c = r.ok ? r.out.Credentials : undefined;
      if (!r.ok || !c?.AccessKeyId || !c.SecretAccessKey) {
        const err = r.ok ? new MalformedReplyError('sts:AssumeRole', 'no Credentials in the reply') : r.err;
        throw awsAppError('AWS_ASSUME_ROLE_FAILED', `sts:AssumeRole into arn:aws:iam::${account}:role/${roleName}`, withStatus(err, r.ok ? undefined : r.status), { remediation, permission });
      }
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
    } finally {
      sts.destroy();
    }
  }

  async function callerAccount(): Promise<string[]> {
    const sts = new STSClient(clientConfig);
    const remediation = 'Check the AWS credentials Vigil runs with (AWS_PROFILE, AWS_ACCESS_KEY_ID, role), or set sources.aws.accountId.';
    try {
      const r = await awsSend<{ Account?: string }>(sts, new GetCallerIdentityCommand({}), { operation: 'sts:GetCallerIdentity', shape: { xml: 'GetCallerIdentityResponse' } });
      if (!r.ok) throw awsAppError('AWS_CALLER_IDENTITY_FAILED', 'sts:GetCallerIdentity', withStatus(r.err, r.status), { remediation });
      if (!r.out.Account || !/^\d{12}$/.test(r.out.Account)) throw awsAppError('AWS_CALLER_IDENTITY_FAILED', 'sts:GetCallerIdentity', new MalformedReplyError('sts:GetCallerIdentity', 'no 12-digit Account in the reply'), { remediation });
      deps.logger.info({ account: r.out.Account }, 'aws: account resolved from STS GetCallerIdentity');
      return [r.out.Account];
    } finally {
      sts.destroy();
    }
  }

  return {
    source: 'aws',
    scopes(): Promise<string[]> {
      if (config.accounts) return Promise.resolve([...config.accounts]);
      // a configured account is the scope: STS is never called just to name it
      if (!config.organization && config.accountId) return Promise.resolve([config.accountId]);
      scopes ??= (config.organization ? listAccounts(clientConfig, deps.logger) : callerAccount()).catch((e: unknown) => {
        scopes = undefined; // a transient failure must not be cached
        throw e;
      });
      return scopes;
    },
    // listed accounts, or the one configured account; an organization's accounts (or ambient credentials') only AWS can name
    configScopes: () => (config.accounts ? [...config.accounts] : !config.organization && config.accountId ? [config.accountId] : undefined),
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const cc = multi ? { ...clientConfig, credentials: await assume(ctx.scope, ctx) } : clientConfig;
      const iam = await collectIam(cc, config.pageSize ?? IAM_MAX_ITEMS, ctx);
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

/** Active accounts of the organization (management account credentials, or a delegated administrator's). */
async function listAccounts(clientConfig: NonNullable<ConstructorParameters<typeof OrganizationsClient>[0]>, logger: CollectorDeps['logger']): Promise<string[]> {
  const org = new OrganizationsClient(clientConfig);
  const remediation = 'Run Vigil with credentials of the organization management account (or a delegated administrator), or list the accounts in sources.aws.accounts.';
  try {
    const ids: string[] = [];
    let token: string | undefined;
    for (let page = 1; ; page++) {
      const r = await awsSend<{ Accounts?: Array<{ Id?: string; State?: string; Status?: string }>; NextToken?: string }>(org, new ListAccountsCommand({ MaxResults: 20, ...(token ? { NextToken: token } : {}) }), { operation: 'organizations:ListAccounts', shape: { json: true } });
      let accounts: Array<{ Id?: string; State?: string; Status?: string }>;
      try {
        if (!r.ok) throw withStatus(r.err, r.status);
        accounts = requireList('organizations:ListAccounts', r.out, 'Accounts');
        if (r.out.NextToken && page >= MAX_ACCOUNT_PAGES) throw new MalformedReplyError('organizations:ListAccounts', `more than ${MAX_ACCOUNT_PAGES} pages`);
      } catch (e) {
        throw awsAppError('AWS_LIST_ACCOUNTS_FAILED', 'organizations:ListAccounts', e, { remediation, permission: 'organizations:ListAccounts' });
      }
      for (const a of accounts) {
        if (!a.Id || !/^\d{12}$/.test(a.Id)) throw awsAppError('AWS_LIST_ACCOUNTS_FAILED', 'organizations:ListAccounts', new MalformedReplyError('organizations:ListAccounts', 'an account without a 12-digit Id'), { remediation });
        if ((a.State ?? a.Status) === 'ACTIVE') ids.push(a.Id);
      }
      token = r.out.NextToken;
      if (!token) break;
    }
    logger.info({ accounts: ids.length }, 'aws: organization accounts listed');
    return ids;
  } finally {
    org.destroy();
  }
}

/** The SDK error with the HTTP status our reply capture saw, so the cause is read from the status first. */
function withStatus(err: unknown, status: number | undefined): unknown {
  if (status === undefined || !err || typeof err !== 'object') return err;
  const e = err as { $metadata?: { httpStatusCode?: number } };
  if (e.$metadata?.httpStatusCode === undefined) {
    try {
      e.$metadata = { ...(e.$metadata ?? {}), httpStatusCode: status };
    } catch {
      /* frozen: the status is lost, the code still names the cause */
    }
  }
  return err;
}
