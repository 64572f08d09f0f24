// Shared test plumbing for the identity collectors: a fixed clock, deps and a collect-context builder.
import { expect } from 'vitest';
import type { Clock, CollectContext } from '../../src/core/collector.js';
import type { EmulatorReply, ReplyHook } from '../../src/core/emulator-reply.js';
import { silentLogger } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import type { RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import type { AwsEmulator } from '../../collectors/aws/emulator/index.js';

export const deps: CollectorDeps = { logger: silentLogger, clock: { now: () => new Date() }, configDir: process.cwd() };

export function ctx(scope: string, cursors?: Record<string, string>, clock: Clock = { now: () => new Date() }): CollectContext {
  return { scope, slot: clock.now().toISOString(), clock, logger: silentLogger, ...(cursors ? { cursors } : {}) };
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

/**
 * The degradation property over real HTTP: for every request path and every kind of bad reply, collects again with the
 * first reply of that path degraded, and asserts the collection ends well within 5 s, adds no pass the healthy read
 * (`good`) lacked, and gives every error a cause. `collect` starts a fresh emulator with the hook; `close` stops it.
 * Returns how many degraded replays ran.
 */
export async function degradeEachReply(o: {
  paths: string[];
  kinds: Array<[string, EmulatorReply]>;
  good: Set<string>;
  passes: (s: Snapshot) => Set<string>;
  collect: (reply: ReplyHook) => Promise<Snapshot>;
  close: () => Promise<void>;
}): Promise<number> {
  let replays = 0;
  for (const path of o.paths) {
    for (const [kind, reply] of o.kinds) {
      const t0 = Date.now();
      // Only the first reply of the path is degraded; a retry (429, 500, reset) sees a healthy one, as after a real blip.
      const snap = await o.collect((r) => (r.path === path && r.n === 0 ? reply : undefined));
      replays++;
      expect(Date.now() - t0, `${path} ${kind}`).toBeLessThan(5000);
      for (const p of o.passes(snap)) expect(o.good.has(p), `${path} ${kind}: ${p} passes only when degraded`).toBe(true);
      expect(snap.errors.every((e) => e.cause !== undefined), `${path} ${kind}: every error has a cause`).toBe(true);
      await o.close();
    }
  }
  return replays;
}
