// One error type for the whole agent: a stable code users can match on, whether a retry may help, and what to do.

export interface AppErrorOptions {
  /** Whether retrying the same operation later may succeed. @defaultValue false */
  retryable?: boolean;
  /** What the user should do about it. */
  remediation?: string;
  /** Process exit code when this error ends a CLI command. @defaultValue 1 */
  exitCode?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly remediation?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, opts: AppErrorOptions = {}) {
    super(redactSecrets(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.remediation = opts.remediation;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** A user mistake (bad config, arguments, input files): exit code 2, no stack trace, nothing written. */
export class UsageError extends AppError {
  constructor(code: string, message: string, opts: Omit<AppErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...opts, exitCode: 2 });
    this.name = 'UsageError';
  }
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(authorization|x-amz-security-token|x-api-key|token|secret|password|ssws)(["'\s:=]+)(bearer\s+|ssws\s+)?[^\s"',;]+/gi,
];

/** Removes things that look like credentials from free text before it is logged or stored. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (m, ...groups) => {
      if (typeof groups[0] === 'string' && typeof groups[1] === 'string' && /^(authorization|x-amz|x-api|token|secret|password|ssws)/i.test(groups[0])) {
        return `${groups[0]}${groups[1]}[REDACTED]`;
      }
      return '[REDACTED]';
    });
  }
  return out;
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
