// How a command's error reaches the user: AppError message (and remediation) with its exit code; anything else is exit 1.
import { isAppError } from '../core/errors.js';
import { fsCause, fsPath } from '../core/path-problems.js';

/** Prints `e` to stderr and returns the exit code (2 = your input, 1 = failure). Stacks only with VIGIL_DEBUG=1. */
export function reportError(e: unknown): number {
  if (isAppError(e)) {
    process.stderr.write(`vigil: ${e.message}\n`);
    if (e.remediation) process.stderr.write(`  ${e.remediation}\n`);
    if (process.env.VIGIL_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  // A file-system failure the command did not foresee still names the path and the cause, never "unexpected error".
  const cause = fsCause(e);
  const path = fsPath(e);
  if (cause !== undefined && path !== undefined) {
    const op = (e as NodeJS.ErrnoException).syscall;
    process.stderr.write(`vigil: cannot ${op ? `${op} ` : 'use '}${path}: ${cause}\n`);
    if (process.env.VIGIL_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
  process.stderr.write(`vigil: unexpected error: ${err.message}\n`);
  if (process.env.VIGIL_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('  (set VIGIL_DEBUG=1 for details)\n');
  return 1;
}
