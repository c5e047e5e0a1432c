// The visitor beside a conversation: the page they are on and the pages they viewed,
// where they came from, their browser, language and local time, and their earlier
// conversations. Loaded with import() when first shown (components/common.js'
// VisitorInfo), so that the console's first load does not carry it; its styles come
// with it.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { useStore } from '../store.js';
import { Spinner } from './common.js';
import { cx, formatTime, languageName, sameDay } from '../util.js';

const CSS = `
.discuss-thread:has(>.visitor-panel){display:grid;grid-template:auto minmax(0,1fr)/minmax(0,1fr) 300px}
.discuss-thread>.discuss-header{grid-column:1/-1}
.discuss-thread>.visitor-panel{contain:size}
.visitor-panel{min-height:0;border-left:1px solid var(--border);background:#fafafb;overflow-y:auto;padding:14px 16px 24px;font-size:13px}
.visitor-panel.compact{flex:1;border-left:0;background:var(--surface)}
.visitor-panel h2{font-size:14px;font-weight:650;margin:0 0 10px;display:flex;align-items:center;gap:8px}
.visitor-panel h2 button{margin-left:auto}
.visitor-panel h3{font-size:11.5px;font-weight:650;text-transform:uppercase;letter-spacing:.04em;color:var(--text-muted);margin:16px 0 6px}
.visitor-panel dl{margin:0;display:grid;grid-template-columns:auto minmax(0,1fr);gap:4px 10px}
.visitor-panel dt{color:var(--text-muted)}
.visitor-panel dd{margin:0;overflow-wrap:anywhere}
.visitor-panel ol,.visitor-panel ul{list-style:none;margin:0;padding:0}
.visitor-page{display:flex;gap:8px;padding:3px 0}
.visitor-page time{flex:none;color:var(--text-muted);font-variant-numeric:tabular-nums;min-width:4.2em}
.visitor-page span{min-width:0;overflow-wrap:anywhere}
.visitor-url{display:block;color:var(--text-muted);font-size:12px;overflow-wrap:anywhere}
.visitor-conv{border:1px solid var(--border);border-radius:var(--radius-sm);background:var(--surface);margin-bottom:6px}
.visitor-conv summary{cursor:pointer;padding:6px 8px}
.visitor-conv ol{padding:0 8px 8px;border-top:1px solid var(--border)}
.visitor-conv li{padding:4px 0 0}
.visitor-conv b{font-weight:600}
.visitor-conv .system{color:var(--text-muted);font-style:italic}
.visitor-muted{color:var(--text-muted)}
.header-icon[aria-pressed=true]{background:rgba(255,255,255,.22)}
@media (max-width:900px){.discuss-thread:has(>.visitor-panel){grid-template:auto minmax(0,2fr) minmax(0,1fr)/minmax(0,1fr)}.discuss-thread>.visitor-panel{border-left:0;border-top:1px solid var(--border)}}
[data-testid=visitor-toggle][aria-pressed=true]{background:var(--accent-soft)}
body:has(.chat-window) .discuss-thread>.visitor-panel{padding-bottom:64px}
body:has(.chat-window:not(.folded)) .discuss-thread>.visitor-panel{padding-bottom:460px}
`;

function injectStyles() {
  if (document.getElementById('visitor-panel-css')) return;
  const style = document.createElement('style');
  style.id = 'visitor-panel-css';
  style.textContent = CSS;
  document.head.appendChild(style);
}

// safeURL is the address to link to: http and https only, anything else is shown as text.
export function safeURL(u) {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

function Link({ url, children, testid }) {
  const href = safeURL(url);
  if (!href) return html`<span data-testid=${testid}>${children || url}</span>`;
  return html`<a href=${href} target="_blank" rel="noopener noreferrer" title=${url} data-testid=${testid}>${children || url}</a>`;
}

// when is the time of an event, with its date when it was not today.
function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  if (sameDay(d, new Date())) return formatTime(iso);
  return `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${formatTime(iso)}`;
}

// localTime is the visitor's time now: from their time zone, else from the UTC offset
// their browser had when they started the chat.
export function localTime(info, now = Date.now()) {
  const opts = { hour: 'numeric', minute: '2-digit', weekday: 'short' };
  if (info.timezone) {
    try {
      return new Intl.DateTimeFormat([], { ...opts, timeZone: info.timezone }).format(now);
    } catch {
      // a zone this browser does not know: fall back to the offset
    }
  }
  if (typeof info.utc_offset_minutes !== 'number') return '';
  return new Intl.DateTimeFormat([], { ...opts, timeZone: 'UTC' }).format(now + info.utc_offset_minutes * 60000);
}

function offsetLabel(minutes) {
  if (typeof minutes !== 'number') return '';
  const sign = minutes < 0 ? '−' : '+';
  const m = Math.abs(minutes);
  return `UTC${sign}${Math.floor(m / 60)}${m % 60 ? `:${String(m % 60).padStart(2, '0')}` : ''}`;
}

export function fetchVisitor(id) {
  return request('GET', `/api/conversations/${id}/visitor`);
}

// historyText is what the /history command shows: the pages the visitor viewed, newest
// first, one line each with its time, after a line saying so.
export async function historyText(conversationId) {
  const info = await fetchVisitor(conversationId);
  if (!info.pages.length) return ['The visitor has viewed no page with the chat loaded yet.'];
  return ['Pages the visitor viewed, newest first:', ...info.pages.map((p) => `${when(p.viewed_at)}  ${p.title ? `${p.title} — ` : ''}${p.url}`)];
}

function LocalTime({ info }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15000);
    return () => clearInterval(t);
  }, []);
  const text = localTime(info, now);
  if (!text) return html`<span class="visitor-muted">Unknown</span>`;
  return html`<span data-testid="visitor-local-time">${text}</span>
    <span class="visitor-url">${[info.timezone, offsetLabel(info.utc_offset_minutes)].filter(Boolean).join(' · ')}</span>`;
}

function EarlierConversation({ c }) {
  const who = c.operator ? c.operator.chat_name : 'nobody';
  return html`<li><details class="visitor-conv" data-testid="visitor-conversation" data-conversation-id=${c.id}>
    <summary>${when(c.created_at)} · ${c.messages.length} ${c.messages.length === 1 ? 'message' : 'messages'} · ${who}
      ${c.status !== 'ended' ? html` · <b>${c.status}</b>` : null}</summary>
    <ol>
      ${c.messages.map((m) =>
        m.author.kind === 'system'
          ? html`<li class="system" key=${m.seq} data-testid="visitor-conversation-message">${m.body}</li>`
          : html`<li key=${m.seq} data-testid="visitor-conversation-message"><b>${m.author.name || m.author.kind}</b>
              <span class="visitor-muted"> ${formatTime(m.created_at)}</span><br />${m.body}</li>`,
      )}
    </ol>
  </details></li>`;
}

// VisitorPanel shows the visitor of conversation id. It reads them again when they view
// another page (a page_view event) or write, and on demand.
export function VisitorPanel({ id, compact }) {
  const [info, setInfo] = useState(null);
  const [error, setError] = useState('');
  const [n, setN] = useState(0);
  const languages = useStore((s) => s.languages);
  const views = useStore((s) => s.pageViews[id]);
  const seen = useStore((s) => {
    const list = s.messages[id] ? s.messages[id].list : [];
    return list.filter((m) => m.author.kind === 'visitor').length;
  });
  useEffect(injectStyles, []);
  useEffect(() => {
    let live = true;
    fetchVisitor(id).then(
      (v) => live && (setInfo(v), setError('')),
      (e) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [id, seen, views, n]);

  const body = !info
    ? error
      ? html`<p class="visitor-muted" role="alert">${error}</p>`
      : html`<${Spinner} label="Loading the visitor…" />`
    : html`
      ${info.chatbot_answers && info.chatbot_answers.length
        ? html`<h3>Answers to the chatbot</h3>
          <dl data-testid="chatbot-answers">${info.chatbot_answers.map(
            (a) => html`<dt key=${`q${a.seq}`}>${a.question}</dt><dd key=${`a${a.seq}`} data-testid="chatbot-answer">${a.answer}</dd>`,
          )}</dl>`
        : null}
      <h3>Current page</h3>
      ${info.current_page
        ? html`<div data-testid="visitor-current-page"><${Link} url=${info.current_page.url}>${info.current_page.title || info.current_page.url}<//>
            <span class="visitor-url">${info.current_page.url}</span></div>`
        : html`<p class="visitor-muted">Unknown</p>`}
      <h3>Visitor</h3>
      <dl>
        ${info.identity
          ? html`<dt>Verified</dt><dd data-testid="visitor-identity">${info.identity.email || 'Yes'}
              <span class="visitor-url">User ${info.identity.user_id}, vouched for by the website</span></dd>`
          : null}
        <dt>Local time</dt><dd><${LocalTime} info=${info} /></dd>
        <dt>Browser</dt><dd data-testid="visitor-browser">${[info.browser, info.os].filter(Boolean).join(' on ') || 'Unknown'}</dd>
        <dt>Language</dt><dd data-testid="visitor-language">${info.language ? languageName(languages, info.language) : 'Unknown'}
          ${info.languages.length ? html`<span class="visitor-url">${info.languages.join(', ')}</span>` : null}</dd>
        <dt>Came from</dt><dd data-testid="visitor-referrer">${info.referrer ? html`<${Link} url=${info.referrer} />` : html`<span class="visitor-muted">Direct or unknown</span>`}</dd>
      </dl>
      <h3>Pages viewed</h3>
      ${info.pages.length
        ? html`<ol data-testid="visitor-pages">${info.pages.map(
            (p, i) => html`<li class="visitor-page" key=${i} data-testid="visitor-page">
              <time datetime=${p.viewed_at}>${when(p.viewed_at)}</time>
              <span><${Link} url=${p.url}>${p.title || p.url}<//></span>
            </li>`,
          )}</ol>`
        : html`<p class="visitor-muted">None yet</p>`}
      <h3>Earlier conversations</h3>
      ${info.conversations.length
        ? html`<ul data-testid="visitor-conversations">${info.conversations.map((c) => html`<${EarlierConversation} key=${c.id} c=${c} />`)}</ul>`
        : html`<p class="visitor-muted">None</p>`}
      <h3>Transcript</h3>
      <p><a href=${`/api/conversations/${id}/transcript?format=html`} download data-testid="visitor-transcript-html"
        aria-label="Download the transcript as a web page">Download (HTML)</a> · <a href=${`/api/conversations/${id}/transcript?format=text`}
        download data-testid="visitor-transcript-text" aria-label="Download the transcript as text">Text</a></p>`;

  return html`<aside class=${cx('visitor-panel', compact && 'compact')} aria-label="Visitor information" data-testid="visitor-panel"
    data-conversation-id=${id} data-loaded=${info ? 'true' : 'false'}>
    <h2>${info ? info.name : 'Visitor'}
      <button type="button" class="btn btn-secondary btn-sm" onClick=${() => setN(n + 1)} title="Read the visitor again"
        data-testid="visitor-refresh">Refresh</button></h2>
    ${body}
  </aside>`;
}
