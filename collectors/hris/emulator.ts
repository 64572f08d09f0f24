// Emulator of an HR system's scheduled CSV export (the "report URL" BambooHR, Workday, Rippling and others offer): one
// GET, a bearer token, text/csv. Its demo roster matches the demo IdP tenants, with leavers still holding access.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

export const EMULATOR_TOKEN = 'emulator-hr-export-token';
export const ROSTER_PATH = '/export/roster.csv';

export interface HrisEmulatorOptions {
  port?: number;
  /** `demo` (default): the roster consistent with the demo IdPs; or a generated roster of `employees` rows. */
  estate?: 'demo' | { employees: number; seed?: number };
  /** The instant dates are relative to. @defaultValue now */
  now?: Date;
}

export interface HrisEmulator extends RunningEmulator {
  /** The CSV the export serves now. */
  csv: string;
  /** Replaces the served CSV (a roster edited in HR, or a broken export). */
  setCsv(text: string): void;
  /** Requests served, for tests. */
  requests: number;
}

const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';
const day = (now: Date, daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The demo roster, against the demo IdP tenants (collectors/okta|google-workspace|entra/emulator*.ts) and GitHub org:
 * dave left 3 days ago (deactivated in the IdPs a day later, still a GitHub member), erin left 10 days ago and is still
 * active everywhere, leo left 30 days ago and is still enabled in Entra; grace is on leave (suspended in Okta); frank
 * joined 20 days ago; nina starts next week and has no accounts yet. The Entra guest has no HR record.
 */
export function demoRosterCsv(now: Date): string {
  const rows: string[][] = [
    ['E1001', 'alice@example.com', 'Alice Admin', 'Active', day(now, 1900), '', '', 'Engineering'],
    ['E1002', 'bob@example.com', 'Bob Builder', 'Active', day(now, 1500), '', 'alice@example.com', 'Engineering'],
    ['E1003', 'carol@example.com', 'Carol NoMfa', 'Active', day(now, 800), '', 'alice@example.com', 'Support, EMEA'],
    ['E1004', 'dave@example.com', 'Dave Leaver', 'Terminated', day(now, 1200), day(now, 3), 'alice@example.com', 'Engineering'],
    ['E1005', 'erin@example.com', 'Erin Idle', 'Terminated', day(now, 700), day(now, 10), 'bob@example.com', 'Sales'],
    ['E1006', 'frank@example.com', 'Frank Never', 'Active', day(now, 20), '', 'bob@example.com', 'Sales'],
    ['E1007', 'grace@example.com', 'Grace "Gigi" Hopper', 'Leave of Absence', day(now, 400), '', 'alice@example.com', 'Engineering'],
    ['E1008', 'heidi@example.com', 'Heidi Good', 'Active', day(now, 300), '', 'alice@example.com', 'Security'],
    ['E1009', 'ivan@example.com', 'Ivan Tier0', 'Active', day(now, 1000), '', 'alice@example.com', 'IT'],
    ['E1010', 'judy@example.com', 'Judy Eligible', 'Active', day(now, 250), '', 'ivan@example.com', 'IT'],
    ['E1011', 'kim@example.com', 'Kim Sprayed', 'Active', day(now, 600), '', 'ivan@example.com', 'Finance'],
    ['E1012', 'leo@example.com', 'Leo Probed', 'Terminated', day(now, 900), day(now, 30), 'ivan@example.com', 'Finance'],
    ['E1013', 'nina@example.com', 'Nina Newhire', 'Active', day(now, -7), '', 'heidi@example.com', 'Security'],
  ];
  return `${[HEADER, ...rows.map((r) => r.map(quote).join(','))].join('\r\n')}\r\n`;
}

/** A generated roster of `n` employees (user1…userN@example.com, as the generated IdP tenants), about 3 % leavers. */
export function generatedRosterCsv(now: Date, n: number, seed = 1): string {
  const r = mulberry32(seed);
  const lines = [HEADER];
  for (let i = 1; i <= n; i++) {
    const leaver = r() < 0.03;
    const start = Math.floor(r() * 2000) + 40;
    lines.push([`G${String(i).padStart(6, '0')}`, `user${i}@example.com`, `User ${i}`, leaver ? 'Terminated' : 'Active', day(now, start), leaver ? day(now, Math.floor(r() * 30)) : '', i > 1 ? 'user1@example.com' : '', `Dept ${i % 12}`].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function startHrisEmulator(opts: HrisEmulatorOptions = {}): Promise<HrisEmulator> {
  const now = opts.now ?? new Date();
  const estate = opts.estate ?? 'demo';
  let csv = estate === 'demo' ? demoRosterCsv(now) : generatedRosterCsv(now, estate.employees, estate.seed);
  let server: Server;
  const emu: HrisEmulator = {
    url: '',
    get csv() { return csv; },
    setCsv(text: string) { csv = text; },
    requests: 0,
    close: () => new Promise<void>((res) => { server.closeAllConnections(); server.close(() => res()); }),
  };
  server = createServer((req, res) => {
    emu.requests++;
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (req.method !== 'GET' || url.pathname !== ROSTER_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    // Like the real report URLs: a bearer token (or the token in the query, as some schedule links carry it).
    if (req.headers.authorization !== `Bearer ${EMULATOR_TOKEN}` && url.searchParams.get('token') !== EMULATOR_TOKEN) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'invalid or missing token' }));
      return;
    }
    const body = Buffer.from(csv, 'utf8');
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': body.length, 'content-disposition': 'attachment; filename="roster.csv"' }).end(body);
  });
  await new Promise<void>((res) => server.listen(opts.port ?? 0, '127.0.0.1', () => res()));
  emu.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return emu;
}
