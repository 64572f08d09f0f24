// The dashboard's entry point: sign-in, the navigation, and a hash router over the views. Bundled by src/bin/build.mjs.
import { ApiFailure, currentSession, get, may, post, setSession, whenSignedOut, type SessionInfo } from './api.js';
import { field, h } from './dom.js';
import { criterionView, postureView } from './views-posture.js';
import { evidenceView, findingsView } from './views-findings.js';
import { alertsView, auditorView, leaveAlerts, sourcesView } from './views-ops.js';
import { exceptionsView } from './views-exceptions.js';
import { manualView, reviewView, reviewsView } from './views-manual.js';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;

const VIEWS: Array<{ path: string; label: string; needs: string }> = [
  { path: 'posture', label: 'Posture', needs: 'GET /v1/posture' },
  { path: 'findings', label: 'Findings', needs: 'GET /v1/findings' },
  { path: 'sources', label: 'Sources', needs: 'GET /v1/sources' },
  { path: 'alerts', label: 'Alerts', needs: 'GET /v1/alerts' },
  { path: 'exceptions', label: 'Exceptions', needs: 'GET /v1/exceptions' },
  { path: 'manual', label: 'Manual evidence', needs: 'GET /v1/evidence' },
  { path: 'reviews', label: 'Access reviews', needs: 'GET /v1/reviews' },
  { path: 'auditor', label: 'Auditor', needs: 'GET /v1/ledger/key' },
];

function signInForm(message?: string): HTMLElement {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true });
  const out = h('p', { role: 'alert' }, message ?? '');
  const form = h('form', { 'aria-labelledby': 'signin-h' }, h('h2', { id: 'signin-h' }, 'Sign in'), h('p', {}, 'Use an API token (api.tokens in vigil.config.yaml). It is exchanged for a session cookie and not kept by the page.'), field('API token', token), h('button', { type: 'submit' }, 'Sign in'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      setSession(await post<SessionInfo>('/v1/session', { token: token.value }));
      token.value = '';
      if (!location.hash || location.hash === '#/signin') location.hash = '#/posture';
      else void route();
    } catch (err) {
      out.textContent = err instanceof ApiFailure ? err.message : String(err);
    }
  });
  return form;
}

function renderChrome(): void {
  const s = currentSession();
  nav.replaceChildren();
  who.replaceChildren();
  if (!s) return;
  const here = location.hash.slice(2).split(/[/?]/)[0];
  nav.append(h('ul', {}, ...VIEWS.filter((v) => may(v.needs)).map((v) => h('li', {}, h('a', { href: `#/${v.path}`, ...(here === v.path ? { 'aria-current': 'page' } : {}) }, v.label)))));
  const out = h('button', { type: 'button', onclick: async () => { await post('/v1/session/end', {}).catch(() => undefined); setSession(undefined); leaveAlerts(); void route(); } }, 'Sign out');
  who.append(`${s.principal.name} (${s.principal.role}) `, out);
}

async function view(path: string, params: URLSearchParams): Promise<HTMLElement> {
  const [name, arg] = path.split('/');
  switch (name) {
    case 'criterion': return criterionView(decodeURIComponent(arg ?? ''), params);
    case 'findings': return findingsView(params);
    case 'evidence': return evidenceView(arg ?? '', params);
    case 'sources': return sourcesView();
    case 'alerts': return alertsView();
    case 'exceptions': return exceptionsView();
    case 'manual': return manualView(params);
    case 'reviews': return arg ? reviewView(decodeURIComponent(arg)) : reviewsView();
    case 'auditor': return auditorView();
    default: return postureView(params);
  }
}

async function route(): Promise<void> {
  const [path = 'posture', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  if (!path.startsWith('alerts')) leaveAlerts();
  renderChrome();
  if (!currentSession()) {
    main.replaceChildren(signInForm());
    return;
  }
  main.setAttribute('aria-busy', 'true');
  try {
    main.replaceChildren(await view(path, new URLSearchParams(query)));
  } catch (e) {
    if (!currentSession()) main.replaceChildren(signInForm('Your session ended; sign in again.'));
    else main.replaceChildren(h('p', { role: 'alert' }, e instanceof ApiFailure ? `Could not load this view (${e.status}): ${e.message}` : String(e)));
  } finally {
    main.removeAttribute('aria-busy');
    document.title = `Vigil — ${path.split('/')[0] || 'posture'}`;
  }
}

whenSignedOut(() => void route());
window.addEventListener('hashchange', () => void route());
// An existing session cookie signs the page in; otherwise the sign-in form shows.
get<SessionInfo>('/v1/session')
  .then((s) => setSession(s))
  .catch(() => setSession(undefined))
  .finally(() => void route());
