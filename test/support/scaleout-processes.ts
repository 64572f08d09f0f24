// The processes of the scale-out scenario: each `vigil` role spawned alone, its pino lines parsed as they come, its
// peak RSS sampled from /proc, and an API prober that times `/v1/posture` and `/readyz` while the scenario runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited } from './redis-server.js';

export { vigilOnce } from './kill-scenario.js';

const BIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../src/bin/vigil.mjs');

export type LogLine = Record<string, unknown> & { msg?: string };

/** One running `vigil` process of the scenario. */
export class VigilProcess {
  readonly child: ChildProcess;
  /** Peak resident set (VmHWM) last read from /proc, kB; kept after the process is gone. */
  peakRssKb = 0;
  /** The last lines it printed that were not JSON, or were errors: shown when the scenario fails. */
  readonly tail: string[] = [];
  private readonly listeners = new Set<(l: LogLine) => void>();
  private readonly log?: WriteStream;

  constructor(readonly name: string, args: string[], env: Record<string, string>, logDir?: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    if (logDir) this.log = createWriteStream(join(logDir, `${name}.log`));
    let buf = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      this.log?.write(d);
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.line(raw);
      }
    });
  }

  private line(raw: string): void {
    let l: LogLine | undefined;
    try {
      l = JSON.parse(raw) as LogLine;
    } catch {
      l = undefined;
    }
    if (!l || (typeof l.level === 'number' && l.level >= 50)) {
      this.tail.push(raw.slice(0, 400));
      if (this.tail.length > 20) this.tail.shift();
    }
    if (l) for (const f of this.listeners) f(l);
  }

  onLine(f: (l: LogLine) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line `match` accepts; rejects if the process exits first or after `ms`. */
  waitForLine(match: (l: LogLine) => boolean, ms: number, what: string): Promise<LogLine> {
    return new Promise((res, rej) => {
      const done = (err?: Error, l?: LogLine): void => {
        clearTimeout(timer);
        off();
        this.child.off('close', onExit);
        if (err) rej(err);
        else res(l!);
      };
      const off = this.onLine((l) => {
        if (match(l)) done(undefined, l);
      });
      const onExit = (): void => done(new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}: ${this.tail.join(' | ')}`));
      const timer = setTimeout(() => done(new Error(`${this.name}: no ${what} within ${ms / 1000} s: ${this.tail.join(' | ')}`)), ms);
      this.child.once('close', onExit);
    });
  }

  /** Reads VmHWM (the kernel's own peak RSS of the process) while it lives. */
  sampleRss(): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      if (m) this.peakRssKb = Math.max(this.peakRssKb, Number(m[1]));
    } catch {
      // gone between the check and the read
    }
  }

  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.sampleRss();
    if (this.running) this.child.kill(signal);
    await exited(this.child);
    this.log?.end();
    return this.child.exitCode;
  }
}

export interface EndpointFigures {
  requests: number;
  /** Replies by HTTP status ("error" for a request that got no reply). */
  statuses: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Asks the API for `/v1/posture` (with the token) and `/readyz` in turn, one request at a time, until stopped. */
export class ApiProbe {
  private readonly samples: Record<'posture' | 'readyz', Array<{ ms: number; status: string }>> = { posture: [], readyz: [] };
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly url: string, private readonly token: string, private readonly intervalMs: number) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.once('posture', '/v1/posture', { authorization: `Bearer ${this.token}` });
        await this.once('readyz', '/readyz', {});
        if (!this.stopped) await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
  }

  private async once(which: 'posture' | 'readyz', path: string, headers: Record<string, string>): Promise<void> {
    const t0 = performance.now();
    let status: string;
    try {
      const r = await fetch(`${this.url}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
      await r.arrayBuffer();
      status = String(r.status);
    } catch {
      status = 'error';
    }
    this.samples[which].push({ ms: performance.now() - t0, status });
  }

  async stop(): Promise<Record<'posture' | 'readyz', EndpointFigures>> {
    this.stopped = true;
    await this.loop;
    const fig = (xs: Array<{ ms: number; status: string }>): EndpointFigures => {
      const ms = xs.map((x) => x.ms).sort((a, b) => a - b);
      const q = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)] ?? 0);
      const statuses: Record<string, number> = {};
      for (const x of xs) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
      return { requests: xs.length, statuses, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: Math.round(ms[ms.length - 1] ?? 0) };
    };
    return { posture: fig(this.samples.posture), readyz: fig(this.samples.readyz) };
  }
}
