// The AWS emulator's HTTP server: routes each request to IAM and STS (Query) or the services in services.ts, applying the fault switches.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AwsEstate } from './estate.js';
import {
  QueryError,
  callerArn,
  getAccountAuthorizationDetails,
  getAccountPasswordPolicy,
  getAccountSummary,
  listVirtualMfaDevices,
} from './iam-responses.js';
import { createCredentialReports, type CredentialReports } from './credential-report.js';
import { createFaultSwitches, type AwsFaults } from './faults.js';
import { caller, createSts } from './sts.js';
import { IAM_NS, STS_NS, errorEnvelope, okEnvelope } from './xml.js';
import { ServiceError, actionOf, handleService, renderServiceError, type OrgAccount } from './services.js';
import { emptyServices, type AccountServices, type EmuAccountMeta } from './services-estate.js';

export type { AwsFaults, RawReply } from './faults.js';

/** A member account of an emulated organization. */
export interface EmuMember {
  estate: AwsEstate;
  services: AccountServices;
  meta: EmuAccountMeta;
}

export interface AwsEmulatorOptions {
  estate: AwsEstate;
  /** 0 or undefined = a random free port on 127.0.0.1. */
  port?: number;
  /** Time GenerateCredentialReport takes before the report is COMPLETE. 0 allowed. @defaultValue 50 */
  reportDelayMs?: number;
  /** How long a generated report is served before a new one may be generated, as in AWS. @defaultValue 4 hours */
  reportTtlMs?: number;
  /** Non-IAM services of the home account (the one the base credentials belong to). @defaultValue none, one region */
  services?: AccountServices;
  /** When set, the home account is the management account of an organization with these other members. */
  members?: EmuMember[];
  /** Name, role and ExternalId of the home account as an organization member. */
  homeMeta?: EmuAccountMeta;
  /** The emulator's idea of now (CloudTrail's 90-day window, Backup's 30 days). @defaultValue the system clock */
  now?: () => Date;
  /** LookupEvents allowed per second per account and region. @defaultValue 2 */
  lookupEventsPerSecond?: number;
}

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

export interface AwsEmulator {
  /** Base URL, e.g. http://127.0.0.1:43125 — use as AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly port: number;
  /** The estate served; mutate it (or assign a new one) between runs. */
  estate: AwsEstate;
  /** Non-IAM services of the home account. */
  services: AccountServices;
  /** Member accounts (organization mode), by id; mutate between runs. */
  readonly members: Map<string, EmuMember>;
  /** Every request answered, in order. */
  readonly calls: RecordedCall[];
  resetCalls(): void;
  readonly faults: AwsFaults;
  /** Forgets the generated credential report, as if 4 hours had passed without one being generated. */
  expireCredentialReport(): void;
  close(): Promise<void>;
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

export async function startAwsEmulatorServer(opts: AwsEmulatorOptions): Promise<AwsEmulator> {
  let estate = opts.estate;
  const calls: RecordedCall[] = [];
  const faults = createFaultSwitches();
  const reports = createCredentialReports({ delayMs: opts.reportDelayMs ?? 50, ttlMs: opts.reportTtlMs ?? 4 * 3600_000, withoutRoot: faults.withoutRoot });
  let services = opts.services ?? emptyServices();
  const members = new Map<string, EmuMember>((opts.members ?? []).map((m) => [m.estate.accountId, m]));
  const now = opts.now ?? (() => new Date());
  /** Temporary access key id → account, for credentials handed out by AssumeRole. */
  const sessions = new Map<string, string>();
  const sts = createSts({ homeAccountId: () => estate.accountId, homeMeta: opts.homeMeta, memberMeta: (id) => members.get(id)?.meta, sessions });
  const lookups = new Map<string, number[]>();
  const iamOf = (account: string): AwsEstate => (account === estate.accountId ? estate : (members.get(account)?.estate ?? estate));
  const servicesOf = (account: string): AccountServices => (account === estate.accountId ? services : (members.get(account)?.services ?? emptyServices()));
  const serviceState = {
    services: servicesOf,
    organization: (): { managementId: string; accounts: OrgAccount[] } | undefined =>
      opts.members === undefined
        ? undefined
        : {
            managementId: estate.accountId,
            accounts: [
              { id: estate.accountId, meta: opts.homeMeta ?? { name: 'management', email: `aws+${estate.accountId}@example.com`, status: 'ACTIVE' as const, role: null } },
              ...[...members.values()].map((m) => ({ id: m.estate.accountId, meta: m.meta })),
            ],
          },
    now,
    lookupEventsPerSecond: opts.lookupEventsPerSecond ?? 2,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const auth = req.headers.authorization ?? '';
    const cred = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([a-z0-9-]+)\/aws4_request/.exec(auth) ?? /^([^/]+)\/\d{8}\/([^/]+)\/([a-z0-9-]+)\/aws4_request/.exec(url.searchParams.get('X-Amz-Credential') ?? '');
    const scope = cred?.[3];
    const region = cred?.[2] ?? 'us-east-1';
    // Temporary credentials from AssumeRole act in the role's account; anything else is the home account's.
    const session = cred ? sessions.get(cred[1]!) : undefined;
    const account = session ? session.slice(0, 12) : estate.accountId;
    const roleName = session?.slice(13);
    if (scope !== undefined && scope !== 'iam' && scope !== 'sts') return handleOther(req, res, url, rawBody, scope, region, account, requestId);

    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) params.append(k, v);
    const action = params.get('Action') ?? '';
    const version = params.get('Version') ?? '';
    const service: 'iam' | 'sts' = scope === 'sts' || (scope === undefined && version === '2011-06-15') ? 'sts' : 'iam';
    const ns = service === 'sts' ? STS_NS : IAM_NS;
    const recorded: Record<string, string> = {};
    for (const [k, v] of params) if (k !== 'Action' && k !== 'Version' && k !== 'ExternalId' && !k.startsWith('X-Amz-')) recorded[k] = v;
    const send = (status: number, body: string, code?: string): void => {
      calls.push({ service, action, account, region, params: recorded, status, ...(code ? { code } : {}), at: Date.now() });
      res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    const acctEstate = iamOf(account);

    try {
      if (scope === undefined) throw new QueryError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      if (action === '') throw new QueryError(400, 'MissingAction', 'Missing Action');
      const expected = service === 'sts' ? '2011-06-15' : '2010-05-08';
      if (version !== expected) throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version || '(none)'}`);
      if (service === 'iam' && !IAM_ACTIONS.has(action)) throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
      const raw = faults.injected(action);
      if (raw) {
        calls.push({ service, action, account, region, params: recorded, status: raw.status, at: Date.now() });
        res.writeHead(raw.status, { 'Content-Type': raw.contentType ?? 'text/xml', 'x-amzn-RequestId': requestId, ...(raw.headers ?? {}) });
        res.end(raw.body);
        return;
      }
      if (faults.hasBadCredentials(action)) throw new QueryError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (faults.isDenied(action)) {
        const perm = `${service}:${action}`;
        throw new QueryError(403, 'AccessDenied', `User: ${caller(acctEstate, roleName).arn} is not authorized to perform: ${perm} on resource: * because no identity-based policy allows the ${perm} action`);
      }
      if (faults.takeFailure(action)) throw new QueryError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 'Receiver');
      if (faults.takeThrottle(action)) throw new QueryError(400, 'Throttling', 'Rate exceeded');
      const result = service === 'sts' ? sts(action, params, acctEstate, roleName) : iam(action, params, acctEstate, reports);
      send(200, okEnvelope(ns, action, result, requestId));
    } catch (e) {
      if (e instanceof QueryError) send(e.status, errorEnvelope(ns, e.type, e.code, e.message, requestId), e.code);
      else send(500, errorEnvelope(ns, 'Receiver', 'InternalFailure', 'Internal emulator error', requestId), 'InternalFailure');
    }
  }

  /** CloudTrail, Organizations, CloudWatch, RDS, Backup, Account and S3, with the same fault injection as IAM. */
  function handleOther(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, service: string, region: string, account: string, requestId: string): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const sreq = { service, region, account, method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, target, body };
    const action = actionOf(sreq);
    const recorded: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-')) recorded[k] = v;
    const reply = (status: number, contentType: string, text: string, headers: Record<string, string> = {}, code?: string): void => {
      calls.push({ service, action, account, region, params: recorded, status, ...(code ? { code } : {}), at: Date.now() });
      res.writeHead(status, { 'Content-Type': contentType, 'x-amzn-RequestId': requestId, 'x-amz-request-id': requestId, 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    try {
      if (action === '') throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${sreq.method} ${url.pathname}`);
      const perm = `${service === 'monitoring' ? 'cloudwatch' : service}:${action}`;
      const raw = faults.injected(action);
      if (raw) return reply(raw.status, raw.contentType ?? 'application/json', raw.body, raw.headers ?? {});
      if (faults.hasBadCredentials(action)) {
        if (service === 's3') throw new ServiceError(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
        if (service === 'rds') throw new ServiceError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
        throw new ServiceError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
      if (faults.isXmlDenied(action) && service !== 's3' && service !== 'rds') {
        const who = account === estate.accountId ? callerArn(estate) : `arn:aws:sts::${account}:assumed-role/vigil/vigil`;
        return reply(403, 'text/xml', `<AccessDeniedException>\n  <Message>User: ${who} is not authorized to perform: ${perm} with an explicit deny in a service control policy</Message>\n</AccessDeniedException>\n`, {}, 'AccessDeniedException');
      }
      if (faults.isDenied(action)) {
        const who = account === estate.accountId ? callerArn(estate) : `arn:aws:sts::${account}:assumed-role/vigil/vigil`;
        throw new ServiceError(service === 's3' || service === 'backup' || service === 'account' ? 403 : 400, service === 's3' || service === 'rds' ? 'AccessDenied' : 'AccessDeniedException', `User: ${who} is not authorized to perform: ${perm} because no identity-based policy allows the ${perm} action`);
      }
      if (faults.takeFailure(action)) throw new ServiceError(500, service === 's3' ? 'InternalError' : 'InternalFailure', 'We encountered an internal error. Please try again.');
      if (faults.takeThrottle(action)) throw new ServiceError(service === 's3' ? 503 : 400, service === 's3' ? 'SlowDown' : 'ThrottlingException', 'Rate exceeded', 1);
      const out = handleService(sreq, action, serviceState, lookups);
      reply(out.status, out.contentType, out.body, out.headers);
    } catch (e) {
      const err = e instanceof ServiceError ? e : new ServiceError(500, 'InternalFailure', 'Internal emulator error');
      const r = renderServiceError(service, err, requestId);
      reply(err.status, r.contentType, r.body, r.headers, err.code);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get estate() {
      return estate;
    },
    set estate(e: AwsEstate) {
      estate = e;
    },
    get services() {
      return services;
    },
    set services(x: AccountServices) {
      services = x;
    },
    members,
    calls,
    resetCalls: () => void calls.splice(0, calls.length),
    faults: faults.api,
    expireCredentialReport: () => reports.expire(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
