// Request routing of the AWS emulator: reads the SigV4 scope and account, applies the fault switches, and answers in each service's protocol.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/core/collector.js';
import type { AwsEstate } from './estate.js';
import {
  QueryError,
  callerArn,
  getAccountAuthorizationDetails,
  getAccountPasswordPolicy,
  getAccountSummary,
  listVirtualMfaDevices,
} from './iam-responses.js';
import type { CredentialReports } from './credential-report.js';
import type { FaultSwitches } from './faults.js';
import { caller } from './sts.js';
import { IAM_NS, STS_NS, errorEnvelope, okEnvelope } from './xml.js';
import { ServiceError, type ServiceState } from './service-protocol.js';
import { actionOf, handleService, renderServiceError } from './services.js';
import { GOVERNANCE_IAM_ACTIONS, governanceIam } from './governance.js';
import { QUERY_XML_SERVICES } from './availability.js';

/** One request the emulator answered. `params` are the form parameters minus Action/Version; they hold no secrets. */
export interface RecordedCall {
  service: string;
  action: string;
  /** The account the request acted in (from its credentials). */
  account: string;
  region: string;
  params: Record<string, string>;
  status: number;
  /** Error code when status is not 2xx. */
  code?: string;
  at: number;
}

/** What the handlers read and write; the server owns it and may replace the estate between requests. */
export interface RouteContext {
  /** The emulator's clock: when each call is recorded. */
  clock: Clock;
  /** The home account's estate now. */
  home(): AwsEstate;
  /** The IAM estate of an account (home or member). */
  iamOf(account: string): AwsEstate;
  /** Temporary access key id → `account/role`, from AssumeRole. */
  sessions: Map<string, string>;
  calls: RecordedCall[];
  faults: FaultSwitches;
  reports: CredentialReports;
  sts: (action: string, params: URLSearchParams, estate: AwsEstate, session?: string) => string;
  serviceState: ServiceState;
  /** LookupEvents timestamps per account and region, for its rate limit. */
  lookups: Map<string, number[]>;
}

const IAM_ACTIONS = new Set(['GenerateCredentialReport', 'GetCredentialReport', 'GetAccountSummary', 'GetAccountPasswordPolicy', 'GetAccountAuthorizationDetails', 'ListVirtualMFADevices']);

/** Answers one IAM action as a Query result body, or throws the QueryError IAM would answer. */
function iam(action: string, params: URLSearchParams, estate: AwsEstate, reports: CredentialReports): string {
  switch (action) {
    case 'GenerateCredentialReport':
      return reports.generate(estate);
    case 'GetCredentialReport':
      return reports.get(estate);
    case 'GetAccountSummary':
      return getAccountSummary(estate);
    case 'GetAccountPasswordPolicy':
      return getAccountPasswordPolicy(estate);
    case 'GetAccountAuthorizationDetails':
      return getAccountAuthorizationDetails(estate, params);
    case 'ListVirtualMFADevices':
      return listVirtualMfaDevices(estate, params);
    default:
      throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
  }
}

/** Routes one request by its SigV4 credential scope: IAM and STS speak Query, every other service goes to services.ts. */
export async function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const rawBody = Buffer.concat(chunks);
  const estate = ctx.home();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const auth = req.headers.authorization ?? '';
  const cred = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([a-z0-9-]+)\/aws4_request/.exec(auth) ?? /^([^/]+)\/\d{8}\/([^/]+)\/([a-z0-9-]+)\/aws4_request/.exec(url.searchParams.get('X-Amz-Credential') ?? '');
  const scope = cred?.[3];
  const region = cred?.[2] ?? 'us-east-1';
  // Temporary credentials from AssumeRole act in the role's account; anything else is the home account's.
  const session = cred ? ctx.sessions.get(cred[1]!) : undefined;
  const account = session ? session.slice(0, 12) : estate.accountId;
  const roleName = session?.slice(13);
  if (scope !== undefined && scope !== 'iam' && scope !== 'sts') return handleOther(ctx, req, res, url, rawBody, scope, region, account, requestId);

  const params = new URLSearchParams(url.search);
  for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) params.append(k, v);
  const action = params.get('Action') ?? '';
  const version = params.get('Version') ?? '';
  const service: 'iam' | 'sts' = scope === 'sts' || (scope === undefined && version === '2011-06-15') ? 'sts' : 'iam';
  const ns = service === 'sts' ? STS_NS : IAM_NS;
  const recorded: Record<string, string> = {};
  for (const [k, v] of params) if (k !== 'Action' && k !== 'Version' && k !== 'ExternalId' && !k.startsWith('X-Amz-')) recorded[k] = v;
  const send = (status: number, body: string, code?: string): void => {
    ctx.calls.push({ service, action, account, region, params: recorded, status, ...(code ? { code } : {}), at: ctx.clock.now().getTime() });
    res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const acctEstate = ctx.iamOf(account);

  try {
    if (scope === undefined) throw new QueryError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    if (action === '') throw new QueryError(400, 'MissingAction', 'Missing Action');
    const expected = service === 'sts' ? '2011-06-15' : '2010-05-08';
    if (version !== expected) throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version || '(none)'}`);
    if (service === 'iam' && !IAM_ACTIONS.has(action) && !GOVERNANCE_IAM_ACTIONS.has(action)) throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
    const raw = ctx.faults.injected(action);
    if (raw) {
      ctx.calls.push({ service, action, account, region, params: recorded, status: raw.status, at: ctx.clock.now().getTime() });
      res.writeHead(raw.status, { 'Content-Type': raw.contentType ?? 'text/xml', 'x-amzn-RequestId': requestId, ...(raw.headers ?? {}) });
      res.end(raw.body);
      return;
    }
    if (ctx.faults.hasBadCredentials(action)) throw new QueryError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (ctx.faults.isDenied(action)) {
      const perm = `${service}:${action}`;
      throw new QueryError(403, 'AccessDenied', `User: ${caller(acctEstate, roleName).arn} is not authorized to perform: ${perm} on resource: * because no identity-based policy allows the ${perm} action`);
    }
    if (ctx.faults.takeFailure(action)) throw new QueryError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 'Receiver');
    if (ctx.faults.takeThrottle(action)) throw new QueryError(400, 'Throttling', 'Rate exceeded');
    const result = service === 'sts' ? ctx.sts(action, params, acctEstate, roleName) : GOVERNANCE_IAM_ACTIONS.has(action) ? governanceIam(action, account, ctx.serviceState.services(account)) : iam(action, params, acctEstate, ctx.reports);
    send(200, okEnvelope(ns, action, result, requestId));
  } catch (e) {
    if (e instanceof QueryError) send(e.status, errorEnvelope(ns, e.type, e.code, e.message, requestId), e.code);
    else send(500, errorEnvelope(ns, 'Receiver', 'InternalFailure', 'Internal emulator error', requestId), 'InternalFailure');
  }
}

/** CloudTrail, Organizations, CloudWatch, RDS, Backup, Account, S3 and S3 Control, EC2, GuardDuty, Security Hub, Config and Access Analyzer, with the same fault injection as IAM. */
function handleOther(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, service: string, region: string, account: string, requestId: string): void {
  const estate = ctx.home();
  const target = String(req.headers['x-amz-target'] ?? '');
  const sreq = { service, region, account, method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, target, body, headers: req.headers };
  const action = actionOf(sreq);
  const recorded: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-')) recorded[k] = v;
  const reply = (status: number, contentType: string, text: string, headers: Record<string, string> = {}, code?: string): void => {
    ctx.calls.push({ service, action, account, region, params: recorded, status, ...(code ? { code } : {}), at: ctx.clock.now().getTime() });
    res.writeHead(status, { 'Content-Type': contentType, 'x-amzn-RequestId': requestId, 'x-amz-request-id': requestId, 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  try {
    if (action === '') throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${sreq.method} ${url.pathname}`);
    const perm = `${service === 'monitoring' ? 'cloudwatch' : service}:${action}`;
    if (ctx.faults.takeStall(action)) {
      // Never answered: the client's own deadline is the only way out (the server drops the socket at close).
      ctx.calls.push({ service, action, account, region, params: recorded, status: 0, at: ctx.clock.now().getTime() });
      return;
    }
    const raw = ctx.faults.injected(action);
    if (raw) return reply(raw.status, raw.contentType ?? 'application/json', raw.body, raw.headers ?? {});
    if (ctx.faults.hasBadCredentials(action)) {
      if (service === 'ec2') throw new ServiceError(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
      if (service === 's3') throw new ServiceError(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
      if (QUERY_XML_SERVICES.has(service)) throw new ServiceError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      throw new ServiceError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    if (ctx.faults.isXmlDenied(action) && service !== 's3' && !QUERY_XML_SERVICES.has(service) && service !== 'ec2') {
      const who = account === estate.accountId ? callerArn(estate) : `arn:aws:sts::${account}:assumed-role/vigil/vigil`;
      return reply(403, 'text/xml', `<AccessDeniedException>\n  <Message>User: ${who} is not authorized to perform: ${perm} with an explicit deny in a service control policy</Message>\n</AccessDeniedException>\n`, {}, 'AccessDeniedException');
    }
    if (ctx.faults.isDenied(action)) {
      const who = account === estate.accountId ? callerArn(estate) : `arn:aws:sts::${account}:assumed-role/vigil/vigil`;
      if (service === 'ec2') throw new ServiceError(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. User: ${who} is not authorized to perform: ${perm}`);
      if (['guardduty', 'securityhub', 'access-analyzer'].includes(service)) throw new ServiceError(403, 'AccessDeniedException', `User: ${who} is not authorized to perform: ${perm} because no identity-based policy allows the ${perm} action`);
      if (service === 'elasticloadbalancing' || service === 'autoscaling') throw new ServiceError(403, 'AccessDenied', `User: ${who} is not authorized to perform: ${perm} because no identity-based policy allows the ${perm} action`);
      throw new ServiceError(service === 's3' || service === 'backup' || service === 'account' ? 403 : 400, service === 's3' || service === 'rds' ? 'AccessDenied' : 'AccessDeniedException', `User: ${who} is not authorized to perform: ${perm} because no identity-based policy allows the ${perm} action`);
    }
    if (ctx.faults.takeFailure(action)) throw new ServiceError(500, service === 's3' ? 'InternalError' : 'InternalFailure', 'We encountered an internal error. Please try again.');
    if (ctx.faults.takeThrottle(action)) {
      if (service === 'ec2') throw new ServiceError(503, 'RequestLimitExceeded', 'Request limit exceeded.', 1);
      if (['guardduty', 'securityhub', 'access-analyzer'].includes(service)) throw new ServiceError(429, 'TooManyRequestsException', 'Rate exceeded', 1);
      if (service === 'elasticloadbalancing' || service === 'autoscaling') throw new ServiceError(400, 'Throttling', 'Rate exceeded', 1);
      throw new ServiceError(service === 's3' ? 503 : 400, service === 's3' ? 'SlowDown' : 'ThrottlingException', 'Rate exceeded', 1);
    }
    const out = handleService(sreq, action, ctx.serviceState, ctx.lookups);
    reply(out.status, out.contentType, out.body, out.headers);
  } catch (e) {
    const err = e instanceof ServiceError ? e : new ServiceError(500, 'InternalFailure', 'Internal emulator error');
    const r = renderServiceError(service, err, requestId, sreq.path);
    reply(err.status, r.contentType, r.body, r.headers, err.code);
  }
}
