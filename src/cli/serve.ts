// `vigil serve` (the HTTP API alone) and `vigil api hash-token` (the SHA-256 that goes in api.tokens).
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { startServe, type AgentContext } from '../agent.js';
import { waitForSignal } from './run.js';
import { parseListen } from './witness.js';

export async function serveCommand(ctx: AgentContext, o: { listen?: string }): Promise<number> {
  // Checked before the ledger is opened: a mistyped address must not create a data dir or a ledger first.
  if (o.listen !== undefined) parseListen(o.listen, 'SERVE_BAD_LISTEN');
  const served = await startServe(ctx, o);
  await waitForSignal();
  await served.close();
  return 0;
}

/** Prints the hex SHA-256 of a token read from stdin. With --new, makes a random token and prints both. */
export async function hashTokenCommand(o: { token?: string; new?: boolean }, input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  // A token on the command line lands in shell history and in every process listing: take it only from stdin.
  if (o.token !== undefined) {
    throw new UsageError('TOKEN_IN_ARGV', 'vigil api hash-token: the token may not be given as an argument (shell history and process listings keep it); pipe it instead: printf %s "$TOKEN" | vigil api hash-token, or make one with --new');
  }
  let token: string;
  if (o.new) {
    token = `vgl_${randomBytes(24).toString('base64url')}`;
    out.write(`token:  ${token}\n(give it to the client; it is not stored anywhere)\nsha256: `);
  } else {
    if ((input as { isTTY?: boolean }).isTTY) process.stderr.write('Paste the token, then press Ctrl-D:\n');
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(Buffer.from(c as Buffer));
    token = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (token === '') throw new UsageError('TOKEN_EMPTY', 'vigil api hash-token: no token on stdin (pipe one in, or use --new to make one)');
  }
  out.write(`${createHash('sha256').update(token).digest('hex')}\n`);
  return 0;
}
