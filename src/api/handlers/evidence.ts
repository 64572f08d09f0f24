// Manual evidence routes: list records (and requirements due); upload a file as evidence, or withdraw a record, by an
// admin or by the token named as the requirement's owner (config `evidence.owners`), recorded with the token.
import { UsageError } from '../../core/errors.js';
import { loadEvidence, needsRoster, prepareEvidence, prepareWithdrawal, recordEvidence, recordWithdrawal, type EvidenceSubmission } from '../../evidence/evidence.js';
import { loadRoster } from '../../evidence/roster.js';
import { dueStates } from '../../rules/manual-evidence.js';
import { ApiError } from '../errors.js';
import { frameworkParam, servedFrameworks, type HandlerDeps, type Handlers } from '../options.js';
import type { Framework } from '../../rules/frameworks.js';

const str = (b: Record<string, unknown>, k: string, required = false): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null) {
    if (required) throw new UsageError('EVIDENCE_INVALID', `request body: ${k} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new UsageError('EVIDENCE_INVALID', `request body: ${k} must be a string`);
  return v;
};

/** The submission in a JSON body: the file as `contentBase64` (strict base64) with its `fileName`. */
function submissionOf(body: unknown): EvidenceSubmission {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new UsageError('EVIDENCE_INVALID', 'request body: expected a JSON object');
  const b = body as Record<string, unknown>;
  const content = str(b, 'contentBase64', true)!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) throw new UsageError('EVIDENCE_INVALID', 'request body: contentBase64 is not base64');
  if (b.confidential !== undefined && typeof b.confidential !== 'boolean') throw new UsageError('EVIDENCE_INVALID', 'request body: confidential must be true or false');
  const opt = (k: keyof EvidenceSubmission & string) => {
    const v = str(b, k);
    return v !== undefined ? { [k]: v } : {};
  };
  return {
    criterion: str(b, 'criterion', true)!,
    title: str(b, 'title', true)!,
    fileName: str(b, 'fileName', true)!,
    data: Buffer.from(content, 'base64'),
    ...opt('requirement'),
    ...opt('mediaType'),
    ...opt('effective'),
    ...opt('expires'),
    ...opt('every'),
    ...opt('owner'),
    ...opt('subject'),
    ...(b.confidential === true ? { confidential: true } : {}),
  };
}

export function evidenceHandlers(deps: HandlerDeps): Handlers {
  const { ledger, clock, logger } = deps.opts;
  const owners = deps.opts.evidence?.owners ?? {};
  const configured = deps.opts.sources.some((s) => s.source === 'hris');
  const rosterAt = (now: Date, maxAgeHours?: number) => loadRoster(ledger, now, { configured, ...(maxAgeHours !== undefined ? { maxAgeHours } : {}) });
  return {
    'GET /v1/evidence': async (req) => {
      const q = req.query as { due?: string; framework?: string };
      const framework = frameworkParam(deps.opts, q.framework);
      const records = (await loadEvidence(ledger)).filter((r) => r.framework === framework.id);
      if (q.due !== undefined && q.due !== 'true' && q.due !== 'false') throw new ApiError('bad_request', 'query parameter due must be true or false');
      if (q.due === 'true') {
        const now = clock.now();
        const due = dueStates(framework.criteria, records, now, deps.opts.evidence?.warnDays ?? 30, await rosterAt(now));
        return { due: due.filter((d) => d.state === 'due' || d.state === 'overdue' || d.state === 'error') };
      }
      return { evidence: records };
    },
    'POST /v1/evidence': async (req, reply) => {
      const who = req.principal!;
      const sub = submissionOf(req.body);
      const framework = frameworkParam(deps.opts, (req.body as Record<string, unknown>).framework, 'request body: framework');
      const now = clock.now();
      // A subject is checked against any complete roster read (however old): the person was hired, whatever came since.
      const roster = needsRoster(framework, sub) ? await rosterAt(now, Number.POSITIVE_INFINITY) : undefined;
      const ev = prepareEvidence(framework, sub, now, { kind: 'token', name: who.name, role: who.role }, owners, 'request body', roster);
      mayActFor(framework, owners, who, ev, 'uploading');
      const { evidence, seq } = await recordEvidence(ledger, sub.data, ev);
      logger.info({ evidence: evidence.id, criterion: evidence.criterion, requirement: evidence.requirement, sha256: evidence.sha256, by: who.name, seq }, 'evidence recorded');
      return reply.code(201).send({ evidence, seq });
    },
    'POST /v1/evidence/:id/withdraw': async (req) => {
      const who = req.principal!;
      const b = req.body;
      if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new UsageError('EVIDENCE_INVALID', 'request body: expected a JSON object with a reason');
      const reason = str(b as Record<string, unknown>, 'reason', true);
      const id = (req.params as { id: string }).id;
      const records = await loadEvidence(ledger);
      const by = { kind: 'token' as const, name: who.name, role: who.role };
      const { record, data } = prepareWithdrawal(records, id, reason, by, 'request');
      // The owner is the one the record's own framework names (a framework no longer configured: admin only).
      mayActFor(servedFrameworks(deps.opts).find((f) => f.id === record.framework), owners, who, record, 'withdrawing');
      const { seq, at } = await recordWithdrawal(ledger, data);
      logger.info({ evidence: id, criterion: record.criterion, requirement: record.requirement, by: who.name, seq }, 'evidence withdrawn');
      return { withdrawal: { ...data, at }, seq };
    },
  };
}

/** An admin may upload or withdraw any evidence; anyone else only for a requirement whose owner (key or person) is their token's name. */
function mayActFor(framework: Framework | undefined, owners: Readonly<Record<string, string>>, who: { name: string; role: string }, ev: { criterion: string; requirement: string }, what: string): void {
  const owner = framework?.criteria.find((c) => c.id === ev.criterion)?.manual.find((q) => q.id === ev.requirement)?.owner;
  const isOwner = owner !== undefined && (who.name === owner || who.name === owners[owner]);
  if (who.role !== 'admin' && !isOwner) {
    throw new ApiError('forbidden', `${what} evidence for ${ev.criterion}/${ev.requirement} needs the admin role or the requirement's owner (${owner ?? 'none'}${owner !== undefined && owners[owner] !== undefined ? ` = ${owners[owner]}` : ''}); token "${who.name}" is neither`);
  }
}
