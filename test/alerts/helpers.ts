// Shared test setup for alerts, API and exceptions: a temp ledger, a settable clock, and synthetic runs recorded by the writer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Clock, Logger } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Rule, Status } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { recordRun } from '../../src/pipeline/record.js';
import type { EvidenceJob } from '../../src/pipeline/collect-stage.js';
import { alertsConfigSchema, type AlertsConfig } from '../../src/alerts/config.js';

export const SCOPE = '111122223333';

export const settableClock = (iso: string): Clock & { set(iso: string): void; advance(ms: number): void } => {
  let t = new Date(iso);
  return { now: () => new Date(t), set: (x: string) => void (t = new Date(x)), advance: (ms: number) => void (t = new Date(t.getTime() + ms)) };
};

const mkRule = (id: string, severity: Rule['severity']): Rule => ({
  id,
  title: `${id} holds`,
  severity,
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.test.thing'],
  permissions: [],
  rationale: 'test',
  remediation: 'test',
  params: {},
  evaluate: () => [],
});
export const CRIT = mkRule('aws.test.critical_thing', 'critical');
export const HIGH = mkRule('aws.test.high_thing', 'high');
export const RULES = [CRIT, HIGH];

export function tempDir(prefix = 'vigil-alerts-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function openLedger(dir: string, clock: Clock, logger: Logger = silentLogger): Promise<Ledger> {
  return Ledger.open({ dataDir: dir, clock, logger });
}

/**
 * Gives each test of the calling `describe` a fresh ledger in a fresh dir, with `clock` set back to `startIso` first;
 * closes and removes it afterwards. Read `ledger` inside a test (it is replaced before each one).
 */
export function ledgerPerTest(clock: Clock & { set(iso: string): void }, startIso: string): { readonly ledger: Ledger } {
  let dir: string;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = tempDir();
    clock.set(startIso);
    ledger = await openLedger(dir, clock);
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { get ledger() { return ledger; } };
}

export function config(over: Partial<AlertsConfig> = {}): AlertsConfig {
  return { ...alertsConfigSchema.parse({}), ...over };
}

/** Records one run whose results are `statuses[ruleId][resourceId]`, at the clock's current time as slot. */
export async function recordStatuses(ledger: Ledger, clock: Clock, statuses: Record<string, Record<string, Status>>, source = 'aws', scope = SCOPE, errors: EvidenceJob['summary']['errors'] = []) {
  const slot = clock.now().toISOString();
  const results = Object.entries(statuses).flatMap(([ruleId, byRes]) => Object.entries(byRes).map(([resourceId, status]) => ({ ruleId, resourceId, status, reason: status === 'pass' ? 'ok' : `${resourceId} is ${status}` })));
  const counts = { pass: 0, fail: 0, error: 0, not_applicable: 0 } as Record<Status, number>;
  for (const r of results) counts[r.status]++;
  const job: EvidenceJob = {
    summary: { source: source as 'aws', scope, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 'test', populationSize: results.length, apiCalls: 1, counts, errors, artifacts: [] },
    results,
  };
  return recordRun(ledger, job);
}

/** A run error as the pipeline records it in the run leaf (no `retryable`). */
export type RunError = EvidenceJob['summary']['errors'][number];

/**
 * Records one run of `scope` that could not read anything: one scope-level `error` result per rule (resource id
 * `<source>:<scope>`, as the rules engine writes them) and the given collection errors.
 */
export async function recordFailing(ledger: Ledger, clock: Clock, ruleIds: string[], errors: RunError[], source = 'aws', scope = SCOPE) {
  const slot = clock.now().toISOString();
  const results = ruleIds.map((ruleId) => ({ ruleId, resourceId: `${source}:${scope}`, status: 'error' as Status, reason: `${errors[0]?.operation ?? 'collect'} failed` }));
  const job: EvidenceJob = {
    summary: { source: source as 'aws', scope, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 'test', populationSize: 0, apiCalls: 1, counts: { pass: 0, fail: 0, error: results.length, not_applicable: 0 }, errors, artifacts: [] },
    results,
  };
  return recordRun(ledger, job);
}

export async function leavesOf(ledger: Ledger, type: string): Promise<Array<Record<string, unknown> & { seq: number }>> {
  const out: Array<Record<string, unknown> & { seq: number }> = [];
  for await (const l of ledger.leaves({ types: [type] })) out.push({ ...(JSON.parse(l.body.toString()) as Record<string, unknown>), seq: l.seq });
  return out;
}

/** Captures every log call, so a test can assert what never reached the logs. */
export function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (obj: unknown, msg?: string) => void lines.push(JSON.stringify(obj) + ' ' + (msg ?? ''));
  return { lines, debug: rec, info: rec, warn: rec, error: rec } as Logger & { lines: string[] };
}

