// POST /v1/evidence and GET /v1/evidence in-process on a real ledger: an admin or the requirement's owner uploads, anyone else is refused with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { RULES, capturingLogger, leavesOf, openLedger, settableClock, tempDir } from '../alerts/helpers.js';

const TOKENS = { viewer: 'tok-viewer-' + 'a'.repeat(20), admin: 'tok-admin-' + 'c'.repeat(20), owner: 'tok-owner-' + 'd'.repeat(20) };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const framework: Framework = {
  id: 'soc2',
  title: 'SOC 2',
  version: 'test',
  criteria: [
    {
      id: 'CC1.1',
      title: 'Ethics',
      description: 'd',
      rules: [],
      manual: [
        { id: 'code-of-conduct', title: 'Code of conduct acknowledgements', cadence: '12mo', owner: 'hr' },
        { id: 'breaches', title: 'Breach handling', cadence: '12mo', owner: 'legal' },
        { id: 'training', title: 'Training within 30 days of hire', cadence: 'on-hire:30d', owner: 'hr' },
      ],
    },
  ],
};
// A second configured framework: its requirement A.5.1 is owned by legal (no token), so only an admin may act on it.
const iso: Framework = {
  id: 'iso27001-2022',
  title: 'ISO/IEC 27001:2022',
  version: 'test',
  criteria: [{ id: 'A.5.1', title: 'Policies', description: 'd', rules: [], manual: [{ id: 'policy-set', title: 'Information security policies', cadence: '12mo', owner: 'legal' }] }],
};

describe('manual evidence over the API', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  const clock = settableClock('2027-03-01T10:00:00Z');
  beforeAll(async () => {
    dir = tempDir('vigil-api-evidence-');
    ledger = await openLedger(dir, clock);
    api = await buildApi({
      ledger,
      rules: RULES,
      framework,
      frameworks: [framework, iso],
      config: apiConfigSchema.parse({
        tokens: [
          { name: 'viewer-token', sha256: sha(TOKENS.viewer), role: 'viewer' },
          { name: 'admin-token', sha256: sha(TOKENS.admin), role: 'admin' },
          { name: 'people-ops@example.com', sha256: sha(TOKENS.owner), role: 'viewer' },
        ],
      }),
      evidence: { owners: { hr: 'people-ops@example.com' }, warnDays: 30 },
      logger: capturingLogger(),
      clock,
      sources: [],
    });
  });
  afterAll(async () => {
    await api.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (token: string, payload: Record<string, unknown>) => api.app.inject({ method: 'POST', url: '/v1/evidence', headers: { authorization: `Bearer ${token}` }, payload });
  const file = Buffer.from('%PDF-1.7 signed code of conduct');
  const body = { criterion: 'CC1.1', requirement: 'code-of-conduct', title: 'Code of conduct 2027', fileName: 'coc-2027.pdf', contentBase64: file.toString('base64'), effective: '2027-01-15' };

  it('an admin uploads: the file becomes a blob, the record names the token as uploader, and GET lists it', async () => {
    const res = await post(TOKENS.admin, { ...body, confidential: true });
    expect(res.statusCode, res.body).toBe(201);
    const { evidence, seq } = res.json() as { evidence: Record<string, unknown>; seq: number };
    expect(evidence).toMatchObject({
      criterion: 'CC1.1',
      requirement: 'code-of-conduct',
      sha256: sha256Hex(file),
      size: file.length,
      mediaType: 'application/pdf',
      fileName: 'coc-2027.pdf',
      effectiveAt: '2027-01-15T00:00:00.000Z',
      expiresAt: '2028-01-15T00:00:00.000Z',
      owner: 'hr',
      ownerName: 'people-ops@example.com',
      uploader: { kind: 'token', name: 'admin-token', role: 'admin' },
      confidential: true,
    });
    expect(await ledger.getBlob(sha256Hex(file))).toEqual(file);
    const leaves = await leavesOf(ledger, 'evidence.added');
    expect(leaves).toHaveLength(1);
    expect(leaves[0]).toMatchObject({ seq, observedAt: '2027-03-01T10:00:00.000Z', effectiveAt: '2027-01-15T00:00:00.000Z' });
    const list = await api.app.inject({ method: 'GET', url: '/v1/evidence', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(list.json()).toMatchObject({ evidence: [{ id: evidence.id, recordedAt: '2027-03-01T10:00:00.000Z', seq }] });
    const due = await api.app.inject({ method: 'GET', url: '/v1/evidence?due=true', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(due.json()).toEqual({ due: [expect.objectContaining({ criterion: 'CC1.1', requirement: 'breaches', state: 'due', reason: 'no evidence recorded' })] });
  });

  it('a viewer is refused (403) with nothing written; the owner token uploads for its own requirement only', async () => {
    const before = await ledger.size();
    const refused = await post(TOKENS.viewer, { ...body, contentBase64: Buffer.from('other').toString('base64') });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/admin role or the requirement's owner \(hr = people-ops@example.com\)/) });
    expect(await ledger.hasBlob(sha256Hex(Buffer.from('other')))).toBe(false);
    expect(await ledger.size()).toBe(before);
    expect((await post(TOKENS.owner, { ...body, requirement: 'breaches' })).statusCode).toBe(403);
    const ok = await post(TOKENS.owner, { ...body, title: 'Acknowledgements Q1' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ evidence: { uploader: { kind: 'token', name: 'people-ops@example.com', role: 'viewer' } } });
  });

  it('bad input is a 400 naming the field, with nothing written', async () => {
    const before = await ledger.size();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...body, criterion: 'CC9.9' }, /unknown criterion "CC9\.9"/],
      [{ ...body, requirement: undefined }, /has 3 requirements; name one/],
      // Per hire: a subject is required, checked against the HR roster, of which this deployment has none.
      [{ ...body, requirement: 'training' }, /subject is required for per-hire requirement training \(on-hire:30d\)/],
      [{ ...body, requirement: 'training', subject: 'ann@x.io' }, /subject "ann@x\.io" cannot be checked against the HR roster: no HR roster source is configured/],
      [{ ...body, subject: 'ann@x.io' }, /requirement code-of-conduct \(12mo\) is not per hire/],
      [{ ...body, effective: '2027-03-02' }, /effective 2027-03-02T00:00:00\.000Z is in the future/],
      [{ ...body, expires: '2027-01-01' }, /expires .* is not after effective/],
      [{ ...body, contentBase64: 'not base64!' }, /contentBase64 is not base64/],
      [{ ...body, contentBase64: '' }, /is empty/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(TOKENS.admin, payload);
      expect(res.statusCode, String(message)).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    expect(await ledger.size()).toBe(before);
  });

  it('withdraws a record: who may upload it may withdraw it, once, with a reason; the leaf names the token; GET shows it withdrawn', async () => {
    const up = await post(TOKENS.owner, { ...body, title: 'Acknowledgements (wrong team)', contentBase64: Buffer.from('wrong team').toString('base64') });
    expect(up.statusCode, up.body).toBe(201);
    const id = (up.json() as { evidence: { id: string } }).evidence.id;
    const withdraw = (token: string, evId: string, payload: unknown) => api.app.inject({ method: 'POST', url: `/v1/evidence/${evId}/withdraw`, headers: { authorization: `Bearer ${token}` }, payload: payload as Record<string, unknown> });
    const before = await ledger.size();
    const refused: Array<[string, string, unknown, number, RegExp]> = [
      [TOKENS.viewer, id, { reason: 'x' }, 403, /withdrawing evidence for CC1\.1\/code-of-conduct needs the admin role or the requirement's owner/],
      [TOKENS.admin, 'ev_000000000000', { reason: 'x' }, 400, /no evidence record "ev_000000000000"/],
      [TOKENS.admin, id, {}, 400, /reason is required/],
      [TOKENS.admin, id, { reason: '  ' }, 400, /a reason is required/],
      [TOKENS.admin, id, { reason: 7 }, 400, /reason must be a string/],
    ];
    for (const [token, evId, payload, status, message] of refused) {
      const res = await withdraw(token, evId, payload);
      expect(res.statusCode, `${JSON.stringify(payload)}: ${res.body}`).toBe(status);
      expect(res.json().message).toMatch(message);
    }
    expect(await ledger.size()).toBe(before);

    clock.set('2027-03-05T08:00:00Z');
    const ok = await withdraw(TOKENS.owner, id, { reason: 'acknowledgements of another team' });
    expect(ok.statusCode, ok.body).toBe(200);
    const leaves = await leavesOf(ledger, 'evidence.withdrawn');
    expect(leaves).toEqual([expect.objectContaining({ id, criterion: 'CC1.1', requirement: 'code-of-conduct', reason: 'acknowledgements of another team', by: { kind: 'token', name: 'people-ops@example.com', role: 'viewer' }, observedAt: '2027-03-05T08:00:00.000Z' })]);
    expect(ok.json()).toMatchObject({ withdrawal: { id, at: '2027-03-05T08:00:00.000Z' }, seq: before });
    const twice = await withdraw(TOKENS.admin, id, { reason: 'again' });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toMatchObject({ error: 'EVIDENCE_ALREADY_WITHDRAWN' });
    expect(await ledger.size()).toBe(before + 1);
    const list = await api.app.inject({ method: 'GET', url: '/v1/evidence', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    const rec = (list.json() as { evidence: Array<{ id: string; withdrawn?: unknown }> }).evidence.find((e) => e.id === id)!;
    expect(rec.withdrawn).toEqual({ at: '2027-03-05T08:00:00.000Z', by: { kind: 'token', name: 'people-ops@example.com', role: 'viewer' }, reason: 'acknowledgements of another team', seq: before });
  });

  it('?framework= chooses the configured framework for the list, the due list and the upload; another is a 400 naming the configured ones', async () => {
    const get = async (q: string) => api.app.inject({ method: 'GET', url: `/v1/evidence${q}`, headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    const before = await ledger.size();
    const isoBody = { framework: 'iso27001-2022', criterion: 'A.5.1', title: 'Policy set 2027', fileName: 'policies.pdf', contentBase64: Buffer.from('%PDF iso policies').toString('base64'), effective: '2027-02-01' };
    // The soc2 criterion is unknown in iso and the reverse; an unknown framework names the configured ones; nothing written.
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...isoBody, framework: 'soc1' }, /request body: framework: "soc1" is not a configured framework \(configured: soc2, iso27001-2022\)/],
      [{ ...isoBody, framework: undefined }, /unknown criterion "A\.5\.1" in framework soc2/],
      [{ ...body, framework: 'iso27001-2022' }, /unknown criterion "CC1\.1" in framework iso27001-2022/],
    ];
    for (const [payload, message] of refused) {
      const res = await post(TOKENS.admin, payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    // The owner of soc2's hr requirements owns nothing in iso.
    expect((await post(TOKENS.owner, isoBody)).statusCode).toBe(403);
    expect(await ledger.size()).toBe(before);
    expect((await get('?due=true&framework=iso27001-2022')).json()).toEqual({ due: [expect.objectContaining({ criterion: 'A.5.1', requirement: 'policy-set', state: 'due', reason: 'no evidence recorded' })] });
    const up = await post(TOKENS.admin, isoBody);
    expect(up.statusCode, up.body).toBe(201);
    const id = (up.json() as { evidence: { id: string; framework: string } }).evidence.id;
    expect(up.json()).toMatchObject({ evidence: { framework: 'iso27001-2022', criterion: 'A.5.1', requirement: 'policy-set', owner: 'legal' } });
    const ids = async (q: string) => ((await get(q)).json() as { evidence: Array<{ id: string }> }).evidence.map((e) => e.id);
    expect(await ids('?framework=iso27001-2022')).toEqual([id]);
    expect(await ids('')).not.toContain(id);
    expect(await ids('?framework=soc2')).toEqual(await ids(''));
    expect((await get('?due=true&framework=iso27001-2022')).json()).toEqual({ due: [] });
    for (const q of ['?framework=soc1', '?due=true&framework=soc1']) {
      const res = await get(q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message).toBe('query parameter framework: "soc1" is not a configured framework (configured: soc2, iso27001-2022)');
    }
    // Withdrawal checks the owner the record's own framework names: the soc2 hr owner is refused, an admin withdraws.
    const withdraw = (token: string) => api.app.inject({ method: 'POST', url: `/v1/evidence/${id}/withdraw`, headers: { authorization: `Bearer ${TOKENS[token as keyof typeof TOKENS]}` }, payload: { reason: 'superseded' } });
    const no = await withdraw('owner');
    expect(no.statusCode).toBe(403);
    expect(no.json().message).toMatch(/A\.5\.1\/policy-set needs the admin role or the requirement's owner \(legal\)/);
    expect((await withdraw('admin')).statusCode).toBe(200);
  });
});

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
