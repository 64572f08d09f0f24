// `vigil collect` over an HR roster file as a user runs it: a bad roster is an error run whose output names each line
// and column (one spawn; the good roster's collection is covered through the writer in pipeline.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVigil } from '../support/vigil-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-hris-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';

describe('vigil collect --source hris', () => {
  it('names every bad line and column of the roster and records an error run', async () => {
    writeFileSync(join(dir, 'vigil.config.yaml'), 'sources:\n  hris:\n    file: ./roster.csv\n');
    writeFileSync(join(dir, 'roster.csv'), `${HEADER}\nE1,ann@x.io,Ann,Active,2024-01-15,,,Eng\nE2,bo@x.io,Bo,Terminated,2024-01-15,11/30/2026,,Eng\nE2,cy@x.io,Cy,Active,2024-01-15,,,Eng\n`);
    const bad = await runVigil(['collect', '--source', 'hris', '--data-dir', './data'], dir);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toContain(`line 3, column 6 (Termination Date): "11/30/2026" is not an ISO 8601 date`);
    expect(bad.stdout).toContain('line 4, column 1 (Employee ID): employee id "E2" is also on line 3');
    expect(bad.stderr).toContain('hris roster could not be read: hris:ParseRoster failed: malformed reply (HrisBadDate) (+1 more error); recorded as an error run');
  }, 30_000);
});
