// Starting and closing an access review (as `vigil review start|close`, docs/reviews.md): offered when the server says
// the role may; the server checks every field and the sign-off rules, and the page shows its refusal.
import { post } from './api.js';
import { field, h, select } from './dom.js';
import { showError } from './views-ops.js';

const done = (el: HTMLElement, text: string) => {
  el.classList.remove('error');
  el.textContent = text;
};
const list = (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** Name, sources, how reviewers are assigned; on success the new review opens. */
export function startReviewForm(out: HTMLElement): HTMLFormElement {
  const name = h('input', { name: 'name', required: true });
  const sources = h('input', { name: 'sources', required: true, placeholder: 'okta,github' });
  const assign = select('assign', ['manager', 'given'], 'manager');
  const reviewers = h('input', { name: 'reviewers', placeholder: 'needed with assign given' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Start an access review' },
    field('Review name', name),
    field('Sources (comma-separated)', sources),
    field('Assign reviewers', assign),
    field('Reviewers (comma-separated)', reviewers),
    h('button', { type: 'submit' }, 'Start review'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = { name: name.value, sources: sources.value, assign: assign.value, ...(reviewers.value.trim() ? { reviewers: list(reviewers.value) } : {}) };
      const r = await post<{ reviewId: string; accounts: number; seq: number }>('/v1/reviews', body);
      done(out, `Started ${r.reviewId}: ${r.accounts} accounts frozen (leaf ${r.seq}).`);
      location.hash = `#/reviews/${encodeURIComponent(r.reviewId)}`;
    } catch (err) {
      showError(out, err);
    }
  });
  return form;
}

/** Sign-off: refused while accounts are undecided unless forced with a reason. */
export function closeReviewForm(id: string, out: HTMLElement, after: () => Promise<void>): HTMLFormElement {
  const force = h('input', { type: 'checkbox', name: 'force' });
  const reason = h('input', { name: 'reason' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': `Close ${id}` },
    field('Close with undecided accounts (recorded as such)', force),
    field('Reason for closing with undecided accounts', reason),
    h('button', { type: 'submit' }, 'Close review'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = force.checked ? { force: true, reason: reason.value } : {};
      const r = await post<{ seq: number; undecided: string[]; evidence: Array<{ id: string; criterion: string; requirement: string }> }>(`/v1/reviews/${encodeURIComponent(id)}/close`, body);
      const ev = r.evidence.map((x) => `${x.id} of ${x.criterion}/${x.requirement}`).join(', ');
      done(out, `Closed ${id} (leaf ${r.seq})${r.undecided.length ? `, ${r.undecided.length} account(s) left undecided` : ''}${ev ? `; recorded as evidence ${ev}` : ''}.`);
      form.remove();
      await after();
    } catch (err) {
      showError(out, err);
    }
  });
  return form;
}
