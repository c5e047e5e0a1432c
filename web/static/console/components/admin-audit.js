// Admin › Audit log: what admins and supervisors did, newest first, a page at a time,
// filtered by action. Loaded when the tab is first opened.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { Alert, Spinner } from './common.js';

const PAGE = 50;

const ACTIONS = [
  ['', 'All actions'],
  ['user.create', 'User created'],
  ['user.update', 'User changed'],
  ['user.delete', 'User deleted'],
  ['user.password_reset', 'Password reset'],
  ['user.sessions_revoked', 'Sessions ended'],
  ['channel.create', 'Channel created'],
  ['channel.update', 'Channel changed'],
  ['channel.wait_limits', 'Wait limits changed'],
  ['language.update', 'Language changed'],
  ['settings.files', 'File limits changed'],
  ['settings.retention', 'Retention changed'],
  ['visitor.export', 'Visitor data exported'],
  ['visitor.erase', 'Visitor data erased'],
  ['retention.sweep', 'Old conversations erased'],
  ['conversation.assign', 'Conversation assigned'],
  ['conversation.transfer', 'Conversation transferred'],
  ['channel.identity_secret', 'Identity secret changed'],
  ['webhook.create', 'Webhook added'],
  ['webhook.update', 'Webhook changed'],
  ['webhook.delete', 'Webhook deleted'],
  ['webhook.test', 'Webhook test sent'],
];

const LABELS = Object.fromEntries(ACTIONS.filter(([k]) => k));

// detailText writes an entry's detail as "key: value" pairs on one line.
function detailText(detail) {
  if (!detail || typeof detail !== 'object') return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k.replaceAll('_', ' ')}: ${Array.isArray(v) ? v.join(', ') || '—' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

export function AdminAudit() {
  const [entries, setEntries] = useState(null);
  const [action, setAction] = useState('');
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function load(before, list) {
    setBusy(true);
    setError('');
    try {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (before) q.set('before', String(before));
      if (action) q.set('action', action);
      const page = await request('GET', `/api/audit-log?${q}`);
      setEntries([...(list || []), ...page]);
      setMore(page.length === PAGE);
    } catch (err) {
      setError(err.message);
      if (!list) setEntries([]);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    setEntries(null);
    load(0, null);
  }, [action]);

  return html`<section class="card table-card" aria-labelledby="audit-title" data-testid="admin-audit">
    <div class="card-title-row">
      <h2 id="audit-title">Audit log</h2>
      <div class="field field-inline">
        <label for="audit-action" class="visually-hidden">Action</label>
        <select id="audit-action" value=${action} onChange=${(e) => setAction(e.currentTarget.value)} data-testid="audit-action">
          ${ACTIONS.map(([k, label]) => html`<option key=${k} value=${k}>${label}</option>`)}
        </select>
      </div>
    </div>
    <p class="muted small">What admins and supervisors did, newest first. Erasures name the visitor and how much was erased, never what.</p>
    <${Alert} testid="audit-error">${error}<//>
    ${entries === null
      ? html`<${Spinner} />`
      : entries.length === 0
        ? html`<p class="muted" data-testid="audit-empty">Nothing recorded yet.</p>`
        : html`<div class="table-wrap"><table class="table" data-testid="audit-table">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Details</th></tr></thead>
            <tbody>${entries.map(
              (e) => html`<tr key=${e.id} data-testid="audit-row">
                <td><time datetime=${e.at}>${when(e.at)}</time></td>
                <td>${e.actor_id ? e.actor_login : html`<span class="muted">Parley</span>`}</td>
                <td>${LABELS[e.action] || e.action}</td>
                <td>${e.target_kind}${e.target_id ? ` ${e.target_id}` : ''}</td>
                <td class="small">${detailText(e.detail)}</td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    ${more
      ? html`<div class="form-actions"><button type="button" class="btn btn-secondary" disabled=${busy}
          onClick=${() => load(entries[entries.length - 1].id, entries)} data-testid="audit-more">Show older</button></div>`
      : null}
  </section>`;
}
