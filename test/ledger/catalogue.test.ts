// The leaf catalogue at work: append refuses unknown types, bad bodies and the wrong writer; verify names bad stored leaves; typed reads.
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { canonicalBytes } from '../../src/ledger/canonical.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { PROCESS_ROLES, type LeafGroup } from '../../src/agent.js';
import { LEAF_CATALOGUE, LEAF_TYPES, WRITER_ROLES, ledgerOwnedTypes, ledgerRoleFor, leafProblem, parseLeaf, readLeaf, type Leaf, type LeafInput, type WriterRole } from '../../src/ledger/leaf-catalogue.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/collector.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { buildDemoLedger, FRAMEWORK } from '../export/helpers.js';
import { OPEN_CATALOGUE, rawDb, tempDir, TestClock } from './helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function fresh(role?: WriterRole) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  // A collect worker never creates a ledger (LEDGER_NOT_FOUND): the writer makes it first, as in a deployment.
  if (role === 'worker') await (await Ledger.open({ dataDir: t.dir, clock: new TestClock() })).close();
  const ledger = await Ledger.open({ dataDir: t.dir, clock: new TestClock(), ...(role ? { role } : {}) });
  cleanups.push(() => ledger.close());
  return { ledger, dir: t.dir };
}

const run: LeafInput<'run'> = {
  type: 'run',
  idempotencyKey: 'run:aws:1:2025-03-14T10:00:00.000Z',
  source: 'aws',
  scope: '1',
  data: {
    slot: '2025-03-14T10:00:00.000Z',
    startedAt: '2025-03-14T10:00:00.000Z',
    endedAt: '2025-03-14T10:00:02.000Z',
    outcome: 'complete',
    ruleSetVersion: 'abc',
    population: 2,
    apiCalls: 3,
    counts: { pass: 1, fail: 1, error: 0, not_applicable: 0 },
    resultsSha256: 'a'.repeat(64),
    resultsCount: 2,
    changes: 1,
    artifacts: [{ sha256: 'b'.repeat(64), mediaType: 'application/json' }],
    errors: [],
  },
};
const change: LeafInput<'change'> = {
  type: 'change',
  source: 'aws',
  scope: '1',
  data: { slot: '2025-03-14T10:00:00.000Z', ruleId: 'aws.iam.root_mfa_enabled', resourceId: 'root', from: null, to: 'fail', reason: 'no MFA' },
};
const exception = { id: 'ex-1', ruleId: 'aws.iam.root_mfa_enabled', resourceId: 'root', reason: 'r', requester: 'a@x', approver: 'b@x', expiresAt: '2025-04-01T00:00:00.000Z', origin: 'cli' };
const grant: LeafInput<'exception.granted'> = { type: 'exception.granted', idempotencyKey: 'exception.granted:ex-1', data: { exception } };

/** Appends through the untyped door, as a caller with a bad cast (or plain JavaScript) would. */
const appendAny = (ledger: Ledger, inputs: unknown[]) => ledger.append(inputs as LeafInput[]);

describe('the leaf catalogue at append', () => {
  it('refuses an unknown type with LEDGER_UNKNOWN_LEAF_TYPE naming it, and writes nothing of the batch', async () => {
    const { ledger } = await fresh();
    const err = await appendAny(ledger, [change, { type: 'evaluation', data: { status: 'pass' } }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LEDGER_UNKNOWN_LEAF_TYPE' });
    expect((err as Error).message).toMatch(/leaf input 1: unknown leaf type evaluation/);
    expect(ledger.size()).toBe(1);
  });

  it('refuses a body its schema refuses with LEDGER_BAD_LEAF_BODY naming the type and the field', async () => {
    const { ledger } = await fresh();
    const { outcome: _dropped, ...noOutcome } = run.data;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...run, data: noOutcome }, /leaf input 0: run leaf: data\.outcome: /],
      [{ ...run, data: { ...run.data, outcome: 'fine' } }, /leaf input 0: run leaf: data\.outcome: /],
      [{ ...change, data: { ...change.data, colour: 'red' } }, /leaf input 0: change leaf: data\.colour: not a field of this leaf type/],
      [{ type: 'heartbeat', data: { uptimeSeconds: 'long' } }, /leaf input 0: heartbeat leaf: data\.uptimeSeconds: /],
      [{ type: 'alert', data: { kind: 'gap', severity: 'high', title: 't', count: 1, items: [{ resourceId: 'r' }] } }, /leaf input 0: alert leaf: data\.items\.0\.from: /],
      [{ type: 'exception.granted', data: { exception: { ...exception, approver: 7 } } }, /leaf input 0: exception\.granted leaf: data\.exception\.approver: .*expected string, received number/],
    ];
    for (const [input, message] of cases) {
      const err = await appendAny(ledger, [input]).catch((e: unknown) => e);
      expect(err, String(message)).toMatchObject({ code: 'LEDGER_BAD_LEAF_BODY' });
      expect((err as Error).message).toMatch(message);
    }
    expect(ledger.size()).toBe(1);
  });

  it("refuses a type the ledger's role may not append with LEDGER_WRITER_FORBIDDEN naming both, and allows the role's own", async () => {
    const api = (await fresh('api')).ledger;
    const err = await api.append([run]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LEDGER_WRITER_FORBIDDEN' });
    expect((err as Error).message).toMatch(/opened as api may not append run \(written by: writer, collect\)/);
    expect(await api.append([grant])).toMatchObject([{ seq: 1, duplicate: false }]);

    const worker = (await fresh('worker')).ledger;
    await expect(worker.append([{ type: 'heartbeat', data: { uptimeSeconds: 1 } }])).rejects.toMatchObject({ code: 'LEDGER_WRITER_FORBIDDEN', message: expect.stringMatching(/worker may not append heartbeat/) });
    const collect = (await fresh('collect')).ledger;
    await expect(collect.append([{ type: 'alert', data: { kind: 'gap', severity: 'high', title: 't', count: 1 } }])).rejects.toMatchObject({ code: 'LEDGER_WRITER_FORBIDDEN' });
    expect(await collect.append([run, change])).toHaveLength(2);
  });

  it('the default role (writer) appends every type but the ledger-owned ones, which no role may', async () => {
    const { ledger } = await fresh();
    expect(ledger.role).toBe('writer');
    for (const t of LEAF_TYPES) {
      const writers = LEAF_CATALOGUE[t].writers as readonly string[];
      if (ledgerOwnedTypes().has(t)) expect(writers).toEqual(['ledger']);
      else expect(writers).toContain('writer');
      for (const w of writers) expect([...WRITER_ROLES, 'ledger']).toContain(w);
    }
    for (const role of WRITER_ROLES) {
      const l = (await fresh(role)).ledger;
      await expect(appendAny(l, [{ type: 'day.sealed', data: {} }])).rejects.toThrow(/day\.sealed is written only by the ledger itself/);
    }
  });
});

describe('the writer model: PROCESS_ROLES (src/agent.ts) and the catalogue agree', () => {
  // The leaf groups as PROCESS_ROLES documents them (swept gaps are `gap`; day.sealed is appended by the ledger itself,
  // its time stamp by the writer's SealStamper).
  const GROUPS: Record<LeafGroup, string[]> = {
    lifecycle: ['agent.started', 'agent.stopped', 'heartbeat', 'rule.defined', 'ruleset.defined', 'scope.retired', 'scope.reinstated', 'witness.cosigned'],
    runs: ['run', 'change', 'event', 'gap'],
    sweeps: ['gap', 'timestamp.token', 'publish.s3'],
    alerts: ['alert', 'exception.expired', 'delivery.failed', 'exception.granted', 'exception.revoked'],
    exceptions: ['exception.granted', 'exception.requested', 'exception.approved', 'exception.rejected', 'exception.revoked'],
    outages: ['outage.declared'],
    evidence: ['evidence.added', 'evidence.withdrawn'],
    reviews: ['review.started', 'review.decided', 'review.closed'],
    'review-decisions': ['review.decided'],
  };
  // What each process opens the ledger as: the agent by the parts it starts, the others as written in src/agent.ts.
  const OWN_ROLE: Partial<Record<keyof typeof PROCESS_ROLES, WriterRole>> = { collect: 'collect', exceptions: 'exceptions', export: 'worker', evidence: 'evidence', review: 'review' };

  it('every ledger role may append exactly the leaf types of the groups PROCESS_ROLES gives the processes opening the ledger as it', () => {
    // The writer role is shared: `vigil run` (whose in-process API appends the exceptions group) and `vigil worker` (no
    // API) both open the ledger as `writer`, so the role's allowance is the union of theirs.
    const byRole = new Map<WriterRole, Set<string>>();
    for (const [name, p] of Object.entries(PROCESS_ROLES) as Array<[keyof typeof PROCESS_ROLES, (typeof PROCESS_ROLES)[keyof typeof PROCESS_ROLES]]>) {
      const role = OWN_ROLE[name] ?? ledgerRoleFor(p.parts);
      const set = byRole.get(role) ?? new Set<string>();
      for (const g of p.appends) for (const t of GROUPS[g]) set.add(t);
      byRole.set(role, set);
    }
    for (const [role, modelled] of byRole) {
      const allowed = LEAF_TYPES.filter((t) => (LEAF_CATALOGUE[t].writers as readonly string[]).includes(role)).sort();
      expect(allowed, `ledger role ${role}`).toEqual([...modelled].sort());
    }
  });
});

describe('the leaf catalogue when verifying', () => {
  it('vigil ledger verify names an intact leaf of an unknown type or with a bad body, injected straight into the store', async () => {
    const { ledger, dir } = await fresh();
    await ledger.append([run]);
    await ledger.checkpoint('manual');
    await ledger.close();
    const db = rawDb(dir);
    const insert = db.prepare('INSERT INTO leaves(seq, leaf_hash, body, type, observed_at, idempotency_key, source, scope) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL)');
    const inject = (seq: number, type: string, data: Record<string, unknown>) => {
      const body = canonicalBytes({ v: 1, seq, type, observedAt: '2025-03-14T11:00:00.000Z', ...data });
      insert.run(seq, leafHash(body), body, type, '2025-03-14T11:00:00.000Z');
    };
    inject(2, 'mystery.leaf', { anything: 1 });
    inject(3, 'heartbeat', { uptimeSeconds: 5, mood: 'fine' });
    db.close();

    const ro = await Ledger.open({ dataDir: dir, readOnly: true });
    cleanups.push(() => ro.close());
    expect(ro.alarm).toBeNull(); // hashes and signed checkpoint agree: only the catalogue can tell
    const report = await ro.verify();
    expect(report.ok).toBe(false);
    expect(report.faults).toEqual([
      { seq: 2, message: 'leaf 2: leaf type "mystery.leaf" is not in the leaf catalogue' },
      { seq: 3, message: 'leaf 3: heartbeat leaf: data.mood: not a field of this leaf type' },
    ]);
  });

  it('leafProblem accepts every body Vigil writes and names what it refuses', () => {
    const body = (i: LeafInput, seq = 1) => ({ v: 1, seq, type: i.type, observedAt: '2025-03-14T10:00:00.000Z', ...(i.source ? { source: i.source } : {}), ...i.data });
    for (const i of [run, change, grant]) expect(leafProblem(body(i))).toBeUndefined();
    // Written by earlier versions, still in ledgers on disk: an identity rule definition without an input age.
    const oldRule = { id: 'xsys.offboarding_timeliness', title: 't', severity: 'high' as const, mode: 'snapshot' as const, inputs: [], params: {}, source: 'identity', permissions: [], maxInputAgeHours: null, logicSha256: 'c'.repeat(64) };
    expect(leafProblem(body({ type: 'rule.defined', data: { rule: oldRule } }))).toBeUndefined();
    expect(leafProblem({ ...body(change), to: 3 })).toEqual({ code: 'LEAF_BAD_BODY', message: expect.stringMatching(/^change leaf: data\.to: /) });
    expect(leafProblem({ v: 1, seq: 1, type: 42 })).toMatchObject({ code: 'LEAF_UNKNOWN_TYPE' });
  });
});

describe('typed reads', () => {
  it('round-trips: appended typed inputs come back as a discriminated union (parseLeaf checks, readLeaf trusts)', async () => {
    const { ledger } = await fresh();
    await ledger.append([run, change, grant]);
    const read: Leaf[] = [];
    for await (const l of ledger.leaves({ fromSeq: 1 })) read.push(parseLeaf(l.body));
    expect(read.map((l) => l.type)).toEqual(['run', 'change', 'exception.granted']);
    const outcomes: string[] = [];
    for (const l of read) {
      // Narrowing by `type` gives each leaf its own fields, with no cast.
      if (l.type === 'run') outcomes.push(`run ${l.outcome} ${l.population} ${l.source ?? ''}`);
      else if (l.type === 'change') outcomes.push(`change ${l.resourceId} ${l.from ?? 'new'}→${l.to}`);
      else if (l.type === 'exception.granted' && 'exception' in l) outcomes.push(`granted ${l.exception.id}`);
    }
    expect(outcomes).toEqual(['run complete 2 aws', 'change root new→fail', 'granted ex-1']);
    for (const l of read) expect(readLeaf(canonicalBytes(l))).toEqual(l);

    const last = await ledger.lastLeaf({ type: 'run', source: 'aws', scope: '1' });
    expect(last?.body.resultsSha256).toBe('a'.repeat(64));
    expect(last?.body.counts).toEqual(run.data.counts);
  });

  it('parseLeaf refuses stored bytes the catalogue refuses, naming the seq, type and field', () => {
    const bytes = canonicalBytes({ v: 1, seq: 7, type: 'gap', observedAt: '2025-03-14T10:00:00.000Z', from: 'a' });
    expect(() => parseLeaf(bytes)).toThrow(/leaf 7: gap leaf: data\.to: /);
    expect(() => parseLeaf(canonicalBytes({ v: 1, seq: 8, type: 'nope' }))).toThrow(expect.objectContaining({ code: 'LEDGER_UNKNOWN_LEAF_TYPE' }));
  });
});

describe('the leaf catalogue in the bundle verifier', () => {
  it('names a signed leaf of an unknown type, and one with a bad body, as faults of their own (the tree still verifies)', async () => {
    const demo = await buildDemoLedger({ days: 2 });
    cleanups.push(() => rmSync(demo.dataDir, { recursive: true, force: true }));
    // Leaves Vigil's catalogue refuses can only come from a ledger opened with another catalogue (or an edited store).
    const other = await Ledger.open({ dataDir: demo.dataDir, clock: demo.clock, catalogue: OPEN_CATALOGUE });
    const [x, hb] = await other.append([{ type: 'x', data: { a: 1 } }, { type: 'heartbeat', data: { uptimeSeconds: 1, mood: 'ok' } }]);
    await other.close();
    demo.clock.t = Date.parse('2025-03-04T00:30:00.000Z');
    const out = join(demo.dataDir, 'bundle');
    await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-03', framework: FRAMEWORK, out, clock: demo.clock, logger: silentLogger });
    const r = await verifyBundle(out, { trustedKeyFile: join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem') });
    expect(r.faults).toEqual([
      { code: 'LEAF_UNKNOWN_TYPE', file: expect.stringMatching(/^ledger\/leaves\/2025-03-03\.jsonl$/), seq: x!.seq, message: 'leaf type "x" is not in the leaf catalogue' },
      { code: 'LEAF_BAD_BODY', file: expect.stringMatching(/^ledger\/leaves\/2025-03-03\.jsonl$/), seq: hb!.seq, message: 'heartbeat leaf: data.mood: not a field of this leaf type' },
    ]);
  }, 60_000);
});
