// Search in Discuss: the box at the top of the sidebar, its filters (visitor, operator,
// channel, rating, dates) and the results, which take the LIVECHAT list's place while a
// search is open; and the conversation a result opens when it is not in the operator's
// list (another operator's, or one of long ago), read-only. Loaded with import() when
// Discuss first shows, so the console's first load does not carry it. An operator
// searches what they may read (their conversations and their channels'); a supervisor
// or an admin searches every conversation.
import { html, useEffect, useRef, useState } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { useStore } from '../store.js';
import { href } from '../router.js';
import { Alert } from './common.js';
import { IconClose } from '../icons.js';
import { cx, formatWhen, visitorName } from '../util.js';

const CSS = `
.search{padding:0 12px 10px}
.search-bar{display:flex;gap:6px;align-items:center}
.search-bar input[type=search]{min-height:34px;padding:6px 10px;min-width:0}
.search-bar .btn{flex:none}
.search-filters{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px;margin-top:8px}
.search-filters .field{margin:0;gap:3px;min-width:0}
.search-filters .field-wide{grid-column:1/-1}
.search-filters label{font-size:12px}
.search-filters input,.search-filters select{min-height:32px;padding:5px 8px;font-size:13px;min-width:0;width:100%;box-sizing:border-box}
.discuss-sidebar:has(.search-results)>:not(.search){display:none}
.search-results{margin-top:10px}
.search-summary{display:flex;align-items:center;justify-content:space-between;font-size:12px;color:var(--text-muted);padding:0 4px 6px}
.search-list{list-style:none;margin:0;padding:0}
.search-item{display:block;padding:8px 10px;border-radius:8px;color:var(--text);text-decoration:none}
.search-item:hover{background:#f0f1f4}
.search-item.selected{background:var(--accent-soft)}
.search-item-top{display:flex;justify-content:space-between;gap:8px}
.search-item-name{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.search-item-time{flex:none;font-size:11.5px;color:var(--text-muted)}
.search-item-details{font-size:12px;color:var(--text-muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.search-snippet{font-size:13px;color:var(--text);margin-top:2px;overflow-wrap:anywhere}
.search-snippet mark,.msg-found .msg-bubble mark{background:#ffe58f;color:inherit;border-radius:2px;padding:0 1px}
.msg-found .msg-bubble,.msg-found.msg-system .msg-system-body{box-shadow:0 0 0 3px #f5c000}
.search-more{margin:8px 4px}
.found-note{padding:10px 20px;border-top:1px solid var(--border);color:var(--text-muted);font-size:13px}
`;

if (!document.getElementById('search-css')) {
  const style = document.createElement('style');
  style.id = 'search-css';
  style.textContent = CSS;
  document.head.appendChild(style);
}

const RATINGS = { 5: 'Good', 3: 'Okay', 1: 'Bad' };
const EMPTY = { q: '', visitor: '', operator_id: '', channel_id: '', rating: '', from: '', to: '' };

// What was searched and found lives here, not in the component, so that it is still
// there when the operator comes back to Discuss from another page.
let saved = { form: EMPTY, filters: false, page: null, error: '', busy: false };

const active = (f) => Object.values(f).some((v) => String(v).trim() !== '');

// A date of the form is a day in the operator's time zone: from its first moment to the
// next day's.
function dayStart(value, next) {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d + (next ? 1 : 0)).toISOString();
}

function searchPath(f, before) {
  const p = new URLSearchParams();
  for (const k of ['q', 'visitor', 'operator_id', 'channel_id', 'rating']) if (String(f[k]).trim()) p.set(k, String(f[k]).trim());
  if (f.from) p.set('from', dayStart(f.from, false));
  if (f.to) p.set('to', dayStart(f.to, true));
  if (before) p.set('before', String(before));
  return `/api/search?${p}`;
}

// The operators a filter may name: every operator of the channels the console knows.
function operatorsOf(channels) {
  const byID = new Map();
  for (const ch of channels || []) for (const o of ch.operators || []) if (!byID.has(o.id)) byID.set(o.id, o.name || o.chat_name);
  return [...byID].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
}

const Snippet = ({ parts }) =>
  html`<div class="search-snippet" data-testid="search-snippet">${parts.map((p) => (p.match ? html`<mark>${p.text}</mark>` : p.text))}</div>`;

function ResultItem({ r, channels, route }) {
  const c = r.conversation;
  const m = r.message;
  const name = visitorName(c);
  const channel = (channels || []).find((ch) => ch.id === c.channel_id);
  const details = [
    channel ? channel.name : null,
    c.operator ? c.operator.chat_name : c.status === 'queued' ? 'Queued' : null,
    c.status === 'ended' ? 'Ended' : null,
    c.rating ? `Rated ${RATINGS[c.rating.score] || c.rating.score}` : null,
  ].filter(Boolean);
  const selected = route.id === c.id && (!m || route.seq === m.seq);
  return html`<li>
    <a class=${cx('search-item', selected && 'selected')} href=${href('discuss', m ? `${c.id}/${m.seq}` : String(c.id))}
      aria-current=${selected ? 'page' : undefined} data-testid="search-result" data-conversation-id=${c.id} data-seq=${m ? m.seq : undefined}>
      <span class="search-item-top">
        <span class="search-item-name">${name}</span>
        <span class="search-item-time">${formatWhen(m ? m.created_at : c.created_at)}</span>
      </span>
      <span class="search-item-details">${details.join(' · ')}</span>
      ${m ? html`<${Snippet} parts=${m.snippet} />` : null}
    </a>
  </li>`;
}

// SearchBox is the search at the top of Discuss's sidebar.
export function SearchBox({ route }) {
  const me = useStore((s) => s.me);
  const channels = useStore((s) => s.channels);
  const [st, setSt] = useState(saved);
  const update = (patch) => setSt((cur) => (saved = { ...cur, ...patch }));
  const timer = useRef(0);
  const run = useRef(0); // the latest search: answers to older ones are dropped

  async function search(form, more) {
    clearTimeout(timer.current);
    if (!active(form)) return update({ page: null, error: '', busy: false });
    const n = ++run.current;
    update({ busy: true, error: '' });
    try {
      const page = await request('GET', searchPath(form, more ? more.next_before : 0));
      if (n !== run.current) return;
      update({ busy: false, page: more ? { results: [...more.results, ...page.results], next_before: page.next_before } : page });
    } catch (e) {
      if (n === run.current) update({ busy: false, error: e.message, page: more || null });
    }
  }

  useEffect(() => () => clearTimeout(timer.current), []);

  const set = (k, soon) => (e) => {
    const form = { ...st.form, [k]: e.currentTarget.value };
    update({ form });
    clearTimeout(timer.current);
    // Typing searches once the operator pauses; a filter chosen searches at once.
    if (soon) search(form);
    else timer.current = setTimeout(() => search(form), 350);
  };
  const clear = () => {
    run.current++;
    clearTimeout(timer.current);
    update({ form: EMPTY, page: null, error: '', busy: false });
  };

  const f = st.form;
  const all = me && (me.role === 'admin' || me.role === 'supervisor');
  const open = active(f) && (st.page || st.error || st.busy);
  const results = st.page ? st.page.results : [];
  return html`<div class="search">
    <form role="search" class="search-bar" aria-label="Search conversations" onSubmit=${(e) => { e.preventDefault(); search(st.form); }}>
      <label class="visually-hidden" for="search-q">${all ? 'Search all conversations' : 'Search your conversations'}</label>
      <input id="search-q" type="search" value=${f.q} onInput=${set('q')} maxlength="200" autocomplete="off"
        placeholder=${all ? 'Search all conversations' : 'Search conversations'} data-testid="search-input" />
      <button type="button" class="btn btn-secondary btn-sm" aria-expanded=${String(st.filters)}
        aria-controls=${st.filters ? 'search-filters' : undefined}
        onClick=${() => update({ filters: !st.filters })} data-testid="search-filters-toggle">Filters</button>
      ${active(f) ? html`<button type="button" class="btn btn-icon btn-sm" onClick=${clear} aria-label="Clear the search"
        title="Clear the search" data-testid="search-clear"><${IconClose} /></button>` : null}
    </form>
    ${st.filters
      ? html`<div class="search-filters" id="search-filters" data-testid="search-filters">
          <div class="field field-wide"><label for="search-visitor">Visitor</label>
            <input id="search-visitor" value=${f.visitor} onInput=${set('visitor')} maxlength="100" data-testid="search-visitor" /></div>
          <div class="field"><label for="search-operator">Operator</label>
            <select id="search-operator" value=${f.operator_id} onChange=${set('operator_id', true)} data-testid="search-operator">
              <option value="">Any</option>
              ${operatorsOf(channels).map(([id, name]) => html`<option value=${id}>${name}</option>`)}
            </select></div>
          <div class="field"><label for="search-channel">Channel</label>
            <select id="search-channel" value=${f.channel_id} onChange=${set('channel_id', true)} data-testid="search-channel">
              <option value="">Any</option>
              ${(channels || []).map((ch) => html`<option value=${ch.id}>${ch.name}</option>`)}
            </select></div>
          <div class="field field-wide"><label for="search-rating">Rating</label>
            <select id="search-rating" value=${f.rating} onChange=${set('rating', true)} data-testid="search-rating">
              <option value="">Any</option><option value="5">Good</option><option value="3">Okay</option><option value="1">Bad</option>
            </select></div>
          <div class="field"><label for="search-from">From</label>
            <input id="search-from" type="date" value=${f.from} onChange=${set('from', true)} data-testid="search-from" /></div>
          <div class="field"><label for="search-to">To</label>
            <input id="search-to" type="date" value=${f.to} onChange=${set('to', true)} data-testid="search-to" /></div>
        </div>`
      : null}
    ${open
      ? html`<section class="search-results" aria-label="Search results" data-testid="search-results">
          <div class="search-summary" role="status">
            ${st.busy && !st.page ? 'Searching…' : st.page ? `${results.length}${st.page.next_before ? '+' : ''} ${results.length === 1 ? 'conversation' : 'conversations'}` : ''}
          </div>
          <${Alert} testid="search-error">${st.error}<//>
          ${st.page && results.length === 0 && !st.busy
            ? html`<p class="sidebar-empty" data-testid="search-empty">No conversation matches.</p>`
            : html`<ul class="search-list" data-testid="search-list">
                ${results.map((r) => html`<${ResultItem} key=${`${r.conversation.id}`} r=${r} channels=${channels} route=${route} />`)}
              </ul>`}
          ${st.page && st.page.next_before
            ? html`<button type="button" class="btn btn-secondary btn-sm search-more" disabled=${st.busy}
                onClick=${() => search(st.form, st.page)} data-testid="search-more">More results</button>`
            : null}
        </section>`
      : null}
  </div>`;
}
