// HR roster collector: reads the CSV export (file or HTTPS URL), validates every row, and returns `hris.employee`
// records only when the whole roster was read and valid; otherwise an error naming each bad line and column.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import type { CollectorDeps } from '../../src/core/source-plugin.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import type { HrisConfig } from './config.js';
import { readRoster } from './roster.js';
import { EMPLOYEE_TYPE, PARSE_OPERATION, READ_OPERATION, fetchRoster, readError, readRosterFile, redactUrl } from './read.js';

export { redactUrl } from './read.js';

export function createHrisCollector(config: HrisConfig, deps: CollectorDeps): Collector {
  const path = config.file === undefined ? undefined : resolve(deps.configDir, config.file);
  const where = path ?? redactUrl(config.url!);
  return {
    source: 'hris',
    async scopes() { return [config.scope]; },
    configScopes: () => [config.scope],
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const startedAt = ctx.clock.now().toISOString();
      const errors: CollectionError[] = [];
      const resources: Resource[] = [];
      const artifacts: Artifact[] = [];
      const inputs: Snapshot['inputs'] = {};
      ctx.onOperation?.(READ_OPERATION);
      let bytes: Buffer | undefined;
      let modifiedAt: Date | null = null;
      try {
        ({ bytes, modifiedAt } = path !== undefined
          ? await readRosterFile(path, config.maxBytes)
          : await fetchRoster(config.url!, { headers: config.headers, maxBytes: config.maxBytes, timeoutMs: config.requestTimeoutMs, signal: ctx.signal }));
      } catch (e) {
        errors.push(readError(e, where));
      }
      const observedAt = ctx.clock.now().toISOString();
      // An export last written long ago lists as active people who have left since: it backs no verdict about today.
      const ageH = modifiedAt ? (Date.parse(observedAt) - modifiedAt.getTime()) / 3_600_000 : 0;
      if (bytes && ageH > config.maxAgeHours) {
        errors.push({
          operation: READ_OPERATION, code: 'HrisStaleExport', cause: 'incomplete', retryable: false, inputs: [EMPLOYEE_TYPE],
          message: `${where}: last modified ${modifiedAt!.toISOString()}, ${ageH.toFixed(1)} h ago, beyond maxAgeHours (${config.maxAgeHours} h); schedule the export more often or raise sources.hris.maxAgeHours`,
        });
      }
      if (bytes && ageH <= config.maxAgeHours) {
        ctx.onOperation?.(PARSE_OPERATION);
        artifacts.push({ sha256: createHash('sha256').update(bytes).digest('hex'), mediaType: 'text/csv', size: bytes.length, label: `hris:roster ${where}`, body: bytes });
        let text: string | undefined;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          errors.push({ operation: PARSE_OPERATION, code: 'HrisNotUtf8', message: `${where}: not UTF-8 text (export the roster as UTF-8 CSV)`, inputs: [EMPLOYEE_TYPE], cause: 'malformed', retryable: false });
        }
        const roster = text === undefined ? undefined : readRoster(text, config);
        if (roster && !roster.ok) {
          for (const p of roster.problems) errors.push({ operation: PARSE_OPERATION, code: p.code, message: `${where}: ${p.message}`, inputs: [EMPLOYEE_TYPE], cause: 'malformed', retryable: false });
          if (roster.total > roster.problems.length) {
            errors.push({ operation: PARSE_OPERATION, code: 'HrisMoreProblems', message: `${where}: ${roster.total - roster.problems.length} more problems not listed (${roster.total} in all)`, inputs: [EMPLOYEE_TYPE], cause: 'malformed', retryable: false });
          }
        } else if (roster?.ok) {
          for (const a of roster.employees) {
            resources.push({ source: 'hris', scope: config.scope, type: EMPLOYEE_TYPE, id: a.employeeId, name: a.name, attributes: { ...a }, observedAt });
          }
          inputs[EMPLOYEE_TYPE] = { observedAt };
        }
      }
      return {
        source: 'hris', scope: config.scope, slot: ctx.slot, startedAt, endedAt: ctx.clock.now().toISOString(),
        resources, inputs, artifacts, errors, apiCalls: path === undefined ? 1 : 0, minApiCalls: path === undefined ? 1 : 0,
        metrics: { employees: resources.length, bytes: bytes?.length ?? 0, ...(modifiedAt ? { exportAgeHours: Math.round(ageH * 10) / 10 } : {}) },
      };
    },
  };
}
