// Live: what supervisors and admins watch and steer (every operator with their presence
// and load, the queue with its waits, the conversations going on with the visitor's wait
// for an answer), kept up to date by the live events of the console's WebSocket; and,
// for operators, the queue of the channels they joined, with Take. Loaded with import()
// when first opened.
import { html, useEffect, useState } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { useStore, notify } from '../store.js';
import { onConversationEvent, onServerEvent } from '../actions.js';
import { href, navigate } from '../router.js';
import { Alert, Avatar, PageHeader, PresenceDot, Spinner } from './common.js';
import { languageName, visitorName } from '../util.js';

const canSupervise = (me) => !!me && (me.role === 'admin' || me.role === 'supervisor');
const STATUS_TEXT = { online: 'Online', away: 'Away', offline: 'Offline' };
const ASSIGN_STYLE = { display: 'inline-flex', gap: '6px', alignItems: 'center' };
const ACTIONS_STYLE = { display: 'flex', gap: '6px', alignItems: 'center', flexWrap: 'wrap' };
const SECTION_STYLE = { marginBottom: '16px' };

// useTick re-renders the component every second, so that waits count up.
function useTick() {
  const [, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
}

// since formats the time from iso to now (the server's now: offset is its lead on this
// browser's clock) as m:ss or h:mm:ss.
function since(iso, offset) {
  if (!iso) return '';
  const s = Math.max(0, Math.floor((Date.now() + offset - Date.parse(iso)) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

// offeredText says to whom a queued conversation is offered and for how long still
// (offer and accept): "Offered to Alex (12 s)".
function offeredText(view, c, offset) {
  const op = view.operators.find((o) => o.id === c.offered_to);
  const left = Math.max(0, Math.ceil((Date.parse(c.offer_expires_at) - Date.now() - offset) / 1000));
  return `Offered to ${op ? op.name : `#${c.offered_to}`} (${left} s)`;
}

// applyLive folds a live event into the view; it returns the view unchanged when the
// event is not the view's.
function applyLive(view, ev) {
  switch (ev.type) {
    case 'live_operator': {
      const op = ev.operator;
      if (!op) return view;
      const known = view.operators.find((o) => o.id === op.id);
      const listed = !op.disabled && (op.role === 'operator' || op.channel_ids.length > 0 || view.active.some((c) => c.operator && c.operator.id === op.id));
      const rest = view.operators.filter((o) => o.id !== op.id);
      const operators = listed ? [...rest, { ...known, ...op }] : rest;
      operators.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
      return { ...view, operators };
    }
    case 'live_conversation': {
      const c = ev.conversation;
      if (!c) return view;
      const queued = view.queued.filter((x) => x.id !== c.id);
      const active = view.active.filter((x) => x.id !== c.id);
      if (c.status === 'queued') queued.push(c);
      if (c.status === 'active') active.push(c);
      queued.sort((a, b) => a.id - b.id);
      active.sort((a, b) => a.id - b.id);
      return { ...view, queued, active };
    }
    case 'live_message': {
      const i = view.active.findIndex((x) => x.id === ev.conversation_id);
      if (i < 0) return view;
      const c = { ...view.active[i], last_activity_at: ev.created_at };
      if (ev.author === 'operator') {
        c.waiting_since = null;
        c.last_unanswered_at = null;
      } else {
        if (!c.waiting_since) c.waiting_since = ev.created_at;
        c.last_unanswered_at = ev.created_at;
      }
      const active = [...view.active];
      active[i] = c;
      return { ...view, active };
    }
    default:
      return view;
  }
}

// ongoingOf counts the operator's ongoing conversations (in one channel, when given): active,
// with activity within the ongoing window.
function ongoingOf(view, opID, channelID, offset) {
  const now = Date.now() + offset;
  return view.active.filter(
    (c) => c.operator && c.operator.id === opID && (!channelID || c.channel_id === channelID) &&
      now - Date.parse(c.last_activity_at) < view.ongoing_window_seconds * 1000,
  ).length;
}

// useLive loads the live view and follows its events; it loads it again when the
// console's WebSocket opens again (events may have been missed meanwhile).
function useLive() {
  const [state, setState] = useState({ view: null, offset: 0, error: '' });
  useEffect(() => {
    let live = true;
    let pending = [];
    let loaded = false;
    async function load() {
      loaded = false;
      pending = [];
      try {
        const view = await request('GET', '/api/live');
        if (!live) return;
        const offset = Date.parse(view.now) - Date.now();
        let v = view;
        for (const ev of pending) v = applyLive(v, ev); // what came while it loaded
        pending = [];
        loaded = true;
        setState({ view: v, offset, error: '' });
      } catch (e) {
        if (live) setState((s) => ({ ...s, error: e.message }));
      }
    }
    const off = onServerEvent((ev) => {
      if (ev.type === 'reopened') {
        load();
        return;
      }
      if (!ev.type.startsWith('live_')) return;
      if (!loaded) pending.push(ev);
      else setState((s) => (s.view ? { ...s, view: applyLive(s.view, ev) } : s));
    });
    load();
    return () => {
      live = false;
      off();
    };
  }, []);
  return state;
}

function WaitCell({ iso, offset, testid }) {
  return html`<td data-testid=${testid}>${iso ? html`<time datetime=${iso}>${since(iso, offset)}</time>` : html`<span class="muted">—</span>`}</td>`;
}

// AssignControl picks an operator of the conversation's channel (offline ones cannot be
// chosen) and assigns the conversation to them.
function AssignControl({ c, view }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const members = view.operators.filter((o) => o.channel_ids.includes(c.channel_id));
  async function assign(e) {
    e.preventDefault();
    if (!to) return;
    setBusy(true);
    try {
      const got = await request('POST', `/api/conversations/${c.id}/assign`, { operator_id: Number(to) });
      onConversationEvent(got);
      notify(`${visitorName(c)} is now with ${got.operator ? got.operator.chat_name : 'nobody'}.`);
    } catch (err) {
      notify(err.message, 'error');
    } finally {
      setBusy(false);
    }
  }
  const id = `assign-${c.id}`;
  return html`<form class="live-assign" style=${ASSIGN_STYLE} onSubmit=${assign}>
    <label class="visually-hidden" for=${id}>Operator for ${visitorName(c)}</label>
    <select id=${id} value=${to} onChange=${(e) => setTo(e.target.value)} data-testid="assign-select">
      <option value="">Choose an operator…</option>
      ${members.map(
        (o) => html`<option key=${o.id} value=${o.id} disabled=${o.status === 'offline'}>${o.chat_name} (${(STATUS_TEXT[o.status] || o.status).toLowerCase()}, ${ongoingOf(view, o.id, 0, 0)} ongoing)</option>`,
      )}
    </select>
    <button type="submit" class="btn btn-primary btn-sm" disabled=${busy || !to} data-testid="assign-button">Assign</button>
  </form>`;
}

function OpenLink({ c }) {
  return html`<a class="btn btn-secondary btn-sm" href=${href('discuss', String(c.id))} data-testid="live-open"
    aria-label=${`Open the conversation with ${visitorName(c)}`}>Open</a>`;
}

function SupervisorView({ view, offset }) {
  const languages = useStore((s) => s.languages);
  const channelName = (id) => (view.channels.find((ch) => ch.id === id) || { name: `#${id}` }).name;
  const capOf = (id) => (view.channels.find((ch) => ch.id === id) || {}).max_ongoing_per_operator || 0;
  const opName = (c) => (c.operator ? c.operator.chat_name : '');
  function transfer(c) {
    import('../transfer.js').then(
      (m) => m.openPicker(c.id, { ...c, last_message: null, unread: 0 }),
      () => notify('This part of the page could not be loaded: reload the page.', 'error'),
    );
  }
  return html`
    <section class="card table-card" aria-labelledby="live-operators" data-testid="live-operators" style=${SECTION_STYLE}>
      <h2 id="live-operators">Operators</h2>
      ${view.operators.length === 0
        ? html`<p class="muted">No operator yet.</p>`
        : html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Operator</th><th scope="col">Status</th><th scope="col">Channels (ongoing / cap)</th><th scope="col">Ongoing</th></tr></thead>
            <tbody>${view.operators.map(
              (o) => html`<tr key=${o.id} data-testid="live-operator" data-operator-id=${o.id} data-status=${o.status}>
                <td><span class="avatar-wrap"><${Avatar} name=${o.chat_name} size=${26} /><${PresenceDot} status=${o.status} /></span> ${o.name}
                  ${o.chat_name !== o.name ? html` <span class="muted">(${o.chat_name})</span>` : null}</td>
                <td>${STATUS_TEXT[o.status] || o.status}</td>
                <td>${o.channel_ids.length === 0
                  ? html`<span class="muted">None</span>`
                  : o.channel_ids.map((id, i) => {
                      const cap = capOf(id);
                      return html`${i ? ', ' : ''}${channelName(id)} ${ongoingOf(view, o.id, id, offset)}${cap ? ` / ${cap}` : ''}`;
                    })}</td>
                <td data-testid="live-operator-ongoing">${ongoingOf(view, o.id, 0, offset)}</td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    </section>
    <section class="card table-card" aria-labelledby="live-queue" data-testid="live-queue" style=${SECTION_STYLE}>
      <h2 id="live-queue">Queue</h2>
      ${view.queued.length === 0
        ? html`<p class="muted" data-testid="live-queue-empty">Nobody is waiting.</p>`
        : html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Visitor</th><th scope="col">Channel</th><th scope="col">Language</th><th scope="col">Waiting</th><th scope="col">Actions</th></tr></thead>
            <tbody>${view.queued.map(
              (c) => html`<tr key=${c.id} data-testid="live-queued" data-conversation-id=${c.id}>
                <td>${visitorName(c)}${c.offered_to
                  ? html` <span class="muted" data-testid="live-offered">${offeredText(view, c, offset)}</span>`
                  : null}</td><td>${channelName(c.channel_id)}</td><td>${languageName(languages, c.language) || c.language}</td>
                <${WaitCell} iso=${c.queued_since} offset=${offset} testid="live-wait" />
                <td><div style=${ACTIONS_STYLE}><${AssignControl} c=${c} view=${view} /><${OpenLink} c=${c} /></div></td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    </section>
    <section class="card table-card" aria-labelledby="live-ongoing" data-testid="live-ongoing" style=${SECTION_STYLE}>
      <h2 id="live-ongoing">Ongoing</h2>
      ${view.active.length === 0
        ? html`<p class="muted">No conversation is going on.</p>`
        : html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Visitor</th><th scope="col">Operator</th><th scope="col">Channel</th><th scope="col">Last unanswered message</th><th scope="col">Actions</th></tr></thead>
            <tbody>${view.active.map(
              (c) => html`<tr key=${c.id} data-testid="live-active" data-conversation-id=${c.id} data-operator-id=${c.operator ? c.operator.id : 0}>
                <td>${visitorName(c)}</td><td>${opName(c)}</td><td>${channelName(c.channel_id)}</td>
                <td data-testid="live-unanswered">${c.last_unanswered_at
                  ? html`<time datetime=${c.last_unanswered_at}>${since(c.last_unanswered_at, offset)}</time>${c.waiting_since !== c.last_unanswered_at
                      ? html` <span class="muted">(waiting ${since(c.waiting_since, offset)})</span>`
                      : null}`
                  : html`<span class="muted">Answered</span>`}</td>
                <td><div style=${ACTIONS_STYLE}>
                  <button type="button" class="btn btn-secondary btn-sm" onClick=${() => transfer(c)} aria-haspopup="dialog"
                    aria-label=${`Transfer the conversation with ${visitorName(c)}`} data-testid="live-transfer">Transfer</button>
                  <${OpenLink} c=${c} />
                </div></td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    </section>`;
}

// OperatorQueue is the queue of the operator's channels, read again at each queue event.
function OperatorQueue() {
  const [list, setList] = useState(null);
  const [busy, setBusy] = useState(0);
  const offset = 0; // the queue's times are compared with this browser's clock
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const got = await request('GET', '/api/queue');
        if (live) setList(got);
      } catch (e) {
        if (live) notify(e.message, 'error');
      }
    };
    const off = onServerEvent((ev) => {
      if (ev.type === 'queue' || ev.type === 'reopened') load();
    });
    load();
    return () => {
      live = false;
      off();
    };
  }, []);
  async function take(c) {
    setBusy(c.id);
    try {
      const got = await request('POST', `/api/conversations/${c.id}/take`);
      onConversationEvent(got);
      navigate(href('discuss', String(c.id)));
    } catch (e) {
      notify(e.message, 'error');
    } finally {
      setBusy(0);
    }
  }
  const channels = useStore((s) => s.channels);
  const channelName = (id) => ((channels || []).find((ch) => ch.id === id) || { name: `#${id}` }).name;
  return html`<section class="card table-card" aria-labelledby="live-waiting" data-testid="live-waiting" style=${SECTION_STYLE}>
    <h2 id="live-waiting">Waiting</h2>
    ${list === null
      ? html`<${Spinner} />`
      : list.length === 0
        ? html`<p class="muted" data-testid="live-queue-empty">Nobody is waiting in your channels.</p>`
        : html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Visitor</th><th scope="col">Channel</th><th scope="col">Waiting</th><th scope="col">Actions</th></tr></thead>
            <tbody>${list.map(
              (c) => html`<tr key=${c.id} data-testid="live-queued" data-conversation-id=${c.id}>
                <td>${visitorName(c)}</td><td>${channelName(c.channel_id)}</td>
                <${WaitCell} iso=${c.queued_since} offset=${offset} testid="live-wait" />
                <td><button type="button" class="btn btn-primary btn-sm" disabled=${busy === c.id} onClick=${() => take(c)}
                  aria-label=${`Take the conversation with ${visitorName(c)}`} data-testid="live-take">Take</button></td>
              </tr>`,
            )}</tbody>
          </table></div>`}
  </section>`;
}

function SupervisorPage() {
  const { view, offset, error } = useLive();
  return html`<${Alert}>${error}<//>${view ? html`<${SupervisorView} view=${view} offset=${offset} />` : error ? null : html`<${Spinner} />`}`;
}

export function LivePage({ me }) {
  useTick();
  const supervisor = canSupervise(me);
  return html`<main class="page live-page" data-testid="live-page">
    <${PageHeader} title=${supervisor ? 'Live' : 'Queue'} />
    <p class="page-intro">${supervisor
      ? 'Every operator, the visitors waiting, and the conversations going on, as they change. Assign a waiting visitor to an operator, transfer a conversation, or open any to read it.'
      : 'Visitors waiting in the channels you joined, oldest first. Take one to answer it now.'}</p>
    ${supervisor ? html`<${SupervisorPage} />` : html`<${OperatorQueue} />`}
  </main>`;
}
