// A witness's memory: per log origin, the latest checkpoint it cosigned, persisted atomically so a crash never rolls it back.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../core/errors.js';
import { syncDir } from '../ledger/keys.js';
import { parseCheckpoint } from '../ledger/note.js';

/** What a witness holds for one log: the last checkpoint it cosigned. */
export interface OriginState {
  origin: string;
  size: number;
  /** Base64 root hash at `size`. */
  root: string;
  /** The signed checkpoint note as the log sent it: kept as evidence of what the log signed. */
  checkpoint: string;
  /** ISO time the witness cosigned it. */
  cosignedAt: string;
}

const STATE_SUFFIX = '.json';

/** File name for an origin: a hash, since origins hold '/' and may be long; the origin itself is inside. */
export function stateFileName(origin: string): string {
  return `origin-${createHash('sha256').update(origin, 'utf8').digest('hex').slice(0, 32)}${STATE_SUFFIX}`;
}

function corrupt(path: string, why: string): AppError {
  return new AppError('WITNESS_STATE_CORRUPT', `witness state ${path} is unreadable: ${why}`, {
    remediation:
      'restore it from a backup; never delete it to make the witness start, since a witness that forgets what it cosigned can be made to cosign a rollback or a fork',
  });
}

/** Parses and checks one state file's text; throws WITNESS_STATE_CORRUPT naming the file. */
export function parseState(path: string, text: string): OriginState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw corrupt(path, 'not JSON');
  }
  const s = v as Partial<OriginState>;
  if (typeof s !== 'object' || s === null || typeof s.origin !== 'string' || typeof s.size !== 'number' || typeof s.root !== 'string' || typeof s.checkpoint !== 'string' || typeof s.cosignedAt !== 'string') {
    throw corrupt(path, 'missing origin, size, root, checkpoint or cosignedAt');
  }
  const split = s.checkpoint.lastIndexOf('\n\n');
  let body;
  try {
    body = parseCheckpoint(s.checkpoint.slice(0, split + 1), { allowExtensions: true });
  } catch (e) {
    throw corrupt(path, `its checkpoint does not parse: ${(e as Error).message}`);
  }
  if (body.origin !== s.origin || body.size !== s.size || body.root.toString('base64') !== s.root) throw corrupt(path, 'origin, size or root differ from its checkpoint');
  if (stateFileName(s.origin) !== basename(path)) throw corrupt(path, `it holds origin ${JSON.stringify(s.origin)}, whose state file has another name`);
  return s as OriginState;
}

/** The state directory: one JSON file per origin, each replaced whole (temp file, fsync, rename, fsync dir). */
export class WitnessStateStore {
  private constructor(readonly dir: string, private readonly states: Map<string, OriginState>) {}

  /** Opens (creating it 0700 if absent) and reads every origin's state; a corrupt file refuses the start. */
  static async open(dir: string): Promise<WitnessStateStore> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const states = new Map<string, OriginState>();
    for (const name of await fs.readdir(dir)) {
      const path = join(dir, name);
      // A temp file is a write that crashed before its rename: the previous state is the one in force.
      if (name.endsWith('.tmp')) {
        await fs.rm(path, { force: true });
        continue;
      }
      if (!name.endsWith(STATE_SUFFIX)) continue;
      const s = parseState(path, await fs.readFile(path, 'utf8'));
      states.set(s.origin, s);
    }
    return new WitnessStateStore(dir, states);
  }

  get(origin: string): OriginState | undefined {
    return this.states.get(origin);
  }

  /** Durably replaces the state of `s.origin`; only when this resolves may the witness answer with a cosignature. */
  async put(s: OriginState): Promise<void> {
    const final = join(this.dir, stateFileName(s.origin));
    const tmp = `${final}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await fs.open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(s, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.rename(tmp, final);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(this.dir);
    this.states.set(s.origin, s);
  }
}
