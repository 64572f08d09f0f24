// Entry point of the bundled verify/verify.mjs and of `vigil verify`'s output: runs verifyBundle and prints every fault.
import { verifyBundle, type BundleVerification, type VerifyBundleOptions } from './verify-bundle.js';
import { rerunWithBoundedHeap } from '../export/bounded-heap.js';
import { childProgress } from '../core/progress.js';

export function formatVerification(r: BundleVerification): string {
  const lines: string[] = [];
  if (r.ok) {
    const b = r.bundle;
    const what = b ? `Type ${b.type}, ${b.period} (${b.tz}) = [${b.start}, ${b.end}), origin ${b.origin}: ` : '';
    // One line that states everything an auditor files: what was verified and which key signed it.
    const key = !r.key
      ? ''
      : r.key.chain
        ? chainKeyText(r.key)
        : r.key.pinnedBy
        ? `; signed by ${r.key.fingerprint} (key id ${r.key.keyId}), the key you pinned with --${r.key.pinnedBy}`
        : `; signed by ${r.key.fingerprint} (key id ${r.key.keyId}), the key inside the bundle: NOT pinned — the evidence is only as trustworthy as that key`;
    lines.push(`bundle OK: ${what}${r.stats.leaves} leaves, ${r.stats.checkpoints} signed checkpoints, ${r.stats.attachments} attachments, ${r.stats.reportFiles} report files recomputed byte for byte${key}${timestampsText(r)}${witnessText(r)}${appendixText(r)}`);
  } else {
    lines.push(`bundle FAILED verification: ${r.faults.length + r.omittedFaults} fault(s)`);
    for (const f of r.faults) lines.push(`  - [${f.code}] ${f.file ?? ''}${f.seq !== undefined ? ` (leaf seq ${f.seq})` : ''}: ${f.message}`);
    if (r.omittedFaults > 0) lines.push(`  … and ${r.omittedFaults} more fault(s) not listed`);
  }
  // Withheld files are not faults (the bundle declares them), but an auditor must see what they did not receive.
  for (const w of r.withheld ?? []) lines.push(`  withheld: ${w.sha256}: ${w.reason}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/** The OK line's key part for a ledger whose key was rotated: the key that signed, and how it was reached from the pin. */
function chainKeyText(k: NonNullable<BundleVerification['key']>): string {
  const c = k.chain!;
  const signed = `; signed by ${k.fingerprint} (key id ${k.keyId})`;
  if (k.pinnedBy && c.pinnedFingerprint !== undefined) {
    const n = c.rotationsFromPin ?? 0;
    if (n === 0) return `${signed}, the key you pinned with --${k.pinnedBy}`;
    const how = n > 0 ? `reached by ${n} rotation(s) from` : `${-n} rotation(s) before`;
    return `${signed}, ${how} the key you pinned with --${k.pinnedBy} (${c.pinnedFingerprint}), each rotation signed by the old and the new key`;
  }
  return `${signed}, reached by a chain of ${c.rotations} rotation(s) from the genesis key ${c.genesisFingerprint} inside the bundle: NOT pinned — the evidence is only as trustworthy as that key`;
}

/** The OK line's appendix part: the rule replays carried, what was checked of them, and what could not be. */
function appendixText(r: BundleVerification): string {
  const a = r.appendix;
  if (!a) return '';
  const unchecked = a.quotesUnchecked > 0 ? `, ${a.quotesUnchecked} not comparable (results withheld)` : '';
  return `; appendix: replay of ${a.replays.join(', ')} (WHAT-IF, not evidence): labelled, over this period, ${a.quotesChecked} quoted recorded verdict(s) match the bundle's results${unchecked}; its replayed verdicts NOT recomputed (the rule's code and the resource snapshots are not in the bundle)`;
}

/** The OK line's witness part: what was checked, or that the cosignatures carried were not. */
function witnessText(r: BundleVerification): string {
  const w = r.witness;
  if (!w || (w.carried === 0 && !w.checked)) return '';
  const who = w.witnesses.length > 0 ? ` (${w.witnesses.join(', ')})` : '';
  if (!w.checked) return `; ${w.carried} witness cosignature(s)${who} carried but NOT checked: give --witness-key VKEY`;
  return `; end checkpoint cosigned by ${w.quorum} of the witness key(s) you gave, consistent with every cosigned checkpoint (${w.carried} cosignature(s)${who})`;
}

/** The time stamps' part of the OK line: how many, and whether their chain to a TSA root was checked. */
function timestampsText(r: BundleVerification): string {
  const t = r.timestamps;
  if (!t || (t.count === 0 && !t.chainChecked)) return '';
  const n = `${t.count} of ${t.seals} day seal${t.seals === 1 ? '' : 's'} time-stamped (RFC 3161)`;
  return t.chainChecked
    ? `; ${n}, each token checked: imprint, signature, chain to the TSA root you gave with --tsa-ca`
    : `; ${n}, each token's imprint and signature checked, their TSA certificate chain NOT checked (give the TSA's root with --tsa-ca FILE)`;
}

export async function runVerifyCli(argv: string[]): Promise<number> {
  const args = [...argv];
  const opts: VerifyBundleOptions = {};
  let json = false;
  const paths: string[] = [];
  while (args.length > 0) {
    const a = args.shift()!;
    if (a === '--trusted-key') {
      opts.trustedKeyFile = args.shift();
      if (opts.trustedKeyFile === undefined) return usage('--trusted-key needs a PEM file');
    } else if (a === '--trusted-fingerprint') {
      opts.trustedFingerprint = args.shift();
      if (opts.trustedFingerprint === undefined) return usage('--trusted-fingerprint needs SHA256:<hex>');
    } else if (a === '--witness-key') {
      const k = args.shift();
      if (k === undefined) return usage('--witness-key needs a witness vkey (as `vigil witness key` prints it)');
      (opts.witnessKeys ??= []).push(k);
    } else if (a === '--witness-quorum') {
      const q = args.shift();
      if (q === undefined || !/^[1-9][0-9]*$/.test(q)) return usage('--witness-quorum needs a whole number of witnesses');
      opts.witnessQuorum = Number(q);
    } else if (a === '--tsa-ca') {
      opts.tsaCaFile = args.shift();
      if (opts.tsaCaFile === undefined) return usage('--tsa-ca needs a PEM file of the TSA root certificate(s)');
    } else if (a === '--require-pin') opts.requirePin = true;
    else if (a === '--json') json = true;
    else if (a.startsWith('--')) return usage(`unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length !== 1) return usage('give exactly one bundle (folder or .zip)');
  try {
    // Progress on stderr, plain lines every VIGIL_PROGRESS_INTERVAL_MS (or markers `vigil verify` draws); none with --json.
    const r = await verifyBundle(paths[0]!, json ? opts : { ...opts, progress: childProgress('verify', process.stderr) });
    await writeAll(json ? `${JSON.stringify(r, null, 2)}\n` : formatVerification(r));
    return r.ok ? 0 : 1;
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    process.stderr.write(`verify: ${err.message}\n`);
    return err.exitCode === 2 ? 2 : 1;
  }
}

function usage(msg: string): number {
  process.stderr.write(`verify: ${msg}\nusage: node verify.mjs <bundle-folder-or-zip> [--trusted-fingerprint SHA256:<hex> | --trusted-key key.pem] [--require-pin] [--tsa-ca TSA-CA.pem] [--witness-key VKEY]… [--witness-quorum N] [--json]\n`);
  return 2;
}

/**
 * Writes to stdout and resolves once Node has handed every byte to the OS. On a pipe stdout is asynchronous: a
 * process.exit() right after a large write would cut the output (at 64 KiB, the pipe's buffer).
 */
export function writeAll(text: string): Promise<void> {
  return new Promise((res, rej) => process.stdout.write(text, (err) => (err ? rej(err) : res())));
}

/** Exits once stdout and stderr are drained (an empty write's callback runs after every earlier write). */
export async function exitAfterFlush(code: number): Promise<never> {
  await new Promise<void>((res) => process.stdout.write('', () => res()));
  await new Promise<void>((res) => process.stderr.write('', () => res()));
  process.exit(code);
}

// Run when executed as the bundled script (not when imported by the CLI).
const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && /verify(-[0-9a-f]{16})?\.mjs$/.test(process.argv[1]);
if (isMain) {
  rerunWithBoundedHeap((script) => /verify(-[0-9a-f]{16})?\.mjs$/.test(script))
    .then((code) => code ?? runVerifyCli(process.argv.slice(2)))
    .then((code) => exitAfterFlush(code));
}
