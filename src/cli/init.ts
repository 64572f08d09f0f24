// `vigil init`: writes a commented vigil.config.yaml to start from; never overwrites without --force.
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { folderWriteProblem, pathKind } from '../core/path-problems.js';
import { SOURCE_MANIFEST, type ManifestSourceId } from '../../collectors/manifest.js';

/** The source whose section is written active, so the file is a working example as written; the rest are commented. */
const ACTIVE_BY_DEFAULT: readonly ManifestSourceId[] = ['aws'];

/**
 * The config `vigil init` writes: one section per source of the manifest (collectors/manifest.ts), each the source's
 * own template (collectors/<source>/config.ts), written active for the sources in `active` and commented out for the
 * others. Tests render every section active and load it with the config loader.
 */
export function configTemplate(active: readonly ManifestSourceId[] = ACTIVE_BY_DEFAULT): string {
  return `# vigil.config.yaml — Vigil continuous compliance monitoring.
# Values may reference environment variables as \${NAME} or \${NAME:-default}; keep secrets there, not in this file.

# Where the evidence ledger, signing key and caches live (relative to this file). The CLI's --data-dir wins.
dataDir: ./.vigil

# Ledger identity, written into every signed checkpoint. Unique per ledger; no spaces or "+".
# origin: vigil.example.com/acme/prod

# Default collection schedule, cron in UTC (minute hour day-of-month month day-of-week). Hourly:
schedule: "0 * * * *"

# Minutes between heartbeat records, so an auditor can tell "agent up, nothing changed" from "agent down".
heartbeatMinutes: 5

redis:
  # REDIS_URL wins over this. Redis must use maxmemory-policy noeviction.
  url: \${REDIS_URL:-redis://127.0.0.1:6379}
  prefix: vigil

# Frameworks to report against (files in rules/frameworks/; \`vigil frameworks list\` shows them: soc2, soc1-itgc,
# iso27001-2022). The first is what status, alerts and the API use; --framework picks another.
frameworks: [soc2]
# Criteria in scope per framework, by category or criterion id (SOC 2 default: security and availability).
# criteria:
#   soc2: [security, availability, confidentiality, processing-integrity, privacy]

rules:
  # Per-rule parameter overrides; \`vigil rules list\` shows every rule and its current parameters.
  params: {}
  #   aws.iam.access_keys_rotated: { maxKeyAgeDays: 90 }
  # Rules not evaluated here (recorded as out of scope).
  disabled: []

sources:
${sourceSections(active)}

# Alerts: derived from the ledger after each run; delivered through the \`notify\` queue (docs/api.md).
# alerts:
#   sinks:
#     - name: soc-webhook
#       type: webhook                 # JSON body; HMAC-SHA256 over "timestamp.body" in Vigil-Signature
#       url: https://hooks.example.com/vigil
#       secret: \${VIGIL_WEBHOOK_SECRET}
#     - name: slack
#       type: slack
#       url: \${SLACK_WEBHOOK_URL}     # the URL is the secret: keep it in the environment
#       minSeverity: high
#   grace:                            # a failure must persist this long before it alerts
#     default: { runs: 2 }
#     severity: { critical: { runs: 1 } }
#     rules: {}                       # e.g. aws.iam.access_keys_rotated: { minutes: 240 }

# HTTP API (vigil run and vigil serve). Tokens are stored as SHA-256: \`vigil api hash-token --new\`.
# api:
#   listen: 127.0.0.1:8080
#   tokens:
#     - { name: security-team, sha256: <64 hex>, role: viewer }   # viewer | auditor | approver | admin

# Risk acceptance kept in git and reviewed; or \`vigil exceptions request\` then \`approve\` (approver token).
# exceptions:
#   file: ./exceptions.yaml

# Manual evidence (\`vigil evidence add\`, docs/evidence.md): who owns the framework's requirement owner keys, and how
# many days before its evidence expires a requirement is due. An owner's API token (named as here) may upload for it.
# evidence:
#   owners: { hr: people-ops@example.com, security: ciso@example.com }
#   warnDays: 30

# Who owns findings (docs/dashboard.md, "Owners"): the first entry whose every field matches names the owner; the API
# and dashboard filter findings by it. Each entry: owner and at least one of source, scope (quote account ids), rule (a prefix).
# owners:
#   - { owner: platform-team, source: aws, scope: "111122223333" }
#   - { owner: iam-team, rule: aws.iam }

# Witnesses someone else runs (\`vigil witness serve\`): every signed checkpoint is offered to each (README, "Run a witness").
# witnesses:
#   - name: auditor
#     url: https://witness.auditor.example
#     key: <the vkey \`vigil witness key\` printed>   # timeoutSeconds: 1-60 (10), alertAfterCheckpoints (3)
# RFC 3161 time stamp of each daily seal by a time-stamping authority outside the company (README, "RFC 3161 time stamps").
# timestamping:
#   url: https://freetsa.org/tsr      # e.g. FreeTSA, or http://timestamp.digicert.com
#   timeoutMs: 10000
# WORM copy of each signed checkpoint and day seal in an S3 bucket with Object Lock, COMPLIANCE mode (README, "WORM copies").
# publish:
#   s3:
#     bucket: acme-vigil-worm          # created with Object Lock enabled
#     prefix: vigil/prod
#     retentionDays: 400               # required: cover the audit period and its retention
`;
}

/** Each source's template under `sources:`, indented; commented out (description lines kept as they are) unless active. */
function sourceSections(active: readonly ManifestSourceId[]): string {
  return SOURCE_MANIFEST.map((s) => {
    const on = active.includes(s.id);
    return s.configTemplate.trimEnd().split('\n')
      .map((line) => (on || line.startsWith('#') ? `  ${line}` : `  # ${line}`).trimEnd())
      .join('\n');
  }).join('\n\n');
}

export const CONFIG_TEMPLATE = configTemplate();

export function initCommand(opts: { out?: string; force?: boolean }): number {
  const file = resolve(opts.out ?? 'vigil.config.yaml');
  const kind = pathKind(file);
  // A folder or a link is refused even with --force: --force replaces a config file, nothing else.
  if (kind === 'folder') throw new UsageError('INIT_OUT_FOLDER', `--out ${file} is a folder; give the path of the config file to write, such as ${resolve(file, 'vigil.config.yaml')}`);
  if (kind === 'symlink' || kind === 'other') throw new UsageError('INIT_OUT_NOT_FILE', `--out ${file} is ${kind === 'symlink' ? 'a symbolic link' : 'not a regular file'}; give the path of a new file`);
  if (kind === 'file' && !opts.force) {
    throw new UsageError('INIT_EXISTS', `${file} already exists; pass --force to overwrite it`);
  }
  const problem = folderWriteProblem(dirname(file), { mustExist: true });
  if (problem !== undefined) throw new UsageError('INIT_OUT_UNWRITABLE', `--out ${file}: ${problem}`);
  writeFileSync(file, CONFIG_TEMPLATE, { mode: 0o644 });
  process.stdout.write(`wrote ${file}\nnext: edit it, then \`vigil collect\` to check the setup, and \`vigil run\` to start monitoring\n`);
  return 0;
}
