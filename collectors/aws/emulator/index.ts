// Public entry of the AWS emulator: start it on an estate, and the estate helpers tests, the demo and benchmarks use.
import { startAwsEmulatorServer, type AwsEmulator } from './server.js';
import type { AwsEstate } from './estate.js';
import { demoEstate } from './generate.js';

export type { AwsEmulator, AwsFaults, RecordedCall } from './server.js';
export type { AwsEstate, AwsEstateInput } from './estate.js';
export { parseEstate, loadEstateFile, awsEstateSchema } from './estate.js';
export { generateEstate, demoEstate, type GenerateEstateOptions } from './generate.js';
export { CREDENTIAL_REPORT_HEADER } from './iam-responses.js';

export interface StartAwsEmulatorOptions {
  /** The estate to serve. @defaultValue demoEstate() */
  estate?: AwsEstate;
  /** 0 or undefined = a random free port on 127.0.0.1. */
  port?: number;
  /** Time a credential report takes to generate. @defaultValue 50 */
  reportDelayMs?: number;
  /** How long a generated credential report is served before a new one is made. @defaultValue 4 hours */
  reportTtlMs?: number;
}

/** Starts an IAM + STS emulator on 127.0.0.1 that the unmodified AWS SDK can talk to (point AWS_ENDPOINT_URL at `url`). */
export function startAwsEmulator(opts: StartAwsEmulatorOptions = {}): Promise<AwsEmulator> {
  return startAwsEmulatorServer({
    estate: opts.estate ?? demoEstate(),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.reportDelayMs !== undefined ? { reportDelayMs: opts.reportDelayMs } : {}),
    ...(opts.reportTtlMs !== undefined ? { reportTtlMs: opts.reportTtlMs } : {}),
  });
}
