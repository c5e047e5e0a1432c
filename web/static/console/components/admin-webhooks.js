// Admin › Webhooks: the URLs that receive Parley's events, signed with their secret
// (shown once), each with its recent deliveries and "Send test". Loaded when the tab is
// first opened.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { Alert, Spinner } from './common.js';

const EVENTS = [
  ['conversation.started', 'Conversation started'],
  ['conversation.assigned', 'Assigned'],
  ['conversation.transferred', 'Transferred'],
  ['message', 'Message'],
  ['conversation.ended', 'Ended'],
  ['conversation.rated', 'Rated'],
  ['message_left', 'Message left'],
];

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' });
}

function NewWebhook({ onMade }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState(new Set(EVENTS.map(([k]) => k)));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  function toggle(k) {
    const next = new Set(events);
    next.has(k) ? next.delete(k) : next.add(k);
    setEvents(next);
  }
  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const hook = await request('POST', '/api/webhooks', { url, events: [...events] });
      setUrl('');
      onMade(hook);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="card form-card" novalidate onSubmit=${save} aria-labelledby="webhook-new-title" data-testid="webhook-new">
    <h2 id="webhook-new-title">New webhook</h2>
    <p class="hint">Parley posts each chosen event as JSON to this address, signed with the webhook's secret (see docs/WEBHOOKS.md), and tries again with growing waits for about 18 hours when it is not accepted.</p>
    <div class="field">
      <label for="webhook-url">URL</label>
      <input id="webhook-url" type="url" required placeholder="https://crm.example.com/parley" value=${url}
        onInput=${(e) => setUrl(e.currentTarget.value)} data-testid="webhook-url" />
    </div>
    <fieldset class="field">
      <legend>Events</legend>
      ${EVENTS.map(([k, label]) => html`<label key=${k} class="checkbox"><input type="checkbox" checked=${events.has(k)}
        onChange=${() => toggle(k)} data-testid=${`webhook-event-${k}`} /> ${label}</label>`)}
    </fieldset>
    <${Alert} testid="webhook-error">${error}<//>
    <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy} data-testid="webhook-add">Add webhook</button></div>
  </form>`;
}

function Deliveries({ hook }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  async function load() {
    try {
      setList(await request('GET', `/api/webhooks/${hook.id}/deliveries?limit=20`));
      setError('');
    } catch (err) {
      setError(err.message);
    }
  }
  useEffect(() => {
    load();
    const t = setInterval(load, 3000); // attempts follow each other in the background
    return () => clearInterval(t);
  }, [hook.id]);
  if (error) return html`<${Alert}>${error}<//>`;
  if (list === null) return html`<${Spinner} />`;
  if (list.length === 0) return html`<p class="muted small" data-testid="webhook-no-deliveries">No delivery yet.</p>`;
  return html`<div class="table-wrap"><table class="table" data-testid="webhook-deliveries">
    <caption class="visually-hidden">Recent deliveries to ${hook.url}</caption>
    <thead><tr><th scope="col">Event</th><th scope="col">Made</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Next attempt</th></tr></thead>
    <tbody>${list.map((d) => html`<tr key=${d.id} data-testid="webhook-delivery">
      <td>${d.event}</td>
      <td><time datetime=${d.created_at}>${when(d.created_at)}</time></td>
      <td data-testid="webhook-delivery-state">${d.state}</td>
      <td>${d.attempts}</td>
      <td class="small">${d.last_status ? `HTTP ${d.last_status}` : ''}${d.last_error ? ` ${d.last_error}` : ''}</td>
      <td>${d.next_attempt_at ? html`<time datetime=${d.next_attempt_at}>${when(d.next_attempt_at)}</time>` : '—'}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function Webhook({ hook, secret, onChange, onDelete }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState(0); // bumps the log after a test
  async function act(fn) {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  const id = `webhook-${hook.id}`;
  return html`<section class="card table-card" aria-labelledby=${`${id}-title`} data-testid="webhook">
    <div class="card-title-row">
      <h2 id=${`${id}-title`} class="code" data-testid="webhook-title">${hook.url}</h2>
      <label class="checkbox"><input type="checkbox" role="switch" checked=${hook.enabled} disabled=${busy} data-testid="webhook-enabled"
        onChange=${() => act(async () => onChange(await request('PATCH', `/api/webhooks/${hook.id}`, { enabled: !hook.enabled })))} /> Enabled</label>
    </div>
    <p class="muted small">${hook.events.map((e) => (EVENTS.find(([k]) => k === e) || [e, e])[1]).join(' · ')}</p>
    ${secret
      ? html`<div class="alert alert-success" role="status" data-testid="webhook-secret">Secret (shown only now; the receiver checks signatures with it):${' '}
          <code>${secret}</code></div>`
      : null}
    <${Alert} testid="webhook-action-error">${error}<//>
    <div class="form-actions">
      <button type="button" class="btn btn-secondary btn-sm" disabled=${busy} data-testid="webhook-test"
        onClick=${() => act(async () => { await request('POST', `/api/webhooks/${hook.id}/test`); setTimeout(() => setShown(shown + 1), 1500); })}>Send test</button>
      <button type="button" class="btn btn-secondary btn-sm" disabled=${busy} data-testid="webhook-rotate"
        onClick=${() => act(async () => onChange(await request('PATCH', `/api/webhooks/${hook.id}`, { rotate_secret: true })))}>New secret</button>
      <button type="button" class="btn btn-danger-outline btn-sm" disabled=${busy} data-testid="webhook-delete"
        onClick=${() => act(async () => { await request('DELETE', `/api/webhooks/${hook.id}`); onDelete(hook); })}>Delete</button>
    </div>
    <h3 class="small">Recent deliveries</h3>
    <${Deliveries} key=${shown} hook=${hook} />
  </section>`;
}

export function AdminWebhooks() {
  const [hooks, setHooks] = useState(null);
  const [secrets, setSecrets] = useState({}); // by id: shown after a change that made one
  const [error, setError] = useState('');
  useEffect(() => {
    request('GET', '/api/webhooks').then(setHooks, (err) => { setError(err.message); setHooks([]); });
  }, []);
  function changed(hook) {
    setHooks((list) => (list.some((h) => h.id === hook.id) ? list.map((h) => (h.id === hook.id ? hook : h)) : [...list, hook]));
    if (hook.secret) setSecrets((s) => ({ ...s, [hook.id]: hook.secret }));
  }
  if (hooks === null) return html`<${Spinner} />`;
  return html`<div data-testid="admin-webhooks">
    <${Alert}>${error}<//>
    ${hooks.length === 0 ? html`<p class="muted" data-testid="webhooks-empty">No webhook yet.</p>` : null}
    ${hooks.map((h) => html`<${Webhook} key=${h.id} hook=${h} secret=${secrets[h.id]} onChange=${changed}
      onDelete=${(gone) => setHooks((list) => list.filter((x) => x.id !== gone.id))} />`)}
    <${NewWebhook} onMade=${changed} />
  </div>`;
}
