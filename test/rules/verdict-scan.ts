// Reads the rule table test files as text and lists which verdicts (pass, fail) each rule has a row asserting.
//
// Why a static scan: vitest runs each test file in its own process (pool: forks), so a set filled by the table
// helpers at run time never reaches the registry test, and the tables come in several shapes (`table(rule, rows)`,
// `it.each(rows)(…verdict(…, 'rule.id', …))`, `expect(run('rule.id', s)).toEqual([[id, 'fail']])`) that one shared
// recorder would force into one. The scan is deliberately conservative: it credits a status to a rule only where the
// text ties them together without doubt, so a missing credit means "write a plain row", never a false credit.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The verdicts a row of a table test can assert that this requirement counts. */
export type CountedStatus = 'pass' | 'fail';

/** A piece of a test file that declares tests: from one `describe(`/`it(`/`it.each(`/`test(`/`table(` to the next. */
const UNIT_START = /^\s*(?:describe|it|test|table)(?:\.each)?\s*\(/;

/** A status literal that a row asserts; one under `.not.` (`expect(x).not.toBe('pass')`) asserts the opposite. */
const STATUS = /(?<!not\.to(?:Be|Equal|Contain)\(\s*)(['"])(pass|fail)\1/g;

/** Whole-line comments only: `/*` and `//` also occur inside strings and regex literals (`'arn:aws:s3:::b/*'`). */
function stripComments(text: string): string {
  return text.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The rule ids a file names: an id written out in full (`'okta.users.inactive'`), or a rule module's default import
 * (`import rootMfa from '../../rules/aws/iam/root_mfa_enabled.js'`) used as a value (`table(rootMfa as Rule, …)`).
 */
function mentionFinders(file: string, text: string, ruleIds: readonly string[]): Array<{ id: string; re: RegExp }> {
  const finders = ruleIds.map((id) => ({ id, re: new RegExp(`(?<![\\w.])${escape(id)}(?![\\w])`) }));
  const rulesRoot = resolve(dirname(file), '../../rules');
  for (const m of text.matchAll(/^import\s+(\w+)\s+from\s+'([^']+\/rules\/[^']+)\.js';/gm)) {
    const abs = resolve(dirname(file), m[2]!);
    if (!abs.startsWith(`${rulesRoot}/`)) continue;
    const id = abs.slice(rulesRoot.length + 1).split('/').join('.');
    if (!ruleIds.includes(id)) continue;
    // A bare word such as `trust` may also appear in a test name: count it only as an argument or list item.
    finders.push({ id, re: new RegExp(`(?<!['"\\w])${escape(m[1]!)}(?=\\s*(?:as\\b|,|\\)|\\]))`) });
  }
  return finders;
}

function mentioned(text: string, finders: Array<{ id: string; re: RegExp }>): Set<string> {
  return new Set(finders.filter((f) => f.re.test(text)).map((f) => f.id));
}

function statuses(text: string): CountedStatus[] {
  return [...text.matchAll(STATUS)].map((m) => m[2] as CountedStatus);
}

/**
 * Which statuses each rule has a row asserting, over the given table test files. A test unit that names one rule
 * credits that rule with every status literal in it (a table of rows for one rule); a unit naming several rules
 * credits a status only on a line that names exactly one rule (`expect(run('github.repo.x', s)).toEqual([[id, 'fail']])`).
 */
export function scanVerdicts(files: readonly string[], ruleIds: readonly string[]): Map<string, Set<CountedStatus>> {
  const credited = new Map<string, Set<CountedStatus>>(ruleIds.map((id) => [id, new Set<CountedStatus>()]));
  const credit = (id: string, ss: CountedStatus[]) => { for (const s of ss) credited.get(id)!.add(s); };
  for (const file of files) {
    const text = stripComments(readFileSync(file, 'utf8'));
    const finders = mentionFinders(file, text, ruleIds);
    const units: string[][] = [[]];
    for (const line of text.split('\n')) {
      if (UNIT_START.test(line)) units.push([]);
      units[units.length - 1]!.push(line);
    }
    for (const unit of units) {
      const body = unit.join('\n');
      const ids = mentioned(body, finders);
      if (ids.size === 1) credit([...ids][0]!, statuses(body));
      else if (ids.size > 1) {
        for (const line of unit) {
          const lineIds = mentioned(line, finders);
          if (lineIds.size === 1) credit([...lineIds][0]!, statuses(line));
        }
      }
    }
  }
  return credited;
}
