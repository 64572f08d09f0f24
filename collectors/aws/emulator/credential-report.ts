// The emulated IAM credential report's life cycle: generated as a snapshot of the estate, ready after a delay, expired after a TTL.
import type { Clock } from '../../../src/core/collector.js';
import type { AwsEstate } from './estate.js';
import { QueryError, credentialReportCsv } from './iam-responses.js';
import { el, ts } from './xml.js';

interface ReportState {
  startedAt: number;
  readyAt: number;
  csv: string;
}

export interface CredentialReportOptions {
  /** When generation starts and ends, and when a report expires. */
  clock: Clock;
  /** Time GenerateCredentialReport takes before the report is COMPLETE. 0 allowed. */
  delayMs: number;
  /** How long a generated report is served before a new one may be generated. */
  ttlMs: number;
  /** Whether the report leaves out the `<root_account>` row (a fault switch). */
  withoutRoot: () => boolean;
}

export interface CredentialReports {
  /** The GenerateCredentialReport result body (State, and Description when a generation starts). */
  generate(estate: AwsEstate): string;
  /** The GetCredentialReport result body, or the QueryError IAM answers while none is ready. */
  get(estate: AwsEstate): string;
  /** Forgets every report, as if the TTL had passed without one being generated. */
  expire(): void;
}

/** Reports per account id. */
export function createCredentialReports(opts: CredentialReportOptions): CredentialReports {
  const reports = new Map<string, ReportState>();
  return {
    generate(estate) {
      const now = opts.clock.now().getTime();
      let report = reports.get(estate.accountId) ?? null;
      if (report === null || now - report.readyAt > opts.ttlMs) {
        // The report is a snapshot of the estate when generation starts, like IAM's.
        const csv = credentialReportCsv(estate);
        report = { startedAt: now, readyAt: now + opts.delayMs, csv: opts.withoutRoot() ? csv.split('\n').filter((l) => !l.startsWith('<root_account>,')).join('\n') : csv };
        reports.set(estate.accountId, report);
        if (opts.delayMs > 0) {
          return el('State', 'STARTED') + el('Description', 'No report exists. Starting a new report generation task');
        }
      }
      return el('State', now >= report.readyAt ? 'COMPLETE' : 'INPROGRESS');
    },
    get(estate) {
      const now = opts.clock.now().getTime();
      const report = reports.get(estate.accountId) ?? null;
      if (report === null) throw new QueryError(410, 'ReportNotPresent', 'Unable to find credential report. Generate a credential report first.');
      if (now < report.readyAt) throw new QueryError(404, 'ReportInProgress', 'Credential report generation is in progress.');
      if (now - report.readyAt > opts.ttlMs) throw new QueryError(410, 'ReportExpired', 'The credential report has expired. Generate a new credential report.');
      return el('Content', Buffer.from(report.csv, 'utf8').toString('base64')) + el('ReportFormat', 'text/csv') + el('GeneratedTime', ts(new Date(report.readyAt)));
    },
    expire: () => reports.clear(),
  };
}
