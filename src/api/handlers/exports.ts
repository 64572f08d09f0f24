// The export route: runs exportBundle in this process into a temporary file and streams the signed zip to the auditor.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportBundle } from '../../export/bundle.js';
import { frameworkData } from '../../rules/frameworks.js';
import { verifyBundle } from '../../verify/verify-bundle.js';
import { keyFingerprint } from '../../ledger/fingerprint.js';
import { ApiError } from '../errors.js';
import { frameworkParam, type HandlerDeps, type Handlers } from '../options.js';

export function exportHandlers(deps: HandlerDeps): Handlers {
  const { clock, logger } = deps.opts;
  return {
    'POST /v1/exports': async (req, reply) => {
      const dataDir = deps.opts.dataDir;
      if (!dataDir) throw new ApiError('not_implemented', 'exports need the local ledger directory; run the API inside `vigil run` or `vigil serve` on the ledger host');
      const b = (req.body ?? {}) as Record<string, unknown>;
      const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
      const type = String(b.type ?? '');
      if (type !== '1' && type !== '2') throw new ApiError('bad_request', 'body.type must be 1 or 2');
      const fw = frameworkParam(deps.opts, str('framework'), 'body.framework');
      const tmp = mkdtempSync(join(tmpdir(), 'vigil-api-export-'));
      const out = join(tmp, 'bundle.zip');
      const cleanup = () => rmSync(tmp, { recursive: true, force: true });
      try {
        const r = await exportBundle({
          dataDir,
          type: type === '1' ? 1 : 2,
          ...(str('from') ? { from: str('from')! } : {}),
          ...(str('to') ? { to: str('to')! } : {}),
          ...(str('asOf') ? { asOf: str('asOf')! } : {}),
          tz: str('tz') ?? 'UTC',
          framework: frameworkData(fw),
          sources: deps.opts.sources.map((x) => x.source),
          ...(str('criteria') ? { criteria: str('criteria')!.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
          ...(str('sampleSeed') !== undefined ? { sampleSeed: str('sampleSeed')! } : {}),
          out,
          clock,
          logger,
          // The export checkpoint is cosigned like `vigil export`'s, so an auditor's bundle carries its witnesses' word.
          ...(deps.opts.witnesses?.length ? { witnesses: deps.opts.witnesses } : {}),
        });
        // Verified here as `vigil verify` would, pinned to this ledger's key: the dashboard shows the verdict beside the download.
        const fingerprint = keyFingerprint(deps.opts.ledger.publicKeyPem);
        const v = await verifyBundle(out, { trustedFingerprint: fingerprint });
        logger.info({ by: req.principal!.name, type, leaves: r.leaves, bytes: r.bytes, verified: v.ok }, 'export streamed');
        const name = type === '1' ? `vigil-type1-${str('asOf')}.zip` : `vigil-type2-${str('from')}-${str('to')}.zip`;
        const stream = createReadStream(out);
        stream.on('close', cleanup);
        const verdict = v.ok ? 'ok' : `faults=${v.faults.length + v.omittedFaults}`;
        return reply
          .header('x-vigil-verify', verdict)
          .header('x-vigil-key-fingerprint', fingerprint)
          .type('application/zip').header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}"`).send(stream);
      } catch (e) {
        cleanup();
        throw e;
      }
    },
  };
}
