// The report's inputs and outputs: parameters, the leaves it reads, the blobs it resolves and the sink it writes to.
import type { EvidenceRole } from '../../rules/coverage.js';
import type { ManualRequirement } from '../../rules/requirements.js';

/** Framework data as embedded in a bundle (framework/<id>.json): criteria and the rule ids that evidence them. */
export interface FrameworkData {
  id: string;
  title: string;
  version: string;
  /**
   * `evidence` is absent in bundles from before it existed: such a mapping counts as supporting. `manual` is a list of
   * requirements; bundles from before issue 15 carry one prose string (read as one requirement, `manual`).
   */
  criteria: Array<{ id: string; title: string; rules: Array<{ id: string; evidence?: EvidenceRole; imported?: true }>; manual?: ManualRequirement[] | string }>;
}

/** The bundle's integrity as computed at export (report.html's summary states it; the verifier checks the bundle against it). */
export interface ExportIntegrity {
  origin: string;
  /** `SHA256:<hex>` of the signing key's DER SubjectPublicKeyInfo (src/ledger/fingerprint.ts). */
  keyFingerprint: string;
  /** Signed checkpoints in the bundle. */
  checkpoints: number;
  /** Root hash (hex) of the Merkle tree at the slice's end. */
  endRoot: string;
}

export interface ReportParams {
  type: 1 | 2;
  /** [start, end) UTC instants; for Type 1 both are the as-of instant. */
  start: string;
  end: string;
  tz: string;
  from?: string;
  to?: string;
  asOf?: string;
  framework: FrameworkData;
  criteria?: string[];
  sampleSeed?: string;
  slice: { startSize: number; endSize: number };
  /** Sources configured at export: rules of other sources are out of scope. Absent: every source counts as in scope. */
  sources?: string[];
  /**
   * Per-hire requirements are judged on the HR roster runs in the slice (their resources blobs are bundled). Absent in
   * bundles from before that: they stay not assessed, as those bundles were written.
   */
  hrisRoster?: true;
  integrity?: ExportIntegrity;
}

export interface LeafRecord {
  seq: number;
  /** Hex leaf hash. */
  hash: string;
  body: Record<string, unknown>;
}

/** Where report files go: written files on export, hashes on verify. Writes to one path arrive in order. */
export interface ReportSink {
  /** Text, or bytes already UTF-8 (snapshot files are assembled as bytes: src/export/report/snapshots.ts). */
  write(path: string, text: string | Buffer): void;
  /** Called once a file is complete, so a sink can release what it holds for it (thousands of snapshot files). */
  end?(path: string): void;
}

export type BlobReader = (sha256: string) => Promise<Buffer | undefined>;

/** One result as a results blob stores it. */
export interface RecordedResult {
  ruleId: string;
  resourceId: string;
  status: string;
  reason: string;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
