// Runs the compiled `vigil` launcher as a user would, in a folder, and collects its exit code and output (CLI end-to-end tests).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

export interface VigilResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `vigil ARGS` in `cwd`, logging at warn, with `env` over this process's environment. */
export function runVigil(args: string[], cwd: string, env: Record<string, string> = {}): Promise<VigilResult> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}
