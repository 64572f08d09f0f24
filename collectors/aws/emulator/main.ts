// CLI: serve an estate (a YAML file, a generated one, or the demo) on a local port and print the URL.
import { parseArgs } from 'node:util';
import { isAppError } from '../../../src/core/errors.js';
import { demoEstate, generateEstate, loadEstateFile, startAwsEmulator } from './index.js';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      estate: { type: 'string' },
      users: { type: 'string' },
      port: { type: 'string' },
      'report-delay-ms': { type: 'string' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`--${name}: expected a non-negative integer, got ${JSON.stringify(v)}\n`);
      process.exit(2);
    }
    return n;
  };
  const users = num('users', values.users);
  const estate = values.estate ? loadEstateFile(values.estate) : users !== undefined ? generateEstate({ users }) : demoEstate();
  const port = num('port', values.port);
  const reportDelayMs = num('report-delay-ms', values['report-delay-ms']);
  const emu = await startAwsEmulator({ estate, ...(port !== undefined ? { port } : {}), ...(reportDelayMs !== undefined ? { reportDelayMs } : {}) });
  process.stdout.write(`${emu.url}\n`);
  process.stderr.write(`AWS IAM/STS emulator for account ${estate.accountId} (${estate.users.length} users). Try:\n  AWS_ENDPOINT_URL=${emu.url} AWS_ACCESS_KEY_ID=AKIDEMOLOCALONLY AWS_SECRET_ACCESS_KEY=fake AWS_REGION=us-east-1 aws iam get-account-summary\n`);
  const stop = (): void => void emu.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (isAppError(e)) {
    process.stderr.write(`${e.message}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
});
