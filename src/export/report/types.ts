// The report's inputs and outputs: parameters, the leaves it reads, the blobs it resolves and the sink it writes to.

/** Framework data as embedded in a bundle (framework/<id>.json): criteria and the rule ids that evidence them. */
export interface FrameworkData {
  id: string;
  title: string;
  version: string;
  criteria: Array<{ id: string; title: string; rules: Array<{ id: string }>; manual?: string }>;
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
}

export interface LeafRecord {
  seq: number;
  /** Hex leaf hash. */
  hash: string;
  body: Record<string, unknown>;
}

/** Where report files go: written files on export, hashes on verify. Writes to one path arrive in order. */
export interface ReportSink {
  write(path: string, text: string): void;
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
