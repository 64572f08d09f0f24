// Results blobs for the report: parsed ones kept by hash within a byte budget, and per-rule tallies kept by hash.
import type { BlobReader, RecordedResult } from './types.js';

/** Per-rule tallies of one results blob, so a run that repeats an earlier blob costs O(rules) and no parse. */
export type Tally = Array<{ ruleId: string; n: number; counts: Record<string, number>; bits: number }>;

export const BIT: Record<string, number> = { pass: 1, fail: 2, error: 4, not_applicable: 8 };

/** Tallies kept by blob hash: O(rules) each, so many fit. */
const TALLY_CACHE_ENTRIES = 256;
/**
 * Parsed results blobs kept by hash, bounded by the bytes of their JSON (a parsed blob takes a few times that): enough
 * for the current blob of a few scopes at 10,000 resources, and at least the one in use whatever its size.
 */
const RESULTS_CACHE_BYTES = 12 * 2 ** 20;

export class ResultsReader {
  private readonly tallies = new Map<string, Tally>();
  private readonly parsed = new Map<string, { results: RecordedResult[]; bytes: number }>();
  private parsedBytes = 0;

  constructor(private readonly blobs: BlobReader, private readonly ruleFilter: (id: string) => boolean) {}

  async results(sha256: string): Promise<RecordedResult[]> {
    const c = this.parsed.get(sha256);
    if (c) {
      this.parsed.delete(sha256);
      this.parsed.set(sha256, c);
      return c.results;
    }
    const data = await this.blobs(sha256);
    if (data === undefined) throw new Error(`results blob ${sha256} is missing`);
    const rs = JSON.parse(data.toString('utf8')) as RecordedResult[];
    this.parsed.set(sha256, { results: rs, bytes: data.length });
    this.parsedBytes += data.length;
    for (const [k, v] of this.parsed) {
      if (this.parsedBytes <= RESULTS_CACHE_BYTES || k === sha256) break;
      this.parsed.delete(k);
      this.parsedBytes -= v.bytes;
    }
    return rs;
  }

  async tally(sha256: string): Promise<Tally> {
    const c = this.tallies.get(sha256);
    if (c) {
      this.tallies.delete(sha256);
      this.tallies.set(sha256, c);
      return c;
    }
    const byRule = new Map<string, Tally[number]>();
    for (const r of await this.results(sha256)) {
      if (!this.ruleFilter(r.ruleId)) continue;
      let t = byRule.get(r.ruleId);
      if (!t) {
        t = { ruleId: r.ruleId, n: 0, counts: {}, bits: 0 };
        byRule.set(r.ruleId, t);
      }
      t.n++;
      t.counts[r.status] = (t.counts[r.status] ?? 0) + 1;
      t.bits |= BIT[r.status] ?? 0;
    }
    const t = [...byRule.values()];
    this.tallies.set(sha256, t);
    if (this.tallies.size > TALLY_CACHE_ENTRIES) this.tallies.delete(this.tallies.keys().next().value!);
    return t;
  }
}
