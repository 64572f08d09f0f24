// `vigil evidence add | list | withdraw`: manual evidence files recorded against framework requirements, by the local OS account.
import { describePrincipal } from '../core/principal-text.js';
import { readFileSync, statSync } from 'node:fs';
import type { AgentContext } from '../agent-context.js';
import { UsageError } from '../core/errors.js';
import { localPrincipal } from '../core/principal.js';
import { openLedger } from '../ledger/open-ledger.js';
import { loadConfiguredFramework } from '../rules/frameworks.js';
import { loadEvidence, MAX_EVIDENCE_BYTES, needsRoster, prepareEvidence, prepareWithdrawal, recordEvidence, recordWithdrawal } from '../evidence/evidence.js';
import { loadRoster } from '../evidence/roster.js';
import type { RosterState } from '../rules/on-hire.js';
import type { Ledger } from '../ledger/ledger.js';
import { DEFAULT_WARN_DAYS, dueStates, type EvidenceRecord, type RequirementDue } from '../rules/manual-evidence.js';

export interface EvidenceAddOptions {
  criterion: string;
  requirement?: string;
  title: string;
  file: string;
  effective?: string;
  expires?: string;
  every?: string;
  owner?: string;
  confidential?: boolean;
  mediaType?: string;
  framework?: string;
  subject?: string;
  json?: boolean;
}

/** The file's bytes, or a usage error naming the file and why it cannot be read (nothing is written before this). */
function readEvidenceFile(file: string): Buffer {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError('EVIDENCE_FILE', `--file ${file}: not a regular file`);
    if (st.size > MAX_EVIDENCE_BYTES) throw new UsageError('EVIDENCE_FILE', `--file ${file}: ${st.size} bytes; at most ${MAX_EVIDENCE_BYTES}`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new UsageError('EVIDENCE_FILE', `--file ${file}: cannot read it: ${why}`);
  }
}

/** Whether the config has an HR roster source (`sources.hris`): without one, per-hire requirements are not assessed. */
export const hrisConfigured = (ctx: AgentContext): boolean => Object.keys(ctx.loaded.sources).includes('hris');

/** The roster now, judged as status judges it (`maxAgeHours` Infinity: any complete read, to check a subject by). */
export async function rosterNow(ctx: AgentContext, ledger: Ledger, maxAgeHours?: number): Promise<RosterState> {
  return loadRoster(ledger, ctx.clock.now(), { configured: hrisConfigured(ctx), ...(maxAgeHours !== undefined ? { maxAgeHours } : {}) });
}

/** The roster a subject is checked against, read before anything is written. */
async function rosterForSubject(ctx: AgentContext): Promise<RosterState> {
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    return await rosterNow(ctx, ledger, Number.POSITIVE_INFINITY);
  } finally {
    await ledger.close();
  }
}

export async function evidenceAddCommand(ctx: AgentContext, o: EvidenceAddOptions): Promise<number> {
  const fw = loadConfiguredFramework(ctx.loaded.config, o.framework);
  const data = readEvidenceFile(o.file);
  const roster = needsRoster(fw, o) ? await rosterForSubject(ctx) : undefined;
  const ev = prepareEvidence(
    fw,
    {
      criterion: o.criterion,
      title: o.title,
      fileName: o.file,
      data,
      ...(o.requirement !== undefined ? { requirement: o.requirement } : {}),
      ...(o.effective !== undefined ? { effective: o.effective } : {}),
      ...(o.expires !== undefined ? { expires: o.expires } : {}),
      ...(o.every !== undefined ? { every: o.every } : {}),
      ...(o.owner !== undefined ? { owner: o.owner } : {}),
      ...(o.mediaType !== undefined ? { mediaType: o.mediaType } : {}),
      ...(o.confidential ? { confidential: true } : {}),
      ...(o.subject !== undefined ? { subject: o.subject } : {}),
    },
    ctx.clock.now(),
    localPrincipal(),
    ctx.loaded.config.evidence?.owners ?? {},
    'vigil evidence add',
    roster,
  );
  const ledger = await openLedger(ctx, { role: 'evidence' });
  try {
    const { evidence, seq } = await recordEvidence(ledger, data, ev);
    if (o.json) process.stdout.write(`${JSON.stringify({ evidence, seq })}\n`);
    else {
      const until = evidence.expiresAt === null ? 'no expiry' : `until ${evidence.expiresAt}`;
      process.stdout.write(
        `recorded ${evidence.id}: ${evidence.criterion}/${evidence.requirement}${evidence.subject !== undefined ? ` for ${evidence.subject}` : ''} "${evidence.title}" — ${evidence.fileName} (${evidence.size} bytes, ${evidence.mediaType}, sha256 ${evidence.sha256}), effective ${evidence.effectiveAt}, ${until}${evidence.confidential ? ', confidential' : ''} (leaf #${seq})\n`,
      );
    }
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function evidenceListCommand(ctx: AgentContext, o: { due?: boolean; json?: boolean; framework?: string }): Promise<number> {
  const fw = loadConfiguredFramework(ctx.loaded.config, o.framework);
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const records = (await loadEvidence(ledger)).filter((r) => r.framework === fw.id);
    if (o.due) {
      const roster = await rosterNow(ctx, ledger);
      const due = dueStates(fw.criteria, records, ctx.clock.now(), ctx.loaded.config.evidence?.warnDays ?? DEFAULT_WARN_DAYS, roster).filter((d) => d.state === 'due' || d.state === 'overdue' || d.state === 'error');
      if (o.json) process.stdout.write(`${JSON.stringify({ due }, null, 2)}\n`);
      else if (due.length === 0) process.stdout.write('No manual evidence due.\n');
      else for (const d of due) process.stdout.write(dueLine(d, ctx.loaded.config.evidence?.owners ?? {}));
    } else if (o.json) process.stdout.write(`${JSON.stringify({ evidence: records }, null, 2)}\n`);
    else if (records.length === 0) process.stdout.write('No manual evidence recorded.\n');
    else for (const r of records) process.stdout.write(recordLine(r));
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function evidenceWithdrawCommand(ctx: AgentContext, id: string, o: { reason: string; json?: boolean }): Promise<number> {
  const where = 'vigil evidence withdraw';
  // Checked on a read-only open first, so bad input creates nothing (not even a ledger in an empty data dir), and again
  // on the writable ledger in case another process withdrew it in between.
  const readOnly = await openLedger(ctx, { readOnly: true });
  try {
    prepareWithdrawal(await loadEvidence(readOnly), id, o.reason, localPrincipal(), where);
  } finally {
    await readOnly.close();
  }
  const ledger = await openLedger(ctx, { role: 'evidence' });
  try {
    const { record, data } = prepareWithdrawal(await loadEvidence(ledger), id, o.reason, localPrincipal(), where);
    const { seq, at } = await recordWithdrawal(ledger, data);
    if (o.json) process.stdout.write(`${JSON.stringify({ withdrawal: { ...data, at }, seq })}\n`);
    else process.stdout.write(`withdrew ${record.id}: ${record.criterion}/${record.requirement} "${record.title}" at ${at} by ${describePrincipal(data.by)}: ${data.reason} (leaf #${seq}); it no longer counts from then on, and the record and file stay\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

function recordLine(r: EvidenceRecord): string {
  const who = describePrincipal(r.uploader);
  const until = r.expiresAt === null ? 'no expiry' : `until ${r.expiresAt}`;
  const owner = r.owner !== null || r.ownerName !== null ? `, owner ${[r.owner, r.ownerName].filter((x) => x !== null).join(' = ')}` : '';
  const w = r.withdrawn === undefined ? '' : `  WITHDRAWN ${r.withdrawn.at} by ${describePrincipal(r.withdrawn.by)}: ${r.withdrawn.reason}`;
  return `${r.id}  ${r.criterion}/${r.requirement}${r.subject !== undefined ? ` for ${r.subject}` : ''}  "${r.title}"  ${r.fileName} (${r.size} bytes, sha256 ${r.sha256.slice(0, 16)}…)  effective ${r.effectiveAt}, ${until}, recorded ${r.recordedAt} by ${who}${owner}${r.confidential ? ', confidential' : ''}${w}\n`;
}

function dueLine(d: RequirementDue, owners: Readonly<Record<string, string>>): string {
  const owner = d.owner === null ? 'no owner' : `owner ${d.owner}${owners[d.owner] !== undefined ? ` = ${owners[d.owner]}` : ''}`;
  return `${d.state.toUpperCase().padEnd(8)} ${d.criterion}/${d.requirement} (${d.cadence}, ${owner}): ${d.reason} — ${d.title}\n`;
}
