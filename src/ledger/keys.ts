// The ledger's Ed25519 signing key on disk: created once, kept private (0600 in a 0700 dir), never logged.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../core/errors.js';
import { fsCause } from '../core/path-problems.js';

export const PRIVATE_KEY_FILE = 'ledger-ed25519.key';
export const PUBLIC_KEY_FILE = 'ledger-ed25519.pub.pem';

export interface LedgerKeyPaths {
  dir: string;
  privateKey: string;
  publicKey: string;
}

export function ledgerKeyPaths(dataDir: string): LedgerKeyPaths {
  const dir = join(dataDir, 'keys');
  return { dir, privateKey: join(dir, PRIVATE_KEY_FILE), publicKey: join(dir, PUBLIC_KEY_FILE) };
}

export interface LedgerKey {
  /** Absent when only the public key could be loaded (read-only use). */
  privateKey?: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** True when this call generated the key. */
  created: boolean;
}

const checksPermissions = process.platform !== 'win32';

async function exists(path: string, mode: number = fsc.F_OK): Promise<boolean> {
  try {
    await fs.access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** Whether this user may read `path` (the private key of a data dir owned by another user may not be). */
export function readable(path: string): Promise<boolean> {
  return exists(path, fsc.R_OK);
}

async function readPrivate(path: string): Promise<KeyObject> {
  return readEd25519PrivateKeyFile(path, 'ledger signing key', 'LEDGER_KEY');
}

/**
 * Reads a PKCS#8 PEM Ed25519 private key, refusing one readable by group or others (`what` names it in messages,
 * `codePrefix` prefixes the error codes: _PERMISSIONS, _INVALID). Shared by the ledger's and a witness's key.
 */
export async function readEd25519PrivateKeyFile(path: string, what: string, codePrefix: string): Promise<KeyObject> {
  const st = await fs.stat(path);
  if (checksPermissions && (st.mode & 0o077) !== 0) {
    throw new AppError(
      `${codePrefix}_PERMISSIONS`,
      `${what} ${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing to use a key others may have copied`,
      { remediation: `chmod 600 ${path} — and if others could read it, treat it as compromised and rotate it` },
    );
  }
  let pem: Buffer;
  try {
    pem = await fs.readFile(path);
  } catch (cause) {
    throw new AppError(`${codePrefix}_UNREADABLE`, `cannot read ${what} ${path}: ${fsCause(cause) ?? (cause as Error).message}`, { cause });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new AppError(`${codePrefix}_INVALID`, `${what} ${path} is not a readable PKCS#8 PEM private key`, { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AppError(`${codePrefix}_INVALID`, `${what} ${path} is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  }
  return key;
}

/**
 * Loads the signing key from `<dataDir>/keys/`. With `create`, generates it when absent; the file is written
 * under a temporary name and hard-linked into place, so a crash never leaves a half-written key and two
 * processes racing to create it end up sharing one key.
 */
export async function loadLedgerKey(dataDir: string, opts: { create: boolean }): Promise<LedgerKey | undefined> {
  const p = ledgerKeyPaths(dataDir);
  // A reader needs only the public key: one that may not read the private key (another user's data dir) reads that.
  if ((await exists(p.privateKey)) && (opts.create || (await readable(p.privateKey)) || !(await exists(p.publicKey)))) {
    const privateKey = await readPrivate(p.privateKey);
    const publicKey = createPublicKey(privateKey);
    const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    if (opts.create && !(await exists(p.publicKey))) await writeNoClobber(p.publicKey, publicKeyPem, 0o644);
    return { privateKey, publicKey, publicKeyPem, created: false };
  }
  if (!opts.create) {
    if (!(await exists(p.publicKey))) return undefined;
    const publicKeyPem = await fs.readFile(p.publicKey, 'utf8');
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(publicKeyPem);
    } catch (cause) {
      throw new AppError('LEDGER_KEY_INVALID', `ledger public key ${p.publicKey} is not a PEM public key`, { cause });
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new AppError('LEDGER_KEY_INVALID', `ledger public key ${p.publicKey} is not Ed25519`);
    return { publicKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), created: false };
  }
  await fs.mkdir(p.dir, { recursive: true, mode: 0o700 });
  if (checksPermissions) await fs.chmod(p.dir, 0o700);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const won = await writeNoClobber(p.privateKey, pem, 0o600);
  if (!won) return loadLedgerKey(dataDir, opts);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  await writeNoClobber(p.publicKey, publicKeyPem, 0o644);
  return { privateKey, publicKey, publicKeyPem, created: true };
}

/** Writes `path` only if it does not exist yet; returns false when another writer got there first. */
export async function writeNoClobber(path: string, data: string, mode: number): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (checksPermissions) await fs.chmod(tmp, mode);
  try {
    await fs.link(tmp, path);
    await syncDir(dirname(path));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.unlink(tmp);
  }
}

/** fsyncs a directory, so a rename or link in it survives a crash (a no-op on Windows). */
export async function syncDir(dir: string): Promise<void> {
  if (!checksPermissions) return;
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
