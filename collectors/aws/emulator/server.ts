// The AWS emulator's HTTP server: IAM (2010-05-08) and STS (2011-06-15) over the Query protocol, with fault injection.
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

export interface AwsEmulatorOptions {
  estate: AwsEstate;
  /** 0 or undefined = a random free port on 127.0.0.1. */
  port?: number;
  /** Time GenerateCredentialReport takes before the report is COMPLETE. 0 allowed. @defaultValue 50 */
  reportDelayMs?: number;
  /** How long a generated report is served before a new one may be generated, as in AWS. @defaultValue 4 hours */
  reportTtlMs?: number;
}

/** One request the emulator answered. `params` are the form parameters minus Action/Version; they hold no secrets. */
export interface RecordedCall {
  service: 'iam' | 'sts';
  action: string;
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
  /** Removes every injected fault. */
  clear(): void;
}

export interface AwsEmulator {
  /** Base URL, e.g. http://127.0.0.1:43125 — use as AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly port: number;
  /** The estate served; mutate it (or assign a new one) between runs. */
  estate: AwsEstate;
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
  let report: ReportState | null = null;

  const faults: AwsFaults = {
    throttle: (a, n) => void throttles.set(a, n),
    deny: (a) => void denied.add(a),
    allow: (a) => void denied.delete(a),
    fail: (a, n) => void failures.set(a, n),
    clear: () => {
      throttles.clear();
      failures.clear();
      denied.clear();
    },
  };

  function takeOne(m: Map<string, number>, action: string): boolean {
    const n = m.get(action) ?? 0;
    if (n <= 0) return false;
    m.set(action, n - 1);
    return true;
  }

  function generateCredentialReport(): string {
    const now = Date.now();
    if (report === null || now - report.readyAt > reportTtlMs) {
      // The report is a snapshot of the estate when generation starts, like IAM's.
      report = { startedAt: now, readyAt: now + reportDelayMs, csv: credentialReportCsv(estate) };
      if (reportDelayMs > 0) {
        return el('State', 'STARTED') + el('Description', 'No report exists. Starting a new report generation task');
      }
    }
    return el('State', now >= report.readyAt ? 'COMPLETE' : 'INPROGRESS');
  }

  function getCredentialReport(): string {
    const now = Date.now();
    if (report === null) throw new QueryError(410, 'ReportNotPresent', 'Unable to find credential report. Generate a credential report first.');
    if (now < report.readyAt) throw new QueryError(404, 'ReportInProgress', 'Credential report generation is in progress.');
    if (now - report.readyAt > reportTtlMs) throw new QueryError(410, 'ReportExpired', 'The credential report has expired. Generate a new credential report.');
    return el('Content', Buffer.from(report.csv, 'utf8').toString('base64')) + el('ReportFormat', 'text/csv') + el('GeneratedTime', ts(new Date(report.readyAt)));
  }

  function iam(action: string, params: URLSearchParams): string | null {
    switch (action) {
      case 'GenerateCredentialReport':
        return generateCredentialReport();
      case 'GetCredentialReport':
        return getCredentialReport();
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
  function caller(): { arn: string; userId: string } {
    const arn = callerArn(estate);
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (m) return { arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/vigil`, userId: `${derivedId('AROA', arn)}:vigil` };
    return { arn, userId: arn.endsWith(':root') ? estate.accountId : derivedId('AIDA', arn) };
  }

  function sts(action: string): string {
    if (action !== 'GetCallerIdentity') throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    const c = caller();
    return el('Arn', c.arn) + el('UserId', c.userId) + el('Account', estate.accountId);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params.append(k, v);
    const action = params.get('Action') ?? '';
    const version = params.get('Version') ?? '';

    const auth = req.headers.authorization ?? '';
    const scope = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(auth)?.[1] ?? /\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(url.searchParams.get('X-Amz-Credential') ?? '')?.[1];
    const service: 'iam' | 'sts' = scope === 'sts' || (scope === undefined && version === '2011-06-15') ? 'sts' : 'iam';
    const ns = service === 'sts' ? STS_NS : IAM_NS;
    const recorded: Record<string, string> = {};
    for (const [k, v] of params) if (k !== 'Action' && k !== 'Version' && !k.startsWith('X-Amz-')) recorded[k] = v;
    const send = (status: number, body: string, code?: string): void => {
      calls.push({ service, action, params: recorded, status, ...(code ? { code } : {}), at: Date.now() });
      res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };

    try {
      if (scope === undefined) throw new QueryError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      if (scope !== 'iam' && scope !== 'sts') throw new QueryError(400, 'InvalidAction', `This emulator serves iam and sts, not ${scope}`);
      if (action === '') throw new QueryError(400, 'MissingAction', 'Missing Action');
      const expected = service === 'sts' ? '2011-06-15' : '2010-05-08';
      if (version !== expected) throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version || '(none)'}`);
      if (service === 'iam' && !IAM_ACTIONS.has(action)) throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
      if (denied.has(action)) {
        const perm = `${service}:${action}`;
        throw new QueryError(403, 'AccessDenied', `User: ${caller().arn} is not authorized to perform: ${perm} on resource: * because no identity-based policy allows the ${perm} action`);
      }
      if (takeOne(failures, action)) throw new QueryError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 'Receiver');
      if (takeOne(throttles, action)) throw new QueryError(400, 'Throttling', 'Rate exceeded');
      const result = service === 'sts' ? sts(action) : iam(action, params);
      send(200, okEnvelope(ns, action, result, requestId));
    } catch (e) {
      if (e instanceof QueryError) send(e.status, errorEnvelope(ns, e.type, e.code, e.message, requestId), e.code);
      else send(500, errorEnvelope(ns, 'Receiver', 'InternalFailure', 'Internal emulator error', requestId), 'InternalFailure');
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
    calls,
    resetCalls: () => void calls.splice(0, calls.length),
    faults,
    expireCredentialReport: () => {
      report = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
