// Exceptions (risk acceptance) in two steps: the signed-in principal requests one; a different signed-in approver or
// admin approves or rejects it. Who requested and who approved are the sessions' principals, never typed names.
import { currentSession, get, may, post } from './api.js';
import { badge, field, h, table, when } from './dom.js';
import { showError, status } from './views-ops.js';

interface Who { kind: string; name: string; role?: string }
interface Exc { id: string; ruleId: string; resourceId: string; reason: string; requester: string; approver: string; requestedBy?: Who; approvedBy?: Who; expiresAt: string; status: string; forced?: boolean; endedBy?: string; endReason?: string }

const say = (el: HTMLElement, text: string) => {
  el.classList.remove('error');
  el.textContent = text;
};

function requestForm(out: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const me = currentSession()!.principal.name;
  const i = {
    ruleId: h('input', { name: 'ruleId', required: true }),
    resourceId: h('input', { name: 'resourceId', required: true }),
    reason: h('input', { name: 'reason', required: true }),
    expires: h('input', { name: 'expires', type: 'date', required: true }),
    force: h('input', { name: 'force', type: 'checkbox', id: 'exc-force', 'aria-describedby': 'exc-force-note' }),
  };
  const form = h(
    'form',
    { 'aria-label': 'Request an exception' },
    field('Rule', i.ruleId),
    field('Resource', i.resourceId),
    field('Reason', i.reason),
    field('Expires', i.expires),
    h('div', { class: 'check' }, i.force, h('label', { for: 'exc-force' }, 'Request even though the resource has no failing result (force)')),
    h('p', { id: 'exc-force-note', class: 'note' }, 'Without it, the request is refused unless the resource fails the rule in the latest runs. A forced request is recorded as forced.'),
    h('p', {}, `Requested by: you (${me}). It takes effect only when a different approver or admin approves it.`),
    h('button', { type: 'submit' }, 'Request exception'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = { ruleId: i.ruleId.value, resourceId: i.resourceId.value, reason: i.reason.value, expires: i.expires.value, ...(i.force.checked ? { force: true } : {}) };
      const r = await post<{ exception: Exc; warning?: string }>('/v1/exceptions', body);
      say(out, `Requested ${r.exception.id} (pending approval by another principal), expires ${when(r.exception.expiresAt)}.${r.warning ? ` Warning: ${r.warning}` : ''}`);
      await refresh();
    } catch (err) {
      showError(out, err);
    }
  });
  return form;
}

const who = (p: Who | undefined, typed: string) => (p ? `${p.name}${p.role ? ` (${p.role})` : ''}` : typed || '—');

export async function exceptionsView(): Promise<HTMLElement> {
  const out = status();
  const me = currentSession()!.principal.name;
  const decisionReason = h('input', { name: 'decisionReason', id: 'exc-decision-reason' });
  const holder = h('div', {});
  const act = (x: Exc, verb: 'approve' | 'reject' | 'revoke', done: string) =>
    h('button', {
      type: 'button',
      onclick: async () => {
        try {
          await post(`/v1/exceptions/${encodeURIComponent(x.id)}/${verb}`, verb === 'approve' ? {} : { reason: decisionReason.value });
          say(out, `${done} ${x.id}.`);
          await refresh();
        } catch (err) {
          showError(out, err);
        }
      },
    }, `${verb[0]!.toUpperCase()}${verb.slice(1)} ${x.id}`);
  const actions = (x: Exc) => {
    if (x.status === 'pending') return h('span', { class: 'actions' }, may('POST /v1/exceptions/:id/approve') ? act(x, 'approve', 'Approved') : null, ' ', may('POST /v1/exceptions/:id/reject') ? act(x, 'reject', 'Rejected') : null);
    if (x.status === 'active' && may('POST /v1/exceptions/:id/revoke')) return act(x, 'revoke', 'Revoked');
    return '';
  };
  async function refresh(): Promise<void> {
    const { exceptions } = await get<{ exceptions: Exc[] }>('/v1/exceptions');
    holder.replaceChildren(
      table(
        'Every exception',
        ['Id', 'Rule', 'Resource', 'Requested by', 'Approved by', 'Expires', 'State', 'Reason', 'Ended', ''],
        exceptions.map((x) => [x.id, x.ruleId, x.resourceId, `${who(x.requestedBy, x.requester)}${x.forced ? ' (forced)' : ''}${x.requestedBy?.name === me ? ' — you' : ''}`, who(x.approvedBy, x.approver), when(x.expiresAt), badge(x.status), x.reason, x.endedBy ? `${x.endedBy}: ${x.endReason ?? ''}` : '—', actions(x)]),
      ),
    );
  }
  await refresh();
  const canDecide = may('POST /v1/exceptions/:id/approve');
  return h(
    'section',
    { 'aria-labelledby': 'ex-h' },
    h('h2', { id: 'ex-h' }, 'Exceptions (risk acceptance)'),
    may('POST /v1/exceptions') ? requestForm(out, refresh) : h('p', {}, 'Your role can read exceptions only.'),
    out,
    canDecide ? h('p', {}, 'Approve a pending request made by someone else; the server refuses an approval by its requester. Rejecting or revoking needs a reason:') : null,
    canDecide ? field('Reason for a rejection or revocation', decisionReason) : null,
    holder,
  );
}
