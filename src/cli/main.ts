// The `vigil` command line: parses arguments, runs one command, maps errors to exit codes (2 = your input, 1 = failure).
import { Command, CommanderError, Option } from 'commander';
import { reportError } from './report-error.js';
import { UsageError } from '../core/errors.js';
import { VERSION } from '../version.js';
import type { GlobalOptions } from './context.js';
import type { AgentContext } from '../agent.js';

/** Command modules (and the context: config, sources, SDKs) load only for the command that runs: `vigil verify` or `--help` stay light. */
const makeContext = async (opts: GlobalOptions, logLevel?: string): Promise<AgentContext> => (await import('./context.js')).makeContext(opts, logLevel);
import type { ExportCliOptions } from './export.js';
import type { VerifyCliOptions } from './verify.js';
import type { ReplayCliOptions } from './rules.js';

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('vigil')
    .description('Continuous compliance monitoring: collect, evaluate against SOC 2, record signed evidence.')
    .version(VERSION)
    .addOption(new Option('--config <file>', 'config file (default: $VIGIL_CONFIG, else ./vigil.config.yaml, else embedded defaults)'))
    .addOption(new Option('--data-dir <dir>', 'where the ledger and keys live (default: config dataDir, else ./.vigil)'))
    .showHelpAfterError('(run vigil --help for usage)')
    // Every subcommand takes --config and --data-dir: its own --help must say so.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();

  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
  addAgentCommands(program, g, setExit);
  addReadCommands(program, g, setExit);
  addApiAndExceptionCommands(program, g, setExit);
  addEvidenceCommands(program, g, setExit);
  addManualEvidenceCommands(program, g, setExit);
  addRuleAndWitnessCommands(program, g, setExit);
  addReviewCommands(program, g, setExit);
  addDemoCommand(program, g, setExit);
  return program;
}

type Globals = (cmd: Command) => GlobalOptions;
type SetExit = (code: number) => void;

/** Init, run, scheduler, worker: the long-running roles. */
function addAgentCommands(program: Command, g: Globals, setExit: SetExit): void {
  program
    .command('init')
    .description('write a commented vigil.config.yaml')
    .option('--out <file>', 'where to write it', 'vigil.config.yaml')
    .option('--force', 'overwrite an existing file')
    .action(async (o: { out: string; force?: boolean }) => setExit((await import('./init.js')).initCommand(o)));

  program
    .command('run')
    .description('scheduler + collect workers + ledger writer + alerts + HTTP API in one process (SIGTERM stops it cleanly)')
    .action(async (_o, cmd: Command) => setExit(await (await import('./run.js')).runCommand(await makeContext(g(cmd)), 'run')));
  program
    .command('scheduler')
    .description('only enqueue collections on schedule (scale-out role)')
    .action(async (_o, cmd: Command) => setExit(await (await import('./run.js')).runCommand(await makeContext(g(cmd)), 'scheduler')));
  program
    .command('worker')
    .description('collect workers and the ledger writer (scale-out role; run one writer per ledger)')
    .option('--no-writer', 'collect only; another process writes the ledger')
    .action(async (o: { writer: boolean }, cmd: Command) =>
      setExit(await (await import('./run.js')).runCommand(await makeContext(g(cmd)), o.writer ? 'worker' : 'collect-worker')),
    );
}

/** Collect, status, alerts: what the ledger and the sources say now. */
function addReadCommands(program: Command, g: Globals, setExit: SetExit): void {
  program
    .command('collect')
    .description('collect, evaluate and record now (in this process, no Redis needed); print the results')
    .option('--source <source>', 'only this source (a key under `sources:` in the config)')
    .option('--json', 'machine-readable output: { runs, results }')
    .option('--fail-on-fail', 'exit 1 when any result is fail or error')
    .action(async (o: { source?: string; json?: boolean; failOnFail?: boolean }, cmd: Command) =>
      setExit(await (await import('./collect.js')).collectCommand(await makeContext(g(cmd), o.json ? 'warn' : undefined), o)),
    );

  program
    .command('import')
    .description("record another scanner's findings (Prowler's json-ocsf or json-asff output) as runs of the `findings` source, one per scanner:provider:account, mapped to criteria by rules/imports/; a malformed or truncated file is exit 2 naming the line, nothing written")
    .argument('[file]', 'the findings file the scanner wrote (or --folder)')
    .requiredOption('--format <format>', 'ocsf (OCSF Detection Findings, `prowler -M json-ocsf`) or asff (AWS Security Finding Format, `prowler -M json-asff`)')
    .option('--folder <dir>', "instead of FILE: every .json file in DIR whose content the ledger has not recorded; a file that cannot be imported is recorded as an error run of scope folder:<DIR name> naming file and line, and the exit code is 1")
    .option('--scanner <name>', 'the scanner, when the file does not say (ASFF without ProductName); for OCSF it must match metadata.product.name')
    .option('--framework <id>', 'framework whose criteria the findings are mapped to (default: the config\'s first, else soc2)')
    .option('--json', 'machine-readable output: { file, format, sha256, readAt, runs } (--folder: { folder, format, readAt, files, runs })')
    .action(async (file: string | undefined, o: { format: string; folder?: string; scanner?: string; framework?: string; json?: boolean }, cmd: Command) => {
      if ((file === undefined) === (o.folder === undefined)) throw new UsageError('IMPORT_USAGE', 'vigil import: give one findings FILE or --folder DIR (not both)');
      const ctx = await makeContext(g(cmd), o.json ? 'warn' : undefined);
      setExit(o.folder !== undefined ? await (await import('./import-folder.js')).importFolderCommand(ctx, o.folder, o) : await (await import('./import.js')).importCommand(ctx, file!, o));
    });

  program
    .command('status')
    .description('per criterion from the latest runs: state (satisfied, not-satisfied, partial, not-assessed), why, and the manual evidence it needs')
    .option('--json', 'machine-readable output')
    .option('--framework <id>', "framework to report against (default: the config's first)")
    .action(async (o: { json?: boolean; framework?: string }, cmd: Command) => setExit(await (await import('./status.js')).statusCommand(await makeContext(g(cmd), 'warn'), o)));

  // Alerts, HTTP API and exceptions (issue 7)
  program
    .command('alerts')
    .description('the alert feed from the ledger (oldest first)')
    .option('--follow', 'keep printing new alerts as they are recorded')
    .option('--json', 'one JSON object per line')
    .option('--after <seq>', 'only alerts after this ledger seq')
    .option('--limit <n>', 'at most this many (without --follow)')
    .action(async (o: { follow?: boolean; json?: boolean; after?: string; limit?: string }, cmd: Command) => setExit(await (await import('./alerts.js')).alertsCommand(await makeContext(g(cmd), 'warn'), o)));
}

/** Serve, api hash-token, exceptions request|approve|reject|list|revoke, gaps declare|list. */
function addApiAndExceptionCommands(program: Command, g: Globals, setExit: SetExit): void {
  program
    .command('serve')
    .description('the HTTP API alone (alerts, posture, findings, exceptions, /readyz, /metrics)')
    .option('--listen <host:port>', 'overrides api.listen')
    .action(async (o: { listen?: string }, cmd: Command) => setExit(await (await import('./serve.js')).serveCommand(await makeContext(g(cmd)), o)));
  program
    .command('api')
    .description('HTTP API helpers')
    .command('hash-token [token]')
    .description('print the SHA-256 to put in api.tokens[].sha256 (token read from stdin, never an argument; --new makes one)')
    .option('--new', 'generate a random token and print it with its hash')
    .action(async (token: string | undefined, o: { new?: boolean }) => setExit(await (await import('./serve.js')).hashTokenCommand({ ...(token ? { token } : {}), ...o })));
  const exceptions = program
    .command('exceptions')
    .description('risk acceptance: a failure accepted until an expiry, requested by one principal and approved by another');
  const load = () => import('./exceptions.js');
  exceptions
    .command('request')
    .description('request an exception (a ledger leaf, no effect until a different principal approves it)')
    .requiredOption('--rule <id>', 'rule id')
    .requiredOption('--resource <id>', 'resource id (as in findings), or * for every resource of the rule')
    .requiredOption('--reason <text>', 'why the risk should be accepted')
    .requiredOption('--expires <date>', 'YYYY-MM-DD (end of that UTC day) or ISO 8601 instant')
    .option('--id <id>', 'exception id (default: generated)')
    .option('--force', 'request it although the resource has no failing result for the rule in the latest runs')
    .option('--token-file <file>', 'request as this API token\'s principal (default: the OS account running vigil)')
    .option('--json', 'machine-readable output')
    .action(async (o: { rule: string; resource: string; reason: string; expires: string; id?: string; force?: boolean; tokenFile?: string; json?: boolean }, cmd: Command) =>
      setExit(await (await load()).exceptionsRequestCommand(await makeContext(g(cmd), 'warn'), o)),
    );
  exceptions
    .command('approve <id>')
    .description('approve a pending request: needs an API token of role approver or admin whose principal is not the requester')
    .requiredOption('--token-file <file>', 'file holding the approver\'s API token (checked against api.tokens)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { tokenFile: string; json?: boolean }, cmd: Command) => setExit(await (await load()).exceptionsApproveCommand(await makeContext(g(cmd), 'warn'), id, o)));
  exceptions
    .command('reject <id>')
    .description('reject (or withdraw) a pending request')
    .requiredOption('--reason <text>', 'why')
    .option('--token-file <file>', 'reject as this API token\'s principal (default: the OS account running vigil)')
    .action(async (id: string, o: { reason: string; tokenFile?: string }, cmd: Command) => setExit(await (await load()).exceptionsRejectCommand(await makeContext(g(cmd), 'warn'), id, o)));
  exceptions
    .command('list')
    .description('active and pending exceptions (--all: also rejected, revoked and expired)')
    .option('--all', 'include rejected, revoked and expired')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean; all?: boolean }, cmd: Command) => setExit(await (await load()).exceptionsListCommand(await makeContext(g(cmd), 'warn'), o)));
  exceptions
    .command('revoke <id>')
    .description('revoke an active exception (recorded with the principal revoking it)')
    .requiredOption('--reason <text>', 'why')
    .option('--token-file <file>', 'revoke as this API token\'s principal (default: the OS account running vigil)')
    .addOption(new Option('--by <who>', 'removed: the revocation records the principal').hideHelp())
    .action(async (id: string, o: { reason: string; tokenFile?: string; by?: string }, cmd: Command) => setExit(await (await load()).exceptionsRevokeCommand(await makeContext(g(cmd), 'warn'), id, o)));
  exceptions
    .command('add', { hidden: true })
    .description('removed: use request, then approve')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async () => (await load()).exceptionsAddRemoved());
  const gaps = program.command('gaps').description('monitoring gaps: declare a known outage of a source, list gaps and declarations');
  gaps
    .command('declare')
    .description('record a planned or known monitoring outage (an outage.declared leaf, by the OS account running this); reports label missed slots inside it `declared outage`, and no gap is removed')
    .requiredOption('--source <id>', 'source id (aws, github, okta, google-workspace, entra)')
    .option('--scope <scope>', 'one scope of the source (default: every scope)')
    .requiredOption('--from <instant>', 'ISO 8601 instant with a zone, e.g. 2025-03-01T08:00:00Z')
    .requiredOption('--to <instant>', `ISO 8601 instant with a zone, after --from, at most 366 days ahead`)
    .requiredOption('--reason <text>', 'why the source was not monitored')
    .option('--json', 'machine-readable output')
    .action(async (o: { source: string; scope?: string; from: string; to: string; reason: string; json?: boolean }, cmd: Command) =>
      setExit(await (await import('./gaps.js')).gapsDeclareCommand(await makeContext(g(cmd), 'warn'), o)),
    );
  gaps
    .command('list')
    .description('gaps the ledger recorded (missed slots, history out of reach) and declared outages, in ledger order')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => setExit(await (await import('./gaps.js')).gapsListCommand(await makeContext(g(cmd), 'warn'), o)));
}

/** Ledger verify|key, export, verify: the auditor's evidence. */
function addEvidenceCommands(program: Command, g: Globals, setExit: SetExit): void {
  const ledger = program.command('ledger').description('the local evidence ledger');
  ledger
    .command('verify')
    .description('check every leaf against the signed checkpoints; exit 0 intact, 1 naming every bad leaf found')
    .option('--json', 'machine-readable report')
    .action(async (o: { json?: boolean }, cmd: Command) => setExit(await (await import('./ledger.js')).ledgerVerifyCommand(await makeContext(g(cmd), 'warn'), o)));
  ledger
    .command('key')
    .description("the ledger's origin, public key, key id and SHA-256 fingerprint: what an auditor records and pins")
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => setExit(await (await import('./ledger.js')).ledgerKeyCommand(await makeContext(g(cmd), 'warn'), o)));
  ledger
    .command('rotate-key')
    .description('replace the signing key: a key.rotated leaf signed by the old and the new key, a checkpoint by the old key, then the new key signs (the old one is archived in keys/archive/); refused while a writer runs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => setExit(await (await import('./ledger.js')).ledgerRotateKeyCommand(await makeContext(g(cmd), 'warn'), o)));

  program
    .command('export')
    .description('evidence bundle for auditors: --type 2 --from D --to D, or --type 1 --as-of D')
    .requiredOption('--type <1|2>', 'Type 1 (point in time) or Type 2 (period)')
    .option('--from <date>', 'Type 2: first day of the period (YYYY-MM-DD)')
    .option('--to <date>', 'Type 2: last day of the period, included')
    .option('--as-of <date>', 'Type 1: state at the close of this day')
    .option('--tz <zone>', 'IANA time zone of the dates', 'UTC')
    .option('--framework <id>', "framework to report against (default: the config's first, as vigil status)")
    .option('--criteria <ids>', 'only these criteria, comma-separated (CC6.1,A1.2)')
    .option('--sample-seed <seed>', 'draw reproducible samples with this auditor-supplied seed')
    .option('--replay <rule>', 'Type 2: attach what this rule as it is now would have said about the period, as a what-if appendix (appendix/replay/<rule>.json; not evidence); repeatable', (v: string, acc: string[] = []) => [...acc, v])
    .option('--replay-params <json>', 'parameters for the one --replay rule (default: the config\'s)')
    .option('--out <path>', 'a new folder, or a new file ending in .zip (never an existing file or a symbolic link)')
    .option('--file-mode <octal>', 'mode of the bundle files and the zip; folders get x where files get r', '0600')
    .option('--json', 'machine-readable summary')
    .action(async (o: ExportCliOptions, cmd: Command) => setExit(await (await import('./export.js')).exportCommand(await makeContext(g(cmd), 'warn'), o)));
  program
    .command('verify <bundle>')
    .description('verify an evidence bundle offline; exit 0 intact (and signed by the pinned key), 1 naming every fault, 2 bad usage')
    .option('--trusted-fingerprint <SHA256:hex>', 'the ledger key fingerprint obtained out of band (vigil ledger key); fail unless the bundle is signed by it')
    .option('--trusted-key <pem>', 'the ledger public key file obtained out of band; fail unless the bundle is signed by it')
    .option('--require-pin', 'refuse to verify without --trusted-fingerprint or --trusted-key (exit 2)')
    .option('--witness-key <vkey>', "a witness's vkey obtained out of band (repeatable): the period's end (and start) checkpoints must be cosigned by it", (v: string, acc: string[] = []) => [...acc, v])
    .option('--witness-quorum <n>', 'how many of the --witness-key witnesses must cosign (default: all given)')
    .option('--tsa-ca <pem>', "the RFC 3161 TSA's root certificate(s), obtained from the TSA: each time stamp must chain to it (without it the chain is not checked)")
    .option('--json', 'machine-readable result')
    .action(async (path: string, o: VerifyCliOptions) => setExit(await (await import('./verify.js')).verifyCommand(path, o)));
}

/** Evidence add|list|withdraw: manual evidence files against framework requirements (docs/evidence.md). */
function addManualEvidenceCommands(program: Command, g: Globals, setExit: SetExit): void {
  const evidence = program.command('evidence').description('manual evidence: files recorded against a criterion requirement, with effective date and expiry');
  evidence
    .command('add')
    .description('record a file as evidence (stored by its SHA-256; the record is a ledger leaf naming you as uploader); exit 2 and nothing written on bad input')
    .requiredOption('--criterion <id>', 'criterion id, e.g. CC1.1')
    .option('--requirement <id>', "the criterion's requirement (required when it has several; see vigil status)")
    .option('--subject <email|id>', 'per-hire (on-hire:Nd) requirements: the employee it evidences, a work email or employee id on the HR roster')
    .requiredOption('--title <text>', 'what the file is, e.g. "Code of conduct 2027"')
    .requiredOption('--file <path>', 'the evidence file')
    .option('--effective <date>', 'from when it holds: YYYY-MM-DD (start of that UTC day) or ISO instant, not in the future (default: now)')
    .addOption(new Option('--expires <date>', 'until when it holds: YYYY-MM-DD (end of that UTC day) or ISO instant (default: effective + the requirement cadence)').conflicts('every'))
    .addOption(new Option('--every <cadence>', 'expiry = effective + this (12mo, 90d)').conflicts('expires'))
    .option('--owner <key|person>', "an owner key of the config's evidence.owners, or a person (default: the requirement's owner)")
    .option('--confidential', 'export bundles carry its hash and record but withhold the file')
    .option('--media-type <type>', 'media type (default: from the file extension)')
    .option('--framework <id>', 'framework of the criterion (default: the first configured)')
    .option('--json', 'machine-readable output')
    .action(async (o: import('./evidence.js').EvidenceAddOptions, cmd: Command) => setExit(await (await import('./evidence.js')).evidenceAddCommand(await makeContext(g(cmd), 'warn'), o)));
  evidence
    .command('list')
    .description('evidence recorded (--due: requirements due or overdue now)')
    .option('--due', 'requirements whose evidence is missing, expires within evidence.warnDays, or has expired; per-hire ones with a hire pending or overdue, or an HR roster that cannot be judged by (error)')
    .option('--framework <id>', 'framework (default: the first configured)')
    .option('--json', 'machine-readable output')
    .action(async (o: { due?: boolean; json?: boolean; framework?: string }, cmd: Command) => setExit(await (await import('./evidence.js')).evidenceListCommand(await makeContext(g(cmd), 'warn'), o)));
  evidence
    .command('withdraw <id>')
    .description('withdraw a record (appends a withdrawal naming you, when and why; the record and file stay): from then on it no longer counts; exit 2 and nothing written for an unknown or already withdrawn id')
    .requiredOption('--reason <text>', 'why it is withdrawn (the auditor reads it)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { reason: string; json?: boolean }, cmd: Command) => setExit(await (await import('./evidence.js')).evidenceWithdrawCommand(await makeContext(g(cmd), 'warn'), id, o)));
}

/** Rules list|test, witness key|serve. */
function addRuleAndWitnessCommands(program: Command, g: Globals, setExit: SetExit): void {
  program
    .command('frameworks')
    .description('the compliance frameworks bundled')
    .command('list')
    .description('each framework: id, title, version, criteria (in scope), rules mapped')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => setExit((await import('./frameworks.js')).frameworksListCommand(await makeContext(g(cmd), 'warn'), o)));
  const rules = program.command('rules').description('the rule catalogue');
  rules
    .command('list')
    .description('every rule with severity, criteria and parameters')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => setExit((await import('./rules.js')).rulesListCommand(await makeContext(g(cmd), 'warn'), o)));
  rules
    .command('test')
    .description('check the registry: unique ids, every rule mapped, every mapping resolves')
    .action(async (_o, cmd: Command) => setExit((await import('./rules.js')).rulesTestCommand(await makeContext(g(cmd), 'warn'))));
  rules
    .command('replay')
    .description('re-evaluate the stored resource snapshots with a rule as it is now (or other --params) and print, per day, where verdicts would differ; writes nothing')
    .requiredOption('--rule <id>', 'the rule to replay (snapshot rules of one source)')
    .option('--from <date>', 'first day (YYYY-MM-DD, UTC) or instant of the run slots to replay')
    .option('--to <date>', 'last day, included (YYYY-MM-DD, UTC), or an exclusive instant')
    .option('--scope <scope>', 'only this scope of the rule\'s source')
    .option('--params <json>', 'parameter overrides as a JSON object, replacing config\'s key by key')
    .option('--examples <n>', 'differing results listed per day', '20')
    .option('--json', 'machine-readable report')
    .action(async (o: ReplayCliOptions, cmd: Command) => setExit(await (await import('./rules.js')).rulesReplayCommand(await makeContext(g(cmd), 'warn'), o)));

  // Witness (issue 14): run by a third party with its own key; needs no config, ledger or Redis.
  const witness = program.command('witness').description('a C2SP tlog-witness: cosigns checkpoints of the logs it is configured for, refusing rollbacks and forks');
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  witness
    .command('key')
    .description("print the witness's public key as a C2SP vkey (cosignature/v1); --new creates the key file (0600) if missing")
    .requiredOption('--key <file>', 'the witness private key (PKCS#8 PEM, Ed25519)')
    .option('--name <name>', 'witness name in its vkey and cosignatures (default: vigil-witness/<key hash>); give serve the same')
    .option('--new', 'create the key file if it does not exist (never overwrites)')
    .option('--json', 'machine-readable output: { name, keyId, vkey, keyFile, created }')
    .action(async (o: { key: string; name?: string; new?: boolean; json?: boolean }) => setExit(await (await import('./witness.js')).witnessKeyCommand(o)));
  witness
    .command('serve')
    .description('serve POST /add-checkpoint until SIGTERM; state (last cosigned checkpoint per log) persisted atomically in --state')
    .requiredOption('--key <file>', 'the witness private key (create it with: vigil witness key --key FILE --new)')
    .requiredOption('--listen <host:port>', 'address to listen on, e.g. 127.0.0.1:7380 (port 0: any free port)')
    .requiredOption('--state <dir>', 'state directory (one witness per directory; never delete it: it is what refuses rollbacks)')
    .option('--origin <origin=vkey>', "a log to cosign: its origin and the log's Ed25519 note vkey (name+keyid+base64); repeatable; a bare VKEY means origin = key name", collect)
    .option('--name <name>', 'witness name (default: vigil-witness/<key hash>, as `witness key` prints)')
    .option('--max-body <bytes>', 'largest request body accepted (default 65536)')
    .action(async (o: { key: string; listen: string; state: string; origin?: string[]; name?: string; maxBody?: string }) =>
      setExit(await (await import('./witness.js')).witnessServeCommand(o)),
    );
}

/** Access reviews (issue 15): start, list, status, decide, close. */
function addReviewCommands(program: Command, g: Globals, setExit: SetExit): void {
  const review = program.command('review').description('access reviews (SOC 2 CC6.2, CC6.3): freeze accounts and privileges, record keep/revoke/modify per account, sign off');
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  const run = async (cmd: Command, f: (m: typeof import('./review.js'), ctx: AgentContext) => Promise<number>) => setExit(await f(await import('./review.js'), await makeContext(g(cmd), 'warn')));
  review
    .command('start')
    .description("freeze the population (each account, its source, privileges, last activity, HR status) from the latest runs and assign reviewers")
    .requiredOption('--name <name>', 'e.g. "2027-Q1 production access"')
    .requiredOption('--sources <list>', 'comma-separated: aws,github,okta,google-workspace,entra')
    .option('--reviewer <name>', 'a reviewer (token name, or user@host for the CLI); repeatable. With --assign manager: for accounts with no HR manager', collect)
    .option('--assign <how>', 'manager: each person\'s HR manager reviews their accounts; given: every --reviewer reviews every account', 'manager')
    .option('--id <id>', 'review id (default: generated)')
    .option('--json', 'machine-readable output')
    .action(async (o: import('./review.js').ReviewStartOptions, cmd: Command) => run(cmd, (m, ctx) => m.reviewStartCommand(ctx, o)));
  review
    .command('list')
    .description('every access review with its state and progress')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => run(cmd, (m, ctx) => m.reviewListCommand(ctx, o)));
  review
    .command('status')
    .description('one review: progress, decisions (--accounts: every account with its decision)')
    .requiredOption('--review <id>', 'review id')
    .option('--accounts', 'list every account of the population')
    .option('--json', 'machine-readable output')
    .action(async (o: { review: string; accounts?: boolean; json?: boolean }, cmd: Command) => run(cmd, (m, ctx) => m.reviewStatusCommand(ctx, o)));
  review
    .command('decide')
    .description('record a decision on one account, as the local OS account (which must be a reviewer of it)')
    .requiredOption('--review <id>', 'review id')
    .requiredOption('--account <id>', 'account id as in `review status --accounts` (SOURCE:SCOPE/NAME)')
    .requiredOption('--decision <keep|revoke|modify>', 'keep, revoke or modify')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'machine-readable output')
    .action(async (o: { review: string; account: string; decision: string; reason: string; json?: boolean }, cmd: Command) => run(cmd, (m, ctx) => m.reviewDecideCommand(ctx, o)));
  review
    .command('close')
    .description('sign the review off; refused while accounts are undecided unless --force --reason')
    .requiredOption('--review <id>', 'review id')
    .option('--force', 'close with accounts undecided (they are listed in the closing leaf)')
    .option('--reason <text>', 'with --force: why')
    .option('--evidence <criterion/requirement>', "record the decisions as evidence of this requirement (repeatable; default: every requirement with id access-review in the framework; 'none': no evidence)", (v: string, acc: string[] = []) => [...acc, v])
    .option('--json', 'machine-readable output')
    .action(async (o: { review: string; force?: boolean; reason?: string; evidence?: string[]; json?: boolean }, cmd: Command) => run(cmd, (m, ctx) => m.reviewCloseCommand(ctx, o)));
}

/** Demo: the whole agent against the emulators. */
function addDemoCommand(program: Command, g: Globals, setExit: SetExit): void {
  program
    .command('demo')
    .description('the whole agent against the bundled emulators (data in ./.vigil-demo); --config FILE adds its witnesses: and publish: blocks')
    .option('--once', 'exit after the first collection cycle (serves no API)')
    .action(async (o: { once?: boolean }, cmd: Command) =>
      setExit(await (await import('./demo.js')).demoCommand({ ...o, ...(g(cmd).dataDir ? { dataDir: g(cmd).dataDir } : {}), ...(g(cmd).config ? { config: g(cmd).config } : {}) })),
    );
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; everything else commander rejects is a usage error
      return e.exitCode === 0 ? 0 : 2;
    }
    return reportError(e);
  }
}
