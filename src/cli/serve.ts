// `vigil serve` (the HTTP API alone) and `vigil api hash-token` (the SHA-256 that goes in api.tokens).
import { createHash, randomBytes } from 'node:crypto';
import { startServe, type AgentContext } from '../agent.js';
import { waitForSignal } from './run.js';

export async function serveCommand(ctx: AgentContext, o: { listen?: string }): Promise<number> {
  const served = await startServe(ctx, o);
  await waitForSignal();
  await served.close();
  return 0;
}

/** Prints the hex SHA-256 of a token (argument, or stdin). With --new, makes a random token and prints both. */
export async function hashTokenCommand(o: { token?: string; new?: boolean }, input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let token = o.token;
  if (o.new) {
    token = `vgl_${randomBytes(24).toString('base64url')}`;
    out.write(`token:  ${token}\n(give it to the client; it is not stored anywhere)\nsha256: `);
  } else if (token === undefined) {
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(Buffer.from(c as Buffer));
    token = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  out.write(`${createHash('sha256').update(token ?? '').digest('hex')}\n`);
  return 0;
}
