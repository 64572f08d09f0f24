// The shared vocabulary of the emulator's non-IAM services: the request and reply shapes, their error, and JSON paging.
import type { AccountServices, EmuAccountMeta } from './services-estate.js';

export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export interface ServiceRequest {
  service: string;
  region: string;
  account: string;
  method: string;
  path: string;
  query: URLSearchParams;
  target: string;
  body: Buffer;
  /** Request headers (lower-case names), for the REST protocols that carry parameters in them (S3). */
  headers?: Record<string, string | string[] | undefined>;
}

export interface ServiceReply {
  action: string;
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface OrgAccount {
  id: string;
  meta: EmuAccountMeta;
}

export interface ServiceState {
  services(account: string): AccountServices;
  /** Organization members, management first; undefined = the caller's account is in no organization. */
  organization(): { managementId: string; accounts: OrgAccount[] } | undefined;
  now(): Date;
  /** LookupEvents per second per account and region (the published limit is 2). */
  lookupEventsPerSecond: number;
}

/** Seconds since the epoch, as the JSON protocols send timestamps. */
export const secs = (iso: string): number => Date.parse(iso) / 1000;

/** The JSON body of a request; a body that does not parse is the SerializationException AWS answers. */
export function input(r: ServiceRequest): Record<string, unknown> {
  if (r.body.length === 0) return {};
  try {
    return JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ServiceError(400, 'SerializationException', 'Could not parse the request body as JSON');
  }
}

/** One page of `items` from an opaque NextToken, as the AWS list APIs hand them out. */
export function page<T>(items: T[], token: unknown, max: number): { items: T[]; next?: string } {
  const off = typeof token === 'string' && token !== '' ? Number(Buffer.from(token, 'base64').toString('utf8').split(':')[1]) : 0;
  if (!Number.isInteger(off) || off < 0) throw new ServiceError(400, 'InvalidNextTokenException', 'Invalid NextToken');
  const slice = items.slice(off, off + max);
  return off + max < items.length ? { items: slice, next: Buffer.from(`p:${off + max}:vigil`).toString('base64') } : { items: slice };
}
