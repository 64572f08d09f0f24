// Normalized HR roster records the `hris` collector produces and the person view (rules/identity/people.ts) joins.

/** The employment states Vigil reasons about; each roster's own status values map onto these (config `statusValues`). */
export type EmploymentStatus = 'active' | 'leave' | 'terminated';

export const EMPLOYMENT_STATUSES: readonly EmploymentStatus[] = ['active', 'leave', 'terminated'];

/**
 * `hris.employee` — one row of the HR roster. id = employee id, name = the employee's name. Every field was present and
 * valid in the row (the collector reads the whole file or records an error, never a partial roster).
 */
export interface HrisEmployeeAttributes {
  employeeId: string;
  /** Work email, lower-cased: the key the person view joins on. */
  workEmail: string;
  name: string;
  status: EmploymentStatus;
  /** The status as the roster spells it. */
  statusRaw: string;
  /** ISO 8601 date (YYYY-MM-DD) or instant, as written. */
  startDate: string;
  /** ISO 8601 date or instant; null when the row leaves it empty (required when `status` is `terminated`). */
  terminationDate: string | null;
  /** Manager as the roster names them (an email, an employee id or a name); null when the column is not mapped or empty. */
  manager: string | null;
  department: string | null;
  /** Line of the roster file the record starts on, for findings an HR admin can look up. */
  line: number;
}

/** The resource types the `hris` collector produces. */
export const HRIS_RESOURCE_TYPES = ['hris.employee'] as const;

/**
 * The instant an ISO 8601 date or date-time means as a termination: a date-only value is the end of that day in UTC (the
 * next midnight), since the employee may work that whole day; a date-time is taken as written. NaN when unreadable.
 */
export function terminationInstant(value: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) + 86_400_000 : Date.parse(value);
}
