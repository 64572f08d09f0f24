// Reads whole Okta lists: follows Link rel="next" to the end (bounded, loop-checked), records each page as an artifact.
import { createHash } from 'node:crypto';
import type { Artifact } from '../../src/core/types.js';
import { redactSecrets } from '../../src/core/errors.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { OktaClient, OktaPage } from './client.js';
import { asList } from './parse.js';

/** More pages than any real org has (20,000 users at 200 a page is 100): a server that never stops linking is malformed. */
export const MAX_PAGES = 5_000;

export function artifact(label: string, body: string, mediaType = 'application/json'): Artifact {
  const buf = Buffer.from(redactSecrets(body));
  return { sha256: createHash('sha256').update(buf).digest('hex'), mediaType, size: buf.length, label, body: buf };
}

export class OktaReader {
  readonly artifacts: Artifact[] = [];
  minApiCalls = 0;

  constructor(readonly client: OktaClient) {}

  async page<T = unknown>(path: string, operation: string, label = operation): Promise<OktaPage<T>> {
    const p = await this.client.get<T>(path, operation);
    this.artifacts.push(artifact(label, p.raw));
    this.minApiCalls++;
    return p;
  }

  /** Every item of a paged list endpoint, each checked by `parse`; throws on any bad page, so nothing short passes. */
  async listAll<T>(path: string, operation: string, parse: (op: string, o: Record<string, unknown>) => T): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let next: string | null = path;
    for (let n = 1; next; n++) {
      if (n > MAX_PAGES) throw new MalformedReplyError(operation, `more than ${MAX_PAGES} pages`);
      if (seen.has(next)) throw new MalformedReplyError(operation, 'next link repeats an earlier page');
      seen.add(next);
      const page: OktaPage<unknown> = await this.page(next, operation, `${operation}#${n}`);
      const items = asList(operation, page.items);
      for (const o of items) out.push(parse(operation, o));
      // Okta ends a list by omitting rel="next"; an empty page also ends it (nothing after an empty page).
      next = items.length === 0 ? null : page.next;
    }
    return out;
  }
}
