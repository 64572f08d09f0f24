// The HTTP API in-process (fastify inject) on a real ledger: every route's token and role, feeds, SSE, findings, exceptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, ROUTES, type BuiltApi } from '../../src/api/server.js';
import { AlertEngine } from '../../src/alerts/engine.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { requestException, validateRequest } from '../../src/exceptions/exceptions.js';
import { localPrincipal } from '../../src/core/principal.js';
import { CRIT, HIGH, RULES, capturingLogger, config, openLedger, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

const TOKENS = { viewer: 'tok-viewer-' + 'a'.repeat(20), auditor: 'tok-auditor-' + 'b'.repeat(20), approver: 'tok-approver-' + 'e'.repeat(20), admin: 'tok-admin-' + 'c'.repeat(20) };
/** Tokens whose names are one person written differently: separation of duties must see through each. */
const ALICE = {
  plain: { name: 'alice@example.com', role: 'approver', token: 'tok-alice-1-' + 'd'.repeat(20) },
  zeroWidth: { name: 'alice@example.com\u200b', role: 'admin', token: 'tok-alice-2-' + 'd'.repeat(20) },
  cyrillic: { name: '\u0430lice@example.com', role: 'approver', token: 'tok-alice-3-' + 'd'.repeat(20) },
  displayName: { name: 'Alice <alice@example.com>', role: 'admin', token: 'tok-alice-4-' + 'd'.repeat(20) },
};
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const framework: Framework = { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [{ id: 'CC6.1', title: 'Logical access', rules: [{ id: CRIT.id }, { id: HIGH.id }], manual: [] }] } as unknown as Framework;

describe('HTTP API', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  const clock = settableClock('2026-03-01T10:00:00Z');
  const logger = capturingLogger();

  beforeAll(async () => {
    dir = tempDir('vigil-api-');
    ledger = await openLedger(dir, clock);
    const engine = new AlertEngine({ ledger, rules: RULES, config: config(), clock, logger });
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'pass' } });
    for (let i = 0; i < 3; i++) {
      clock.advance(3600_000);
      await recordStatuses(ledger, clock, { [CRIT.id]: { a: i % 2 ? 'pass' : 'fail', b: 'fail' } });
      await engine.tick();
    }
    api = await buildApi({
      ledger,
      rules: RULES,
      framework,
      config: apiConfigSchema.parse({ tokens: [...Object.entries(TOKENS).map(([role, t]) => ({ name: `${role}-token`, sha256: sha(t), role })), ...Object.values(ALICE).map((a) => ({ name: a.name, sha256: sha(a.token), role: a.role }))] }),
      logger,
      clock,
      sources: [{ source: 'aws', schedule: '0 * * * *' }],
      dataDir: dir,
      streamPollMs: 50,
    });
  });
  afterAll(async () => {
    await api.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const req = (method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) =>
    api.app.inject({ method, url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('walks the route table: every non-probe route needs a token (401) and the right role (403)', async () => {
    const order = ['viewer', 'auditor', 'approver', 'admin'] as const;
    expect(ROUTES.filter((r) => r.role === 'public').map((r) => r.url)).toEqual(['/healthz', '/readyz', '/v1/session']);
    for (const r of ROUTES) {
      const url = r.url.replace(':id', 'exc_nope').replace(':seq', '0');
      const body = r.method === 'POST' ? {} : undefined;
      if (r.role === 'public') {
        expect((await req(r.method, url)).statusCode, url).not.toBe(401);
        continue;
      }
      expect((await req(r.method, url, undefined, body)).statusCode, `${r.method} ${url} without token`).toBe(401);
      expect((await req(r.method, url, 'not-a-real-token', body)).statusCode, `${r.method} ${url} bad token`).toBe(401);
      for (const role of order) {
        // an authorized SSE request stays open; the SSE test below covers it
        if (r.url === '/v1/alerts/stream' && order.indexOf(role) >= order.indexOf(r.role)) continue;
        const res = await req(r.method, url, TOKENS[role], body);
        if (order.indexOf(role) < order.indexOf(r.role)) expect(res.statusCode, `${r.method} ${url} as ${role}`).toBe(403);
        else expect([401, 403], `${r.method} ${url} as ${role}: ${res.body}`).not.toContain(res.statusCode);
      }
    }
    // refusals are counted in /metrics and logged without the token
    const m = await req('GET', '/metrics', TOKENS.viewer);
    expect(m.body).toMatch(/vigil_api_auth_failures_total\{reason="missing_token",route="\/v1\/alerts"\} 1/);
    expect(m.body).toMatch(/vigil_api_auth_failures_total\{reason="forbidden",route="\/v1\/exports"\} 1/);
    const logs = logger.lines.join('\n');
    expect(logs).toContain('api request refused');
    for (const t of [...Object.values(TOKENS), 'not-a-real-token']) expect(logs).not.toContain(t);
  });

  it('serves alerts by cursor with stable paging, and as Atom and JSON Feed', async () => {
    const all = (await req('GET', '/v1/alerts', TOKENS.viewer)).json() as { alerts: Array<{ seq: number; kind: string }>; next: number };
    expect(all.alerts.map((a) => a.kind)).toEqual(['broke', 'recovered', 'broke']);
    const p1 = (await req('GET', '/v1/alerts?limit=2', TOKENS.viewer)).json() as typeof all;
    const p2 = (await req('GET', `/v1/alerts?after=${p1.next}&limit=2`, TOKENS.viewer)).json() as typeof all;
    expect([...p1.alerts, ...p2.alerts]).toEqual(all.alerts);
    const p3 = (await req('GET', `/v1/alerts?after=${p2.next}`, TOKENS.viewer)).json() as typeof all;
    expect(p3).toEqual({ alerts: [], next: p2.next });
    expect((await req('GET', '/v1/alerts?limit=0', TOKENS.viewer)).statusCode).toBe(400);
    const atom = await req('GET', '/v1/alerts.atom', TOKENS.viewer);
    expect(atom.headers['content-type']).toMatch(/application\/atom\+xml/);
    expect(atom.body.match(/<entry>/g)).toHaveLength(3);
    expect(atom.body).toContain(`/alert/${all.alerts[2]!.seq}</id>`);
    const feed = (await req('GET', '/v1/alerts.json', TOKENS.viewer)).json() as { version: string; items: Array<{ id: string }> };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items).toHaveLength(3);
  });

  it('streams alerts over SSE, resuming from Last-Event-ID', async () => {
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (api.app.server.address() as AddressInfo).port;
    const all = ((await req('GET', '/v1/alerts', TOKENS.viewer)).json() as { alerts: Array<{ seq: number }> }).alerts;
    const events = await new Promise<string>((resolve, reject) => {
      const r = get({ host: '127.0.0.1', port, path: '/v1/alerts/stream', headers: { authorization: `Bearer ${TOKENS.viewer}`, 'last-event-id': String(all[0]!.seq) } }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buf = '';
        let appended = false;
        res.on('data', (d) => {
          buf += d;
          const seen = (buf.match(/event: alert/g) ?? []).length;
          // a new alert while connected arrives too: appended once the stream has replayed the two after Last-Event-ID
          if (seen >= 2 && !appended) {
            appended = true;
            void ledger.append([{ type: 'alert', source: 'aws', scope: 'x', idempotencyKey: 'alert:sse', data: { kind: 'gap', severity: 'high', title: 'live', count: 1 } }]);
          }
          if (seen >= 3) {
            r.destroy();
            resolve(buf);
          }
        });
      });
      r.on('error', reject);
    });
    const ids = [...events.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.slice(0, 2)).toEqual([all[1]!.seq, all[2]!.seq]);
    expect(events).toContain('"title":"live"');
  });

  it('an exception requested by one token takes effect once a different approver token approves it; findings and posture count it', async () => {
    // typed names are refused outright: the principal is the token
    const typed = await req('POST', '/v1/exceptions', TOKENS.admin, { ruleId: CRIT.id, resourceId: 'b', reason: 'r', requester: 'sam', approver: 'ciso', expires: '2026-06-01' });
    expect(typed.statusCode).toBe(400);
    expect(typed.json()).toMatchObject({ message: expect.stringContaining('requester, approver may not be given') });
    expect((await req('POST', '/v1/exceptions', TOKENS.approver, { ruleId: CRIT.id, resourceId: 'b', reason: 'r' })).json()).toMatchObject({ message: expect.stringContaining('expires is required') });
    expect((await req('POST', '/v1/exceptions', TOKENS.auditor, { ruleId: CRIT.id, resourceId: 'b', reason: 'r', expires: '2026-06-01' })).statusCode).toBe(403);
    const ok = await req('POST', '/v1/exceptions', TOKENS.approver, { ruleId: CRIT.id, resourceId: 'b', reason: 'legacy box, replaced in Q2', expires: '2026-06-01' });
    expect(ok.statusCode).toBe(201);
    const id = (ok.json() as { exception: { id: string } }).exception.id;
    const findings = async () => ((await req('GET', `/v1/findings?rule=${CRIT.id}`, TOKENS.viewer)).json() as { findings: Array<{ resourceId: string; status: string; display: string; exception?: { id: string } }> }).findings.map((x) => [x.resourceId, x.display, x.exception?.id]);
    // pending: no effect
    expect(await findings()).toEqual([['a', 'fail', undefined], ['b', 'fail', undefined]]);
    const self = await req('POST', `/v1/exceptions/${id}/approve`, TOKENS.approver, {});
    expect(self.statusCode).toBe(403);
    expect(self.json()).toMatchObject({ message: expect.stringContaining('same principal') });
    expect((await req('POST', `/v1/exceptions/${id}/approve`, TOKENS.auditor, {})).statusCode).toBe(403);
    expect((await req('POST', `/v1/exceptions/${id}/approve`, TOKENS.admin, { approver: 'someone else' })).statusCode).toBe(400);
    const approved = await req('POST', `/v1/exceptions/${id}/approve`, TOKENS.admin, {});
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ exception: { status: 'active', requester: 'token:approver-token (approver)', approver: 'token:admin-token (admin)', approvedBy: { kind: 'token', name: 'admin-token', role: 'admin' } } });
    expect((await req('POST', `/v1/exceptions/${id}/approve`, TOKENS.admin, {})).json()).toMatchObject({ message: expect.stringContaining('is active, not a pending request') });
    expect(await findings()).toEqual([['a', 'fail', undefined], ['b', 'fail (accepted)', id]]);
    expect(((await req('GET', '/v1/findings?status=accepted', TOKENS.viewer)).json() as { total: number }).total).toBe(1);
    const posture = (await req('GET', '/v1/posture', TOKENS.viewer)).json() as { criteria: Array<{ id: string; fail: number; accepted: number }> };
    expect(posture.criteria[0]).toMatchObject({ id: 'CC6.1', fail: 2, accepted: 1 });
    expect((await req('POST', `/v1/exceptions/${id}/revoke`, TOKENS.approver, { reason: 'replaced early', by: 'ciso' })).statusCode).toBe(400);
    expect((await req('POST', `/v1/exceptions/${id}/revoke`, TOKENS.approver, { reason: 'replaced early' })).statusCode).toBe(200);
    const list = (await req('GET', '/v1/exceptions', TOKENS.viewer)).json() as { exceptions: Array<{ id: string; status: string; endedBy: string }> };
    expect(list.exceptions).toEqual([expect.objectContaining({ id, status: 'revoked', endedBy: 'token:approver-token (approver)' })]);
  });

  it('refuses approval by the requester under another spelling: zero-width space, Cyrillic look-alike, display-name form', async () => {
    const asked = await req('POST', '/v1/exceptions', ALICE.plain.token, { ruleId: CRIT.id, resourceId: 'a', reason: 'r', expires: '2026-06-01', id: 'exc-alice' });
    expect(asked.statusCode).toBe(201);
    for (const who of [ALICE.plain, ALICE.zeroWidth, ALICE.cyrillic, ALICE.displayName]) {
      const r = await req('POST', '/v1/exceptions/exc-alice/approve', who.token, {});
      expect(r.statusCode, JSON.stringify(who.name)).toBe(403);
      expect(r.json(), JSON.stringify(who.name)).toMatchObject({ error: 'forbidden', message: expect.stringContaining('is the same principal') });
    }
    expect((await req('POST', '/v1/exceptions/exc-alice/reject', ALICE.cyrillic.token, {})).json()).toMatchObject({ message: 'reject needs a reason' });
    expect((await req('POST', '/v1/exceptions/exc-alice/reject', ALICE.cyrillic.token, { reason: 'not needed' })).statusCode).toBe(200);
    const e = ((await req('GET', '/v1/exceptions', TOKENS.viewer)).json() as { exceptions: Array<{ id: string; status: string; endedBy: string }> }).exceptions.find((x) => x.id === 'exc-alice');
    expect(e).toMatchObject({ status: 'rejected', endReason: 'not needed' });
    expect((await req('POST', '/v1/exceptions/exc-alice/approve', TOKENS.admin, {})).json()).toMatchObject({ message: expect.stringContaining('is rejected, not a pending request') });
  });

  it('a request made on the CLI (the local account) is approved through the API by an approver token and takes effect', async () => {
    // what `vigil exceptions request` records: the OS account running it as a `local` principal
    const r = validateRequest({ id: 'exc-cli', ruleId: CRIT.id, resourceId: 'a', reason: 'from the CLI', expires: '2026-06-01', origin: 'cli', requestedBy: localPrincipal() }, clock.now());
    await requestException(ledger, r);
    const findings = async () => ((await req('GET', `/v1/findings?rule=${CRIT.id}`, TOKENS.viewer)).json() as { findings: Array<{ resourceId: string; display: string; exception?: { id: string } }> }).findings.filter((f) => f.resourceId === 'a').map((f) => [f.display, f.exception?.id]);
    expect(await findings()).toEqual([['fail', undefined]]);
    const ok = await req('POST', '/v1/exceptions/exc-cli/approve', TOKENS.approver, {});
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ exception: { requester: `local:${localPrincipal().name}`, approver: 'token:approver-token (approver)' } });
    expect(await findings()).toEqual([['fail (accepted)', 'exc-cli']]);
  });

  it('an exception on a resource that does not fail the rule is refused unless force is true, and then warns', async () => {
    const body = { ruleId: CRIT.id, resourceId: 'no-such-resource', reason: 'r', expires: '2026-06-01' };
    const refused = await req('POST', '/v1/exceptions', TOKENS.approver, body);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'EXCEPTION_NO_FINDING', message: expect.stringContaining('no-such-resource has no failing result for') });
    expect((await req('POST', '/v1/exceptions', TOKENS.approver, { ...body, force: 'yes' })).statusCode).toBe(400);
    const forced = await req('POST', '/v1/exceptions', TOKENS.approver, { ...body, force: true });
    expect(forced.statusCode).toBe(201);
    expect(forced.json()).toMatchObject({ exception: { forced: true }, warning: expect.stringContaining('no result at all in the latest runs') });
  });

  it('describes every route in /v1/openapi.json', async () => {
    const doc = (await req('GET', '/v1/openapi.json', TOKENS.viewer)).json() as { openapi: string; paths: Record<string, Record<string, { 'x-vigil-role': string }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) expect(doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()]?.['x-vigil-role']).toBe(r.role);
  });

  it('POST /v1/exports streams the signed evidence bundle to an auditor; a bad range is a 400 naming the field', async () => {
    expect((await req('POST', '/v1/exports', TOKENS.auditor, { type: 3 })).json()).toMatchObject({ message: 'body.type must be 1 or 2' });
    const bad = await req('POST', '/v1/exports', TOKENS.auditor, { type: 2, from: '2026-03-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ message: expect.stringMatching(/--from and --to/) });
    const ex = await req('POST', '/v1/exports', TOKENS.auditor, { type: 2, from: '2026-03-01', to: '2026-03-01' });
    expect(ex.statusCode, ex.body.slice(0, 300)).toBe(200);
    expect(ex.headers['content-type']).toBe('application/zip');
    expect(ex.headers['content-disposition']).toBe('attachment; filename="vigil-type2-2026-03-01-2026-03-01.zip"');
    expect(ex.rawPayload.subarray(0, 2).toString()).toBe('PK');
  }, 60_000);

  it('/readyz reports a stale source; /metrics folds runs and alerts from the ledger', async () => {
    const ready = await req('GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    clock.advance(4 * 3600_000); // hourly source, last run 4 h ago: stale after 2 h 30
    const stale = await req('GET', '/readyz', TOKENS.viewer);
    expect(stale.statusCode).toBe(503);
    expect(stale.json()).toMatchObject({ ready: false, checks: { store: { ok: true }, 'source:aws': { ok: false } } });
    const probe = await req('GET', '/readyz');
    expect(probe.statusCode).toBe(503);
    expect(probe.json()).toEqual({ ready: false, status: 'not_ready', reason: 'stale' });
    const m = (await req('GET', '/metrics', TOKENS.viewer)).body;
    expect(m).toMatch(/vigil_runs_total\{source="aws",outcome="complete"\} 4/);
    expect(m).toMatch(/vigil_alerts_total\{kind="broke",severity="critical"\} 2/);
    expect(m).toMatch(/vigil_ledger_leaves \d+/);
  });
});
