// `vigil import --folder` as a user (or cron) runs it: the new files of a drop folder are imported like `vigil import
// FILE`, a file already recorded (same content) is never imported again, and a file that cannot be imported is an
// `error` run of the folder's scope naming file, line and column — with exit 1, never silence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runVigil } from '../support/run-cli.js';

const SAMPLE = resolve(__dirname, '../../collectors/findings/samples/prowler-aws.ocsf.json');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface FolderOut {
  files: Array<{ file: string; sha256: string; state: string; problem?: string }>;
  runs: Array<{ file: string; scope: string; slot: string; duplicate: boolean }>;
  rejectedRunSeq?: number;
}
interface StatusRun { source: string; scope: string; seq: number; outcome: string; health: string; reason?: string; slot: string }

describe('vigil import --folder', () => {
  let dir: string;
  let drop: string;
  let args: string[];
  const sample = readFileSync(SAMPLE, 'utf8');
  // Prowler stops writing mid-scan: the array is never closed.
  const cut = `${sample.slice(0, sample.lastIndexOf('}') + 1)},\n`;
  const importFolder = async () => {
    const r = await runVigil(['import', ...args, '--format', 'ocsf', '--folder', drop, '--json']);
    return { code: r.code, stderr: r.stderr, out: JSON.parse(r.stdout) as FolderOut };
  };
  const statusRuns = async () => {
    const st = await runVigil(['status', ...args, '--json']);
    expect(st.code, st.stderr).toBe(0);
    return (JSON.parse(st.stdout) as { runs: StatusRun[] }).runs.filter((r) => r.source === 'findings');
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-import-folder-'));
    drop = join(dir, 'prowler-out');
    mkdirSync(drop);
    writeFileSync(join(dir, 'vigil.config.yaml'), 'frameworks: [soc2]\n');
    args = ['--config', join(dir, 'vigil.config.yaml'), '--data-dir', join(dir, 'data')];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the new files, records a truncated one as an error run naming file and position (exit 1), ignores other files', async () => {
    writeFileSync(join(drop, 'scan-1.ocsf.json'), sample);
    writeFileSync(join(drop, 'scan-2.ocsf.json'), cut);
    writeFileSync(join(drop, 'README.txt'), 'not a findings file');
    const r = await importFolder();
    expect(r.code, r.stderr).toBe(1);
    expect(r.out.files.map((f) => [f.file.slice(drop.length + 1), f.state, f.sha256])).toEqual([
      ['scan-1.ocsf.json', 'imported', sha(sample)],
      ['scan-2.ocsf.json', 'rejected', sha(cut)],
    ]);
    const line = cut.trimEnd().split('\n').length;
    expect(r.out.files[1]!.problem).toBe(`${join(drop, 'scan-2.ocsf.json')}: line ${line}, column 7: the file ends before the JSON is complete (the array is not closed: an interrupted or still-running scan?)`);
    expect(r.out.runs.map((x) => [x.scope, x.slot, x.duplicate])).toEqual([
      ['prowler:aws:111122223333', '2026-12-07T06:00:24.000Z', false],
      ['prowler:aws:444455556666', '2026-12-07T06:00:36.000Z', false],
    ]);
    const runs = await statusRuns();
    const folderRun = runs.find((x) => x.scope === 'folder:prowler-out')!;
    expect(folderRun).toMatchObject({ seq: r.out.rejectedRunSeq, outcome: 'failed', health: 'failing' });
    expect(folderRun.reason).toContain('FindingsFileRejected');
    expect(runs.filter((x) => x.scope.startsWith('prowler:')).map((x) => x.outcome)).toEqual(['complete', 'complete']);
  });

  it('never imports a file already recorded, the rejected one included: nothing new, exit 0', async () => {
    const before = await statusRuns();
    const r = await importFolder();
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.files.map((f) => f.state)).toEqual(['already-recorded', 'already-recorded']);
    expect(r.out.runs).toEqual([]);
    expect(r.out.rejectedRunSeq).toBeUndefined();
    expect(await statusRuns()).toEqual(before);
  });

  it('a later scan imports; an older scan of a scope already imported is rejected, naming both times', async () => {
    const scan = (time: string) => `${JSON.stringify((JSON.parse(sample) as Array<Record<string, unknown>>).map((f) => ({ ...f, time_dt: time })), null, 4)}\n`;
    writeFileSync(join(drop, 'scan-3.ocsf.json'), scan('2026-12-08T06:00:00+00:00'));
    writeFileSync(join(drop, 'scan-0.ocsf.json'), scan('2026-12-01T06:00:00+00:00'));
    const r = await importFolder();
    expect(r.code).toBe(1);
    const byName = Object.fromEntries(r.out.files.map((f) => [f.file.slice(drop.length + 1), f]));
    expect(byName['scan-3.ocsf.json']!.state).toBe('imported');
    expect(byName['scan-0.ocsf.json']!.state).toBe('rejected');
    expect(byName['scan-0.ocsf.json']!.problem).toBe(`${join(drop, 'scan-0.ocsf.json')}: prowler:aws:111122223333: scanner time 2026-12-01T06:00:00.000Z is older than the scope's latest import (2026-12-07T06:00:24.000Z); importing it would replace newer results with older ones`);
    expect(r.out.runs.map((x) => [x.scope, x.slot])).toEqual([
      ['prowler:aws:111122223333', '2026-12-08T06:00:00.000Z'],
      ['prowler:aws:444455556666', '2026-12-08T06:00:00.000Z'],
    ]);
  });

  it.each([
    [['--folder', 'FOLDER', 'FILE'], /give one findings FILE or --folder DIR/],
    [['--folder', 'MISSING'], /--folder .*missing: cannot read it: no such folder/],
    [['--folder', 'FILE'], /--folder .*: not a folder/],
  ])('refuses %j with exit 2', async (extra, message) => {
    const map: Record<string, string> = { FOLDER: drop, FILE: join(drop, 'scan-1.ocsf.json'), MISSING: join(dir, 'missing') };
    const r = await runVigil(['import', ...args, '--format', 'ocsf', ...extra.map((x) => map[x] ?? x)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
