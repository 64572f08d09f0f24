// Entry point of the bundled verify/verify.mjs and of `vigil verify`'s output: runs verifyBundle and prints every fault.
import { verifyBundle, type BundleVerification } from './verify-bundle.js';
import { rerunWithBoundedHeap } from '../export/bounded-heap.js';

export function formatVerification(r: BundleVerification): string {
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`bundle OK: ${r.stats.leaves} leaves, ${r.stats.checkpoints} signed checkpoints, ${r.stats.attachments} attachments, ${r.stats.reportFiles} report files recomputed byte for byte`);
  } else {
    lines.push(`bundle FAILED verification: ${r.faults.length} fault(s)`);
    for (const f of r.faults) lines.push(`  - [${f.code}] ${f.file ?? ''}${f.seq !== undefined ? ` (leaf seq ${f.seq})` : ''}: ${f.message}`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

export async function runVerifyCli(argv: string[]): Promise<number> {
  const args = [...argv];
  let key: string | undefined;
  let json = false;
  const paths: string[] = [];
  while (args.length > 0) {
    const a = args.shift()!;
    if (a === '--trusted-key') {
      key = args.shift();
      if (key === undefined) return usage('--trusted-key needs a PEM file');
    } else if (a === '--json') json = true;
    else if (a.startsWith('--')) return usage(`unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length !== 1) return usage('give exactly one bundle (folder or .zip)');
  try {
    const r = await verifyBundle(paths[0]!, key !== undefined ? { trustedKeyFile: key } : {});
    process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : formatVerification(r));
    return r.ok ? 0 : 1;
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    process.stderr.write(`verify: ${err.message}\n`);
    return err.exitCode === 2 ? 2 : 1;
  }
}

function usage(msg: string): number {
  process.stderr.write(`verify: ${msg}\nusage: node verify.mjs <bundle-folder-or-zip> [--trusted-key key.pem] [--json]\n`);
  return 2;
}

// Run when executed as the bundled script (not when imported by the CLI).
const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && /verify(-[0-9a-f]{16})?\.mjs$/.test(process.argv[1]);
if (isMain) {
  rerunWithBoundedHeap((script) => /verify(-[0-9a-f]{16})?\.mjs$/.test(script))
    .then((code) => code ?? runVerifyCli(process.argv.slice(2)))
    .then((code) => process.exit(code));
}
