// The compiled CLI run as a user runs it, in a child process: exit code, stdout and stderr, for end-to-end tests.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const VIGIL_BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vigil ARGS` (log level warn unless `env` says otherwise) and resolves when it exits. */
export function runVigil(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [VIGIL_BIN, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}
