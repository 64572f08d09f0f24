// Webhook signatures: HMAC-SHA256 over `timestamp.body`, so a receiver can check origin, integrity and freshness.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HEADER_TIMESTAMP = 'vigil-timestamp';
export const HEADER_SIGNATURE = 'vigil-signature';
export const HEADER_DELIVERY = 'vigil-delivery-id';

/** `v1=<hex>` over `${timestamp}.${rawBody}` with the shared secret. `timestamp` is Unix seconds. */
export function signPayload(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `v1=${mac.digest('hex')}`;
}

export interface VerifyOptions {
  /** Oldest acceptable timestamp, in seconds from now, against replay. @defaultValue 300 */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/** What a receiver runs: true only when the signature matches the raw body and the timestamp is fresh. */
export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string | Buffer, opts: VerifyOptions = {}): boolean {
  const ts = Number(headers[HEADER_TIMESTAMP]);
  const sig = headers[HEADER_SIGNATURE];
  if (!Number.isInteger(ts) || typeof sig !== 'string') return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const want = Buffer.from(signPayload(secret, ts, rawBody));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}
