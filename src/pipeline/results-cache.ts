// The previous run's results per (source, scope), kept by the recording process so an unchanged run is neither re-serialized nor re-hashed.
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { Status } from '../core/types.js';
import type { RecordedResult } from './collect-stage.js';

/**
 * Most results held across all scopes (~450 bytes each). Beyond it the least recently recorded scopes are dropped and
 * their next run takes the full path (serialize, hash, re-read the previous blob), which is only slower, never different.
 */
export const DEFAULT_MAX_CACHED_RESULTS = 250_000;

/** One result as last recorded: its canonical JSON, and a copy of its flat fields to compare without serializing. */
export interface Entry {
  ruleId: string;
  resourceId: string;
  status: Status;
  region?: string;
  canon: string;
  /** Own enumerable fields with a defined value, when all of them are primitives; null when a value is nested. */
  flat: Record<string, unknown> | null;
  flatCount: number;
  /** Scratch mark of the last prepareResults() call that met this pair. */
  stamp: number;
}

/** The canonical results blob of one recorded run, indexed. */
export interface ScopeResults {
  sha256: string;
  byteLength: number;
  /** ruleId → resourceId → entry: two lookups on the ids as they are, no key string built per result. */
  byRule: Map<string, Map<string, Entry>>;
  /** Entries in blob order (ruleId, then resourceId). */
  order: Entry[];
  /** Some (rule, resource) pair occurs twice; such a run always takes the full path. */
  duplicates: boolean;
}

/** Process-wide, so an entry carried from one state into the next never holds the mark of a later call. */
let stamps = 0;

/** What recording one run needs from its results: the blob's hash, its bytes when they may be new, and what moved. */
export interface PreparedResults {
  sha256: string;
  /** The canonical blob; undefined when the results equal the cached previous run's (the blob is already stored). */
  bytes: Buffer | undefined;
  /** The state to cache once the run is recorded. */
  next: ScopeResults;
  /** Set when the diff against `base` is known without reading any blob. */
  diff?: { base: string; moved: Array<{ result: RecordedResult; from: Status | null }>; removed: Entry[] };
}

/** Unambiguous even when ids contain separators: the rule id's length prefixes it. */
export const resultKey = (r: Pick<RecordedResult, 'ruleId' | 'resourceId'>): string => `${r.ruleId.length}:${r.ruleId}${r.resourceId}`;

const byRuleThenResource = (a: Pick<RecordedResult, 'ruleId' | 'resourceId'>, b: Pick<RecordedResult, 'ruleId' | 'resourceId'>): number =>
  a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0;

const isPlainValue = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * RFC 8785 form of one result, ~10× faster than the generic canonicalizer for the usual flat record: with keys in code
 * unit order and only strings, finite numbers, booleans and null as values, JSON.stringify is exactly JCS (JCS is
 * defined by ECMAScript's serialization of those). Anything nested goes through `canonicalize`.
 */
export function canonicalResult(r: RecordedResult): string {
  const o = r as unknown as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  const flat: Record<string, unknown> = {};
  for (const k of keys) {
    const v = o[k];
    if (!isPlainValue(v)) return canonicalize(r) ?? 'null';
    flat[k] = v;
  }
  return JSON.stringify(flat);
}

function entryOf(r: RecordedResult): Entry {
  const o = r as unknown as Record<string, unknown>;
  let flat: Record<string, unknown> | null = Object.create(null) as Record<string, unknown>;
  let flatCount = 0;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    if (!isPlainValue(v)) {
      flat = null;
      break;
    }
    flat[k] = v;
    flatCount++;
  }
  return { ruleId: r.ruleId, resourceId: r.resourceId, status: r.status, ...(r.region !== undefined ? { region: r.region } : {}), canon: canonicalResult(r), flat, flatCount, stamp: 0 };
}

/** Whether `r` serializes exactly as `e` did; allocation-free for flat records (two different plain values never serialize alike). */
function sameAs(e: Entry, r: RecordedResult): boolean {
  if (e.flat === null) return canonicalResult(r) === e.canon;
  const o = r as unknown as Record<string, unknown>;
  let n = 0;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    if (!isPlainValue(v)) return canonicalResult(r) === e.canon;
    if (e.flat[k] !== v) return false;
    n++;
  }
  return n === e.flatCount;
}

/** `[c1,c2,…]` as UTF-8, written once into one buffer. */
export function blobBytes(order: readonly Entry[]): Buffer {
  let len = 2 + Math.max(0, order.length - 1);
  for (const e of order) len += Buffer.byteLength(e.canon, 'utf8');
  const buf = Buffer.allocUnsafe(len);
  let at = 0;
  buf[at++] = 0x5b;
  for (let i = 0; i < order.length; i++) {
    if (i > 0) buf[at++] = 0x2c;
    at += buf.write((order[i] as Entry).canon, at, 'utf8');
  }
  buf[at++] = 0x5d;
  return buf;
}

function indexed(order: Entry[]): { bytes: Buffer; state: ScopeResults } {
  const bytes = blobBytes(order);
  const byRule = new Map<string, Map<string, Entry>>();
  let duplicates = false;
  for (const e of order) {
    let inner = byRule.get(e.ruleId);
    if (inner === undefined) byRule.set(e.ruleId, (inner = new Map()));
    if (inner.has(e.resourceId)) duplicates = true;
    inner.set(e.resourceId, e);
  }
  return { bytes, state: { sha256: createHash('sha256').update(bytes).digest('hex'), byteLength: bytes.length, byRule, order, duplicates } };
}

/** The full path: every result serialized and sorted. Duplicate (rule, resource) pairs are kept, as the blob has always kept them. */
export function buildResults(results: readonly RecordedResult[]): { bytes: Buffer; state: ScopeResults } {
  return indexed(results.map(entryOf).sort(byRuleThenResource));
}

function full(results: readonly RecordedResult[]): PreparedResults {
  const { bytes, state } = buildResults(results);
  return { sha256: state.sha256, bytes, next: state };
}

/**
 * The results blob for `results`, using `prev` (the cached previous run of the same scope) when there is one: an
 * unchanged run costs one comparison per result and no serialization or hashing; a changed one re-serializes only
 * what moved. The outcome is byte-identical to buildResults() — the cache only decides how much work it takes.
 */
export function prepareResults(results: readonly RecordedResult[], prev: ScopeResults | undefined): PreparedResults {
  if (prev === undefined || prev.duplicates) return full(results);
  const stamp = ++stamps;
  const moved: Array<{ result: RecordedResult; from: Status | null }> = [];
  const replaced = new Map<Entry, Entry>();
  const added: Entry[] = [];
  let addedKeys: Set<string> | undefined;
  for (const r of results) {
    const e = prev.byRule.get(r.ruleId)?.get(r.resourceId);
    if (e !== undefined) {
      // A duplicate pair: rare and order-sensitive, so the full path decides its bytes.
      if (e.stamp === stamp) return full(results);
      e.stamp = stamp;
      if (sameAs(e, r)) continue;
      replaced.set(e, entryOf(r));
      if (e.status !== r.status) moved.push({ result: r, from: e.status });
    } else {
      const key = resultKey(r);
      addedKeys ??= new Set();
      if (addedKeys.has(key)) return full(results);
      addedKeys.add(key);
      added.push(entryOf(r));
      moved.push({ result: r, from: null });
    }
  }
  const removed = results.length - added.length === prev.order.length ? [] : prev.order.filter((e) => e.stamp !== stamp);
  if (replaced.size === 0 && added.length === 0 && removed.length === 0) {
    return { sha256: prev.sha256, bytes: undefined, next: prev, diff: { base: prev.sha256, moved, removed } };
  }
  let order: Entry[];
  if (added.length === 0 && removed.length === 0) {
    // Same pairs as before, so the same sorted order; only some records changed.
    order = prev.order.map((e) => replaced.get(e) ?? e);
  } else {
    order = [];
    for (const e of prev.order) if (e.stamp === stamp) order.push(replaced.get(e) ?? e);
    for (const e of added) order.push(e);
    order.sort(byRuleThenResource);
  }
  const { bytes, state } = indexed(order);
  return { sha256: state.sha256, bytes, next: state, diff: { base: prev.sha256, moved, removed } };
}

/** Previous results by (source, scope), least recently recorded dropped first once `maxResults` would be exceeded. */
export class ResultsCache {
  private readonly scopes = new Map<string, ScopeResults>();
  private total = 0;

  constructor(private readonly maxResults = DEFAULT_MAX_CACHED_RESULTS) {}

  private static id(source: string, scope: string): string {
    return `${source}\u0000${scope}`;
  }

  get(source: string, scope: string): ScopeResults | undefined {
    return this.scopes.get(ResultsCache.id(source, scope));
  }

  set(source: string, scope: string, state: ScopeResults): void {
    const id = ResultsCache.id(source, scope);
    const old = this.scopes.get(id);
    if (old !== undefined) {
      this.scopes.delete(id);
      this.total -= old.order.length;
    }
    if (state.order.length > this.maxResults) return;
    this.scopes.set(id, state);
    this.total += state.order.length;
    for (const [k, v] of this.scopes) {
      if (this.total <= this.maxResults) break;
      this.scopes.delete(k);
      this.total -= v.order.length;
    }
  }

  delete(source: string, scope: string): void {
    const id = ResultsCache.id(source, scope);
    const old = this.scopes.get(id);
    if (old === undefined) return;
    this.scopes.delete(id);
    this.total -= old.order.length;
  }

  get size(): number {
    return this.total;
  }
}
