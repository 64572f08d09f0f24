// Findings with their filters, and one result's evidence: run record, hashes, inclusion proof, download.
import { get } from './api.js';
import { badge, duration, field, h, select, table, when } from './dom.js';

interface Finding { ruleId: string; resourceId: string; source: string; scope: string; status: string; display: string; reason: string; runSeq: number; severity?: string; owner?: string; firstSeen?: string; durationMs?: number }

const FILTERS = ['source', 'scope', 'rule', 'severity', 'status', 'owner', 'minAgeDays'] as const;

export async function findingsView(params: URLSearchParams): Promise<HTMLElement> {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) q.set(k, params.get(k)!);
  const r = await get<{ findings: Finding[]; total: number; owners: string[] }>(`/v1/findings?${q.toString()}&limit=500`);
  const input = (name: string, type = 'text') => h('input', { name, type, value: params.get(name) ?? '' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter findings' },
    field('Source', input('source')),
    field('Scope', input('scope')),
    field('Rule', input('rule')),
    field('Severity', select('severity', ['', 'critical', 'high', 'medium', 'low'], params.get('severity') ?? '')),
    field('Status', select('status', ['', 'fail', 'error', 'pass', 'not_applicable', 'accepted'], params.get('status') ?? '')),
    // The owners the config's `owners:` list names; with none configured there is nothing to choose.
    r.owners.length ? field('Owner', select('owner', ['', ...r.owners], params.get('owner') ?? '')) : null,
    field('Open at least (days)', input('minAgeDays', 'number')),
    h('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v) !== '') f.set(k, String(v));
    location.hash = `#/findings?${f.toString()}`;
  });
  return h(
    'section',
    { 'aria-labelledby': 'findings-h' },
    h('h2', { id: 'findings-h' }, 'Findings'),
    form,
    h('p', {}, `${r.total} finding${r.total === 1 ? '' : 's'}${r.total > r.findings.length ? `, first ${r.findings.length} shown` : ''}.${r.owners.length ? '' : ' No owners are configured (config owners:), so there is no owner filter.'}`),
    table(
      'Latest result per rule and resource',
      ['Rule', 'Resource', 'Source / scope', 'Owner', 'Severity', 'Status', 'First seen', 'For', 'Reason', 'Evidence'],
      r.findings.map((f) => [
        f.ruleId,
        f.resourceId,
        `${f.source} / ${f.scope}`,
        f.owner ?? '—',
        f.severity ?? '—',
        badge(f.display),
        when(f.firstSeen),
        f.durationMs !== undefined ? duration(f.durationMs) : '—',
        f.reason,
        h('a', { href: `#/evidence/${f.runSeq}?${new URLSearchParams({ rule: f.ruleId, resource: f.resourceId }).toString()}` }, `Evidence for ${f.resourceId}`),
      ]),
    ),
  );
}

interface Evidence {
  origin: string;
  keyFingerprint: string;
  result: { ruleId: string; resourceId: string; status: string; reason: string };
  run: { seq: number; observedAt: string; leafHash: string; bodySha256: string; body: Record<string, unknown> };
  resultsBlob: { sha256: string; matches: boolean; bytes: number };
  rawReplies: Array<{ sha256: string; [k: string]: unknown }>;
  inclusion: { ok: boolean; from: number; to: number; leavesRead: number; problem?: string; checkpoint?: { size: number; root: string; createdAt: string; note: string } };
}

export async function evidenceView(seq: string, params: URLSearchParams): Promise<HTMLElement> {
  const q = new URLSearchParams({ rule: params.get('rule') ?? '', resource: params.get('resource') ?? '' });
  const e = await get<Evidence>(`/v1/evidence/${encodeURIComponent(seq)}?${q.toString()}`);
  const b = e.run.body;
  const dl = new URLSearchParams(q);
  dl.set('download', '1');
  return h(
    'section',
    { 'aria-labelledby': 'ev-h' },
    h('p', {}, h('a', { href: `#/findings?rule=${encodeURIComponent(e.result.ruleId)}` }, `← Findings of ${e.result.ruleId}`)),
    h('h2', { id: 'ev-h' }, `Evidence: ${e.result.ruleId} on ${e.result.resourceId}`),
    h('p', {}, badge(e.result.status), ` ${e.result.reason}`),
    h('p', {}, h('a', { href: `/v1/evidence/${encodeURIComponent(seq)}?${dl.toString()}`, download: '', id: 'evidence-download' }, 'Download this evidence (JSON)')),
    h('h3', {}, 'Run record'),
    h(
      'dl',
      {},
      ...[
        ['Ledger leaf', `#${e.run.seq} (${e.origin})`],
        ['Source / scope', `${String(b.source)} / ${String(b.scope)}`],
        ['Slot', String(b.slot)],
        ['Ended', when(String(b.endedAt))],
        ['Outcome', String(b.outcome)],
        ['API calls', String(b.apiCalls)],
        ['Leaf hash (RFC 6962)', e.run.leafHash],
        ['Results blob SHA-256', `${e.resultsBlob.sha256} (${e.resultsBlob.matches ? 'recomputed: matches' : 'recomputed: DOES NOT MATCH'}, ${e.resultsBlob.bytes} bytes)`],
      ].flatMap(([k, v]) => [h('dt', {}, k!), h('dd', { class: 'mono' }, v!)]),
    ),
    h('h3', {}, `Raw API replies (${e.rawReplies.length})`),
    e.rawReplies.length ? h('ul', { class: 'mono' }, ...e.rawReplies.slice(0, 50).map((a) => h('li', {}, `${a.sha256}${a.operation ? ` ${String(a.operation)}` : ''}`))) : h('p', {}, 'This run recorded no raw replies.'),
    h('h3', {}, 'Inclusion proof'),
    h(
      'p',
      { id: 'inclusion' },
      e.inclusion.ok
        ? `Proved: leaf ${e.run.seq} is in the log between signed checkpoints ${e.inclusion.from} and ${e.inclusion.to} (${e.inclusion.leavesRead} leaves re-hashed; key ${e.keyFingerprint}).`
        : `Not proved: ${e.inclusion.problem ?? 'unknown'}`,
    ),
    e.inclusion.checkpoint ? h('pre', { 'aria-label': 'Signed checkpoint' }, e.inclusion.checkpoint.note) : null,
  );
}
