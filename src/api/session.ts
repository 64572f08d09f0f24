// Dashboard sessions: an API token exchanged once for a random session id in an HttpOnly cookie, with a CSRF token that
// every state-changing request made with the cookie must echo in a header. Kept in memory (a restart signs everyone out).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/collector.js';
import type { ApiRole } from './route-spec.js';

export const SESSION_COOKIE = 'vigil_session';
/** The header a cookie-authenticated POST must carry, equal to the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

export interface Session {
  principal: { name: string; role: ApiRole };
  csrf: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionStoreOptions {
  /** How long a session lasts from sign-in (absolute, not sliding). @defaultValue 8 hours */
  ttlMs?: number;
  /** Sessions kept at once; signing in past this drops the oldest. @defaultValue 1000 */
  max?: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Session ids are kept only as their SHA-256, so a heap dump or a log of the map names no usable cookie. */
export class SessionStore {
  private readonly byHash = new Map<string, Session>();
  readonly ttlMs: number;
  private readonly max: number;

  constructor(private readonly clock: Clock, o: SessionStoreOptions = {}) {
    this.ttlMs = o.ttlMs ?? 8 * 3600_000;
    this.max = o.max ?? 1000;
  }

  /** A new session for an authenticated principal: the cookie value (returned once) and the session. */
  create(principal: { name: string; role: ApiRole }): { id: string; session: Session } {
    const now = this.clock.now();
    this.sweep(now);
    while (this.byHash.size >= this.max) this.byHash.delete(this.byHash.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const session: Session = { principal, csrf: randomBytes(24).toString('base64url'), createdAt: now, expiresAt: new Date(now.getTime() + this.ttlMs) };
    this.byHash.set(sha256(id), session);
    return { id, session };
  }

  /** The live session behind a cookie value; an expired one is dropped and answers undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const h = sha256(id);
    const s = this.byHash.get(h);
    if (!s) return undefined;
    if (s.expiresAt.getTime() <= this.clock.now().getTime()) {
      this.byHash.delete(h);
      return undefined;
    }
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.byHash.delete(sha256(id));
  }

  private sweep(now: Date): void {
    for (const [h, s] of this.byHash) if (s.expiresAt.getTime() <= now.getTime()) this.byHash.delete(h);
  }
}

/** Whether a sent CSRF header equals the session's token (constant time). */
export function csrfMatches(session: Session, sent: unknown): boolean {
  if (typeof sent !== 'string' || sent.length === 0) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie's value from a Cookie header (first occurrence), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for a session: HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure when served over https. */
export function sessionCookie(id: string, maxAgeMs: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
