// Manual evidence in an export bundle: open files included under their hash, confidential ones withheld (visibly), the
// records in report/manual-evidence.csv and the criterion states; the verifier detects a changed evidence file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildDemoLedger, EVIDENCE_FILES, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { formatVerification } from '../../src/verify/standalone.js';
import { gzipBundleFile } from '../../src/export/files.js';
import { silentLogger } from '../../src/core/collector.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const att = (b: Buffer) => `attachments/sha256/${sha(b).slice(0, 2)}/${sha(b)}.gz`;

describe('manual evidence in an export bundle', () => {
  let demo: DemoLedger;
  let work: string;
  let bundle: string;
  beforeAll(async () => {
    demo = await buildDemoLedger({ days: 3, everyHours: 6, evidence: true });
    work = mkdtempSync(join(tmpdir(), 'vigil-evidence-bundle-'));
    bundle = join(work, 'b');
    await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-02', framework: FRAMEWORK, out: bundle, clock: demo.clock, logger: silentLogger });
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(demo.dataDir, { recursive: true, force: true });
  });

  it('includes the open file under its hash and withholds the confidential one, declaring it with its record id', () => {
    expect(gunzipSync(readFileSync(join(bundle, att(EVIDENCE_FILES.coc))))).toEqual(EVIDENCE_FILES.coc);
    expect(existsSync(join(bundle, att(EVIDENCE_FILES.pentest)))).toBe(false);
    const withheld = JSON.parse(readFileSync(join(bundle, 'attachments/withheld.json'), 'utf8')) as Array<{ sha256: string; reason: string }>;
    expect(withheld).toEqual([{ sha256: sha(EVIDENCE_FILES.pentest), reason: expect.stringMatching(/^confidential manual evidence ev_000000000002 \(CC6\.6\/penetration-test\): the file is withheld/) }]);
    expect(JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'))).toMatchObject({ withheld: 1 });
  });

  it('lists the records and states per requirement; evidence effective in the period satisfies it, a per-hire requirement stays not assessed', () => {
    const csv = readFileSync(join(bundle, 'report/manual-evidence.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('criterion,requirement,cadence,requirement_state,evidence_id,title,effective_at,recorded_at,expires_at,counts_in_window,sha256,size,media_type,file_name,file_in_bundle,owner,owner_name,uploader,leaf_seq,withdrawn_at,withdrawn_by,withdrawal_reason,withdrawal_seq');
    expect(csv.find((l) => l.startsWith('CC1.1,code-of-conduct,'))).toMatch(
      new RegExp(`^CC1\\.1,code-of-conduct,12mo,evidenced,ev_000000000001,Code of conduct 2025,2025-03-01T00:00:00\\.000Z,2025-03-01T06:01:00\\.000Z,2026-03-01T00:00:00\\.000Z,yes,${sha(EVIDENCE_FILES.coc)},${EVIDENCE_FILES.coc.length},text/plain,coc\\.txt,${att(EVIDENCE_FILES.coc).replace(/\//g, '\\/').replace(/\./g, '\\.')},hr,people-ops@example\\.com,local:alice@laptop,\\d+,,,,$`),
    );
    // Withdrawn within the period: listed with who, when and why (and its file still bundled), and not counted.
    expect(csv.find((l) => l.includes(',ev_000000000003,'))).toMatch(
      new RegExp(`^CC1\\.1,code-of-conduct,12mo,evidenced,ev_000000000003,Code of conduct 2019,2025-03-01T00:00:00\\.000Z,2025-03-01T06:01:00\\.000Z,2026-03-01T00:00:00\\.000Z,no,${sha(EVIDENCE_FILES.wrong)},.*,local:alice@laptop,\\d+,2025-03-01T12:01:00\\.000Z,token:admin-token \\(admin\\),"the 2019 code, uploaded by mistake",\\d+$`),
    );
    expect(gunzipSync(readFileSync(join(bundle, att(EVIDENCE_FILES.wrong))))).toEqual(EVIDENCE_FILES.wrong);
    expect(csv.find((l) => l.startsWith('CC6.6,'))).toMatch(/,withheld \(confidential\),security,,local:alice@laptop,\d+,,,,$/);
    // Per hire, on the roster read on day 2: hana (hired day 1) evidenced by her check, jo (hired day 2) pending.
    expect(csv.find((l) => l.startsWith('CC1.1,background-checks,'))).toMatch(/^CC1\.1,background-checks,on-hire:30d,evidenced,ev_000000000004,Background check: hana,2025-03-01T12:00:00\.000Z,.*,yes,/);
    expect(readFileSync(join(bundle, 'report/onboarding.csv'), 'utf8').trim().split('\r\n')).toEqual([
      'criterion,requirement,cadence,work_email,employee_id,name,hired,due_by,status,evidence_ids,reason',
      'CC1.1,background-checks,on-hire:30d,hana@x.io,E7,hana,2025-03-01,2025-03-31T23:59:59.999Z,pass,ev_000000000004,evidenced by ev_000000000004',
      'CC1.1,background-checks,on-hire:30d,jo@x.io,E8,jo,2025-03-02,2025-04-01T23:59:59.999Z,pending,,due by 2025-04-01T23:59:59.999Z',
    ]);
    const oscal = JSON.parse(readFileSync(join(bundle, 'report/oscal-assessment-results.json'), 'utf8'));
    const findings = oscal['assessment-results'].results[0].findings as Array<{ title: string; target: { props: Array<{ name: string; class?: string; value: string }> } }>;
    const cc66 = findings.find((f) => f.title.startsWith('CC6.6'))!;
    expect(cc66.target.props).toContainEqual(expect.objectContaining({ name: 'manual-evidence', class: 'penetration-test', value: 'ev_000000000002' }));
    const html = readFileSync(join(bundle, 'report/report.html'), 'utf8');
    expect(html).toContain('<code>code-of-conduct</code> (12mo): <code>ev_000000000001</code>');
    expect(html).toContain('<code>background-checks</code> (on-hire:30d): <code>ev_000000000004</code> <span class="note">2 hires in the period');
    const summary = JSON.parse(readFileSync(join(bundle, 'report/summary.json'), 'utf8'));
    expect(summary.manualEvidence).toEqual({ records: 4, confidential: 1, withdrawn: 1 });
  });

  it('verifies, showing what is withheld; a changed evidence file is a fault naming it', async () => {
    const ok = await verifyBundle(bundle);
    expect(ok.faults).toEqual([]);
    expect(ok.withheld).toEqual([{ sha256: sha(EVIDENCE_FILES.pentest), reason: expect.stringMatching(/confidential manual evidence ev_000000000002/) }]);
    expect(formatVerification(ok)).toMatch(new RegExp(`\\n  withheld: ${sha(EVIDENCE_FILES.pentest)}: confidential manual evidence ev_000000000002`));

    const bad = join(work, 'tampered');
    cpSync(bundle, bad, { recursive: true });
    writeFileSync(join(bad, att(EVIDENCE_FILES.coc)), gzipBundleFile(Buffer.from('Code of conduct 2025, acknowledged by 0 of 3 staff.\n')));
    const r = await verifyBundle(bad);
    expect(r.ok).toBe(false);
    expect(r.faults).toContainEqual(expect.objectContaining({ code: 'ATTACHMENT_MISMATCH', file: att(EVIDENCE_FILES.coc) }));

    const leaked = join(work, 'leaked');
    cpSync(bundle, leaked, { recursive: true });
    mkdirSync(join(leaked, att(EVIDENCE_FILES.pentest), '..'), { recursive: true });
    writeFileSync(join(leaked, att(EVIDENCE_FILES.pentest)), gzipBundleFile(EVIDENCE_FILES.pentest));
    expect((await verifyBundle(leaked)).faults).toContainEqual(expect.objectContaining({ code: 'CONFIDENTIAL_INCLUDED', message: expect.stringMatching(/ev_000000000002/) }));
  });
});
