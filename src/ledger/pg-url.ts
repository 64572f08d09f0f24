// PostgreSQL connection details: DATABASE_URL parsing and redaction, and driver errors mapped to stable ledger codes.
import { AppError, UsageError, redactSecrets } from '../core/errors.js';

/** The URL as it may be shown: password replaced, everything else kept so the operator can tell which database it was. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key$/i.test(k) && k !== 'sslkey') u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    // key=value DSN or something unparseable: redactSecrets knows password=…
    return redactSecrets(url.replace(/\/\/([^:/@\s]+):[^@\s]*@/, '//$1:***@'));
  }
}

export interface ParsedUrl {
  connectionString: string;
  schemaFromUrl: string | undefined;
  password: string | undefined;
}

export function parseUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('DATABASE_URL_INVALID', `DATABASE_URL is not a URL (expected postgres://user@host:5432/db): ${redactDatabaseUrl(url)}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError('DATABASE_URL_INVALID', `DATABASE_URL must start with postgres:// or postgresql://, got ${u.protocol}//… (${redactDatabaseUrl(url)})`);
  }
  const schemaFromUrl = u.searchParams.get('schema') ?? undefined;
  // `schema` is ours, not libpq's: pg would pass unknown parameters nowhere useful, so take it off before connecting.
  u.searchParams.delete('schema');
  const password = u.password === '' ? undefined : decodeURIComponent(u.password);
  return { connectionString: u.toString(), schemaFromUrl, password };
}

function pgCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' ? c : undefined;
}

/** A driver or server error as an AppError naming `what` failed on `location`, with the password removed. */
export function pgError(e: unknown, what: string, location: string, redact: (text: string) => string): AppError {
  if (e instanceof AppError) return e;
  const code = pgCode(e);
  const msg = redact((e as Error).message ?? String(e));
  if (code === '42501') {
    return new AppError('LEDGER_DB_PERMISSION', `${what} on ${location}: ${msg}`, {
      cause: e,
      remediation: 'grant the role SELECT, INSERT on the ledger tables (see docs/ledger.md, PostgreSQL roles)',
    });
  }
  if (code === 'P0001' && msg.startsWith('append-only')) return new AppError('LEDGER_APPEND_ONLY', `${what}: ${msg}`, { cause: e });
  if (code === '25006') return new AppError('LEDGER_READ_ONLY', `${what}: ${location} was opened read-only`, { cause: e });
  if (code === '28P01' || code === '28000' || code === '3D000') {
    return new AppError('LEDGER_DB_UNAVAILABLE', `cannot use PostgreSQL at ${location}: ${msg}`, { cause: e, exitCode: 2, remediation: 'check DATABASE_URL' });
  }
  // Node socket errors carry E… codes (no SQLSTATE class starts with E); class 08 is a connection exception.
  const down = code === undefined ? /Connection terminated|timeout/i.test(msg) : code.startsWith('E') || code.startsWith('08') || code === '57P01' || code === '57P03';
  if (down) {
    return new AppError('LEDGER_DB_UNAVAILABLE', `cannot reach PostgreSQL at ${location}: ${msg}`, {
      cause: e,
      retryable: true,
      remediation: 'check that PostgreSQL is running and DATABASE_URL names it',
    });
  }
  return new AppError('LEDGER_DB_ERROR', `${what} on ${location} failed: ${msg}${code ? ` (SQLSTATE ${code})` : ''}`, { cause: e });
}
