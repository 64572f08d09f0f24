// Puts a built API on its address for `vigil serve` and the `api` role of `vigil run` (the options come from src/agent.ts).
import { buildApi, type BuiltApi } from './server.js';
import type { ApiOptions } from './options.js';

export interface RunningApi extends BuiltApi {
  /** e.g. http://127.0.0.1:8080 (the real port when the config asks for 0). */
  url: string;
}

/** Builds the API and listens on `listen` (host:port, [v6]:port), else the configured `api.listen`. */
export async function listenApi(opts: ApiOptions, listen?: string): Promise<RunningApi> {
  const address = listen ?? opts.config.listen;
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d+)$/.exec(address);
  const host = (m?.[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = Number(m?.[2] ?? 8080);
  const api = await buildApi(opts);
  await api.app.listen({ host, port });
  const addr = api.app.server.address();
  const realPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${realPort}`;
  if (opts.config.tokens.length === 0) opts.logger.warn({}, 'api: no tokens configured (api.tokens), so every route but /healthz and /readyz answers 401');
  opts.logger.info({ url }, 'api listening');
  return { ...api, url };
}
