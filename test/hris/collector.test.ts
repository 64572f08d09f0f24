// The HR roster collector over a file and over HTTP (the export emulator and hand-made bad servers): a pass only on a
// whole, valid roster; every failure a named error with its cause and no secret in it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { hrisSource } from '../../collectors/hris/index.js';
import { hrisDemo, startHrisEmulator, EMULATOR_TOKEN, ROSTER_PATH, type HrisEmulator } from '../../collectors/hris/demo.js';
import { redactUrl } from '../../collectors/hris/collector.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-hris-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = { now: () => new Date('2026-12-01T09:00:00.000Z') };
const ctx = { scope: 'roster', slot: '2026-12-01T09:00:00.000Z', clock, logger: silentLogger };
const collect = (config: Record<string, unknown>): Promise<Snapshot> =>
  hrisSource.createCollector(hrisSource.configSchema.parse(config), { logger: silentLogger, clock, configDir: dir }).collect(ctx);
const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';

let emu: HrisEmulator | undefined;
let server: Server | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A one-route server answering as `handler` says, for replies the export emulator never gives. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('hris collector, file', () => {
  it('reads a whole valid roster, relative to the config folder, with the file kept as evidence', async () => {
    writeFileSync(join(dir, 'good.csv'), `${HEADER}\nE1,ann@x.io,Ann,Active,2024-01-15,,,Eng\nE2,bo@x.io,Bo,Terminated,2020-01-01,2026-11-30,ann@x.io,Eng\n`);
    const s = await collect({ file: './good.csv' });
    expect(s.errors).toEqual([]);
    expect(s.inputs['hris.employee']).toEqual({ observedAt: clock.now().toISOString() });
    expect(s.resources.map((r) => [r.type, r.id, r.name, r.attributes.status, r.attributes.terminationDate])).toEqual([
      ['hris.employee', 'E1', 'Ann', 'active', null], ['hris.employee', 'E2', 'Bo', 'terminated', '2026-11-30'],
    ]);
    expect(s.artifacts).toHaveLength(1);
    expect(s.artifacts[0]).toMatchObject({ mediaType: 'text/csv', label: `hris:roster ${join(dir, 'good.csv')}` });
  });

  it('a bad row makes the run an error naming file, line and column, with no employee recorded', async () => {
    writeFileSync(join(dir, 'bad.csv'), `${HEADER}\nE1,ann@x.io,Ann,Active,2024-01-15,,,Eng\nE2,bo@x.io,Bo,Terminated,2020-01-01,30/11/2026,,Eng\n`);
    const s = await collect({ file: 'bad.csv' });
    expect(s.resources).toEqual([]);
    expect(s.inputs).toEqual({});
    expect(s.errors).toEqual([expect.objectContaining({
      operation: 'hris:ParseRoster', code: 'HrisBadDate', cause: 'malformed', inputs: ['hris.employee'],
      message: expect.stringContaining(`${join(dir, 'bad.csv')}: line 3, column 6 (Termination Date): "30/11/2026" is not an ISO 8601 date`),
    })]);
  });

  it('a missing file, a file over maxBytes and a file not in UTF-8 are named errors', async () => {
    expect((await collect({ file: 'nope.csv' })).errors).toEqual([expect.objectContaining({ code: 'HrisFileNotFound', cause: 'not_found', inputs: ['hris.employee'] })]);
    writeFileSync(join(dir, 'big.csv'), `${HEADER}\n${'E1,a@x.io,A,Active,2024-01-01,,,Eng\n'.repeat(100)}`);
    const big = await collect({ file: 'big.csv', maxBytes: 1024 });
    expect(big.errors[0]).toMatchObject({ code: 'HrisTooLarge', message: expect.stringContaining('maxBytes (1024 bytes)') });
    expect(big.inputs).toEqual({});
    writeFileSync(join(dir, 'latin1.csv'), Buffer.concat([Buffer.from(`${HEADER}\nE1,a@x.io,Jos`), Buffer.from([0xe9]), Buffer.from(',Active,2024-01-01,,,Eng\n')]));
    expect((await collect({ file: 'latin1.csv' })).errors[0]).toMatchObject({ code: 'HrisNotUtf8', cause: 'malformed' });
  });
});

describe('hris collector, an old export', () => {
  it('a file last modified beyond maxAgeHours is an error, not a roster of who was employed then', async () => {
    writeFileSync(join(dir, 'old.csv'), `${HEADER}\nE1,ann@x.io,Ann,Active,2024-01-15,,,Eng\n`);
    const then = new Date('2026-11-20T09:00:00.000Z');
    utimesSync(join(dir, 'old.csv'), then, then);
    const s = await collect({ file: 'old.csv' });
    expect(s.resources).toEqual([]);
    expect(s.inputs).toEqual({});
    expect(s.errors).toEqual([expect.objectContaining({ code: 'HrisStaleExport', cause: 'incomplete', message: expect.stringContaining('last modified 2026-11-20T09:00:00.000Z, 264.0 h ago, beyond maxAgeHours (48 h)') })]);
    expect((await collect({ file: 'old.csv', maxAgeHours: 300 })).resources).toHaveLength(1);
  });

  it("the URL's Last-Modified header is the export's age", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'last-modified': 'Fri, 20 Nov 2026 09:00:00 GMT' }).end(`${HEADER}\nE1,a@x.io,A,Active,2024-01-01,,,Eng\n`);
    });
    expect((await collect({ url: `${base}/r.csv` })).errors[0]).toMatchObject({ code: 'HrisStaleExport' });
    expect((await collect({ url: `${base}/r.csv`, maxAgeHours: 300 })).metrics).toMatchObject({ employees: 1, exportAgeHours: 264 });
  });
});

describe('hris collector, URL', () => {
  it('reads the demo export with its bearer token: one request, the demo roster', async () => {
    emu = await startHrisEmulator({ now: clock.now() });
    const s = await collect(hrisDemo.demoConfig(emu).config as unknown as Record<string, unknown>);
    expect(s.errors).toEqual([]);
    expect(s.apiCalls).toBe(1);
    expect(emu.requests).toBe(1);
    expect(s.resources.map((r) => r.attributes.workEmail)).toContain('erin@example.com');
    expect(s.resources.find((r) => r.attributes.workEmail === 'grace@example.com')!.attributes).toMatchObject({ name: 'Grace "Gigi" Hopper', status: 'leave' });
  });

  it('a 401 is an unauthenticated error, and a token in the query string never reaches the record', async () => {
    emu = await startHrisEmulator({ now: clock.now() });
    const s = await collect({ url: `${emu.url}${ROSTER_PATH}?token=wrong-secret-value&format=csv` });
    expect(s.errors).toEqual([expect.objectContaining({ operation: 'hris:ReadRoster', code: 'HrisHttp401', cause: 'unauthenticated' })]);
    expect(JSON.stringify(s)).not.toContain('wrong-secret-value');
    const ok = await collect({ url: `${emu.url}${ROSTER_PATH}?token=${EMULATOR_TOKEN}` });
    expect(ok.errors).toEqual([]);
    expect(ok.artifacts[0]!.label).toBe(`hris:roster ${emu.url}${ROSTER_PATH}?token=…`);
    expect(JSON.stringify({ ...ok, artifacts: ok.artifacts.map((a) => a.label) })).not.toContain(EMULATOR_TOKEN);
  });

  it('redacts user info and every query value of a URL', () => {
    expect(redactUrl('https://u:p@hr.example.com/x.csv?key=abc&key=def&sig=1')).toBe('https://hr.example.com/x.csv?key=…&sig=…');
  });

  it('an HTML page, a 500, a cut-short body and a reply over maxBytes are errors, never a roster', async () => {
    let mode = 'html';
    const base = await serve((_req, res) => {
      const csv = `${HEADER}\nE1,a@x.io,A,Active,2024-01-01,,,Eng\n`;
      if (mode === 'html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>');
      else if (mode === '500') res.writeHead(500).end('oops');
      else if (mode === 'short') {
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(csv.length + 50) });
        res.write(csv);
        setTimeout(() => res.destroy(), 20);
      } else res.writeHead(200, { 'content-type': 'text/csv' }).end(`${HEADER}\n${'E1,a@x.io,A,Active,2024-01-01,,,Eng\n'.repeat(100)}`);
    });
    const url = `${base}/r.csv`;
    expect((await collect({ url })).errors[0]).toMatchObject({ code: 'HrisNotCsv', cause: 'malformed' });
    mode = '500';
    expect((await collect({ url })).errors[0]).toMatchObject({ code: 'HrisHttp500', cause: 'server_error', retryable: true });
    mode = 'short';
    const short = await collect({ url });
    expect(short.resources).toEqual([]);
    expect(short.errors[0]!.operation).toBe('hris:ReadRoster');
    mode = 'big';
    expect((await collect({ url, maxBytes: 1024 })).errors[0]).toMatchObject({ code: 'HrisTooLarge' });
  });

  it('a server that never answers times out at requestTimeoutMs', async () => {
    const base = await serve(() => { /* never answers */ });
    const t0 = Date.now();
    const s = await collect({ url: `${base}/r.csv?token=hidden-token-1`, requestTimeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(s.errors).toEqual([expect.objectContaining({ code: 'HrisTimeout', cause: 'timeout', retryable: true })]);
    expect(s.errors[0]!.message).toContain('no complete reply within 200 ms');
    expect(s.errors[0]!.message).not.toContain('hidden-token-1');
  });
});
