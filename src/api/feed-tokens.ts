// Feed capability URLs: `/v1/alerts.atom?feed=TOKEN` for feed readers that cannot send a header or a cookie. Each token
// reads the alert feeds only (viewer scope), may expire, can be revoked, and is stored as its SHA-256 alone (in
// `<data dir>/api-feeds.json` when the API has a data directory, else in memory).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '../core/collector.js';
import { ApiError } from './errors.js';

export interface FeedTokenRecord {
  id: string;
  /** What the token is for, as its creator named it (e.g. "team reader"). */
  name: string;
  sha256: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** Why a capability token was refused (for the refusal log and metric; the token itself is never logged). */
export type FeedRefusal = 'unknown_feed_token' | 'expired_feed_token' | 'revoked_feed_token';

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

export class FeedTokens {
  private records: FeedTokenRecord[] = [];
  private loadedMtime = -1;
  private readonly file: string | undefined;

  constructor(private readonly clock: Clock, dataDir?: string) {
    this.file = dataDir ? join(dataDir, 'api-feeds.json') : undefined;
  }

  /** Re-reads the file when another process (another `vigil serve`) changed it. */
  private load(): void {
    if (!this.file || !existsSync(this.file)) return;
    const m = statSync(this.file).mtimeMs;
    if (m === this.loadedMtime) return;
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { feeds?: FeedTokenRecord[] };
    if (!Array.isArray(parsed.feeds)) throw new Error(`${this.file}: expected { "feeds": [...] }`);
    this.records = parsed.feeds;
    this.loadedMtime = m;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ feeds: this.records }, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    this.loadedMtime = statSync(this.file).mtimeMs;
  }

  /** Every feed token's record (never the token). */
  list(): Array<Omit<FeedTokenRecord, 'sha256'> & { state: 'active' | 'expired' | 'revoked' }> {
    this.load();
    const now = this.clock.now().getTime();
    return this.records.map(({ sha256: _h, ...r }) => ({ ...r, state: r.revokedAt ? 'revoked' : r.expiresAt && Date.parse(r.expiresAt) <= now ? 'expired' : 'active' }));
  }

  /** A new token (returned this once) for `name`, made by `by`, expiring at `expires` (ISO date or time) if given. */
  create(name: string, by: string, expires?: string): { token: string; record: Omit<FeedTokenRecord, 'sha256'> } {
    if (typeof name !== 'string' || !/^[\w .@-]{1,60}$/.test(name)) throw new ApiError('bad_request', 'body.name: 1-60 letters, digits, spaces, _ . @ or -');
    let expiresAt: string | undefined;
    if (expires !== undefined && expires !== '') {
      const t = Date.parse(expires);
      if (typeof expires !== 'string' || Number.isNaN(t)) throw new ApiError('bad_request', 'body.expires: expected a date (YYYY-MM-DD) or ISO 8601 time');
      if (t <= this.clock.now().getTime()) throw new ApiError('bad_request', 'body.expires: must be in the future');
      expiresAt = new Date(t).toISOString();
    }
    this.load();
    const token = `vfeed_${randomBytes(24).toString('base64url')}`;
    const record: FeedTokenRecord = { id: `feed_${randomBytes(6).toString('hex')}`, name, sha256: sha256hex(token), createdBy: by, createdAt: this.clock.now().toISOString(), ...(expiresAt ? { expiresAt } : {}) };
    this.records.push(record);
    this.save();
    const { sha256: _h, ...shown } = record;
    return { token, record: shown };
  }

  revoke(id: string, by: string): Omit<FeedTokenRecord, 'sha256'> {
    this.load();
    const r = this.records.find((x) => x.id === id);
    if (!r) throw new ApiError('bad_request', `no feed token ${id}`);
    if (!r.revokedAt) {
      r.revokedAt = this.clock.now().toISOString();
      r.revokedBy = by;
      this.save();
    }
    const { sha256: _h, ...shown } = r;
    return shown;
  }

  /** The viewer-scoped principal behind a capability token, or why it is refused. */
  resolve(token: string): { ok: true; principal: { name: string; role: 'viewer' } } | { ok: false; reason: FeedRefusal } {
    this.load();
    const got = Buffer.from(sha256hex(token), 'hex');
    let found: FeedTokenRecord | undefined;
    for (const r of this.records) if (timingSafeEqual(got, Buffer.from(r.sha256, 'hex'))) found = r;
    if (!found) return { ok: false, reason: 'unknown_feed_token' };
    if (found.revokedAt) return { ok: false, reason: 'revoked_feed_token' };
    if (found.expiresAt && Date.parse(found.expiresAt) <= this.clock.now().getTime()) return { ok: false, reason: 'expired_feed_token' };
    return { ok: true, principal: { name: `feed:${found.name}`, role: 'viewer' } };
  }
}
