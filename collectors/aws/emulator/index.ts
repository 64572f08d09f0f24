// Public entry of the AWS emulator: start it on an estate (one account or an organization) and the estate helpers.
import { startAwsEmulatorServer, type AwsEmulator, type AwsEmulatorOptions, type EmuMember } from './server.js';
import type { AwsEstate } from './estate.js';
import { demoEstate, generateEstate } from './generate.js';
import { generateServices, type AccountServices, type EmuAccountMeta } from './services-estate.js';

export type { AwsEmulator, AwsFaults, RecordedCall, EmuMember } from './server.js';
export type { AwsEstate, AwsEstateInput } from './estate.js';
export { parseEstate, loadEstateFile, awsEstateSchema } from './estate.js';
export { generateEstate, demoEstate, type GenerateEstateOptions } from './generate.js';
export { CREDENTIAL_REPORT_HEADER } from './iam-responses.js';
export * from './services-estate.js';
export { lockedBucket } from './s3-objects.js';

export type StartAwsEmulatorOptions = Partial<AwsEmulatorOptions>;

/** Starts the emulator on 127.0.0.1; the unmodified AWS SDK talks to it (point AWS_ENDPOINT_URL at `url`). */
export function startAwsEmulator(opts: StartAwsEmulatorOptions = {}): Promise<AwsEmulator> {
  return startAwsEmulatorServer({ ...opts, estate: opts.estate ?? demoEstate() });
}

/** The role name and ExternalId generated organizations use. */
export const EMU_ROLE_NAME = 'VigilAudit';
export const EMU_EXTERNAL_ID = 'vigil-emulator-external-id';

export interface OrgEstateOptions {
  /** Accounts, management included. @defaultValue 3 */
  accounts?: number;
  /** IAM users per account. @defaultValue 10 */
  users?: number;
  regions?: string[];
  now?: Date;
  /** Member ids (0-based index among members) whose role cannot be assumed. */
  unassumable?: number[];
  historyDays?: number;
  eventsPerDay?: number;
  databases?: number;
  healthy?: boolean;
}

/** An organization: the management account (home) and members, each with IAM, services and an assumable role. */
export function orgEstate(o: OrgEstateOptions = {}): Pick<AwsEmulatorOptions, 'estate' | 'services' | 'members' | 'homeMeta'> {
  const n = Math.max(1, o.accounts ?? 3);
  const mk = (i: number): { estate: AwsEstate; services: AccountServices; meta: EmuAccountMeta } => {
    const accountId = String(100000000000 + i * 111111).padStart(12, '0');
    const estate = generateEstate({ users: o.users ?? 10, seed: i + 1, accountId });
    return {
      estate,
      services: generateServices({
        accountId,
        ...(o.now ? { now: o.now } : {}),
        ...(o.regions ? { regions: o.regions } : {}),
        ...(o.historyDays !== undefined ? { historyDays: o.historyDays } : {}),
        ...(o.eventsPerDay !== undefined ? { eventsPerDay: o.eventsPerDay } : {}),
        ...(o.databases !== undefined ? { databases: o.databases } : {}),
        ...(o.healthy !== undefined ? { healthy: o.healthy } : {}),
        seed: i + 1,
      }),
      meta: { name: i === 0 ? 'management' : `member-${i}`, email: `aws+${accountId}@example.com`, status: 'ACTIVE', role: (o.unassumable ?? []).includes(i - 1) ? null : { name: EMU_ROLE_NAME, externalId: EMU_EXTERNAL_ID } },
    };
  };
  const home = mk(0);
  const members: EmuMember[] = [];
  for (let i = 1; i < n; i++) members.push(mk(i));
  return { estate: home.estate, services: home.services, homeMeta: home.meta, members };
}
