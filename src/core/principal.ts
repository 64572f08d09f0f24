// Who made a decision or supplied evidence: an authenticated principal, never a typed name. Exceptions, approvals,
// manual evidence and access-review decisions record one of these (issue 15, item 4).
import { hostname, userInfo } from 'node:os';

/**
 * An authenticated principal.
 * - `token`: an API token's configured name and role, as authenticated by the API (src/api/auth.ts).
 * - `local`: the operating-system account running the CLI against the data dir (whoever can write the data dir is
 *   trusted as that account); named `user@host`.
 * - `session`: a dashboard sign-in, which is a token exchanged for a cookie; carries the token's name and role.
 */
export type Principal =
  | { kind: 'token'; name: string; role: string }
  | { kind: 'session'; name: string; role: string }
  | { kind: 'local'; name: string };

/** The OS account running this process, as a `local` principal. */
export function localPrincipal(): Principal {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return { kind: 'local', name: `${user}@${hostname()}` };
}

export { describePrincipal, describeStoredPrincipal } from './principal-text.js';
