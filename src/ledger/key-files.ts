// The ledger's key files across rotations: the active key at keys/ledger-ed25519.key, a new key waiting for its
// handover at keys/ledger-ed25519.next.key, retired keys kept in keys/archive/ so history stays verifiable.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ledgerKeyPaths, readEd25519PrivateKeyFile, syncDir, writeNoClobber } from './keys.js';
import { ed25519KeyId, rawEd25519PublicKey } from './note.js';

export const NEXT_KEY_FILE = 'ledger-ed25519.next.key';
export const ARCHIVE_DIR = 'archive';

export function nextKeyPath(dataDir: string): string {
  return join(ledgerKeyPaths(dataDir).dir, NEXT_KEY_FILE);
}

export function archivedKeyPath(dataDir: string, keyId: string): string {
  return join(ledgerKeyPaths(dataDir).dir, ARCHIVE_DIR, `ledger-ed25519-${keyId}.key`);
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}

/** The private key in `path` if it is there and is key `keyId` under `origin`. */
async function keyIfIs(path: string, origin: string, keyId: string): Promise<KeyObject | undefined> {
  if (!(await exists(path))) return undefined;
  const k = await readEd25519PrivateKeyFile(path, 'ledger signing key', 'LEDGER_KEY');
  return ed25519KeyId(origin, rawEd25519PublicKey(k)).toString('hex') === keyId ? k : undefined;
}

/** Finds the private key `keyId`: the active file, the pending next key, or the archive. */
export async function findPrivateKey(dataDir: string, origin: string, keyId: string): Promise<KeyObject | undefined> {
  for (const p of [ledgerKeyPaths(dataDir).privateKey, nextKeyPath(dataDir), archivedKeyPath(dataDir, keyId)]) {
    const k = await keyIfIs(p, origin, keyId);
    if (k !== undefined) return k;
  }
  return undefined;
}

/** Whether keys/ledger-ed25519.key (and its .pub.pem) hold key `keyId`. */
export async function activeFileIs(dataDir: string, origin: string, keyId: string): Promise<boolean> {
  const paths = ledgerKeyPaths(dataDir);
  if ((await keyIfIs(paths.privateKey, origin, keyId)) === undefined) return false;
  const pem = await fs.readFile(paths.publicKey, 'utf8').catch(() => undefined);
  try {
    return pem !== undefined && ed25519KeyId(origin, rawEd25519PublicKey(createPublicKey(pem))).toString('hex') === keyId;
  } catch {
    return false;
  }
}

/** Writes a new key as the pending next key (fsynced, 0600) before anything names it, replacing a stale one. */
export async function writeNextKey(dataDir: string, key: KeyObject): Promise<void> {
  const p = nextKeyPath(dataDir);
  await fs.rm(p, { force: true });
  if (!(await writeNoClobber(p, key.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600))) throw new Error(`${p} appeared while writing it`);
}

/**
 * Makes `next` (the handed-over key) the active key file; every step can be repeated after a crash: (1) the old
 * active key is hard-linked into the archive, (2) the next key is renamed over the active file (atomic), (3) the
 * public key file is replaced by rename.
 */
export async function promoteNextKey(dataDir: string, origin: string, next: { keyId: string }): Promise<void> {
  const paths = ledgerKeyPaths(dataDir);
  const nextPath = nextKeyPath(dataDir);
  const active = (await exists(paths.privateKey)) ? await readEd25519PrivateKeyFile(paths.privateKey, 'ledger signing key', 'LEDGER_KEY') : undefined;
  const activeId = active === undefined ? undefined : ed25519KeyId(origin, rawEd25519PublicKey(active)).toString('hex');
  if (active !== undefined && activeId !== next.keyId) {
    const archived = archivedKeyPath(dataDir, activeId!);
    await fs.mkdir(join(paths.dir, ARCHIVE_DIR), { recursive: true, mode: 0o700 });
    if (!(await exists(archived))) {
      await fs.link(paths.privateKey, archived);
      await syncDir(join(paths.dir, ARCHIVE_DIR));
    }
    if ((await keyIfIs(nextPath, origin, next.keyId)) === undefined) throw new Error(`the handed-over key ${next.keyId} is not in ${nextPath}`);
    await fs.rename(nextPath, paths.privateKey);
    await syncDir(paths.dir);
  }
  const key = await readEd25519PrivateKeyFile(paths.privateKey, 'ledger signing key', 'LEDGER_KEY');
  const pem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  const current = await fs.readFile(paths.publicKey, 'utf8').catch(() => undefined);
  if (current !== pem) {
    const tmp = `${paths.publicKey}.${process.pid}.tmp`;
    await fs.writeFile(tmp, pem, { mode: 0o644 });
    await fs.rename(tmp, paths.publicKey);
    await syncDir(paths.dir);
  }
}
