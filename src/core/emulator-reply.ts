// The per-request reply override that emulators offer degradation tests; serves emulators only, never a collector's
// production path. One home so every emulator degrades a reply the same way (counted per path, hang and reset alike).
import type { ServerResponse } from 'node:http';

/** A canned reply for one request, or a reply that never comes ('hang') / a dropped connection ('reset'). */
export type EmulatorReply = { status: number; body: string; headers?: Record<string, string> } | 'hang' | 'reset';

/**
 * Test hook: called for a request with its path and how many times that path was asked before (`n`, from 0);
 * a returned reply is sent instead of the real one, `undefined` lets the emulator answer.
 */
export type ReplyHook = (req: { path: string; url: URL; n: number }) => EmulatorReply | undefined;

/**
 * Builds an emulator's override step: counts requests per path (the emulator's own `/__emulator/` control paths are
 * neither counted nor overridden) and, when `hook` returns a reply, sends it and returns true so the emulator stops.
 * `contentType` is the emulated service's JSON content type, sent unless the reply's headers name another.
 */
export function replyOverrides(hook: ReplyHook | undefined, contentType: string): (url: URL, res: ServerResponse) => boolean {
  const asked: Record<string, number> = {};
  return (url, res) => {
    const path = url.pathname;
    if (path.startsWith('/__emulator/')) return false;
    const n = asked[path] ?? 0;
    asked[path] = n + 1;
    const override = hook?.({ path, url, n });
    if (override === undefined) return false;
    // A hung reply keeps the socket open and unanswered: the client's own timeout or abort must end it.
    if (override === 'hang') return true;
    if (override === 'reset') { res.socket?.destroy(); return true; }
    res.writeHead(override.status, { 'content-type': contentType, ...override.headers });
    res.end(override.body);
    return true;
  };
}
