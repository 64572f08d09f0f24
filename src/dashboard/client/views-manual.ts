// Manual evidence (what is due, what is recorded, upload a file) and access reviews (list, open one, decide the accounts
// assigned to the signed-in principal). The server decides who may upload or decide; the page only offers.
import { currentSession, get, may, post } from './api.js';
import { badge, field, h, select, table, when } from './dom.js';
import { showError, status } from './views-ops.js';
import { closeReviewForm, startReviewForm } from './review-forms.js';
import { chosenFramework } from './views-posture.js';

interface Due { criterion: string; requirement: string; title: string; cadence: string; owner: string | null; state: string; expiresAt?: string | null; reason: string }
interface Rec { id: string; criterion: string; requirement: string; title: string; fileName: string; sha256: string; size: number; mediaType: string; effectiveAt: string; expiresAt: string | null; recordedAt: string; owner: string | null; ownerName: string | null; uploader: { kind: string; name: string; role?: string }; confidential: boolean; subject?: string; withdrawn?: { at: string; by: { name: string; role?: string }; reason: string } }
interface Req { id: string; title: string; cadence: string; owner?: string; state: string; due: string; dueReason: string }
interface Posture { framework: string; frameworks: Array<{ id: string; title: string }>; criteria: Array<{ id: string; title: string; manual?: Req[] }> }

const say = (el: HTMLElement, text: string) => {
  el.classList.remove('error');
  el.textContent = text;
};

/** The file as base64, as POST /v1/evidence takes it (chunked: String.fromCharCode has an argument limit). */
async function base64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function uploadForm(framework: string, reqs: Array<{ criterion: string; id: string; title: string; owner?: string }>, out: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const keyOf = (r: { criterion: string; id: string }) => `${r.criterion}/${r.id}`;
  const which = h('select', { name: 'requirement', required: true }, ...reqs.map((r) => h('option', { value: keyOf(r) }, `${keyOf(r)} — ${r.title}${r.owner ? ` (owner ${r.owner})` : ''}`)));
  const i = { title: h('input', { name: 'title', required: true }), file: h('input', { name: 'file', type: 'file', required: true }), effective: h('input', { name: 'effective', type: 'date' }), subject: h('input', { name: 'subject' }), confidential: h('input', { name: 'confidential', type: 'checkbox', id: 'ev-confidential' }) };
  const form = h(
    'form',
    { 'aria-label': 'Upload evidence' },
    field('Requirement', which),
    field('Title', i.title),
    field('File', i.file),
    field('Effective (optional, default today)', i.effective),
    field('Employee (per-hire requirements only: work email or employee id on the HR roster)', i.subject),
    h('div', { class: 'check' }, i.confidential, h('label', { for: 'ev-confidential' }, 'Confidential (export bundles carry its hash, not the file)')),
    h('p', {}, 'Uploading needs the admin role or the requirement\'s owner; you are recorded as the uploader.'),
    h('button', { type: 'submit' }, 'Upload evidence'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = i.file.files?.[0];
    const req = reqs.find((r) => keyOf(r) === which.value);
    if (!file || !req) return showError(out, 'Choose a requirement and a file.');
    try {
      const body = { framework, criterion: req.criterion, requirement: req.id, title: i.title.value, fileName: file.name, contentBase64: await base64(file), ...(file.type ? { mediaType: file.type } : {}), ...(i.effective.value ? { effective: i.effective.value } : {}), ...(i.subject.value.trim() ? { subject: i.subject.value.trim() } : {}), ...(i.confidential.checked ? { confidential: true } : {}) };
      const r = await post<{ evidence: Rec }>('/v1/evidence', body);
      say(out, `Recorded ${r.evidence.id} for ${keyOf(req)}: ${r.evidence.fileName}, SHA-256 ${r.evidence.sha256}, expires ${r.evidence.expiresAt === null ? 'never' : when(r.evidence.expiresAt)}.`);
      await refresh();
    } catch (err) {
      showError(out, err);
    }
  });
  return form;
}

/** Withdraw one record with a reason (the server refuses a blank one, and whoever is neither admin nor its owner). */
function withdrawForm(r: Rec, out: HTMLElement, refresh: () => Promise<void>): HTMLFormElement {
  const reason = h('input', { name: 'reason', 'aria-required': 'true', 'aria-label': `Reason for withdrawing ${r.id}` });
  const f = h('form', { class: 'decide', 'aria-label': `Withdraw ${r.id}` }, reason, h('button', { type: 'submit', 'aria-label': `Withdraw ${r.id}` }, 'Withdraw'));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const w = await post<{ withdrawal: { at: string }; seq: number }>(`/v1/evidence/${encodeURIComponent(r.id)}/withdraw`, { reason: reason.value });
      say(out, `Withdrew ${r.id} (leaf ${w.seq}) at ${when(w.withdrawal.at)}: from then on it no longer counts.`);
      await refresh();
    } catch (err) {
      showError(out, err);
    }
  });
  return f;
}

export async function manualView(params: URLSearchParams): Promise<HTMLElement> {
  const out = status();
  const holder = h('div', {});
  // The framework chosen in the posture view (its address or the last one shown), else the server's default.
  const fw = params.get('framework') ?? chosenFramework();
  const fq = fw ? `framework=${encodeURIComponent(fw)}` : '';
  const canWithdraw = may('POST /v1/evidence/:id/withdraw');
  async function refresh(): Promise<void> {
    const [{ due }, { evidence }] = await Promise.all([get<{ due: Due[] }>(`/v1/evidence?due=true${fq ? `&${fq}` : ''}`), get<{ evidence: Rec[] }>(`/v1/evidence${fq ? `?${fq}` : ''}`)]);
    holder.replaceChildren(
      due.length
        ? table('Requirements due or overdue now', ['Criterion', 'Requirement', 'Title', 'Cadence', 'Owner', 'State', 'Why'], due.map((d) => [d.criterion, d.requirement, d.title, d.cadence, d.owner ?? '—', badge(d.state), d.reason]))
        : h('p', { id: 'nothing-due' }, 'No requirement is due or overdue now.'),
      table(
        'Evidence recorded',
        ['Id', 'Criterion', 'Requirement', 'Title', 'File', 'SHA-256', 'Effective', 'Expires', 'Uploaded by', 'Recorded', ...(canWithdraw ? ['Withdraw (reason)'] : [])],
        evidence.map((r) => [r.id, r.criterion, `${r.requirement}${r.subject ? ` for ${r.subject}` : ''}`, `${r.title}${r.withdrawn ? ` — withdrawn ${when(r.withdrawn.at)} by ${r.withdrawn.by.name}${r.withdrawn.by.role ? ` (${r.withdrawn.by.role})` : ''}: ${r.withdrawn.reason}` : ''}`, `${r.fileName} (${r.size} bytes${r.confidential ? ', confidential' : ''})`, h('span', { class: 'mono' }, r.sha256), when(r.effectiveAt), r.expiresAt === null ? 'never' : when(r.expiresAt), `${r.uploader.name}${r.uploader.role ? ` (${r.uploader.role})` : ''}`, when(r.recordedAt), ...(canWithdraw ? [r.withdrawn ? 'withdrawn' : withdrawForm(r, out, refresh)] : [])]),
      ),
    );
  }
  const [posture] = await Promise.all([get<Posture>(`/v1/posture${fq ? `?${fq}` : ''}`), refresh()]);
  const reqs = posture.criteria.flatMap((c) => (c.manual ?? []).map((q) => ({ criterion: c.id, id: q.id, title: q.title, ...(q.owner ? { owner: q.owner } : {}) })));
  return h(
    'section',
    { 'aria-labelledby': 'man-h' },
    h('h2', { id: 'man-h' }, `Manual evidence — ${posture.framework}`),
    posture.frameworks.length > 1 ? h('p', {}, 'Another framework: choose it in the ', h('a', { href: `#/posture?framework=${encodeURIComponent(posture.framework)}` }, 'Posture view'), '; this view follows it.') : null,
    !reqs.length ? h('p', {}, `${posture.framework} names no manual requirements.`) : may('POST /v1/evidence') ? uploadForm(posture.framework, reqs, out, refresh) : h('p', {}, 'Your role cannot upload evidence.'),
    out,
    holder,
  );
}

interface Review { id: string; name: string; status: string; accounts: number; decided: number; undecided: number; startedAt: string; startedBy: { name: string }; reviewers: string[]; counts: Record<string, number> }
interface Account { id: string; source: string; name: string; person: string | null; privileges: string[]; lastActivity: string | null; holdsAccess: boolean; hr: { status: string } | null; reviewers: string[]; decision: { decision: string; reason: string; by: { name: string }; decidedAt: string } | null }

export async function reviewsView(): Promise<HTMLElement> {
  const { reviews } = await get<{ reviews: Review[] }>('/v1/reviews');
  const out = status();
  return h(
    'section',
    { 'aria-labelledby': 'rev-h' },
    h('h2', { id: 'rev-h' }, 'Access reviews'),
    may('POST /v1/reviews') ? startReviewForm(out) : null,
    out,
    reviews.length
      ? table('Access reviews', ['Review', 'Name', 'State', 'Accounts', 'Decided', 'Keep / revoke / modify', 'Started'], reviews.map((r) => [h('a', { href: `#/reviews/${encodeURIComponent(r.id)}` }, r.id), r.name, badge(r.status), r.accounts, `${r.decided} (${r.undecided} left)`, `${r.counts.keep ?? 0} / ${r.counts.revoke ?? 0} / ${r.counts.modify ?? 0}`, `${when(r.startedAt)} by ${r.startedBy.name}`]))
      : h('p', {}, 'No access review has been started.'),
  );
}

export async function reviewView(id: string): Promise<HTMLElement> {
  const me = currentSession()!.principal.name.trim().toLowerCase();
  const out = status();
  const holder = h('div', {});
  let { review } = await get<{ review: Review }>(`/v1/reviews/${encodeURIComponent(id)}`);
  const progress = h('p', {});
  let canDecide = review.status === 'open' && may('POST /v1/reviews/:id/decisions');
  const decideForm = (a: Account) => {
    const choice = select('decision', ['keep', 'revoke', 'modify'], a.decision?.decision ?? 'keep');
    choice.setAttribute('aria-label', `Decision for ${a.id}`);
    const reason = h('input', { name: 'reason', required: true, 'aria-label': `Reason for ${a.id}` });
    const f = h('form', { class: 'decide', 'aria-label': `Decide ${a.id}` }, choice, reason, h('button', { type: 'submit', 'aria-label': `Decide ${a.id}` }, 'Decide'));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const r = await post<{ decision: string; seq: number }>(`/v1/reviews/${encodeURIComponent(id)}/decisions`, { account: a.id, decision: choice.value, reason: reason.value });
        say(out, `Recorded ${r.decision} for ${a.id} (leaf ${r.seq}).`);
        await refresh();
      } catch (err) {
        showError(out, err);
      }
    });
    return f;
  };
  async function refresh(): Promise<void> {
    const [pop, now] = await Promise.all([get<{ accounts: Account[] }>(`/v1/reviews/${encodeURIComponent(id)}/population`), get<{ review: Review }>(`/v1/reviews/${encodeURIComponent(id)}`)]);
    review = now.review;
    canDecide = review.status === 'open' && may('POST /v1/reviews/:id/decisions');
    progress.textContent = `${review.accounts} accounts, ${review.decided} decided, ${review.undecided} undecided. ${canDecide ? 'You can decide the accounts assigned to you (keep, revoke or modify, with a reason); you are recorded as the reviewer.' : review.status === 'open' ? 'Your role cannot record decisions.' : 'The review is closed; decisions are final.'}`;
    const mine = (a: Account) => a.reviewers.some((r) => r.trim().toLowerCase() === me);
    holder.replaceChildren(
      table(
        `Accounts of ${review.id}`,
        ['Account', 'Person', 'HR status', 'Privileges', 'Last activity', 'Reviewers', 'Decision', ...(canDecide ? ['Decide (yours)'] : [])],
        pop.accounts.map((a) => [a.id, a.person ?? 'matched to nobody', a.hr?.status ?? '—', a.privileges.join(', ') || '—', when(a.lastActivity ?? undefined), a.reviewers.join(', ') || '—', a.decision ? h('span', {}, badge(a.decision.decision), ` by ${a.decision.by.name}: ${a.decision.reason}`) : 'undecided', ...(canDecide ? [mine(a) ? decideForm(a) : 'not assigned to you'] : [])]),
      ),
    );
  }
  await refresh();
  return h(
    'section',
    { 'aria-labelledby': 'rv-h' },
    h('p', {}, h('a', { href: '#/reviews' }, '← Access reviews')),
    h('h2', { id: 'rv-h' }, `${review.id} ${review.name} `, badge(review.status)),
    progress,
    review.status === 'open' && may('POST /v1/reviews/:id/close') ? closeReviewForm(review.id, out, refresh) : null,
    out,
    holder,
  );
}
