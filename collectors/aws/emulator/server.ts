// The AWS emulator's HTTP server: IAM and STS (Query), plus the services in services.ts, for one account or an organization.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AwsEstate } from './estate.js';
import {
  QueryError,
  callerArn,
  credentialReportCsv,
  getAccountAuthorizationDetails,
  getAccountPasswordPolicy,
  getAccountSummary,
  listVirtualMfaDevices,
} from './iam-responses.js';
import { derivedId } from './aws-managed.js';
import { IAM_NS, STS_NS, el, errorEnvelope, okEnvelope, ts } from './xml.js';
import { ServiceError, actionOf, handleService, renderServiceError, type OrgAccount } from './services.js';
import { emptyServices, type AccountServices, type EmuAccountMeta } from './services-estate.js';

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

/** Programmatic fault injection, per action name (e.g. `GetAccountAuthorizationDetails`, `GetCallerIdentity`). */
export interface AwsFaults {
  /** The next `n` calls of `action` answer 400 Throttling. */
  throttle(action: string, n: number): void;
  /** Every call of `action` answers 403 AccessDenied until `allow(action)`. */
  deny(action: string): void;
  allow(action: string): void;
  /** The next `n` calls of `action` answer 500 InternalFailure. */
  fail(action: string, n: number): void;
  /**
   * The next `n` calls of `action` (default: every call until clear) get this reply verbatim — e.g. `200` with an empty
   * body, an HTML error page from a proxy, a truncated document — instead of the service's answer.
   */
  reply(action: string, reply: RawReply, n?: number): void;
  /**
   * Every call of `action` is refused as AWS refuses a bad or expired key: Query services (IAM, STS, RDS) answer
   * 403 InvalidClientTokenId, JSON services 400 UnrecognizedClientException, S3 403 InvalidAccessKeyId.
   */
  rejectCredentials(action: string): void;
  /**
   * Every call of `action` on a JSON-protocol service is denied with a 403 whose body is XML, as AWS's front door
   * answers requests it refuses before they reach the service (the SDK cannot parse it as JSON).
   */
  denyWithXml(action: string): void;
  /** The credential report omits the `<root_account>` row (a report IAM documents as always starting with it). */
  omitRootRow(on: boolean): void;
  /** Removes every injected fault. */
  clear(): void;
}

/** A reply served verbatim by `faults.reply`. */
export interface RawReply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
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

interface ReportState {
  startedAt: number;
  readyAt: number;
  csv: string;
}

const IAM_ACTIONS = new Set(['GenerateCredentialReport', 'GetCredentialReport', 'GetAccountSummary', 'GetAccountPasswordPolicy', 'GetAccountAuthorizationDetails', 'ListVirtualMFADevices']);

export async function startAwsEmulatorServer(opts: AwsEmulatorOptions): Promise<AwsEmulator> {
  let estate = opts.estate;
  const reportDelayMs = opts.reportDelayMs ?? 50;
  const reportTtlMs = opts.reportTtlMs ?? 4 * 3600_000;
  const calls: RecordedCall[] = [];
  const throttles = new Map<string, number>();
  const failures = new Map<string, number>();
  const denied = new Set<string>();
  const replies = new Map<string, { reply: RawReply; left: number }>();
  const badCredentials = new Set<string>();
  const xmlDenied = new Set<string>();
  let withoutRoot = false;
  const reports = new Map<string, ReportState>();
  let services = opts.services ?? emptyServices();
  const members = new Map<string, EmuMember>((opts.members ?? []).map((m) => [m.estate.accountId, m]));
  const now = opts.now ?? (() => new Date());
  /** Temporary access key id → account, for credentials handed out by AssumeRole. */
  const sessions = new Map<string, string>();
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

  const faults: AwsFaults = {
    throttle: (a, n) => void throttles.set(a, n),
    deny: (a) => void denied.add(a),
    allow: (a) => void denied.delete(a),
    fail: (a, n) => void failures.set(a, n),
    reply: (a, reply, n = Infinity) => void replies.set(a, { reply, left: n }),
    rejectCredentials: (a) => void badCredentials.add(a),
    denyWithXml: (a) => void xmlDenied.add(a),
    omitRootRow: (on) => {
      withoutRoot = on;
    },
    clear: () => {
      throttles.clear();
      failures.clear();
      denied.clear();
      replies.clear();
      badCredentials.clear();
      xmlDenied.clear();
      withoutRoot = false;
    },
  };

  /** The verbatim reply injected for `action`, consuming one use. */
  function injected(action: string): RawReply | undefined {
    const r = replies.get(action);
    if (!r || r.left <= 0) return undefined;
    r.left--;
    return r.reply;
  }

  function takeOne(m: Map<string, number>, action: string): boolean {
    const n = m.get(action) ?? 0;
    if (n <= 0) return false;
    m.set(action, n - 1);
    return true;
  }

  function generateCredentialReport(estate: AwsEstate): string {
    const now = Date.now();
    let report = reports.get(estate.accountId) ?? null;
    if (report === null || now - report.readyAt > reportTtlMs) {
      // The report is a snapshot of the estate when generation starts, like IAM's.
      const csv = credentialReportCsv(estate);
      report = { startedAt: now, readyAt: now + reportDelayMs, csv: withoutRoot ? csv.split('\n').filter((l) => !l.startsWith('<root_account>,')).join('\n') : csv };
      reports.set(estate.accountId, report);
      if (reportDelayMs > 0) {
        return el('State', 'STARTED') + el('Description', 'No report exists. Starting a new report generation task');
      }
    }
    return el('State', now >= report.readyAt ? 'COMPLETE' : 'INPROGRESS');
  }

  function getCredentialReport(estate: AwsEstate): string {
    const now = Date.now();
    const report = reports.get(estate.accountId) ?? null;
    if (report === null) throw new QueryError(410, 'ReportNotPresent', 'Unable to find credential report. Generate a credential report first.');
    if (now < report.readyAt) throw new QueryError(404, 'ReportInProgress', 'Credential report generation is in progress.');
    if (now - report.readyAt > reportTtlMs) throw new QueryError(410, 'ReportExpired', 'The credential report has expired. Generate a new credential report.');
    return el('Content', Buffer.from(report.csv, 'utf8').toString('base64')) + el('ReportFormat', 'text/csv') + el('GeneratedTime', ts(new Date(report.readyAt)));
  }

  function iam(action: string, params: URLSearchParams, estate: AwsEstate): string | null {
    switch (action) {
      case 'GenerateCredentialReport':
        return generateCredentialReport(estate);
      case 'GetCredentialReport':
        return getCredentialReport(estate);
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

  /** The caller as AWS names it: a role is seen through its session (arn:aws:sts::…:assumed-role/<role>/vigil). */
  function caller(estate: AwsEstate, session?: string): { arn: string; userId: string } {
    if (session) return { arn: `arn:aws:sts::${estate.accountId}:assumed-role/${session}/vigil`, userId: `${derivedId('AROA', session)}:vigil` };
    const arn = callerArn(estate);
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (m) return { arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/vigil`, userId: `${derivedId('AROA', arn)}:vigil` };
    return { arn, userId: arn.endsWith(':root') ? estate.accountId : derivedId('AIDA', arn) };
  }

  function sts(action: string, params: URLSearchParams, estate: AwsEstate, session?: string): string {
    if (action === 'AssumeRole') return assumeRole(params, estate, session);
    if (action !== 'GetCallerIdentity') throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    const c = caller(estate, session);
    return el('Arn', c.arn) + el('UserId', c.userId) + el('Account', estate.accountId);
  }

  /** Only the management account's base credentials may assume a member's role, with the member's ExternalId. */
  function assumeRole(params: URLSearchParams, from: AwsEstate, session?: string): string {
    const arn = params.get('RoleArn') ?? '';
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (!m) throw new QueryError(400, 'ValidationError', `1 validation error detected: Value '${arn}' at 'roleArn' failed to satisfy constraint`);
    const sessionName = params.get('RoleSessionName') ?? '';
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw new QueryError(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
    const target = m[1]!;
    const meta = target === estate.accountId ? opts.homeMeta : members.get(target)?.meta;
    const denied = (): QueryError =>
      new QueryError(403, 'AccessDenied', `User: ${caller(from, session).arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    if (!meta?.role || meta.role.name !== m[2] || meta.status !== 'ACTIVE') throw denied();
    if (meta.role.externalId !== undefined && params.get('ExternalId') !== meta.role.externalId) throw denied();
    const akid = `ASIA${target}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    sessions.set(akid, `${target}/${m[2]}`);
    const dur = Number(params.get('DurationSeconds') ?? 3600);
    return (
      '<Credentials>' +
      el('AccessKeyId', akid) +
      el('SecretAccessKey', Math.random().toString(36).slice(2) + 'emulated') +
      el('SessionToken', 'emulated-session-' + Math.random().toString(36).slice(2)) +
      el('Expiration', ts(new Date(Date.now() + dur * 1000))) +
      '</Credentials>' +
      `<AssumedRoleUser>${el('AssumedRoleId', `${derivedId('AROA', arn)}:${sessionName}`)}${el('Arn', `arn:aws:sts::${target}:assumed-role/${m[2]}/${sessionName}`)}</AssumedRoleUser>`
    );
  }

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
      const raw = injected(action);
      if (raw) {
        calls.push({ service, action, account, region, params: recorded, status: raw.status, at: Date.now() });
        res.writeHead(raw.status, { 'Content-Type': raw.contentType ?? 'text/xml', 'x-amzn-RequestId': requestId, ...(raw.headers ?? {}) });
        res.end(raw.body);
        return;
      }
      if (badCredentials.has(action)) throw new QueryError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (denied.has(action)) {
        const perm = `${service}:${action}`;
        throw new QueryError(403, 'AccessDenied', `User: ${caller(acctEstate, roleName).arn} is not authorized to perform: ${perm} on resource: * because no identity-based policy allows the ${perm} action`);
      }
      if (takeOne(failures, action)) throw new QueryError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 'Receiver');
      if (takeOne(throttles, action)) throw new QueryError(400, 'Throttling', 'Rate exceeded');
      const result = service === 'sts' ? sts(action, params, acctEstate, roleName) : iam(action, params, acctEstate);
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
      const raw = injected(action);
      if (raw) return reply(raw.status, raw.contentType ?? 'application/json', raw.body, raw.headers ?? {});
      if (badCredentials.has(action)) {
        if (service === 's3') throw new ServiceError(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
        if (service === 'rds') throw new ServiceError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
        throw new ServiceError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
      if (xmlDenied.has(action) && service !== 's3' && service !== 'rds') {
        const who = account === estate.accountId ? callerArn(estate) : `arn:aws:sts::${account}:assumed-role/vigil/vigil`;
        return reply(403, 'text/xml', `<AccessDeniedException>\n  <Message>User: ${who} is not authorized to perform: ${perm} with an explicit deny in a service control policy</Message>\n</AccessDeniedException>\n`, {}, 'AccessDeniedException');
      }
      if (denied.has(action)) {
        const who = account === estate.accountId ? callerArn(estate) : `arn:aws:sts::${account}:assumed-role/vigil/vigil`;
        throw new ServiceError(service === 's3' || service === 'backup' || service === 'account' ? 403 : 400, service === 's3' || service === 'rds' ? 'AccessDenied' : 'AccessDeniedException', `User: ${who} is not authorized to perform: ${perm} because no identity-based policy allows the ${perm} action`);
      }
      if (takeOne(failures, action)) throw new ServiceError(500, service === 's3' ? 'InternalError' : 'InternalFailure', 'We encountered an internal error. Please try again.');
      if (takeOne(throttles, action)) throw new ServiceError(service === 's3' ? 503 : 400, service === 's3' ? 'SlowDown' : 'ThrottlingException', 'Rate exceeded', 1);
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
    faults,
    expireCredentialReport: () => {
      reports.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
