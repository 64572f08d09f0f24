// GuardDuty findings an emulated account holds, and the demo's seed of them (served by guardduty-findings.ts).

/** A GuardDuty finding of one region's detector. `archived` = suppressed or archived by a person or a rule. */
export interface EmuGuardDutyFinding {
  id: string;
  region: string;
  type: string;
  severity: number;
  created: string;
  updated: string;
  archived: boolean;
}

/** Demo findings: a HIGH finding open past a week in the regions after the first, a fresh one and an archived one in each. */
export function seedGuardDutyFindings(regions: string[], now: Date, healthy: boolean): EmuGuardDutyFinding[] {
  const iso = (daysAgo: number): string => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
  return regions.flatMap((region, i) => [
    { id: `f0${i}`.padEnd(32, 'a'), region, type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, created: iso(40), updated: iso(1), archived: false },
    { id: `f1${i}`.padEnd(32, 'b'), region, type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, created: iso(50), updated: iso(30), archived: true },
    ...(healthy || i === 0 ? [] : [{ id: `f2${i}`.padEnd(32, 'c'), region, type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, created: iso(12), updated: iso(1), archived: false }]),
  ]);
}
