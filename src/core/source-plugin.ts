// What each collectors/<source>/index.ts (production) and demo.ts (emulator, demo and tests only) export, so the
// composition root can wire a source without knowing its API.
import type { z } from 'zod';
import type { Collector, Logger, Clock } from './collector.js';
import type { SourceId } from './types.js';

export interface CollectorDeps {
  logger: Logger;
  clock: Clock;
  /** Where the config file lives, to resolve relative paths (key files, mapping files). */
  configDir: string;
  /** Shared Redis connection (the agent's), for limits shared by every worker; absent in one-shot runs (`vigil collect`). */
  redis?: import('ioredis').Redis;
}

/** A running local emulator of a source's API, for tests, the demo and benchmarks. */
export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:43125 */
  url: string;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** 0 or undefined = a random free port on 127.0.0.1. */
  port?: number;
  /** `demo`: a small estate with some controls failing; other values are source-specific. */
  estate?: 'demo' | unknown;
  /** S3 buckets with Object Lock for `vigil demo`'s WORM copies (`publish.s3`); sources without S3 ignore it. */
  wormBuckets?: string[];
}

/**
 * The production half of a source, default-exported by collectors/<source>/index.ts and loaded through the manifest
 * (collectors/manifest.ts). It must not import the source's emulator: every agent process loads it.
 */
export interface SourcePlugin<C = unknown> {
  id: SourceId;
  /** zod schema of this source's block under `sources:` in vigil.config.yaml (after ${ENV} interpolation). */
  configSchema: z.ZodType<C>;
  createCollector(config: C, deps: CollectorDeps): Collector;
}

/**
 * The demo half of a source, default-exported by collectors/<source>/demo.ts: its emulator and the config that points
 * the collector at it. Loaded lazily through the manifest by `vigil demo`, tests and benchmarks, never by the agent.
 */
export interface SourceDemo<C = unknown> {
  /** Starts the bundled emulator. */
  startEmulator(opts?: EmulatorOptions): Promise<RunningEmulator>;
  /**
   * The config block (and environment variables) that point this source at a running emulator, used by `vigil demo`.
   * Fake credentials only.
   */
  demoConfig(emulator: RunningEmulator): { config: C; env?: Record<string, string> };
}

/** `estate` as the identity-provider emulators take it: their demo tenant by default, else a generated tenant's size. */
export function tenantEstate(opts?: EmulatorOptions): 'demo' | { users: number; seed?: number } {
  return opts?.estate === undefined || opts.estate === 'demo' ? 'demo' : (opts.estate as { users: number; seed?: number });
}
