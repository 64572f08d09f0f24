// Wires alerting into the ledger-writer process: exceptions file sync, the alert engine, its tick, and the notify worker.
import type { Redis } from 'ioredis';
import { resolve } from 'node:path';
import type { Clock, Logger } from '../core/collector.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LoadedConfig } from '../config/load.js';
import { syncExceptionsFile } from '../exceptions/exceptions.js';
import { alertsConfigSchema } from './config.js';
import { AlertEngine, type AlertRuleInfo } from './engine.js';
import { Notifier } from './deliver.js';
import type { EvidenceAlertOptions } from './evidence-alerts.js';

export interface Alerting {
  engine: AlertEngine;
  notifier?: Notifier;
  /** Re-reads the exceptions file (when configured) and derives alerts: call after each recorded run. */
  afterRun(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAlerting(args: {
  loaded: LoadedConfig;
  ledger: Ledger;
  rules: AlertRuleInfo[];
  clock: Clock;
  logger: Logger;
  connection?: Redis;
  prefix?: string;
  /** The framework's criteria, for manual evidence due/overdue alerts. @defaultValue none */
  criteria?: EvidenceAlertOptions['criteria'];
}): Promise<Alerting> {
  const config = args.loaded.config.alerts ?? alertsConfigSchema.parse({});
  const notifier = args.connection && args.prefix ? new Notifier({ ledger: args.ledger, config, connection: args.connection, prefix: args.prefix, clock: args.clock, logger: args.logger }) : undefined;
  const engine = new AlertEngine({
    ledger: args.ledger,
    rules: args.rules,
    config,
    clock: args.clock,
    logger: args.logger,
    ...(notifier ? { onAlerts: async (seqs: number[]) => void (await notifier.enqueue(seqs)) } : {}),
    // Evidence alerts once the config says who owns the requirements (an `evidence:` block); status shows what is due regardless.
    ...(args.criteria && args.loaded.config.evidence ? { evidence: { criteria: args.criteria, warnDays: args.loaded.config.evidence.warnDays, hrisConfigured: Object.keys(args.loaded.sources).includes('hris') } } : {}),
  });
  const excFile = args.loaded.config.exceptions?.file ? resolve(args.loaded.dir, args.loaded.config.exceptions.file) : undefined;
  const known = new Set(args.rules.map((r) => r.id));
  const syncFile = async () => {
    if (!excFile) return;
    try {
      const r = await syncExceptionsFile(args.ledger, excFile, args.clock.now(), known);
      if (r.granted.length || r.revoked.length) args.logger.info({ file: excFile, ...r }, 'exceptions file applied');
    } catch (e) {
      args.logger.error({ err: (e as Error).message }, 'exceptions file not applied (previous exceptions stay in force)');
    }
  };
  // Never fails the evidence job that triggered it: the run is recorded, and alerts derive from the ledger on the next tick.
  const afterRun = async () => {
    await syncFile();
    await engine.tick().catch((e) => args.logger.error({ err: (e as Error).message }, 'alerts not derived yet (retried at the next tick)'));
  };
  await afterRun();
  if (notifier) {
    await notifier.recover();
    notifier.start();
  }
  const timer = setInterval(() => void afterRun(), config.tickSeconds * 1000);
  timer.unref();
  return {
    engine,
    ...(notifier ? { notifier } : {}),
    afterRun,
    async stop() {
      clearInterval(timer);
      await notifier?.close();
    },
  };
}
