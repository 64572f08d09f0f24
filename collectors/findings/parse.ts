// Parses a scanner's findings file (OCSF Detection Findings as Prowler writes them with `-M json-ocsf`, or AWS Security
// Finding Format, `-M json-asff`) into normalized findings. The whole file is parsed before anything is returned: a
// malformed or truncated file, or one finding that cannot be read, is a FindingsParseError naming the line and column,
// never a partial list. Judging and recording are not done here (src/cli/import.ts, docs/findings-import.md).
import { AppError } from '../../src/core/errors.js';

export type FindingsFormat = 'ocsf' | 'asff';
export const FINDINGS_FORMATS: readonly FindingsFormat[] = ['ocsf', 'asff'];

/** One finding, as Vigil records it. `status` is Vigil's verdict; `scannerStatus` is the scanner's own word. */
export interface ImportedFinding {
  scanner: string;
  provider: string;
  account: string;
  checkId: string;
  status: 'pass' | 'fail' | 'error';
  scannerStatus: string;
  muted: boolean;
  uid: string;
  resourceId: string;
  region?: string;
  severity: string;
  /** When the scanner judged it (ISO 8601 UTC), from the finding itself. */
  scannerTime: string;
  title: string;
  statusDetail: string;
  /** The scanner's own SOC 2 requirement ids for the check (Prowler: `unmapped.compliance.SOC2`, e.g. `cc_6_1`). */
  soc2: string[];
  /** 1-based line of the finding's opening brace in the file. */
  line: number;
}

/** A findings file that cannot be imported: a user's bad input (exit 2), naming the file, line and column. */
export class FindingsParseError extends AppError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super('FINDINGS_MALFORMED', message, { exitCode: 2, remediation: 'import the complete file the scanner wrote (an interrupted scan leaves one without its closing ]), with the --format it was written in' });
    this.name = 'FindingsParseError';
  }
}

/** 1-based line and column of a character offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Offset where JSON.parse stopped: Node names a position, or (at the end of the input) none. */
function jsonErrorOffset(text: string, message: string): number {
  const m = /position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) {
    const lines = text.split('\n');
    return lines.slice(0, Number(lc[1]) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(lc[2]) - 1;
  }
  return text.replace(/\s+$/, '').length;
}

/** Offsets of the objects opened at depth 1 (elements of a top-level array) and depth 2 (elements of `{ Findings: [...] }`). */
function elementOffsets(text: string): { depth1: number[]; depth2: number[] } {
  const depth1: number[] = [];
  const depth2: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (ch === '{' && depth === 1) depth1.push(i);
      if (ch === '{' && depth === 2) depth2.push(i);
      depth++;
    } else if (ch === '}' || ch === ']') depth--;
  }
  return { depth1, depth2 };
}

/** Parses the file's text; `file` names it in messages. Throws FindingsParseError (exit 2) on anything it cannot read in full. */
export function parseFindings(text: string, format: FindingsFormat, file: string, opts: { scanner?: string } = {}): ImportedFinding[] {
  if (text.trim() === '') throw new FindingsParseError(`${file}: line 1, column 1: the file is empty; expected a JSON array of ${format === 'ocsf' ? 'OCSF findings' : 'ASFF findings'}`, 1, 1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const { line, column } = lineCol(text, jsonErrorOffset(text, msg));
    const trimmed = text.trimEnd();
    const truncated = /end of (JSON )?input|Unterminated|Unexpected end/i.test(msg) || (trimmed.startsWith('[') && !trimmed.endsWith(']'));
    const why = truncated ? 'the file ends before the JSON is complete (the array is not closed: an interrupted or still-running scan?)' : `not valid JSON (${msg.split('\n')[0]})`;
    throw new FindingsParseError(`${file}: line ${line}, column ${column}: ${why}`, line, column);
  }
  const offsets = elementOffsets(text);
  let items: unknown[];
  let starts: number[];
  if (Array.isArray(data)) {
    items = data;
    starts = offsets.depth1;
  } else if (format === 'asff' && isObj(data) && Array.isArray(data.Findings)) {
    items = data.Findings;
    starts = offsets.depth2;
  } else {
    throw new FindingsParseError(`${file}: line 1, column 1: expected a JSON array of findings${format === 'asff' ? ' or {"Findings": [...]}' : ''}`, 1, 1);
  }
  if (items.length === 0) throw new FindingsParseError(`${file}: line 1, column 1: no findings in the file; an empty scan cannot be told from one that read nothing, so nothing is imported`, 1, 1);
  const out: ImportedFinding[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const at = lineCol(text, starts[i] ?? 0);
    const fail = (what: string): never => {
      throw new FindingsParseError(`${file}: line ${at.line}, column ${at.column}: finding ${i + 1}: ${what}`, at.line, at.column);
    };
    if (!isObj(item)) fail('not a JSON object');
    const f = format === 'ocsf' ? fromOcsf(item as Obj, fail) : fromAsff(item as Obj, fail, opts.scanner);
    const dup = seen.get(f.uid);
    if (dup !== undefined) fail(`duplicate finding uid "${f.uid}" (first at line ${dup}); a scanner writes each finding once`);
    seen.set(f.uid, at.line);
    out.push({ ...f, line: at.line });
  });
  return out;
}

type Obj = Record<string, unknown>;
type Fail = (what: string) => never;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: unknown, path: string, fail: Fail): string {
  let v: unknown = o;
  for (const k of path.split('.')) v = isObj(v) ? v[k] : undefined;
  if (typeof v !== 'string' || v.trim() === '') return fail(`no ${path} (expected a non-empty string)`);
  return v;
}

function optStr(o: unknown, path: string): string | undefined {
  let v: unknown = o;
  for (const k of path.split('.')) v = isObj(v) ? v[k] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** A check id as a rule id segment: lower-case letters, digits and underscores (Prowler's check ids are). */
const CHECK_ID = /^[a-z0-9_]+$/;

function instant(v: string, path: string, fail: Fail): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) return fail(`${path} "${v}" is not a date-time`);
  return new Date(t).toISOString();
}

const OCSF_STATUS: Record<string, ImportedFinding['status']> = { PASS: 'pass', FAIL: 'fail', MANUAL: 'error' };

function fromOcsf(o: Obj, fail: Fail): Omit<ImportedFinding, 'line'> {
  if (o.class_uid !== 2004) fail(`class_uid ${JSON.stringify(o.class_uid)}: expected 2004 (OCSF Detection Finding)`);
  const checkId = str(o, 'metadata.event_code', fail);
  if (!CHECK_ID.test(checkId)) fail(`metadata.event_code "${checkId}": expected a check id of lower-case letters, digits and _`);
  const scanner = str(o, 'metadata.product.name', fail).toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const code = str(o, 'status_code', fail);
  const status = OCSF_STATUS[code];
  if (status === undefined) fail(`status_code "${code}": expected PASS, FAIL or MANUAL`);
  const uid = str(o, 'finding_info.uid', fail);
  const resources = o.resources;
  if (!Array.isArray(resources) || resources.length === 0 || !isObj(resources[0])) fail('no resources (expected at least one resource with a uid)');
  const res = (resources as Obj[])[0]!;
  const resourceId = str(res, 'uid', fail);
  let provider: string;
  let account: string;
  if (isObj(o.cloud)) {
    provider = str(o, 'cloud.provider', fail).toLowerCase();
    account = str(o, 'cloud.account.uid', fail);
  } else {
    fail('no cloud.provider and cloud.account.uid (findings without a cloud account, such as Kubernetes, are not supported yet)');
  }
  const timeDt = optStr(o, 'time_dt');
  const scannerTime = timeDt !== undefined ? instant(timeDt, 'time_dt', fail) : typeof o.time === 'number' ? new Date(o.time * 1000).toISOString() : fail('no time_dt or time');
  const severity = str(o, 'severity', fail);
  const soc2 = (isObj(o.unmapped) && isObj(o.unmapped.compliance) && Array.isArray(o.unmapped.compliance.SOC2) ? o.unmapped.compliance.SOC2 : []).filter((x): x is string => typeof x === 'string');
  const region = optStr(res, 'region') ?? optStr(o, 'cloud.region');
  return {
    scanner,
    provider: provider!,
    account: account!,
    checkId,
    status: status!,
    scannerStatus: code,
    muted: o.status === 'Suppressed',
    uid,
    resourceId,
    ...(region !== undefined ? { region } : {}),
    severity: severity.toLowerCase(),
    scannerTime,
    title: optStr(o, 'finding_info.title') ?? checkId,
    statusDetail: optStr(o, 'status_detail') ?? '',
    soc2,
  };
}

const ASFF_STATUS: Record<string, ImportedFinding['status']> = { PASSED: 'pass', FAILED: 'fail', WARNING: 'error', NOT_AVAILABLE: 'error' };

function fromAsff(o: Obj, fail: Fail, scannerOpt: string | undefined): Omit<ImportedFinding, 'line'> {
  str(o, 'SchemaVersion', fail);
  const uid = str(o, 'Id', fail);
  const productArn = str(o, 'ProductArn', fail);
  const generator = str(o, 'GeneratorId', fail);
  // Prowler names its product `prowler/prowler` in the ARN and prefixes GeneratorId with `prowler-`.
  const fromArn = /product\/([^/]+)\//.exec(productArn)?.[1];
  const scanner = (scannerOpt ?? optStr(o, 'ProductName') ?? fromArn ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (scanner === '') fail('cannot tell the scanner (no ProductName, and ProductArn has no product/<company>/); pass --scanner');
  const checkId = generator.startsWith(`${scanner}-`) ? generator.slice(scanner.length + 1) : generator;
  if (!CHECK_ID.test(checkId)) fail(`GeneratorId "${generator}": expected a check id of lower-case letters, digits and _ (after the scanner's prefix)`);
  const account = str(o, 'AwsAccountId', fail);
  const code = str(o, 'Compliance.Status', fail);
  const status = ASFF_STATUS[code];
  if (status === undefined) fail(`Compliance.Status "${code}": expected PASSED, FAILED, WARNING or NOT_AVAILABLE`);
  const resources = o.Resources;
  if (!Array.isArray(resources) || resources.length === 0 || !isObj(resources[0])) fail('no Resources (expected at least one resource with an Id)');
  const res = (resources as Obj[])[0]!;
  const resourceId = str(res, 'Id', fail);
  const scannerTime = instant(str(o, 'UpdatedAt', fail), 'UpdatedAt', fail);
  const severity = str(o, 'Severity.Label', fail);
  const related = isObj(o.Compliance) && Array.isArray(o.Compliance.RelatedRequirements) ? o.Compliance.RelatedRequirements : [];
  const soc2 = related.flatMap((r) => (typeof r === 'string' ? [/^SOC2[:\s]+(\S+)$/i.exec(r)?.[1]] : [])).filter((x): x is string => x !== undefined);
  const region = optStr(res, 'Region') ?? optStr(o, 'Region');
  return {
    scanner,
    provider: 'aws',
    account,
    checkId,
    status: status!,
    scannerStatus: code,
    muted: optStr(o, 'Workflow.Status') === 'SUPPRESSED',
    uid,
    resourceId,
    ...(region !== undefined ? { region } : {}),
    severity: severity.toLowerCase(),
    scannerTime,
    title: optStr(o, 'Title') ?? checkId,
    statusDetail: optStr(o, 'Description') ?? '',
    soc2,
  };
}
