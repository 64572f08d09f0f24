// The dashboard's calls to the API: same origin, the session cookie sent by the browser, and the CSRF token on POSTs.

export interface SessionInfo {
  principal: { name: string; role: string };
  expiresAt: string;
  csrf: string;
  allowed: string[];
}

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

let session: SessionInfo | undefined;
/** Called when a request finds the session gone, so the page can show the sign-in form. */
let onSignedOut: () => void = () => undefined;

export const currentSession = (): SessionInfo | undefined => session;
export const setSession = (s: SessionInfo | undefined): void => void (session = s);
export const whenSignedOut = (f: () => void): void => void (onSignedOut = f);
/** Whether the signed-in role may call `METHOD /url` (the server says which; the browser knows no role names). */
export const may = (route: string): boolean => session?.allowed.includes(route) ?? false;

async function failure(res: Response): Promise<ApiFailure> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const b = (await res.json()) as { message?: string };
    if (b.message) message = b.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiFailure(res.status, message);
}

export async function get<T>(url: string): Promise<T> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401 && session) {
    session = undefined;
    onSignedOut();
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** A POST with the session's CSRF token; the raw response when `raw` (for the export's zip). */
export async function post<T>(url: string, body: unknown, raw?: false): Promise<T>;
export async function post(url: string, body: unknown, raw: true): Promise<Response>;
export async function post<T>(url: string, body: unknown, raw = false): Promise<T | Response> {
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', ...(session ? { 'x-csrf-token': session.csrf } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw await failure(res);
  return raw ? res : ((await res.json()) as T);
}
