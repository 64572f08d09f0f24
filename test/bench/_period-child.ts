// Child process of the period benchmark: runs one export or verify so its peak RSS is its own; prints one JSON line.
import { silentLogger } from '../../src/core/collector.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { loadFramework } from '../../src/rules/frameworks.js';

const [what, ...args] = process.argv.slice(2);
const t0 = performance.now();
if (what === 'export') {
  const [dataDir, from, to, out, seed, nowIso] = args as [string, string, string, string, string, string];
  const fw = loadFramework('soc2');
  const framework = { id: fw.id, title: fw.title, version: fw.version, criteria: fw.criteria.map((c) => ({ id: c.id, title: c.title, rules: c.rules.map((r) => ({ id: r.id })), ...(c.manual ? { manual: c.manual } : {}) })) };
  const now = new Date(nowIso);
  const r = await exportBundle({ dataDir, type: 2, from, to, framework, sampleSeed: seed, out, clock: { now: () => now }, logger: silentLogger });
  process.stdout.write(`${JSON.stringify({ wallMs: Math.round(performance.now() - t0), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), leaves: r.leaves, files: r.files, bytes: r.bytes, attachments: r.attachments })}\n`);
} else if (what === 'verify') {
  const [bundle, pem] = args as [string, string];
  const v = await verifyBundle(bundle, { trustedKeyFile: pem });
  process.stdout.write(`${JSON.stringify({ wallMs: Math.round(performance.now() - t0), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ok: v.ok, faults: v.faults.slice(0, 5), stats: v.stats })}\n`);
} else {
  process.stderr.write('usage: _period-child.ts export|verify …\n');
  process.exit(2);
}
