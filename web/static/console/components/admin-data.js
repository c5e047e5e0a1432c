// Admin › Data: a person's data requests (find a visitor or an email address, download
// everything held about them as JSON, erase it after a confirmation that says what goes)
// and the retention rule. Loaded when the tab is first opened.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { notify } from '../store.js';
import { Alert } from './common.js';
import { Confirm } from './admin-users.js';

function day(iso) {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? d.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' }) : '—';
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// download saves the export of a subject as a JSON file.
async function download(subject) {
  const q = new URLSearchParams();
  if (subject.visitor_id) q.set('visitor_id', String(subject.visitor_id));
  if (subject.email) q.set('email', subject.email);
  const data = await request('GET', `/api/data-requests/export?${q}`);
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = subject.visitor_id ? `parley-data-visitor-${subject.visitor_id}.json` : 'parley-data-email.json';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function DataRequests() {
  const [found, setFound] = useState(null); // { visitors, left_messages, email }
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [erasing, setErasing] = useState(null); // the subject to confirm

  async function search(e) {
    e.preventDefault();
    const text = e.currentTarget.elements.query.value.trim();
    setError('');
    setFound(null);
    if (!text) return;
    const q = new URLSearchParams();
    const email = text.includes('@') ? text : '';
    if (email) q.set('email', text);
    else if (/^#?\d+$/.test(text)) q.set('id', text.replace('#', ''));
    else q.set('name', text);
    setBusy(true);
    try {
      const res = await request('GET', `/api/data-requests/visitors?${q}`);
      setFound({ ...res, email });
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  async function exportData(subject) {
    setError('');
    try {
      await download(subject);
    } catch (err) {
      setError(err.message);
    }
  }

  async function erase() {
    setBusy(true);
    setError('');
    try {
      const res = await request('POST', '/api/data-requests/erase', { visitor_id: erasing.visitor_id || 0, email: erasing.email || '' });
      notify(`Erased ${plural(res.messages, 'message', 'messages')}, ${plural(res.files, 'file', 'files')}, ${plural(res.page_views, 'page view', 'page views')} and ${plural(res.left_messages, 'left message', 'left messages')}.`);
      setFound((f) => f && {
        ...f,
        visitors: f.visitors.filter((v) => v.id !== erasing.visitor_id),
        left_messages: erasing.email ? [] : f.left_messages,
      });
      setErasing(null);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  const what = (s) => {
    const parts = [];
    if (s.visitor) {
      parts.push(`${s.visitor.name}'s visitor record and browser details, page views, and the messages and files of ${plural(s.visitor.conversations, 'conversation', 'conversations')} (the conversations stay, empty and anonymous, for the reports); their chat widget starts over`);
    }
    if (s.email) parts.push(`every message left with ${s.email}`);
    return `${parts.join('; and ')}. This cannot be undone.`;
  };

  return html`<section class="card form-card" aria-labelledby="data-title" data-testid="admin-data-requests">
    <h2 id="data-title">Data requests</h2>
    <p class="hint">Find a visitor by id (shown as “Visitor #12”), by name, or the messages left with an email address; then export everything Parley holds about them as JSON, or erase it.</p>
    <form role="search" onSubmit=${search}>
      <div class="field">
        <label for="data-query">Visitor id, name or email</label>
        <input id="data-query" name="query" type="search" required autocomplete="off" data-testid="data-query" />
      </div>
      <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy} data-testid="data-search">Search</button></div>
    </form>
    <${Alert} testid="data-error">${error}<//>
    ${found
      ? html`<div data-testid="data-results">
          ${found.visitors.length === 0 && found.left_messages.length === 0
            ? html`<p class="muted" data-testid="data-none">Nothing found.</p>`
            : null}
          ${found.visitors.length > 0
            ? html`<div class="table-wrap"><table class="table" data-testid="data-visitors">
                <thead><tr><th scope="col">Visitor</th><th scope="col">Id</th><th scope="col">First seen</th><th scope="col">Conversations</th><th scope="col" class="cell-right">Actions</th></tr></thead>
                <tbody>${found.visitors.map(
                  (v) => html`<tr key=${v.id} data-testid="data-visitor">
                    <td>${v.name}</td><td>${v.id}</td><td>${day(v.created_at)}</td><td>${v.conversations}</td>
                    <td class="cell-right">
                      <button type="button" class="btn btn-secondary btn-sm" onClick=${() => exportData({ visitor_id: v.id, email: found.email })}
                        aria-label=${`Export the data of ${v.name}`} data-testid="data-export">Export</button>
                      ${' '}<button type="button" class="btn btn-danger btn-sm" onClick=${() => setErasing({ visitor_id: v.id, visitor: v, email: found.email })}
                        aria-label=${`Erase the data of ${v.name}`} data-testid="data-erase">Erase</button>
                    </td>
                  </tr>`,
                )}</tbody>
              </table></div>`
            : null}
          ${found.email
            ? html`<p data-testid="data-left">${plural(found.left_messages.length, 'message', 'messages')} left with ${found.email}.
                ${found.visitors.length === 0 && found.left_messages.length > 0
                  ? html` <button type="button" class="btn btn-secondary btn-sm" onClick=${() => exportData({ email: found.email })} data-testid="data-export-email">Export</button>
                      ${' '}<button type="button" class="btn btn-danger btn-sm" onClick=${() => setErasing({ email: found.email })} data-testid="data-erase-email">Erase</button>`
                  : null}</p>`
            : null}
        </div>`
      : null}
    ${erasing
      ? html`<${Confirm} id="confirm-erase" title=${erasing.visitor ? `Erase everything about ${erasing.visitor.name}?` : `Erase the messages left with ${erasing.email}?`}
          label="Erase" busy=${busy} onConfirm=${erase} onCancel=${() => setErasing(null)}>This erases ${what(erasing)}<//>`
      : null}
  </section>`;
}

function Retention() {
  const [rule, setRule] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    request('GET', '/api/settings/retention').then(setRule, (e) => setError(e.message));
  }, []);

  async function save(e) {
    e.preventDefault();
    const raw = e.currentTarget.elements.days.value.trim();
    setBusy(true);
    setError('');
    try {
      setRule(await request('PATCH', '/api/settings/retention', { days: raw === '' ? 0 : Number(raw) }));
      notify('The retention rule is saved.');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  if (!rule) return error ? html`<div class="card" role="alert">${error}</div>` : null;
  return html`<form class="card form-card" novalidate onSubmit=${save} aria-labelledby="retention-title" data-testid="admin-retention">
    <h2 id="retention-title">Retention</h2>
    <p class="hint">Conversations whose last message is older than this are erased with their messages and files, about once an hour. Leave it empty or 0 to keep everything.</p>
    <div class="field">
      <label for="retention-days">Erase conversations older than (days)</label>
      <input id="retention-days" name="days" type="number" min="0" max="36500" step="1" value=${rule.days || ''} data-testid="retention-days" />
    </div>
    <p class="muted small" data-testid="retention-last">${rule.last_sweep_at ? `Last run: ${new Date(rule.last_sweep_at).toLocaleString()}.` : 'Not run yet.'}</p>
    ${error ? html`<div class="alert alert-error" role="alert">${error}</div>` : null}
    <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy} data-testid="retention-save">Save</button></div>
  </form>`;
}

export function AdminData() {
  return html`<div data-testid="admin-data"><${DataRequests} /><${Retention} /></div>`;
}
