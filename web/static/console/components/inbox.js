// Inbox: the messages visitors left while nobody was online, newest first, unread ones in
// bold; opening one marks it read (for every operator: the inbox is shared); Mark handled;
// Reply, which emails the visitor; and where the operator gets notices of new ones.
// Loaded with import() when the page first opens.
import { html, useState, useEffect, useMemo } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { useStore, notify } from '../store.js';
import { loadChannels } from '../actions.js';
import { href, navigate } from '../router.js';
import { PageHeader, Spinner, Alert, Avatar } from './common.js';
import { cx, formatWhen } from '../util.js';

// The menu bar's count follows what happens here.
const changed = () => window.dispatchEvent(new Event('parley:inbox'));

if (!document.querySelector('link[data-inbox]')) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('../inbox.css', import.meta.url).href;
  link.dataset.inbox = '';
  const loaded = new Promise((resolve) => {
    link.onload = link.onerror = resolve;
  });
  document.head.append(link);
  await loaded;
}

const NO_EMAIL = 'Email is not set up on this server: replies and notices cannot be sent. An admin sets the SMTP server (--smtp-host).';

function pageLabel(url) {
  try {
    const u = new URL(url);
    return u.host + u.pathname;
  } catch {
    return url;
  }
}

function Item({ m, channel, selected }) {
  return html`<li>
    <a href=${href('inbox', String(m.id))} class=${cx('inbox-item', !m.read && 'unread', selected && 'selected', m.handled && 'handled')}
      aria-current=${selected ? 'true' : undefined} data-testid="inbox-item" data-id=${m.id} data-read=${m.read ? 'true' : 'false'}
      data-handled=${m.handled ? 'true' : 'false'}>
      <${Avatar} name=${m.name} size=${32} />
      <span class="inbox-item-text">
        <span class="inbox-item-top">
          <span class="inbox-item-name">${m.name}${!m.read ? html`<span class="visually-hidden"> (unread)</span>` : null}</span>
          <span class="inbox-item-time">${formatWhen(m.created_at)}</span>
        </span>
        <span class="inbox-item-meta">${m.email}${channel ? ` · ${channel}` : ''}${m.language ? ` · ${m.language}` : ''}</span>
        <span class="inbox-item-preview">${m.body.length > 90 ? m.body.slice(0, 90) + '…' : m.body}</span>
      </span>
      ${m.handled ? html`<span class="inbox-tag" title="Handled">Handled</span>` : null}
    </a>
  </li>`;
}

function Detail({ m, channel, email, onChange }) {
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    setBody('');
    setError('');
  }, [m.id]);

  async function act(fn) {
    setBusy(true);
    setError('');
    try {
      onChange(await fn());
      return true;
    } catch (e) {
      setError(e.message);
      return false;
    } finally {
      setBusy(false);
    }
  }
  const toggleHandled = () => act(() => request('POST', `/api/offline-messages/${m.id}/handled`, { handled: !m.handled }));
  async function reply(e) {
    e.preventDefault();
    if (!body.trim()) return setError('Write a reply first.');
    if (await act(() => request('POST', `/api/offline-messages/${m.id}/replies`, { body }))) {
      setBody('');
      notify(`Reply sent to ${m.email}.`);
    }
  }

  return html`<article class="card inbox-detail" data-testid="inbox-detail" data-id=${m.id} aria-labelledby="inbox-detail-name">
    <header class="inbox-detail-head">
      <${Avatar} name=${m.name} size=${40} />
      <div>
        <h2 id="inbox-detail-name" data-testid="inbox-detail-name">${m.name}</h2>
        <a href=${`mailto:${m.email}`} data-testid="inbox-detail-email">${m.email}</a>
      </div>
      <button type="button" class="btn btn-secondary btn-sm" onClick=${toggleHandled} disabled=${busy} data-testid="inbox-handled">
        ${m.handled ? 'Mark not handled' : 'Mark handled'}
      </button>
    </header>
    <dl class="inbox-facts">
      <dt>Received</dt><dd>${new Date(m.created_at).toLocaleString()}</dd>
      ${channel ? html`<dt>Channel</dt><dd>${channel}</dd>` : null}
      <dt>Page</dt><dd>${m.page_url
        ? html`<a href=${m.page_url} target="_blank" rel="noopener noreferrer" data-testid="inbox-detail-page">${pageLabel(m.page_url)}</a>`
        : '—'}</dd>
      <dt>Language</dt><dd data-testid="inbox-detail-language">${m.language || '—'}</dd>
    </dl>
    <div class="inbox-body" data-testid="inbox-detail-body">${m.body}</div>
    ${m.replies.length
      ? html`<ol class="inbox-replies" aria-label="Replies">
          ${m.replies.map((r) => html`<li key=${r.id} data-testid="inbox-reply">
            <div class="muted small">${r.user_name}, ${new Date(r.created_at).toLocaleString()}</div>
            <div class="inbox-body">${r.body}</div>
          </li>`)}
        </ol>`
      : null}
    <form class="inbox-reply" onSubmit=${reply}>
      <label for="inbox-reply-body">Reply to ${m.name} by email</label>
      <textarea id="inbox-reply-body" rows="5" value=${body} onInput=${(e) => setBody(e.currentTarget.value)}
        disabled=${!email} data-testid="inbox-reply-body"></textarea>
      ${email ? null : html`<p class="muted small" data-testid="inbox-reply-no-email">${NO_EMAIL}</p>`}
      <${Alert} testid="inbox-error">${error}<//>
      <div><button type="submit" class="btn btn-primary" disabled=${busy || !email} data-testid="inbox-reply-send">Send reply</button></div>
    </form>
  </article>`;
}

function NoticeSettings({ status, channels, onSaved }) {
  const [addr, setAddr] = useState(status.notify_email);
  const [chosen, setChosen] = useState(new Set(status.notify_channels));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSaved(await request('PUT', '/api/inbox/notify', { email: addr.trim(), channels: [...chosen] }));
      notify('Notice settings saved.');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  const toggle = (id) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };
  return html`<form class="card inbox-notify" onSubmit=${save} data-testid="inbox-notify">
    <h2>Email notices</h2>
    <p class="muted small">Get an email when a visitor leaves a message in these channels, whether you are in them or not.</p>
    ${status.email ? null : html`<p class="muted small">${NO_EMAIL}</p>`}
    <div class="field">
      <label for="inbox-notify-email">Send them to</label>
      <input id="inbox-notify-email" type="email" value=${addr} onInput=${(e) => setAddr(e.currentTarget.value)}
        placeholder="you@example.com" data-testid="inbox-notify-email" />
    </div>
    <fieldset class="inbox-notify-channels">
      <legend>Channels</legend>
      ${(channels || []).map((ch) => html`<label key=${ch.id} class="checkbox">
        <input type="checkbox" checked=${chosen.has(ch.id)} onChange=${() => toggle(ch.id)} /> ${ch.name}
      </label>`)}
    </fieldset>
    <${Alert}>${error}<//>
    <div><button type="submit" class="btn btn-secondary" disabled=${busy} data-testid="inbox-notify-save">Save</button></div>
  </form>`;
}

export function InboxPage({ route }) {
  const channels = useStore((s) => s.channels);
  const [list, setList] = useState(null);
  const [status, setStatus] = useState(null);
  const [error, setError] = useState('');
  const selectedID = route.id;

  async function load() {
    try {
      const [l, st] = await Promise.all([request('GET', '/api/offline-messages'), request('GET', '/api/inbox')]);
      setList(l);
      setStatus(st);
    } catch (e) {
      setError(e.message);
    }
  }
  useEffect(() => {
    load();
    loadChannels().catch(() => {});
    // A message left or read elsewhere (the live connection's inbox event) shows at once.
    window.addEventListener('parley:inbox', load);
    return () => window.removeEventListener('parley:inbox', load);
  }, []);

  const names = useMemo(() => new Map((channels || []).map((c) => [c.id, c.name])), [channels]);
  const selected = list && selectedID ? list.find((m) => m.id === selectedID) : null;
  const replace = (m) => {
    setList((l) => l.map((x) => (x.id === m.id ? m : x)));
    changed();
  };

  // Opening a message reads it, for everyone.
  useEffect(() => {
    if (!selected || selected.read) return;
    request('POST', `/api/offline-messages/${selected.id}/read`).then(replace, (e) => setError(e.message));
  }, [selected && selected.id]);

  return html`<main class="page" data-testid="inbox-page">
    <${PageHeader} title="Inbox" />
    <p class="page-intro">Messages visitors left while nobody was online. Reply by email; mark each handled when it needs nothing more.</p>
    ${status && !status.email ? html`<${Alert} kind="info" testid="inbox-no-email">${NO_EMAIL}<//>` : null}
    <${Alert}>${error}<//>
    ${list === null
      ? html`<${Spinner} />`
      : html`<div class="inbox">
          ${list.length === 0
            ? html`<div class="card empty-card" data-testid="inbox-empty">No message has been left.</div>`
            : html`<ul class="inbox-list" aria-label="Left messages" data-testid="inbox-list">
                ${list.map((m) => html`<${Item} key=${m.id} m=${m} channel=${names.get(m.channel_id)} selected=${m.id === selectedID} />`)}
              </ul>`}
          <div class="inbox-pane">
            ${selected
              ? html`<${Detail} m=${selected} channel=${names.get(selected.channel_id)} email=${status && status.email} onChange=${replace} />`
              : list.length
                ? html`<div class="card empty-card">Open a message to read it.</div>`
                : null}
            ${selectedID && !selected && list.length ? html`<button type="button" class="btn btn-secondary" onClick=${() => navigate(href('inbox'))}>Back</button>` : null}
          </div>
        </div>`}
    ${status ? html`<${NoticeSettings} status=${status} channels=${channels} onSaved=${setStatus} />` : null}
  </main>`;
}
