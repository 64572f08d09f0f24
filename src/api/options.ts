// What the API is built from (ApiOptions) and what every area's handlers share: the handler shape and query parsing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Clock, Logger } from '../core/collector.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Framework } from '../rules/frameworks.js';
import type { ApiConfig } from '../alerts/config.js';
import type { AlertRuleInfo } from '../alerts/engine.js';
import type { ApiMetrics } from './metrics.js';
import type { ApiAuth, RefusalLogOptions } from './auth.js';
import { ApiError } from './errors.js';
import type { WitnessConfig } from '../witness/config.js';
import type { PublishConfig } from '../publish/config.js';
import type { SessionStore, SessionStoreOptions } from './session.js';
import type { FeedTokens } from './feed-tokens.js';
import type { LedgerView } from '../report/ledger-view.js';
import type { OwnerEntry } from '../report/owners.js';
import type { PeopleMapping } from '../../rules/identity/people.js';

export interface ApiOptions {
  ledger: Ledger;
  /** Rules whose ids exceptions may name (source and cross-source rules). */
  rules: AlertRuleInfo[];
  /** The framework routes report against when no `framework` query parameter is given (the config's first). */
  framework: Framework;
  /**
   * Every configured framework, each cut to its configured criteria: what `?framework=` may name on the posture and
   * trend routes. @defaultValue `[framework]`
   */
  frameworks?: Framework[];
  config: ApiConfig;
  logger: Logger;
  clock: Clock;
  /** For /readyz and queue-depth metrics. */
  redis?: Redis;
  prefix?: string;
  /** Witnesses configured: /readyz is `degraded` naming one that refused or fell behind (src/witness/health.ts). */
  witnesses?: WitnessConfig[];
  /** WORM copies configured: /readyz is `degraded` while copies fail or fall behind (src/publish/health.ts). */
  publish?: PublishConfig;
  /** Manual evidence: owner keys to people (an owner's token may upload for its requirements) and the due warning. @defaultValue no owners, 30 days */
  evidence?: { owners: Record<string, string>; warnDays: number };
  /** The person view's mapping file (config `people.mappingFile`): reviews started over the API join accounts with it. */
  peopleMapping?: PeopleMapping;
  /** Who owns findings (config `owners:`): GET /v1/findings names each finding's owner and filters by it. @defaultValue [] */
  owners?: OwnerEntry[];
  /** Sources expected to run, for staleness in /readyz. */
  sources: Array<{ source: string; schedule: string }>;
  /** The ledger's data directory: exports read it (without it, POST /v1/exports answers 501). */
  dataDir?: string;
  /** Open SSE streams allowed at once; more get 503 (each one polls the store). @defaultValue 100 */
  maxStreams?: number;
  /** SSE poll interval. @defaultValue 500 */
  streamPollMs?: number;
  /** How many refused requests are logged one by one per window (the rest are summed). @defaultValue 10 per minute */
  refusalLog?: RefusalLogOptions;
  /** Dashboard sign-in sessions (lifetime, how many at once). @defaultValue 8 hours, 1000 */
  sessions?: SessionStoreOptions;
  /** Where the built dashboard is. @defaultValue `<package root>/dist/dashboard` */
  dashboardDir?: string;
  /**
   * The ledger view the reads answer from (src/report/ledger-view.ts), when the caller shares it with the writer (`vigil
   * run` folds each run into it as it is recorded). @defaultValue one of its own, saved under `<dataDir>/views/`
   */
  view?: LedgerView;
  /** How often the API folds newly appended leaves into its view in the background. @defaultValue 2000 ms */
  viewRefreshMs?: number;
}

/** What each area's handlers get from buildApi. */
export interface HandlerDeps {
  opts: ApiOptions;
  metrics: ApiMetrics;
  /** Who is calling a public route (/readyz gives details only to a token holder). */
  auth: ApiAuth;
  /** When this API started: /readyz gives a source with no run yet until its staleness limit has passed since. */
  startedAt: Date;
  /** Closers of the open alert streams (SSE), so close() can end them. */
  streams: Set<() => void>;
  /** Dashboard sessions (cookie → principal, CSRF token). */
  sessions: SessionStore;
  /** Feed capability tokens. */
  feeds: FeedTokens;
  /** The ledger view: latest runs, first-seen times, the trend's days (refresh() before reading). */
  view: LedgerView;
}

export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Handlers of one area, keyed `METHOD url` as in ROUTES. */
export type Handlers = Record<string, Handler>;

/** An integer query parameter within bounds, or `dflt` when absent; anything else is a 400 naming the parameter. */
export function intParam(v: unknown, dflt: number, min: number, max: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError('bad_request', `query parameter ${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** The frameworks this API serves: the default first, then the other configured ones. */
export function servedFrameworks(opts: ApiOptions): Framework[] {
  return [opts.framework, ...(opts.frameworks ?? []).filter((f) => f.id !== opts.framework.id)];
}

/**
 * The framework a request names in its `framework` query parameter, or the default (the config's first) when absent;
 * one that is not configured is a 400 naming the ones that are.
 */
export function frameworkParam(opts: ApiOptions, v: unknown, where = 'query parameter framework'): Framework {
  if (v === undefined || v === '') return opts.framework;
  const all = servedFrameworks(opts);
  const fw = all.find((f) => f.id === v);
  if (!fw) throw new ApiError('bad_request', `${where}: ${JSON.stringify(String(v))} is not a configured framework (configured: ${all.map((f) => f.id).join(', ')})`);
  return fw;
}
