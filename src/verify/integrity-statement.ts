// report.html states the bundle's integrity as computed at export (manifest.json → report.integrity). Recomputing the
// page only proves it matches the manifest; this checks the statement itself against the bundle: the same origin, the
// key that actually signed, the signed checkpoints present, and the root of the signed end checkpoint.
import type { KeyObject } from 'node:crypto';
import { keyFingerprint } from '../ledger/fingerprint.js';
import type { BundleFault } from './bundle-steps.js';

export interface IntegrityFacts {
  origin: string;
  signingKey?: KeyObject;
  /** Signed checkpoints verified in the bundle. */
  checkpoints: number;
  /** The root of the signed checkpoint at the slice's end, when it verified. */
  endRoot?: Buffer;
}

/** Faults for every field of `statement` (manifest.report.integrity) that the bundle contradicts; none when absent. */
export function checkIntegrityStatement(statement: unknown, facts: IntegrityFacts, fault: (f: BundleFault) => void): void {
  if (statement === undefined) return;
  const file = 'manifest.json';
  const s = statement as Record<string, unknown>;
  const say = (field: string, stated: unknown, actual: string): void =>
    fault({ code: 'INTEGRITY_STATEMENT', file, message: `report.integrity.${field} says ${JSON.stringify(stated)}, but the bundle has ${actual} (report.html states it)` });
  if (typeof s !== 'object' || s === null) return say('', statement, 'an object expected');
  if (s.origin !== facts.origin) say('origin', s.origin, JSON.stringify(facts.origin));
  if (facts.signingKey) {
    const fp = keyFingerprint(facts.signingKey);
    if (s.keyFingerprint !== fp) say('keyFingerprint', s.keyFingerprint, `${fp} (the key that signed it)`);
  }
  if (s.checkpoints !== facts.checkpoints) say('checkpoints', s.checkpoints, `${facts.checkpoints} signed checkpoints`);
  if (facts.endRoot && s.endRoot !== facts.endRoot.toString('hex')) say('endRoot', s.endRoot, `${facts.endRoot.toString('hex')} (the signed end checkpoint's root)`);
}
