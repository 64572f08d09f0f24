// A local RFC 3161 time-stamping authority for tests: OpenSSL's `ts -reply` behind a small HTTP responder, with its own
// root CA. The replies are OpenSSL's, not ours, so what the client parses and checks is a real TSA's output.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalTsa {
  url: string;
  dir: string;
  caPem: string;
  tsaPem: string;
  /** How many queries it answered. */
  served: number;
  /** Replace the next replies: return a Buffer to send it as the reply body, or a status code. */
  override?: (query: Buffer) => Buffer | number | 'hang' | undefined;
  /** Time-stamps a query with OpenSSL directly (no HTTP). */
  reply(query: Buffer): Buffer;
  close(): Promise<void>;
}

const ssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/** Starts a TSA with an RSA (default) or EC signing key, on 127.0.0.1. */
export async function startTsa(opts: { keyType?: 'rsa' | 'ec' } = {}): Promise<LocalTsa> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tsa-'));
  const newkey = opts.keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  ssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=Vigil Test TSA Root', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  ssl(dir, ['req', ...newkey, '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=Vigil Test TSA']);
  writeFileSync(join(dir, 'tsa.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n');
  ssl(dir, ['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.crt', '-days', '3650', '-extfile', 'tsa.ext']);
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ts.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.crt',
      'certs = $dir/ca.crt',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.55555.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  const reply = (query: Buffer): Buffer => {
    const q = join(dir, `q-${process.hrtime.bigint()}.tsq`);
    const r = `${q}.tsr`;
    writeFileSync(q, query);
    const run = spawnSync('openssl', ['ts', '-reply', '-config', join(dir, 'ts.cnf'), '-queryfile', q, '-out', r], { cwd: dir });
    if (run.status !== 0) throw new Error(`openssl ts -reply failed: ${run.stderr.toString()}`);
    return readFileSync(r);
  };
  const tsa: LocalTsa = {
    url: '',
    dir,
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    tsaPem: readFileSync(join(dir, 'tsa.crt'), 'utf8'),
    served: 0,
    reply,
    close: async () => {
      await new Promise<void>((res) => server.close(() => res()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const query = Buffer.concat(chunks);
      const o = tsa.override?.(query);
      if (o === 'hang') return; // never answers
      if (typeof o === 'number') return void res.writeHead(o).end('TSA error');
      tsa.served++;
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(o ?? reply(query));
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  server.closeAllConnections?.bind(server);
  const close = tsa.close;
  tsa.close = async () => {
    server.closeAllConnections();
    await close();
  };
  return tsa;
}
