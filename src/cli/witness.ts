// `vigil witness key|serve`: a C2SP tlog-witness a third party runs with its own key, cosigning only consistent checkpoints.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { AppError, UsageError } from '../core/errors.js';
import { readEd25519PrivateKeyFile, writeNoClobber } from '../ledger/keys.js';
import { NoteError, isValidKeyName, rawEd25519PublicKey, verifierFromVkey, type NoteVerifier } from '../ledger/note.js';
import { acquireFileLock, LedgerLockedError } from '../ledger/writer-lock.js';
import { ed25519Cosigner, type Cosigner } from '../witness/cosignature.js';
import { startWitnessServer } from '../witness/server.js';
import { WitnessStateStore } from '../witness/state.js';
import { Witness } from '../witness/witness.js';
import { makeLogger } from './logger.js';

export interface WitnessKeyOptions {
  key: string;
  name?: string;
  new?: boolean;
  json?: boolean;
}

export interface WitnessServeOptions {
  key: string;
  name?: string;
  listen: string;
  state: string;
  origin?: string[];
  maxBody?: string;
}

/** Default witness name, derived from the key so `witness key` and `witness serve` agree without being told. */
export function defaultWitnessName(privateKey: KeyObject): string {
  return `vigil-witness/${createHash('sha256').update(rawEd25519PublicKey(privateKey)).digest('hex').slice(0, 8)}`;
}

async function exists(path: string): Promise<boolean> {
  return fs.stat(path).then(
    () => true,
    () => false,
  );
}

async function loadKey(path: string, create: boolean): Promise<{ key: KeyObject; created: boolean }> {
  if (!(await exists(path))) {
    if (!create) throw new UsageError('WITNESS_NO_KEY', `no witness key at ${path}`, { remediation: `create one with: vigil witness key --key ${path} --new` });
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    // Never overwrite: a witness key that changes silently invalidates every cosignature clients pinned.
    const created = await writeNoClobber(path, pem, 0o600);
    return { key: await readEd25519PrivateKeyFile(path, 'witness key', 'WITNESS_KEY'), created };
  }
  return { key: await readEd25519PrivateKeyFile(path, 'witness key', 'WITNESS_KEY'), created: false };
}

function cosignerFor(key: KeyObject, name: string | undefined): Cosigner {
  const n = name ?? defaultWitnessName(key);
  if (!isValidKeyName(n)) throw new UsageError('WITNESS_BAD_NAME', `--name ${JSON.stringify(n)}: a witness name is non-empty, without spaces or '+' (a schema-less URL such as witness.example.org/w1)`);
  return ed25519Cosigner(n, key);
}

/** `vigil witness key`: prints the witness's vkey (cosignature/v1, type 0x04); creates the key only with --new. */
export async function witnessKeyCommand(o: WitnessKeyOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { key, created } = await loadKey(o.key, o.new === true);
  const c = cosignerFor(key, o.name);
  if (o.json) {
    out.write(`${JSON.stringify({ name: c.name, keyId: c.keyId.toString('hex'), vkey: c.vkey, keyFile: o.key, created }, null, 2)}\n`);
  } else {
    if (created) process.stderr.write(`created witness key ${o.key} (mode 0600); back it up: losing it retires this witness\n`);
    else if (o.new) process.stderr.write(`witness key ${o.key} already exists; kept it (never overwritten)\n`);
    out.write(`${c.vkey}\n`);
  }
  return 0;
}

/** `--origin ORIGIN=VKEY` or `--origin VKEY` (origin = the vkey's name), repeatable; one origin may list several keys. */
export function parseOrigins(values: readonly string[]): Map<string, NoteVerifier[]> {
  const logs = new Map<string, NoteVerifier[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const plus = v.indexOf('+');
    // A vkey's '=' can only be base64 padding, after its second '+': an '=' before the first '+' separates an origin.
    const split = eq >= 0 && (plus < 0 || eq < plus);
    const origin = split ? v.slice(0, eq) : v.slice(0, Math.max(plus, 0));
    const vkey = split ? v.slice(eq + 1) : v;
    let verifier: NoteVerifier;
    try {
      verifier = verifierFromVkey(vkey);
    } catch (e) {
      if (e instanceof NoteError) throw new UsageError('WITNESS_BAD_ORIGIN', `--origin ${JSON.stringify(v)}: ${e.message} (expected ORIGIN=VKEY, the log's Ed25519 note key)`);
      throw e;
    }
    if (!isValidKeyName(origin)) throw new UsageError('WITNESS_BAD_ORIGIN', `--origin ${JSON.stringify(v)}: origin ${JSON.stringify(origin)} is empty or holds spaces or '+'`);
    logs.set(origin, [...(logs.get(origin) ?? []), verifier]);
  }
  return logs;
}

/** HOST:PORT or [IPv6]:PORT; port 0 picks a free one. */
export function parseListen(listen: string, code = 'WITNESS_BAD_LISTEN'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (m === null || port > 65535) throw new UsageError(code, `--listen ${JSON.stringify(listen)}: expected HOST:PORT, e.g. 127.0.0.1:7380 or [::1]:7380`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function parseMaxBody(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[1-9][0-9]*$/.test(v) || n < 1024 || n > 16 * 1024 * 1024) throw new UsageError('WITNESS_BAD_MAX_BODY', `--max-body ${JSON.stringify(v)}: bytes between 1024 and 16777216`);
  return n;
}

/** `vigil witness serve`: cosigns consistent checkpoints of the configured logs until SIGTERM/SIGINT. */
export async function witnessServeCommand(o: WitnessServeOptions): Promise<number> {
  const logs = parseOrigins(o.origin ?? []);
  if (logs.size === 0) throw new UsageError('WITNESS_NO_ORIGIN', 'a witness cosigns only the logs it is configured for: give at least one --origin ORIGIN=VKEY');
  const { host, port } = parseListen(o.listen);
  const maxBodyBytes = parseMaxBody(o.maxBody);
  const { key } = await loadKey(o.key, false);
  const cosigner = cosignerFor(key, o.name);
  const logger = makeLogger();
  await fs.mkdir(o.state, { recursive: true, mode: 0o700 });
  let lock;
  try {
    lock = acquireFileLock({ dataDir: o.state, command: 'vigil witness serve' });
  } catch (e) {
    // Two witnesses on one state dir would each check against a stale memory and could cosign a rollback.
    if (e instanceof LedgerLockedError) throw new AppError('WITNESS_STATE_LOCKED', `witness state ${o.state} is in use by ${e.holder ? `pid ${e.holder.pid} on ${e.holder.host}` : 'another process'}`, { remediation: 'run one witness per state directory' });
    throw e;
  }
  try {
    const state = await WitnessStateStore.open(o.state);
    const witness = new Witness({ cosigner, logs, state, logger });
    const server = await startWitnessServer({ witness, host, port, logger, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) });
    process.stdout.write(`witness ${cosigner.vkey}\nlistening on ${server.url} (POST ${server.url}/add-checkpoint); cosigning ${[...logs.keys()].join(', ')}\n`);
    // Not run.ts's waitForSignal: that module pulls in the whole agent, and a witness operator runs only this.
    await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    await server.close();
    return 0;
  } finally {
    await lock.release();
  }
}
