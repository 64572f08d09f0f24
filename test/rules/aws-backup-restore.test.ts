// aws.backup.restore_tested over hand-made snapshots: NOW is 2025-06-15T12:00Z, so the default 92-day cycle starts at
// 2025-03-15T12:00Z (written out below, not computed), and the collector read restore jobs from 92 days before it ran.
import { describe, expect, it } from 'vitest';
import { ACCOUNT, NOW, snapshot } from './helpers.js';
import { ALL_INPUTS, R, res, table } from './aws-table.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import restoreTested from '../../rules/aws/backup/restore_tested.js';

const DB = `arn:aws:rds:${R}:${ACCOUNT}:db:orders`;
const AURORA = `arn:aws:rds:${R}:${ACCOUNT}:cluster:ledger`;
const critical = { 'vigil:critical': 'true' };
const db = (a: Record<string, unknown> = {}) => res('aws.rds.instance', DB, 'orders', { clusterId: null, tags: critical, ...a });
const aurora = (a: Record<string, unknown> = {}) => res('aws.rds.cluster', AURORA, 'ledger', { tags: critical, ...a });
const job = (id: string, status: string, completedAt: string | null, sourceResourceArn: string | null = DB) => ({ id, status, sourceResourceArn, recoveryPointArn: null, resourceType: 'RDS', createdResourceArn: null, createdAt: completedAt, completedAt, statusMessage: null });
// collected an hour before NOW: the window the collector asked for starts 92 days before that
const jobs = (list: unknown[], windowFrom = '2025-03-15T11:00:00.000Z', region = R) => res('aws.backup.restore_jobs', `arn:aws:backup:${region}:${ACCOUNT}:restore-jobs`, `restore-jobs/${region}`, { windowFrom, windowTo: '2025-06-15T11:00:00.000Z', jobs: list }, region);

table(restoreTested, [
  { name: 'a restore test completed 20 days ago passes, naming its date', resources: [db(), jobs([job('rj-1', 'COMPLETED', '2025-05-26T12:00:00.000Z')])], id: DB, status: 'pass', reason: /2025-05-26T12:00:00.000Z/ },
  { name: 'a restore test completed exactly 92 days ago passes', resources: [db(), jobs([job('rj-1', 'COMPLETED', '2025-03-15T12:00:00.000Z')])], id: DB, status: 'pass' },
  { name: 'one second older than 92 days fails, naming that last test', resources: [db(), jobs([job('rj-1', 'COMPLETED', '2025-03-15T11:59:59.000Z')])], id: DB, status: 'fail', reason: /last: 2025-03-15T11:59:59.000Z/ },
  { name: 'a failed and an aborted restore do not count', resources: [db(), jobs([job('rj-1', 'FAILED', '2025-06-10T00:00:00.000Z'), job('rj-2', 'ABORTED', '2025-06-11T00:00:00.000Z')])], id: DB, status: 'fail', reason: /last: none since 2025-03-15T11:00:00.000Z; 2 failed or aborted/ },
  { name: 'a restore test of another store does not count', resources: [db(), aurora(), jobs([job('rj-1', 'COMPLETED', '2025-06-01T00:00:00.000Z', AURORA)])], id: DB, status: 'fail' },
  { name: '…and passes that other store', resources: [db(), aurora(), jobs([job('rj-1', 'COMPLETED', '2025-06-01T00:00:00.000Z', AURORA)])], id: AURORA, status: 'pass' },
  { name: 'no restore job at all fails', resources: [db(), jobs([])], id: DB, status: 'fail', reason: /no successful restore test in the last 92 days/ },
  { name: 'a shorter cycle (30 days) fails a test 40 days old', resources: [db(), jobs([job('rj-1', 'COMPLETED', '2025-05-06T12:00:00.000Z')])], id: DB, status: 'fail', params: { maxDaysSinceRestoreTest: 30 } },
  { name: 'a cycle longer than the window read is error, not fail', resources: [db(), jobs([])], id: DB, status: 'error', reason: /shorter than the 120 days/, params: { maxDaysSinceRestoreTest: 120 } },
  { name: 'no restore-job listing for the region is error', resources: [db(), jobs([], '2025-03-15T11:00:00.000Z', 'us-east-1')], id: DB, status: 'error', reason: /not read/ },
  { name: 'a completed job that does not name its source is error for an untested store', resources: [db(), jobs([job('rj-1', 'COMPLETED', '2025-06-01T00:00:00.000Z', null)])], id: DB, status: 'error', reason: /did not name their source/ },
  { name: 'a store whose tags were not reported is error', resources: [db({ tags: null }), jobs([])], id: DB, status: 'error' },
]);

describe('aws.backup.restore_tested scope', () => {
  it('is not_applicable with no critical store (untagged instances, and instances inside a cluster, are not judged)', () => {
    const resources = [db({ tags: { env: 'dev' } }), res('aws.rds.instance', `${DB}-2`, 'orders-2', { clusterId: 'ledger', tags: critical }), jobs([])];
    const results = evaluateSnapshot(snapshot(resources, { inputs: ALL_INPUTS }), [restoreTested], { now: NOW });
    expect(results.map((r) => [r.resourceId, r.status])).toEqual([[`aws:${ACCOUNT}`, 'not_applicable']]);
  });

  it('is error when the restore-job input was not collected completely', () => {
    const { ['aws.backup.restore_jobs']: _gone, ...inputs } = ALL_INPUTS;
    const results = evaluateSnapshot(snapshot([db(), jobs([job('rj-1', 'COMPLETED', '2025-06-01T00:00:00.000Z')])], { inputs }), [restoreTested], { now: NOW });
    expect(results.map((r) => r.status)).toEqual(['error']);
  });
});
