// The HR roster as the per-hire evidence check reads it (src/rules/on-hire.ts RosterState): the latest complete `hris`
// read of each roster in the ledger, and whether it is recent enough to judge by. A roster that cannot be trusted is an
// `error` naming why, never an empty population.
import { UsageError } from '../core/errors.js';
import { addressOf, normaliseIdentity, sameIdentity } from '../core/identity-compare.js';
import { DEFAULT_MAX_INPUT_AGE_HOURS } from '../rules/engine.js';
import type { RosterEmployee, RosterState } from '../rules/on-hire.js';

/** The resource type a complete roster read lists (collectors/hris, src/core/contracts/hris.ts). */
const EMPLOYEE = 'hris.employee';

interface HrisRun {
  scope: string;
  endedAt: string;
  resourcesSha256?: string;
  errors: Array<{ code?: string; message?: string; inputs?: string[] }>;
}

/** Where blobs are read from: the ledger (`Ledger.getBlob`). */
export interface BlobSource {
  getBlob(sha256: string): Promise<Buffer | undefined>;
}

export interface RosterOptions {
  /** Whether a `hris` source is configured. Unknown (undefined): configured when the ledger holds any `hris` run. */
  configured?: boolean;
  /** A complete read older than this is too old to judge hires by. @defaultValue 26 (the rules' input age) */
  maxAgeHours?: number;
}

/** A fold of `hris` run leaves (and scope retirements), turned into the roster at an instant. */
export class RosterRuns {
  private readonly latest = new Map<string, HrisRun>();
  private readonly good = new Map<string, HrisRun>();
  private readonly cache = new Map<string, RosterEmployee[]>();
  private seen = false;

  /** A leaf body of type run, scope.retired or scope.reinstated (others, and other sources, are ignored). */
  leaf(body: Record<string, unknown>): void {
    if (body.source !== 'hris') return;
    const scope = String(body.scope);
    if (body.type === 'scope.retired') {
      this.latest.delete(scope);
      this.good.delete(scope);
      return;
    }
    if (body.type !== 'run') return;
    this.seen = true;
    const run = body as unknown as HrisRun;
    this.latest.set(scope, run);
    const failed = run.resourcesSha256 === undefined || run.errors.some((e) => e.inputs?.includes(EMPLOYEE) ?? true);
    if (!failed) this.good.set(scope, run);
  }

  /** The roster at `at`: every roster's latest complete read if each is recent enough, else an error naming why. */
  async state(blobs: BlobSource, at: Date, o: RosterOptions = {}): Promise<RosterState> {
    const configured = o.configured ?? this.seen;
    if (!configured) return { kind: 'not-configured' };
    if (this.latest.size === 0) return { kind: 'error', reason: 'no HR roster has been read: the hris source has no run in the ledger (vigil collect --source hris)' };
    const maxMs = (o.maxAgeHours ?? DEFAULT_MAX_INPUT_AGE_HOURS) * 3_600_000;
    const problems: string[] = [];
    const employees = new Map<string, RosterEmployee>();
    let readAt = '';
    for (const [scope, last] of [...this.latest].sort((a, b) => a[0].localeCompare(b[0]))) {
      const good = this.good.get(scope);
      const problem = rosterProblem(scope, last, good, at.getTime(), maxMs);
      if (problem !== undefined || good === undefined) {
        problems.push(problem ?? `hris ${scope}: no complete read`);
        continue;
      }
      let read: RosterEmployee[];
      try {
        read = await this.employeesOf(blobs, scope, good);
      } catch (err) {
        problems.push((err as Error).message);
        continue;
      }
      for (const e of read) {
        const prev = employees.get(e.workEmail);
        // Two rosters listing one email: the latest employment (start date) wins, as in the person view.
        if (prev === undefined || prev.startDate < e.startDate) employees.set(e.workEmail, e);
      }
      if (readAt === '' || good.endedAt < readAt) readAt = good.endedAt;
    }
    if (problems.length > 0) return { kind: 'error', reason: problems.join('; ') };
    return { kind: 'read', employees: [...employees.values()], readAt };
  }

  private async employeesOf(blobs: BlobSource, scope: string, run: HrisRun): Promise<RosterEmployee[]> {
    const sha = run.resourcesSha256!;
    const hit = this.cache.get(sha);
    if (hit !== undefined) return hit;
    const blob = await blobs.getBlob(sha);
    if (blob === undefined) throw new Error(`hris ${scope}: the roster read by the run of ${run.endedAt} (resources blob ${sha}) is not at hand`);
    const parsed = JSON.parse(blob.toString('utf8')) as { resources: Array<{ type: string; attributes: Record<string, unknown> }> };
    const out = parsed.resources.filter((r) => r.type === EMPLOYEE).map((r) => employeeOf(r.attributes));
    this.cache.set(sha, out);
    return out;
  }
}

function employeeOf(a: Record<string, unknown>): RosterEmployee {
  return {
    employeeId: String(a.employeeId),
    workEmail: String(a.workEmail).toLowerCase(),
    name: String(a.name),
    status: a.status as RosterEmployee['status'],
    startDate: String(a.startDate),
    terminationDate: typeof a.terminationDate === 'string' ? a.terminationDate : null,
  };
}

/** Why one roster cannot be judged by at `at`, or undefined when its latest complete read is recent enough. */
function rosterProblem(scope: string, last: HrisRun, good: HrisRun | undefined, at: number, maxMs: number): string | undefined {
  const hours = (r: HrisRun) => ((at - Date.parse(r.endedAt)) / 3_600_000).toFixed(1);
  const max = `${maxMs / 3_600_000} h`;
  if (last !== good) {
    const e = last.errors.find((x) => x.inputs?.includes(EMPLOYEE) ?? true) ?? last.errors[0];
    const why = e !== undefined ? `${e.code ?? 'error'}: ${e.message ?? ''}` : 'no resources recorded';
    if (good === undefined) return `hris ${scope}: the roster has never been read completely; the latest read (run of ${last.endedAt}) failed: ${why}`;
    if (at - Date.parse(good.endedAt) > maxMs) return `hris ${scope}: the latest read (run of ${last.endedAt}) failed: ${why}; the last complete read, of ${good.endedAt}, is ${hours(good)} h old (more than ${max})`;
    return undefined;
  }
  if (at - Date.parse(last.endedAt) > maxMs) return `hris ${scope}: the latest complete read, of ${last.endedAt}, is ${hours(last)} h old (more than ${max}): hires since may be missing`;
  return undefined;
}

/** The roster at `at` from every `hris` run in the ledger up to it (only the hris source's leaves are read). */
export async function loadRoster(ledger: BlobSource & { readLeaves(o: { types: readonly ['run', 'scope.retired', 'scope.reinstated']; source: string }): AsyncIterable<{ body: unknown }> }, at: Date, o: RosterOptions = {}): Promise<RosterState> {
  if (o.configured === false) return { kind: 'not-configured' };
  const runs = new RosterRuns();
  for await (const l of ledger.readLeaves({ types: ['run', 'scope.retired', 'scope.reinstated'] as const, source: 'hris' })) {
    const b = l.body as Record<string, unknown>;
    if (b.type === 'run' && String(b.endedAt) > at.toISOString()) continue;
    runs.leaf(b);
  }
  return runs.state(ledger, at, o);
}

/**
 * The work email on the roster that a typed subject names: the email (any case, or `Name <email>`) or the employee id.
 * Refused (exit 2, 400) when it names nobody — and when it only looks like someone (a Cyrillic letter, a zero-width
 * space: src/core/identity-compare.ts), naming who, so evidence never lands on a look-alike.
 */
export function resolveSubject(subject: string, roster: RosterState, where: string): string {
  if (roster.kind !== 'read') {
    const why = roster.kind === 'error' ? roster.reason : 'no HR roster source is configured (sources.hris)';
    throw new UsageError('EVIDENCE_SUBJECT', `${where}: subject ${JSON.stringify(subject)} cannot be checked against the HR roster: ${why}`);
  }
  const typed = normaliseIdentity(subject);
  const email = addressOf(typed).toLowerCase();
  const hit = roster.employees.find((e) => e.workEmail === email || e.employeeId === typed);
  if (hit !== undefined) return hit.workEmail;
  const like = roster.employees.filter((e) => sameIdentity(subject, e.workEmail)).map((e) => e.workEmail);
  const hint = like.length > 0 ? `; it looks like ${like.join(', ')} but is not the same text (write the roster's email exactly)` : '';
  throw new UsageError('EVIDENCE_SUBJECT', `${where}: subject ${JSON.stringify(subject)} is not an employee on the HR roster read ${roster.readAt} (${roster.employees.length} employees; give a work email or employee id)${hint}`);
}
