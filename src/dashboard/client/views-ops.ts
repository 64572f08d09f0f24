// Sources, the live alert timeline (and feed URLs), and the auditor's export, key and witnesses.
import { ApiFailure, get, may, post } from './api.js';
import { badge, field, h, table, when } from './dom.js';

/** A place for an action's outcome, read out by screen readers. */
export const status = () => h('p', { role: 'status', class: 'status' });
export const showError = (el: HTMLElement, e: unknown) => {
  el.textContent = e instanceof ApiFailure ? `Refused (${e.status}): ${e.message}` : String(e);
  el.classList.add('error');
};

interface ScopeRun { scope: string; endedAt: string; outcome: string; apiCalls: number; minApiCalls?: number; health: string; reason?: string; causes: string[]; errorCount: number; errors: Array<{ operation: string; cause: string; code: string; message: string }> }
interface SourceRow { source: string; schedule?: string; nextRun?: string; scopes: ScopeRun[]; gaps: Array<{ scope?: string; from: string; to: string; reason: string }> }

export async function sourcesView(): Promise<HTMLElement> {
  const r = await get<{ sources: SourceRow[] }>('/v1/sources');
  return h(
    'section',
    { 'aria-labelledby': 'src-h' },
    h('h2', { id: 'src-h' }, 'Sources'),
    ...r.sources.map((s) =>
      h(
        'section',
        { 'aria-label': s.source },
        h('h3', {}, s.source),
        h('p', {}, s.schedule ? `Schedule ${s.schedule}; next run ${when(s.nextRun)}.` : 'Not configured in this process (history only).'),
        table(
          `Last run of each ${s.source} scope`,
          ['Scope', 'Ended', 'Outcome', 'Health', 'API calls', 'Errors', 'Causes'],
          s.scopes.map((x) => [x.scope, when(x.endedAt), x.outcome, badge(x.health), x.minApiCalls !== undefined ? `${x.apiCalls} (fewest ${x.minApiCalls})` : x.apiCalls, x.errorCount, x.reason ?? (x.causes.join(', ') || '—')]),
        ),
        ...s.scopes.filter((x) => x.errors.length).map((x) => h('ul', { 'aria-label': `Errors of ${x.scope}` }, ...x.errors.map((e) => h('li', {}, `${x.scope}: ${e.operation} — ${e.cause} (${e.code}): ${e.message}`)))),
        s.gaps.length ? table(`Recent gaps of ${s.source}`, ['Scope', 'From', 'To', 'Reason'], s.gaps.map((g) => [g.scope ?? '—', when(g.from), when(g.to), g.reason])) : h('p', {}, 'No gaps recorded.'),
      ),
    ),
  );
}

interface Alert { seq: number; kind: string; severity: string; title: string; observedAt: string; source?: string; scope?: string }

const alertItem = (a: Alert) => h('li', { 'data-seq': a.seq }, h('time', { datetime: a.observedAt }, when(a.observedAt)), ' ', badge(a.severity), ` [${a.kind}] ${a.title}`);

/** The live stream (EventSource sends the session cookie), closed when the view is left. */
let stream: EventSource | undefined;
export function leaveAlerts(): void {
  stream?.close();
  stream = undefined;
}

export async function alertsView(): Promise<HTMLElement> {
  const page = await get<{ alerts: Alert[]; next: number }>('/v1/alerts?after=-1&limit=1000');
  const list = h('ol', { class: 'timeline', reversed: true, 'aria-label': 'Alerts, newest first' }, ...page.alerts.slice(-200).reverse().map(alertItem));
  const live = h('p', { role: 'status', id: 'live-status' }, 'Connecting to the live stream…');
  leaveAlerts();
  stream = new EventSource(`/v1/alerts/stream?after=${page.next}`);
  stream.addEventListener('open', () => void (live.textContent = 'Live: new alerts appear at the top.'));
  stream.addEventListener('error', () => void (live.textContent = 'Live stream interrupted; reconnecting…'));
  stream.addEventListener('alert', (e) => {
    const a = JSON.parse((e as MessageEvent<string>).data) as Alert;
    list.insertBefore(alertItem(a), list.firstChild);
    live.textContent = `New alert: ${a.title}`;
  });
  return h('section', { 'aria-labelledby': 'al-h' }, h('h2', { id: 'al-h' }, 'Alerts'), live, list, may('POST /v1/feeds') ? await feedsPanel() : null);
}

async function feedsPanel(): Promise<HTMLElement> {
  const { feeds } = await get<{ feeds: Array<{ id: string; name: string; state: string; createdBy: string; expiresAt?: string }> }>('/v1/feeds');
  const out = status();
  const name = h('input', { name: 'name', required: true });
  const expires = h('input', { name: 'expires', type: 'date' });
  const form = h('form', { 'aria-label': 'Create a feed URL' }, field('Feed name', name), field('Expires (optional)', expires), h('button', { type: 'submit' }, 'Create feed URL'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await post<{ atom: string }>('/v1/feeds', { name: name.value, ...(expires.value ? { expires: expires.value } : {}) });
      out.textContent = `Feed URL (shown once; anyone with it reads the alert feed): ${r.atom}`;
    } catch (err) {
      showError(out, err);
    }
  });
  const revoke = (id: string) => h('button', { type: 'button', onclick: async () => { try { await post(`/v1/feeds/${id}/revoke`, {}); out.textContent = `Revoked ${id}.`; } catch (err) { showError(out, err); } } }, `Revoke ${id}`);
  return h('section', { 'aria-labelledby': 'feeds-h' }, h('h3', { id: 'feeds-h' }, 'Feed URLs for feed readers'), form, out, table('Feed URLs', ['Id', 'Name', 'State', 'Created by', 'Expires', ''], feeds.map((f) => [f.id, f.name, badge(f.state), f.createdBy, when(f.expiresAt), f.state === 'active' ? revoke(f.id) : ''])));
}

interface KeyInfo { origin: string; fingerprint: string; keyId: string; lastCheckpoint?: { size: number; createdAt: string; reason: string }; witnesses: Array<{ name: string; state: string; reason?: string; cosignedSize?: number }> }

export async function auditorView(): Promise<HTMLElement> {
  const k = await get<KeyInfo>('/v1/ledger/key');
  const out = status();
  const link = h('p', { id: 'export-link' });
  const type = h('select', { name: 'type' }, h('option', { value: '2' }, 'Type 2 (period)'), h('option', { value: '1' }, 'Type 1 (as of a date)'));
  const f = { from: h('input', { name: 'from', type: 'date' }), to: h('input', { name: 'to', type: 'date' }), asOf: h('input', { name: 'asOf', type: 'date' }), sampleSeed: h('input', { name: 'sampleSeed' }), framework: h('input', { name: 'framework' }), criteria: h('input', { name: 'criteria' }) };
  const form = h('form', { 'aria-label': 'Create an export' }, field('Type', type), field('From (Type 2)', f.from), field('To (Type 2)', f.to), field('As of (Type 1)', f.asOf), field('Sample seed', f.sampleSeed), field('Framework id (optional; default: the first configured)', f.framework), field('Criteria (comma-separated, optional)', f.criteria), h('button', { type: 'submit' }, 'Create export'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.textContent = 'Exporting and verifying…';
    link.replaceChildren();
    try {
      const body = { type: type.value, ...Object.fromEntries(Object.entries(f).filter(([, i]) => i.value !== '').map(([n, i]) => [n, i.value])) };
      const res = await post('/v1/exports', body, true);
      const blob = await res.blob();
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'vigil-export.zip';
      const verdict = res.headers.get('x-vigil-verify');
      out.textContent = `Export ready (${blob.size} bytes). Verified against key ${res.headers.get('x-vigil-key-fingerprint') ?? '?'}: ${verdict === 'ok' ? 'intact' : verdict}.`;
      link.append(h('a', { href: URL.createObjectURL(blob), download: name, id: 'export-download' }, `Download ${name}`));
    } catch (err) {
      showError(out, err);
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'au-h' },
    h('h2', { id: 'au-h' }, 'Auditor'),
    h('dl', {}, h('dt', {}, 'Ledger origin'), h('dd', {}, k.origin), h('dt', {}, 'Key fingerprint (pin this)'), h('dd', { class: 'mono', id: 'fingerprint' }, k.fingerprint), h('dt', {}, 'Last signed checkpoint'), h('dd', {}, k.lastCheckpoint ? `${k.lastCheckpoint.size} leaves, ${when(k.lastCheckpoint.createdAt)} (${k.lastCheckpoint.reason})` : 'none yet')),
    k.witnesses.length ? table('Witnesses', ['Witness', 'State', 'Detail'], k.witnesses.map((w) => [w.name, badge(w.state), w.reason ?? `cosigned up to ${w.cosignedSize ?? '—'}`])) : h('p', {}, 'No witnesses configured: checkpoints are signed by the ledger key alone.'),
    h('h3', {}, 'Evidence export'),
    may('POST /v1/exports') ? form : h('p', {}, 'Exports need the auditor role.'),
    out,
    link,
  );
}
