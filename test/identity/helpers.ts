// Shared test plumbing for the identity collectors: a fixed clock, deps and a collect-context builder.
import type { CollectContext } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';

export const deps: CollectorDeps = { logger: silentLogger, clock: { now: () => new Date() }, configDir: process.cwd() };

export function ctx(scope: string, cursors?: Record<string, string>): CollectContext {
  return { scope, slot: new Date().toISOString(), clock: { now: () => new Date() }, logger: silentLogger, ...(cursors ? { cursors } : {}) };
}

export function byType(s: Snapshot, type: string) {
  return s.resources.filter((r) => r.type === type);
}

export function statusOf(results: Array<{ ruleId: string; resourceId: string; status: string }>, ruleId: string, resourceId: string): string | undefined {
  return results.find((r) => r.ruleId === ruleId && r.resourceId === resourceId)?.status;
}
