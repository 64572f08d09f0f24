// Reads an account's IAM posture with a handful of bulk calls, each reply checked for completeness, into a Snapshot.
import { createHash } from 'node:crypto';
import { IAMClient } from '@aws-sdk/client-iam';
import type { CollectContext } from '../../src/core/collector.js';
import { AppError } from '../../src/core/errors.js';
import type { Artifact, CollectionError, Snapshot } from '../../src/core/types.js';
import { awsCollectionError } from './failure.js';
import { normalize, type RawIam } from './normalize.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import { abortedError, awsSend, type SendResult } from './wire.js';
import {
  ACTION_INPUTS, readAccountSummary, readAuthorizationDetails, readCredentialReport, readPasswordPolicy, readVirtualMfa, startCredentialReport,
  type Failure, type IamRun,
} from './iam-reads.js';

export { ACTION_INPUTS };

/** The fewest entities IAM returns per page of the paged calls (their MaxItems ceiling). */
export const IAM_MAX_ITEMS = 1000;

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

  const raw: RawIam = { accountId: ctx.scope };
  const addArtifact = (label: string, mediaType: string, body: Buffer): void => {
    artifacts.push({ sha256: createHash('sha256').update(body).digest('hex'), mediaType, size: body.length, label, body });
  };
  const onReply = (status: number, body: Buffer): void => {
    if (status >= 500) metrics.serverErrors++;
    else if (status === 429 || (status === 400 && body.includes('<Code>Throttling</Code>'))) metrics.throttled++;
  };
  const fail = (action: string, r: Failure, label = `iam:${action}`): void => {
    const e = awsCollectionError(`iam:${action}`, r.err, { inputs: ACTION_INPUTS[action] ?? [], ...(r.status !== undefined ? { status: r.status } : {}) });
    errors.push(e);
    if (r.body && r.body.length > 0) addArtifact(`${label}#error`, 'application/xml', r.body);
    logger.warn({ operation: `iam:${action}`, code: e.code, cause: e.cause, status: r.status }, 'aws: IAM call failed');
  };
  const run: IamRun = {
    ctx, pageSize, raw, errors, metrics, addArtifact, fail,
    call: <T>(action: string, command: Parameters<typeof awsSend>[1]): Promise<SendResult<T>> => {
      metrics.invocations++;
      return awsSend<T>(client, command, { operation: `iam:${action}`, shape: { xml: `${action}Response` }, onReply, ...(signal ? { signal } : {}), ...(ctx.onOperation ? { onOperation: ctx.onOperation } : {}) });
    },
    malformed: (action, r, e, label = `iam:${action}`) => fail(action, { err: e, body: r.body, status: r.status }, label),
    now: () => clock.now().toISOString(),
  };

  try {
    // 1. Start the credential report first: it generates while the other reads run.
    const generateFailure = await startCredentialReport(run);
    // 2. The independent reads, concurrently.
    await Promise.all([readAccountSummary(run), readPasswordPolicy(run), readVirtualMfa(run), readAuthorizationDetails(run)]);
    // 3. The credential report, by now usually ready.
    await readCredentialReport(run, generateFailure);
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

