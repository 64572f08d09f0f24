// `vigil evidence add | list | withdraw` end to end as a user runs them: a file recorded against a requirement, listed, due; bad input exits 2 with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runVigil, type CliRun } from '../support/run-cli.js';
import { main } from '../../src/cli/main.js';

/**
 * The same command line in this process (the parser, context, command and exit mapping of the real CLI): the
 * spawned runs above show it works as a user runs it; the many variations run here, where each costs no node start.
 */
async function inProcess(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'vigil', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('vigil evidence', () => {
  let dir: string;
  let args: string[];
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-evidence-cli-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), 'evidence:\n  owners:\n    hr: people-ops@example.com\n  warnDays: 30\n');
    writeFileSync(join(dir, 'coc.pdf'), '%PDF-1.7 code of conduct, signed');
    args = ['--config', join(dir, 'vigil.config.yaml'), '--data-dir', join(dir, 'data')];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const counts = () => {
    const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
    try {
      return { leaves: (db.prepare('SELECT count(*) AS n FROM leaves').get() as { n: number }).n, blobs: (db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n };
    } finally {
      db.close();
    }
  };

  it('adds a file for a requirement, lists it (text and JSON), and lists what is due', async () => {
    const effective = day(-10);
    const add = await runVigil(['evidence', 'add', ...args, '--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--title', 'Code of conduct 2027', '--file', join(dir, 'coc.pdf'), '--effective', effective, '--every', '12mo', '--json']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const { evidence } = JSON.parse(add.stdout) as { evidence: Record<string, unknown> };
    expect(evidence).toMatchObject({
      criterion: 'CC1.1',
      requirement: 'code-of-conduct',
      sha256: createHash('sha256').update('%PDF-1.7 code of conduct, signed').digest('hex'),
      mediaType: 'application/pdf',
      fileName: 'coc.pdf',
      effectiveAt: `${effective}T00:00:00.000Z`,
      owner: 'hr',
      ownerName: 'people-ops@example.com',
      uploader: { kind: 'local', name: expect.stringMatching(/.+@.+/) },
      confidential: false,
    });
    expect(String(evidence.expiresAt).slice(0, 4)).toBe(String(Number(effective.slice(0, 4)) + 1));

    const list = await inProcess(['evidence', 'list', ...args]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${String(evidence.id)}  CC1\\.1/code-of-conduct  "Code of conduct 2027"  coc\\.pdf \\(32 bytes, sha256 [0-9a-f]{16}…\\)  effective ${effective}T00:00:00\\.000Z, until .*, recorded .* by local:.*, owner hr = people-ops@example\\.com\\n$`));
    const json = JSON.parse((await inProcess(['evidence', 'list', ...args, '--json'])).stdout) as { evidence: Array<{ id: string; recordedAt: string }> };
    expect(json.evidence.map((e) => e.id)).toEqual([evidence.id]);

    const due = await inProcess(['evidence', 'list', ...args, '--due']);
    expect(due.stdout).toMatch(/^DUE      CC1\.1\/conduct-breaches \(12mo, owner hr = people-ops@example\.com\): no evidence recorded — /m);
    expect(due.stdout).not.toMatch(/code-of-conduct/);
    const dueJson = JSON.parse((await inProcess(['evidence', 'list', ...args, '--due', '--json'])).stdout) as { due: Array<{ requirement: string; state: string }> };
    expect(dueJson.due.find((d) => d.requirement === 'conduct-breaches')).toMatchObject({ state: 'due' });

    const status = await runVigil(['status', ...args]);
    expect(status.stdout).toMatch(new RegExp(`manual code-of-conduct \\(12mo, owner hr\\): evidenced by ${String(evidence.id)} "Code of conduct 2027" \\(effective ${effective}, until \\d{4}-\\d{2}-\\d{2}\\); current`));
    expect(status.stdout).toMatch(/manual hiring-checks \(on-hire:30d, owner hr\): not assessed: per new hire/);
  });

  it('withdraws a record: a leaf naming who, when and why; listed as withdrawn, no longer evidencing; bad input exits 2 with nothing written', async () => {
    const add = await inProcess(['evidence', 'add', ...args, '--criterion', 'CC1.1', '--requirement', 'conduct-breaches', '--title', 'Breach log (wrong quarter)', '--file', join(dir, 'coc.pdf'), '--effective', day(-3), '--json']);
    expect(add.code, add.stderr).toBe(0);
    const id = (JSON.parse(add.stdout) as { evidence: { id: string } }).evidence.id;
    expect((await inProcess(['evidence', 'list', ...args, '--due'])).stdout).not.toMatch(/conduct-breaches/);

    const before = counts();
    const bad: Array<[string[], RegExp]> = [
      [['ev_000000000000', '--reason', 'x'], /no evidence record "ev_000000000000" in the ledger/],
      [[id, '--reason', '   '], /a reason is required/],
      [[id], /required option '--reason <text>' not specified/],
    ];
    for (const [extra, message] of bad) {
      const r = await inProcess(['evidence', 'withdraw', ...args, ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(counts()).toEqual(before);

    const w = await runVigil(['evidence', 'withdraw', ...args, id, '--reason', 'the breach log of the wrong quarter', '--json']);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const { withdrawal, seq } = JSON.parse(w.stdout) as { withdrawal: Record<string, unknown>; seq: number };
    expect(withdrawal).toMatchObject({ id, criterion: 'CC1.1', requirement: 'conduct-breaches', reason: 'the breach log of the wrong quarter', by: { kind: 'local', name: expect.stringMatching(/.+@.+/) }, at: expect.stringMatching(/^\d{4}-/) });
    // Appended: one leaf more, the file still stored.
    expect(counts()).toEqual({ leaves: before.leaves + 1, blobs: before.blobs });

    const again = await runVigil(['evidence', 'withdraw', ...args, id, '--reason', 'twice']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`evidence ${id} was already withdrawn at .* \\(leaf #${seq}\\): the breach log of the wrong quarter`));
    expect(counts()).toEqual({ leaves: before.leaves + 1, blobs: before.blobs });

    const list = await inProcess(['evidence', 'list', ...args]);
    expect(list.stdout).toMatch(new RegExp(`^${id}  CC1\\.1/conduct-breaches  .*  WITHDRAWN ${String(withdrawal.at).replace(/\./g, '\\.')} by local:.+: the breach log of the wrong quarter$`, 'm'));
    const json = JSON.parse((await inProcess(['evidence', 'list', ...args, '--json'])).stdout) as { evidence: Array<{ id: string; withdrawn?: unknown }> };
    expect(json.evidence.find((e) => e.id === id)!.withdrawn).toEqual({ at: withdrawal.at, by: withdrawal.by, reason: 'the breach log of the wrong quarter', seq });
    expect((await inProcess(['evidence', 'list', ...args, '--due'])).stdout).toMatch(new RegExp(`^DUE      CC1\\.1/conduct-breaches .*: evidence ${id} was withdrawn .* \\(the breach log of the wrong quarter\\); no other evidence in force`, 'm'));
  });

  it('bad input exits 2 naming the problem, and writes nothing', async () => {
    const before = counts();
    const base = ['evidence', 'add', ...args, '--title', 't'];
    const unreadable = join(dir, 'secret.pdf');
    writeFileSync(unreadable, 'x');
    chmodSync(unreadable, 0o000);
    const cases: Array<[string[], RegExp]> = [
      [['--criterion', 'CC9.9', '--file', join(dir, 'coc.pdf')], /unknown criterion "CC9\.9"/],
      [['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', join(dir, 'missing.pdf')], /--file .*missing\.pdf: cannot read it: no such file/],
      [['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', dir], /--file .*: not a regular file/],
      [['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', join(dir, 'coc.pdf'), '--effective', day(2)], /effective .* is in the future/],
      [['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', join(dir, 'coc.pdf'), '--effective', day(-5), '--expires', day(-6)], /expires .* is not after effective/],
      [['--criterion', 'CC1.1', '--file', join(dir, 'coc.pdf')], /CC1\.1 has 2 requirements; name one with --requirement/],
      [['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', join(dir, 'coc.pdf'), '--every', 'yearly'], /every: "yearly": expected Nmo/],
      [['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', join(dir, 'coc.pdf'), '--every', '12mo', '--expires', day(300)], /cannot be used with option/],
    ];
    // Root reads any file: the unreadable case only where permissions bite.
    if (process.getuid?.() !== 0) cases.push([['--criterion', 'CC1.1', '--requirement', 'code-of-conduct', '--file', unreadable], /cannot read it: permission denied/]);
    // One spawned run for the exit code a shell sees; the rest in process.
    const spawned = await runVigil([...base, ...cases[0]![0]]);
    expect(spawned.code).toBe(2);
    expect(spawned.stderr).toMatch(cases[0]![1]);
    for (const [extra, message] of cases) {
      const r = await inProcess([...base, ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(counts()).toEqual(before);
  });
});
