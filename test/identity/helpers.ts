// Shared test plumbing for the identity collectors: a fixed clock, deps and a collect-context builder.
import type { CollectContext } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import type { RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import type { AwsEmulator } from '../../collectors/aws/emulator/index.js';

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

/** The rest of an offboarding: the person leaves the GitHub org, and their AWS user loses its keys and console password. */
export function removeFromGithubAndAws(gh: RunningGithubEmulator, aws: AwsEmulator, name: string): void {
  gh.state.org.members = gh.state.org.members.filter((m) => m.login !== name);
  const user = aws.estate.users.find((u) => u.name === name)!;
  for (const k of user.accessKeys) k.active = false;
  delete (user as { password?: unknown }).password;
  aws.expireCredentialReport();
}
