// Manual evidence: checks a submission against the framework (criterion, requirement, dates), stores its file as a
// content-addressed blob and records an `evidence.added` leaf; reads the records back. The CLI and the API both use it.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Framework } from '../rules/frameworks.js';
import { addCadence, cadenceOf, parseCadence, type ManualRequirement } from '../rules/requirements.js';
import type { RosterState } from '../rules/on-hire.js';
import { resolveSubject } from './roster.js';
import { defaultExpiry, EVIDENCE_LEAF_TYPES, foldEvidenceLeaf, type EvidenceData, type EvidenceRecord, type EvidenceUploader, type EvidenceWithdrawalData } from '../rules/manual-evidence.js';

/** The largest evidence file accepted (a signed policy PDF, a pen-test report, an access-review spreadsheet). */
export const MAX_EVIDENCE_BYTES = 50 * 1024 * 1024;
/** POST /v1/evidence's body limit: the file travels base64-encoded in JSON (4/3 of its size) with a few fields beside it. */
export const EVIDENCE_BODY_LIMIT = Math.ceil((MAX_EVIDENCE_BYTES * 4) / 3) + 64 * 1024;

/** What a person submits, from `vigil evidence add` or `POST /v1/evidence`. */
export interface EvidenceSubmission {
  criterion: string;
  /** Required when the criterion has several requirements; the only one otherwise. */
  requirement?: string;
  title: string;
  fileName: string;
  data: Buffer;
  /** Default: from the file name's extension. */
  mediaType?: string;
  /** YYYY-MM-DD (start of that UTC day) or an ISO instant. @defaultValue now */
  effective?: string;
  /** YYYY-MM-DD (end of that UTC day) or an ISO instant; not with `every`. @defaultValue effective + the requirement's cadence */
  expires?: string;
  /** A cadence (`12mo`, `90d`): expiry = effective + it; not with `expires`. */
  every?: string;
  /** An owner key of `evidence.owners`, or a person; default the requirement's owner. */
  owner?: string;
  confidential?: boolean;
  /** Per-hire requirements: the employee it evidences (work email, `Name <email>` or employee id on the HR roster). */
  subject?: string;
}

const MEDIA_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
  eml: 'message/rfc822',
};

/** The media type of a file name by its extension; application/octet-stream when unknown. */
export function mediaTypeOf(fileName: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext !== undefined ? MEDIA_TYPES[ext] : undefined) ?? 'application/octet-stream';
}

function parseInstant(s: string, what: string, endOfDay: boolean, where: string): string {
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const t = Date.parse(bare ? `${s}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(t)) throw new UsageError('EVIDENCE_INVALID', `${where}: ${what}: expected a date (YYYY-MM-DD) or ISO 8601 instant, got ${JSON.stringify(s)}`);
  return new Date(t).toISOString();
}

const bad = (where: string, msg: string): UsageError => new UsageError('EVIDENCE_INVALID', `${where}: ${msg}`);

/** The requirement a submission names, when it names one that exists (no error: prepareEvidence names what is wrong). */
export function requirementNamed(fw: Framework, criterion: string, requirement: string | undefined): ManualRequirement | undefined {
  const reqs = fw.criteria.find((x) => x.id === criterion)?.manual ?? [];
  return requirement !== undefined ? reqs.find((q) => q.id === requirement) : reqs.length === 1 ? reqs[0] : undefined;
}

/** Whether a submission needs the HR roster to be checked: it names a subject, or a per-hire requirement. */
export function needsRoster(fw: Framework, s: Pick<EvidenceSubmission, 'criterion' | 'requirement' | 'subject'>): boolean {
  const q = requirementNamed(fw, s.criterion, s.requirement);
  return s.subject !== undefined || (q !== undefined && cadenceOf(q.cadence).kind === 'on-hire');
}

/** The subject of a per-hire record, resolved on the roster; none for other requirements (refused when given). */
function subjectOf(req: ManualRequirement, s: EvidenceSubmission, roster: RosterState | undefined, where: string): { subject?: string } {
  const onHire = cadenceOf(req.cadence).kind === 'on-hire';
  if (!onHire) {
    if (s.subject !== undefined) throw bad(where, `subject: requirement ${req.id} (${req.cadence}) is not per hire; only on-hire requirements name a subject`);
    return {};
  }
  if (s.subject === undefined || s.subject.trim() === '') throw bad(where, `subject is required for per-hire requirement ${req.id} (${req.cadence}): the employee it evidences (work email or employee id on the HR roster)`);
  return { subject: resolveSubject(s.subject, roster ?? { kind: 'not-configured' }, where) };
}

/**
 * Checks a submission and returns the record to write, or throws UsageError (exit 2, 400) naming what is wrong: an
 * unknown criterion or requirement, an empty title or file, an effective date in the future, an expiry not after it,
 * a per-hire requirement without a subject on the HR roster (`roster`: src/evidence/roster.ts loadRoster).
 */
export function prepareEvidence(fw: Framework, s: EvidenceSubmission, now: Date, uploader: Principal, owners: Readonly<Record<string, string>>, where: string, roster?: RosterState): EvidenceData {
  const c = fw.criteria.find((x) => x.id === s.criterion);
  if (c === undefined) throw bad(where, `unknown criterion ${JSON.stringify(s.criterion)} in framework ${fw.id} (criteria: ${fw.criteria.map((x) => x.id).join(', ')})`);
  if (c.manual.length === 0) throw bad(where, `criterion ${c.id} lists no manual evidence requirement in framework ${fw.id}`);
  const ids = c.manual.map((q) => q.id).join(', ');
  let req = c.manual[0]!;
  if (s.requirement !== undefined) {
    const q = c.manual.find((x) => x.id === s.requirement);
    if (q === undefined) throw bad(where, `criterion ${c.id} has no requirement ${JSON.stringify(s.requirement)} (requirements: ${ids})`);
    req = q;
  } else if (c.manual.length > 1) throw bad(where, `criterion ${c.id} has ${c.manual.length} requirements; name one with --requirement (requirements: ${ids})`);
  const title = s.title.trim();
  if (title === '') throw bad(where, 'title is required');
  const subject = subjectOf(req, s, roster, where);
  if (s.data.length === 0) throw bad(where, `file ${s.fileName} is empty`);
  if (s.data.length > MAX_EVIDENCE_BYTES) throw bad(where, `file ${s.fileName} is ${s.data.length} bytes; at most ${MAX_EVIDENCE_BYTES}`);
  const effectiveAt = s.effective !== undefined ? parseInstant(s.effective, 'effective', false, where) : now.toISOString();
  if (Date.parse(effectiveAt) > now.getTime()) throw bad(where, `effective ${effectiveAt} is in the future (evidence holds from a date it has reached)`);
  if (s.expires !== undefined && s.every !== undefined) throw bad(where, 'give --expires or --every, not both');
  let expiresAt: string | null;
  if (s.expires !== undefined) expiresAt = parseInstant(s.expires, 'expires', true, where);
  else if (s.every !== undefined) {
    const cad = parseCadence(s.every);
    if ('error' in cad || cad.kind === 'on-hire' || cad.kind === 'once') throw bad(where, `every: ${'error' in cad ? cad.error : `${JSON.stringify(s.every)}: expected Nmo or Nd`}`);
    expiresAt = addCadence(effectiveAt, cad);
  } else expiresAt = defaultExpiry(req, effectiveAt);
  if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(effectiveAt)) throw bad(where, `expires ${expiresAt} is not after effective ${effectiveAt}`);
  const ownerKey = s.owner !== undefined && Object.hasOwn(owners, s.owner) ? s.owner : (req.owner ?? null);
  const ownerName = s.owner !== undefined && !Object.hasOwn(owners, s.owner) ? s.owner.trim() : ownerKey !== null ? (owners[ownerKey] ?? null) : null;
  const fileName = basename(s.fileName.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '') || 'evidence';
  return {
    id: `ev_${randomBytes(6).toString('hex')}`,
    framework: fw.id,
    criterion: c.id,
    requirement: req.id,
    title,
    sha256: '',
    size: s.data.length,
    mediaType: s.mediaType?.trim() || mediaTypeOf(fileName),
    fileName,
    effectiveAt,
    expiresAt,
    owner: ownerKey,
    ownerName: ownerName === '' ? null : ownerName,
    uploader: uploaderOf(uploader),
    confidential: s.confidential === true,
    ...subject,
  };
}

/** Stores the file (a content-addressed blob) and then the record; returns the record as written and its leaf seq. */
export async function recordEvidence(ledger: Ledger, data: Buffer, ev: EvidenceData): Promise<{ evidence: EvidenceData; seq: number }> {
  const blob = await ledger.putBlob(data, ev.mediaType);
  const evidence = { ...ev, sha256: blob.sha256, size: blob.size };
  const [out] = await ledger.append([{ type: 'evidence.added', idempotencyKey: `evidence.added:${ev.id}`, data: evidence }]);
  return { evidence, seq: out!.seq };
}

/** Every evidence record in the ledger, in the order recorded, each with its withdrawal if one was recorded. */
export async function loadEvidence(ledger: Ledger): Promise<EvidenceRecord[]> {
  const out: EvidenceRecord[] = [];
  for await (const l of ledger.readLeaves({ types: [...EVIDENCE_LEAF_TYPES] })) foldEvidenceLeaf(out, l.seq, l.body as unknown as Record<string, unknown>);
  return out;
}

/** The principal as a leaf records it (a CLI account has no role). */
export const uploaderOf = (p: Principal): EvidenceUploader => (p.kind === 'local' ? { kind: 'local', name: p.name } : { kind: p.kind, name: p.name, role: p.role });

/**
 * Checks a withdrawal against the records and returns the leaf data to write, or throws UsageError (exit 2, 400/404/409)
 * naming what is wrong: an unknown id, a record already withdrawn, a missing reason. Nothing is written here.
 */
export function prepareWithdrawal(records: readonly EvidenceRecord[], id: string, reason: string | undefined, by: Principal, where: string): { record: EvidenceRecord; data: EvidenceWithdrawalData } {
  const why = (reason ?? '').trim();
  if (why === '') throw new UsageError('EVIDENCE_INVALID', `${where}: a reason is required (why the evidence is withdrawn: the auditor reads it)`);
  const record = records.find((r) => r.id === id);
  if (record === undefined) throw new UsageError('EVIDENCE_UNKNOWN', `${where}: no evidence record ${JSON.stringify(id)} in the ledger (vigil evidence list shows the ids)`);
  if (record.withdrawn !== undefined) {
    throw new UsageError('EVIDENCE_ALREADY_WITHDRAWN', `${where}: evidence ${id} was already withdrawn at ${record.withdrawn.at} by ${record.withdrawn.by.name} (leaf #${record.withdrawn.seq}): ${record.withdrawn.reason}`);
  }
  return { record, data: { id, framework: record.framework, criterion: record.criterion, requirement: record.requirement, reason: why, by: uploaderOf(by) } };
}

/** Appends the withdrawal; the record and its file stay. Returns the leaf's seq and the time it was recorded. */
export async function recordWithdrawal(ledger: Ledger, data: EvidenceWithdrawalData): Promise<{ seq: number; at: string }> {
  const [out] = await ledger.append([{ type: 'evidence.withdrawn', idempotencyKey: `evidence.withdrawn:${data.id}`, data }]);
  let at = '';
  for await (const l of ledger.leaves({ fromSeq: out!.seq, toSeq: out!.seq })) at = l.observedAt;
  return { seq: out!.seq, at };
}
