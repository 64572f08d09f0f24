// One way to send an AWS SDK command: the raw reply kept for evidence, checked as its protocol's shape before the SDK
// deserializes it (the SDK turns an empty, HTML or truncated 200 into `{}` or undefined lists rather than an error).
import { MalformedReplyError } from '../../src/core/failure.js';
import { AppError } from '../../src/core/errors.js';

/** How a 2xx reply must look: an XML document whose root element is `xml` (Query, REST-XML), or a JSON object. */
export type ReplyShape = { xml: string } | { json: true };

export type SendResult<T> = { ok: true; out: T; body: Buffer; status: number } | { ok: false; err: unknown; status?: number; body?: Buffer };

export interface SendOptions {
  /** `service:Action`, named to ctx.onOperation and in every error. */
  operation: string;
  shape: ReplyShape;
  signal?: AbortSignal;
  onOperation?: (operation: string) => void;
  /** Sees every attempt's status and raw body (metrics: throttles, 5xx). */
  onReply?: (status: number, body: Buffer) => void;
}

// Minimal structural view of an SDK command and client, enough to attach a per-command middleware and send.
interface StackCommand {
  middlewareStack: { add(mw: unknown, opts: Record<string, unknown>): void };
}
interface Sender {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Thrown when ctx.signal aborted a call: the collection is being cut short, not a read failure. */
export function abortedError(cause?: unknown): AppError {
  return new AppError('COLLECTION_ABORTED', 'aws collection aborted', { retryable: true, ...(cause !== undefined ? { cause } : {}) });
}

/** Why a 2xx body is not the shape its protocol sends, or undefined when it is. */
export function shapeProblem(body: Buffer, shape: ReplyShape): string | undefined {
  const text = body.toString('utf8').trim();
  if (text === '') return 'empty body';
  if ('json' in shape) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return `not JSON (${(e as Error).message.slice(0, 80)})`;
    }
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? undefined : `JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v} where an object was expected`;
  }
  const root = shape.xml;
  if (!new RegExp(`<${root}[\\s>/]`).test(text)) return `no <${root}> element (starts ${JSON.stringify(text.slice(0, 40))})`;
  // a document cut short never reaches its closing tag
  if (!text.endsWith(`</${root}>`) && !new RegExp(`<${root}\\b[^<>]*/>$`).test(text)) return `<${root}> not closed (truncated reply)`;
  return undefined;
}

/** Sends one command; never throws for an API failure (only when `signal` aborted the collection). */
export async function awsSend<T>(client: Sender, command: StackCommand, o: SendOptions): Promise<SendResult<T>> {
  if (o.signal?.aborted) throw abortedError();
  o.onOperation?.(o.operation);
  let last: { status: number; body: Buffer } | undefined;
  command.middlewareStack.add(
    (next: (a: unknown) => Promise<{ response: { statusCode: number; body: unknown } }>) => async (args: unknown) => {
      const result = await next(args);
      const res = result.response;
      const chunks: Buffer[] = [];
      if (res.body instanceof Uint8Array) chunks.push(Buffer.from(res.body));
      else if (typeof res.body === 'string') chunks.push(Buffer.from(res.body, 'utf8'));
      else if (res.body) for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      const body = Buffer.concat(chunks);
      // hand the deserializer its own view: the SDK re-prototypes the array it is given
      res.body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      last = { status: res.statusCode, body };
      o.onReply?.(res.statusCode, body);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const problem = shapeProblem(body, o.shape);
        if (problem) throw new MalformedReplyError(o.operation, problem);
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'vigilCaptureReply' },
  );
  try {
    const out = (await client.send(command as never, o.signal ? { abortSignal: o.signal } : {})) as T;
    return { ok: true, out, body: last?.body ?? Buffer.alloc(0), status: last?.status ?? 200 };
  } catch (e) {
    if (o.signal?.aborted) throw abortedError(e);
    return { ok: false, err: e, ...(last ? { body: last.body, status: last.status } : {}) };
  }
}

/** Throws MalformedReplyError unless `out[key]` is an array: a list key missing or null is not an empty list. */
export function requireList<T>(operation: string, out: unknown, key: string): T[] {
  const v = (out as Record<string, unknown> | undefined)?.[key];
  if (!Array.isArray(v)) throw new MalformedReplyError(operation, `${key} ${v === undefined ? 'missing' : v === null ? 'null' : `is ${typeof v}`} where a list was expected`);
  return v as T[];
}

/**
 * The SDK client options every AWS client gets: connection, whole-request and idle-socket timeouts on each attempt.
 * `throwOnRequestTimeout` matters: without it the handler only logs a warning when requestTimeout passes, and waits on.
 */
export function requestHandlerOptions(timeoutMs: number): { requestHandler: { connectionTimeout: number; requestTimeout: number; socketTimeout: number; throwOnRequestTimeout: true } } {
  return { requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, socketTimeout: timeoutMs, throwOnRequestTimeout: true } };
}
