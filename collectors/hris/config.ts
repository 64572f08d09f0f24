// HR roster source config: where the CSV export is (a file or an HTTPS URL), its column names and its status values.
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';

/** Bounds of `maxBytes`: a roster of 100,000 people is ~20 MB; beyond 512 MB is not a roster. */
export const MAX_BYTES_BOUNDS = { min: 1_024, max: 512 * 1024 * 1024 } as const;

/** Column names of the default export (every HRIS lets the export name its columns; map yours under `columns:`). */
export const DEFAULT_COLUMNS = {
  employeeId: 'Employee ID',
  workEmail: 'Work Email',
  name: 'Name',
  status: 'Status',
  startDate: 'Start Date',
  terminationDate: 'Termination Date',
  manager: 'Manager',
  department: 'Department',
} as const;

/** Status values recognised by default (compared case-insensitively, spaces trimmed). */
export const DEFAULT_STATUS_VALUES = {
  active: ['active', 'employed', 'current'],
  leave: ['leave', 'on leave', 'leave of absence', 'loa'],
  terminated: ['terminated', 'inactive', 'former', 'separated'],
} as const;

const column = z.string().trim().min(1);

/** A URL the collector may fetch: HTTPS, or plain HTTP to this machine only (the demo's emulator, a local proxy). */
const rosterUrl = z.url().refine((u) => {
  const x = new URL(u);
  return x.protocol === 'https:' || (x.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(x.hostname));
}, { message: 'url must be https:// (plain http:// is accepted only for 127.0.0.1 and localhost)' });

const timeoutMessage = `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`;
const bytesMessage = `maxBytes must be between ${MAX_BYTES_BOUNDS.min} and ${MAX_BYTES_BOUNDS.max}`;

export const hrisConfigSchema = z.strictObject({
  /** Path of the CSV export, relative to the config file. One of `file` / `url`. */
  file: z.string().min(1).optional(),
  /** HTTPS URL of the CSV export. A token in its query string is redacted from every log line, error and record. */
  url: rosterUrl.optional(),
  /** Request headers for `url` (e.g. `Authorization: Bearer ${HR_EXPORT_TOKEN}`); their values are never logged. */
  headers: z.record(z.string().min(1), z.string()).default({}),
  /** The roster's name, recorded as the run's scope. @defaultValue "roster" */
  scope: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9._:@-]+$/, 'scope may hold letters, digits and . _ : @ - only').default('roster'),
  /**
   * The export's column names, by field (matched case-insensitively, spaces trimmed). `manager` and `department` may be
   * `null` when the export has no such column. @defaultValue DEFAULT_COLUMNS
   */
  columns: z.strictObject({
    employeeId: column.default(DEFAULT_COLUMNS.employeeId),
    workEmail: column.default(DEFAULT_COLUMNS.workEmail),
    name: column.default(DEFAULT_COLUMNS.name),
    status: column.default(DEFAULT_COLUMNS.status),
    startDate: column.default(DEFAULT_COLUMNS.startDate),
    terminationDate: column.default(DEFAULT_COLUMNS.terminationDate),
    manager: column.nullable().default(DEFAULT_COLUMNS.manager),
    department: column.nullable().default(DEFAULT_COLUMNS.department),
  }).prefault({}),
  /**
   * The roster's status values for each employment state (case-insensitive). A row with any other value is an error
   * naming its line. @defaultValue DEFAULT_STATUS_VALUES
   */
  statusValues: z.strictObject({
    active: z.array(z.string().trim().min(1)).min(1).default([...DEFAULT_STATUS_VALUES.active]),
    leave: z.array(z.string().trim().min(1)).default([...DEFAULT_STATUS_VALUES.leave]),
    terminated: z.array(z.string().trim().min(1)).min(1).default([...DEFAULT_STATUS_VALUES.terminated]),
  }).prefault({}),
  /** Largest roster accepted, in bytes; a larger file or reply is an error, never a truncated roster. @defaultValue 64 MiB */
  maxBytes: z.number().int().min(MAX_BYTES_BOUNDS.min, bytesMessage).max(MAX_BYTES_BOUNDS.max, bytesMessage).default(64 * 1024 * 1024),
  /**
   * Oldest export accepted, in hours, by the file's modification time or the URL's Last-Modified header (a reply without
   * one counts as current). An older roster would show people who left since as employed. @defaultValue 48
   */
  maxAgeHours: z.number().min(1, 'maxAgeHours must be between 1 and 8760').max(8760, 'maxAgeHours must be between 1 and 8760').default(48),
  /** Timeout of the whole `url` request, body included. @defaultValue 30000 */
  requestTimeoutMs: z.number().int()
    .min(REQUEST_TIMEOUT_BOUNDS_MS.min, timeoutMessage)
    .max(REQUEST_TIMEOUT_BOUNDS_MS.max, timeoutMessage)
    .default(DEFAULT_REQUEST_TIMEOUT_MS),
}).refine((v) => (v.file === undefined) !== (v.url === undefined), { message: 'give exactly one of file or url' })
  .refine((v) => {
    const seen = new Map<string, string>();
    for (const [state, values] of Object.entries(v.statusValues)) {
      for (const s of values) {
        const k = s.toLowerCase();
        if (seen.has(k) && seen.get(k) !== state) return false;
        seen.set(k, state);
      }
    }
    return true;
  }, { message: 'statusValues: a value is listed under two states', path: ['statusValues'] });

export type HrisConfig = z.infer<typeof hrisConfigSchema>;

/** This source's section of the config `vigil init` writes (see AWS_CONFIG_TEMPLATE in collectors/aws/config.ts). */
export const HRIS_CONFIG_TEMPLATE = `# HR roster: the CSV export every HR system has (docs/hris.md); the auditor's authoritative list of joiners and
# leavers. Dates must be ISO 8601 (2026-03-31). Any bad row makes the run an error naming its line, never a partial roster.
hris:
  file: ./hr-roster.csv                # relative to this file; or url: https://hr.example.com/export/roster.csv
  # headers: { Authorization: "Bearer \${HR_EXPORT_TOKEN}" }
  # columns: { employeeId: "Employee #", workEmail: "Email", terminationDate: "Term Date", manager: null }
  # statusValues: { active: [Active], leave: [LOA], terminated: [Terminated] }
`;
