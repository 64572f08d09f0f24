// Per-hire evidence end to end as a user runs it: the HR roster collected from a CSV file, training evidence recorded per
// person (the subject checked against the roster: look-alikes and strangers refused with nothing written), and the
// hires overdue and pending shown by `vigil evidence list --due` and `vigil status`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runVigil } from '../support/run-cli.js';

const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('vigil evidence for new hires (on-hire:30d)', () => {
  let dir: string;
  let args: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-onboard-cli-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), 'sources:\n  hris:\n    file: ./roster.csv\nevidence:\n  owners:\n    hr: people-ops@example.com\n');
    // ann hired 60 days ago (trained 50 days ago), bo 45 days ago (never trained: overdue), cy 10 days ago (pending),
    // dee two years ago (outside the year judged).
    writeFileSync(
      join(dir, 'roster.csv'),
      `${HEADER}\nE1,ann@x.io,Ann,Active,${day(-60)},,,Eng\nE2,bo@x.io,Bo,Active,${day(-45)},,,Eng\nE3,cy@x.io,Cy,Active,${day(-10)},,,Eng\nE4,dee@x.io,Dee,Active,${day(-730)},,,Eng\n`,
    );
    writeFileSync(join(dir, 'training.pdf'), '%PDF-1.7 training certificate');
    args = ['--config', join(dir, 'vigil.config.yaml'), '--data-dir', join(dir, 'data')];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const leaves = () => {
    const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM leaves').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const add = (extra: string[]) => runVigil(['evidence', 'add', ...args, '--criterion', 'CC1.4', '--title', 'Security training', '--file', join(dir, 'training.pdf'), ...extra]);

  it('records evidence per hire against the roster and judges every hire of the year', async () => {
    const collect = await runVigil(['collect', '--source', 'hris', ...args]);
    expect(collect.code, collect.stderr).toBe(0);

    const before = leaves();
    const refused: Array<[string[], RegExp]> = [
      [['--requirement', 'security-training'], /subject is required for per-hire requirement security-training \(on-hire:30d\)/],
      [['--requirement', 'security-training', '--subject', 'zed@x.io'], /subject "zed@x\.io" is not an employee on the HR roster read .* \(4 employees; give a work email or employee id\)$/m],
      // A Cyrillic "а" in place of the Latin "a".
      [['--requirement', 'security-training', '--subject', '\u0430nn@x.io'], /is not an employee on the HR roster .*; it looks like ann@x\.io but is not the same text/],
      [['--requirement', 'annual-training', '--subject', 'ann@x.io'], /subject: requirement annual-training \(12mo\) is not per hire/],
    ];
    for (const [extra, message] of refused) {
      const r = await add(extra);
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(leaves()).toBe(before);

    // The display-name form and any case name the roster's email; the employee id too.
    const ok = await add(['--requirement', 'security-training', '--subject', 'Ann <ANN@x.io>', '--effective', day(-50), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ evidence: { criterion: 'CC1.4', requirement: 'security-training', subject: 'ann@x.io', expiresAt: null } });
    const byId = await add(['--requirement', 'hiring-checks', '--subject', 'E1', '--effective', day(-62), '--json']);
    expect(byId.code, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ evidence: { subject: 'ann@x.io' } });

    const due = await runVigil(['evidence', 'list', ...args, '--due', '--json']);
    expect(due.code, due.stderr).toBe(0);
    const items = (JSON.parse(due.stdout) as { due: Array<{ criterion: string; requirement: string; state: string; hires?: string[]; reason: string }> }).due.filter((d) => d.criterion === 'CC1.4');
    const training = items.find((d) => d.requirement === 'security-training')!;
    expect(training).toMatchObject({ state: 'overdue', hires: ['bo@x.io'] });
    expect(training.reason).toMatch(/^3 hires in the 365 days before \d{4}-\d{2}-\d{2} \(roster read .*\): 1 evidenced, 1 overdue, 1 pending; overdue: bo@x\.io \(hired .*\)$/);
    // Hiring checks: ann evidenced (two days before her start: pre-boarding), bo overdue, cy pending.
    expect(items.find((d) => d.requirement === 'hiring-checks')).toMatchObject({ state: 'overdue', hires: ['bo@x.io'] });

    const status = await runVigil(['status', ...args]);
    expect(status.stdout).toMatch(/manual security-training \(on-hire:30d, owner hr\): needed: .* — overdue: 3 hires/);
    expect(status.stdout).toMatch(new RegExp(`hire bo@x\\.io \\(E2, hired ${day(-45)}\\): OVERDUE: no evidence effective by ${day(-15)}T23:59:59\\.999Z \\(30 days after hire\\)`));
    expect(status.stdout).toMatch(new RegExp(`hire cy@x\\.io \\(E3, hired ${day(-10)}\\): pending: due by ${day(20)}T23:59:59\\.999Z`));
    expect(status.stdout).not.toMatch(/hire ann@x\.io|dee@x\.io/);
    // Each spawn starts node and opens the ledger; on a loaded 2-core machine the collection alone can take 15 s.
  }, 240_000);
});
