// timestamps/index.tsv in an evidence bundle: which bundled checkpoint each RFC 3161 token time-stamps, in a form bash reads.
import { createHash } from 'node:crypto';
import { parseSignedNote } from '../ledger/note.js';

export const TIMESTAMP_INDEX = 'timestamps/index.tsv';
const HEADER = '# checkpoint\tsha256-of-note-body\ttoken\tgen-time\tserial\ttsa';

/** One time stamp in the bundle: the checkpoint, the digest time-stamped, the token attachment (gzip) and what it says. */
export interface TimestampRow {
  checkpoint: string;
  digest: string;
  token: string;
  genTime: string;
  serial: string;
  tsa: string;
}

/**
 * What is time-stamped: the SHA-256 of the checkpoint note's body, i.e. its text up to (not including) the blank line
 * before the signatures — `origin\nsize\nbase64(root)\n`. `awk '/^$/{exit} {print}' N.checkpoint | sha256sum` recomputes it.
 */
export function checkpointDigest(note: string | Uint8Array): Buffer {
  return createHash('sha256').update(parseSignedNote(note).text, 'utf8').digest();
}

export function formatTimestampIndex(rows: TimestampRow[]): string {
  return `${HEADER}\n${rows.map((r) => `${[r.checkpoint, r.digest, r.token, r.genTime, r.serial, r.tsa].join('\t')}\n`).join('')}`;
}

const CHECKPOINT = /^ledger\/checkpoints\/(0|[1-9][0-9]*)\.checkpoint$/;
const TOKEN = /^attachments\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\.gz$/;

/** The rows, and a problem for each line that is not one (naming the line). */
export function parseTimestampIndex(text: string): { rows: TimestampRow[]; problems: string[] } {
  const rows: TimestampRow[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines.pop() !== '') problems.push('does not end with a newline');
  lines.forEach((line, i) => {
    if (line.startsWith('#')) return;
    const f = line.split('\t');
    const [checkpoint, digest, token, genTime, serial, tsa] = f;
    if (f.length !== 6 || !CHECKPOINT.test(checkpoint!) || !/^[0-9a-f]{64}$/.test(digest!) || !TOKEN.test(token!) || TOKEN.exec(token!)![1] !== TOKEN.exec(token!)![2]!.slice(0, 2)) {
      problems.push(`line ${i + 1} is not "<checkpoint file>\\t<sha256>\\t<token attachment>\\t<gen time>\\t<serial>\\t<tsa>"`);
      return;
    }
    rows.push({ checkpoint: checkpoint!, digest: digest!, token: token!, genTime: genTime!, serial: serial!, tsa: tsa! });
  });
  return { rows, problems };
}
