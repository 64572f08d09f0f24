// The emulator's AWS Backup restore jobs (served by restore-jobs.ts) and the demo's seeding of them.

export interface EmuRestoreJob {
  id: string;
  region: string;
  /** The protected resource whose recovery point was restored. */
  sourceArn: string;
  resourceType: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';
  created: string;
  /** Absent while PENDING or RUNNING. */
  completed?: string;
  message?: string;
}

/** The demo's restore tests in each region: the Aurora cluster tested 20 days ago (and after a failed try), the first
 * RDS instance last tested 140 days ago — outside a quarter — unless the estate is healthy. */
export function seedRestoreJobs(accountId: string, regions: string[], now: Date, healthy: boolean): EmuRestoreJob[] {
  const ago = (days: number, minutes = 0): string => new Date(now.getTime() - days * 86_400_000 + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return regions.flatMap((region) => {
    const aurora = `arn:aws:rds:${region}:${accountId}:cluster:aurora-${region}`;
    const db = `arn:aws:rds:${region}:${accountId}:db:db-${region}-0`;
    const dbDays = healthy ? 30 : 140;
    return [
      { id: `rj-${region}-a1`, region, sourceArn: aurora, resourceType: 'Aurora', status: 'FAILED' as const, created: ago(21), completed: ago(21, 15), message: 'Restore failed: the DB subnet group was not found' },
      { id: `rj-${region}-a2`, region, sourceArn: aurora, resourceType: 'Aurora', status: 'COMPLETED' as const, created: ago(20), completed: ago(20, 50) },
      { id: `rj-${region}-d1`, region, sourceArn: db, resourceType: 'RDS', status: 'COMPLETED' as const, created: ago(dbDays), completed: ago(dbDays, 35) },
      ...(healthy ? [] : [{ id: `rj-${region}-d2`, region, sourceArn: db, resourceType: 'RDS', status: 'ABORTED' as const, created: ago(10), completed: ago(10, 5), message: 'Restore job was aborted by the user' }]),
    ];
  });
}
