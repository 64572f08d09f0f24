// POST /v1/exports with a witness configured: the export checkpoint the API signs is submitted to the witness and its
// cosignature is carried in the streamed bundle, as `vigil export` does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { formatVkey, rawEd25519PublicKey, verifierFromVkey } from '../../src/ledger/note.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { startWitnessServer, type RunningWitnessServer } from '../../src/witness/server.js';
import { WitnessStateStore } from '../../src/witness/state.js';
import { Witness } from '../../src/witness/witness.js';
import { CRIT, RULES, capturingLogger, openLedger, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

const TOKEN = 'tok-auditor-' + 'b'.repeat(20);
const framework = { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [{ id: 'CC6.1', title: 'Logical access', rules: [{ id: CRIT.id }], manual: [] }] } as unknown as Framework;

describe('POST /v1/exports with a witness', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  let server: RunningWitnessServer;
  let state: WitnessStateStore;
  const clock = settableClock('2026-03-01T10:00:00Z');
  const logger = capturingLogger();

  beforeAll(async () => {
    dir = tempDir('vigil-api-export-witness-');
    ledger = await openLedger(dir, clock);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'fail' } });
    const logVkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
    const cosigner = ed25519Cosigner('witness.test/api-export', generateKeyPairSync('ed25519').privateKey);
    state = await WitnessStateStore.open(join(dir, 'witness'));
    server = await startWitnessServer({ witness: new Witness({ cosigner, logs: new Map([[ledger.origin, [verifierFromVkey(logVkey)]]]), state }), port: 0 });
    api = await buildApi({
      ledger,
      rules: RULES,
      framework,
      config: apiConfigSchema.parse({ tokens: [{ name: 'auditor-token', sha256: createHash('sha256').update(TOKEN).digest('hex'), role: 'auditor' }] }),
      logger,
      clock,
      sources: [{ source: 'aws', schedule: '0 * * * *' }],
      dataDir: dir,
      witnesses: [{ name: 'witness.test/api-export', url: server.url, key: cosigner.vkey, timeoutSeconds: 5, alertAfterCheckpoints: 3 }],
    });
  });
  afterAll(async () => {
    await api.close();
    await server.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has the witness cosign the export checkpoint and carries the cosignature in the zip', async () => {
    clock.advance(3600_000);
    const day = '2026-03-01';
    const res = await api.app.inject({ method: 'POST', url: '/v1/exports', headers: { authorization: `Bearer ${TOKEN}` }, payload: { type: 2, from: day, to: day } });
    expect(res.statusCode, res.body).toBe(200);
    // the witness now holds the export checkpoint: the ledger's latest signed size
    const cps = await ledger.checkpoints();
    const last = cps[cps.length - 1]!;
    expect(last.reason).toBe('export');
    expect((await state.get(ledger.origin))?.size).toBe(last.size);
    // stored (uncompressed) names in the zip's directory include the cosignatures file
    expect(res.rawPayload.includes(Buffer.from('ledger/witness/cosignatures.json'))).toBe(true);
  });
});
