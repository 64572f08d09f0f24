// The AWS emulator's HTTP server: its options and handle (calls, faults, estate), wiring the credential report, STS and request routing.
import { createServer } from 'node:http';
import { systemClock, type Clock } from '../../../src/core/collector.js';
import type { AddressInfo } from 'node:net';
import type { AwsEstate } from './estate.js';
import { createCredentialReports } from './credential-report.js';
import { createFaultSwitches, type AwsFaults } from './faults.js';
import { handleRequest, type RecordedCall, type RouteContext } from './routes.js';
import type { OrgAccount } from './service-protocol.js';
import { createSts } from './sts.js';
import { emptyServices, type AccountServices, type EmuAccountMeta } from './services-estate.js';

export type { AwsFaults, RawReply } from './faults.js';
export type { RecordedCall } from './routes.js';

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
  /**
   * The emulator's clock: CloudTrail's 90-day window and LookupEvents rate, Backup's 30 days, credential-report
   * generation and expiry, STS expirations, call times; a test moves it instead of waiting. @defaultValue the real clock
   */
  clock?: Clock;
  /** LookupEvents allowed per second per account and region. @defaultValue 2 */
  lookupEventsPerSecond?: number;
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

export async function startAwsEmulatorServer(opts: AwsEmulatorOptions): Promise<AwsEmulator> {
  let estate = opts.estate;
  const calls: RecordedCall[] = [];
  const faults = createFaultSwitches();
  const clock = opts.clock ?? systemClock;
  const reports = createCredentialReports({ clock, delayMs: opts.reportDelayMs ?? 50, ttlMs: opts.reportTtlMs ?? 4 * 3600_000, withoutRoot: faults.withoutRoot });
  let services = opts.services ?? emptyServices();
  const members = new Map<string, EmuMember>((opts.members ?? []).map((m) => [m.estate.accountId, m]));
  const now = (): Date => clock.now();
  /** Temporary access key id → account, for credentials handed out by AssumeRole. */
  const sessions = new Map<string, string>();
  const sts = createSts({ clock, homeAccountId: () => estate.accountId, homeMeta: opts.homeMeta, memberMeta: (id) => members.get(id)?.meta, sessions });
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

  const routes: RouteContext = { clock, home: () => estate, iamOf, sessions, calls, faults, reports, sts, serviceState, lookups };

  const server = createServer((req, res) => {
    handleRequest(routes, req, res).catch(() => {
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
