// What the console does: sign in and out, load and follow conversations, channels and
// languages, and apply the server's live events to the state. Components call these and
// read the state; nothing else talks to the API or the WebSocket.
import { api, onUnauthorized } from './api.js';
import { getState, setState, resetState, notify } from './store.js';
import { announce } from './store.js';
import { visitorName } from './util.js';
import { LiveConnection } from './ws.js';
import { loadWindows, openWindow, closeWindow } from './windows.js';
import { navigate } from './router.js';

const TYPING_SHOWN = 3000; // how long "NAME is typing…" stays after a typing event
const TYPING_EVERY = 2000; // the console sends at most one typing frame per conversation this often

const readSent = new Map(); // conversation id -> the seq last marked read
const typingSent = new Map(); // conversation id -> when the console last sent a typing frame
const typingTimers = new Map(); // conversation id -> the timer that hides "is typing…"
const expectLeave = new Set(); // channels the operator asked to leave: no removal notice for those

export const live = new LiveConnection({
  onEvent: handleEvent,
  onOpen: (reconnected) => refresh(reconnected),
  onStatus: (connection) => {
    if (getState().connection !== connection) setState({ connection });
  },
  // Before reopening, make sure the session is still valid: a 401 signs out. The
  // answer also brings a role changed meanwhile (the server closes the socket then),
  // and with it the menus of the new role.
  beforeReconnect: async () => {
    try {
      const me = await api.me();
      if (getState().me && me.role !== getState().me.role) setState({ me });
      return true;
    } catch (e) {
      return e.status !== 401;
    }
  },
  onSessionEnded: () => sessionEnded(),
});

const SESSION_ENDED = 'Your session has ended. Log in again.';

// sessionEnded shows the login page at once: the server ended the session (a logout
// elsewhere, a password change, an admin's revocation, a disabled or deleted account).
function sessionEnded() {
  if (getState().me) signedOut(SESSION_ENDED);
}

onUnauthorized(sessionEnded);

// Session.

export async function boot() {
  try {
    const me = await api.me();
    signedIn(me);
  } catch (e) {
    if (e.status === 401) setState({ authChecked: true, me: null, bootError: '' });
    else setState({ authChecked: true, bootError: e.message });
  }
}

export async function login(loginName, password) {
  const res = await api.login(loginName, password);
  signedIn(res.user);
  return res.user;
}

export async function logout() {
  try {
    await api.logout();
  } catch {
    // the session may already be gone: the console forgets it either way
  }
  signedOut();
}

function signedIn(me) {
  setState({ me, authChecked: true, bootError: '', windows: loadWindows(me.id) });
  live.start();
  loadConversations(false);
  loadChannels(false);
  loadLanguages();
}

function signedOut(message) {
  live.stop();
  readSent.clear();
  typingSent.clear();
  expectLeave.clear();
  for (const t of typingTimers.values()) clearTimeout(t);
  typingTimers.clear();
  loading.clear();
  channelTouched.clear();
  const { route, visible } = getState();
  resetState({ authChecked: true, route, visible });
  if (message) notify(message, 'info');
}

// refresh catches up after the live connection opens: everything that happened while it
// was closed is fetched again, so nothing is missed.
function refresh(reconnected) {
  tellListeners({ type: 'reopened' });
  loadConversations(reconnected);
  if (reconnected) {
    loadChannels(true);
    for (const id of Object.keys(getState().messages)) catchUp(Number(id));
  }
}

// Languages.

export async function loadLanguages() {
  try {
    const languages = await api.languages();
    setState({ languages });
    return languages;
  } catch (e) {
    if (e.status !== 401) notify(e.message, 'error');
    return null;
  }
}

export async function setLanguageEnabled(code, enabled) {
  const lang = await api.setLanguage(code, enabled);
  setState((s) => ({ languages: (s.languages || []).map((l) => (l.code === lang.code ? lang : l)) }));
  return lang;
}

export async function savePreferences(prefs) {
  const me = await api.savePreferences(prefs);
  setState({ me });
  return me;
}

// Channels.

function removalNotice(ch) {
  notify(`You were removed from ${ch.name} after a period of inactivity. Join it again to receive new conversations.`, 'warning');
}

// A channel changed by an event or an answer after a list was requested keeps that newer
// state when the (older) list arrives.
let channelEpoch = 0;
const channelTouched = new Map(); // channel id -> epoch of its last change

function upsertChannel(ch) {
  const s = getState();
  const prev = s.channels && s.channels.find((c) => c.id === ch.id);
  if (prev && prev.joined && !ch.joined && !expectLeave.has(ch.id)) removalNotice(ch);
  if (!ch.joined) expectLeave.delete(ch.id);
  channelTouched.set(ch.id, ++channelEpoch);
  setState((st) => {
    const list = st.channels || [];
    const exists = list.some((c) => c.id === ch.id);
    return { channels: exists ? list.map((c) => (c.id === ch.id ? ch : c)) : [...list, ch] };
  });
}

export async function loadChannels(detectRemovals) {
  const asked = channelEpoch;
  let fresh;
  try {
    fresh = await api.channels();
  } catch (e) {
    if (e.status !== 401 && e.status !== 0) notify(e.message, 'error');
    return null;
  }
  const prev = getState().channels;
  const channels = fresh.map((ch) => {
    const old = prev && prev.find((c) => c.id === ch.id);
    if (old && (channelTouched.get(ch.id) || 0) > asked) return old;
    if (detectRemovals && old && old.joined && !ch.joined && !expectLeave.has(ch.id)) removalNotice(ch);
    return ch;
  });
  setState({ channels });
  return channels;
}

// applyAnswer applies the channel a join or leave answered, unless a live event about it
// came meanwhile: that event is as new as the answer, or newer (such as a removal).
function applyAnswer(ch, asked) {
  if ((channelTouched.get(ch.id) || 0) > asked) return;
  upsertChannel(ch);
}

export async function joinChannel(id) {
  const asked = channelEpoch;
  applyAnswer(await api.join(id), asked);
}

export async function leaveChannel(id) {
  const asked = channelEpoch;
  expectLeave.add(id);
  try {
    applyAnswer(await api.leave(id), asked);
  } catch (e) {
    expectLeave.delete(id);
    throw e;
  }
}

export async function createChannel(body) {
  const ch = await api.createChannel(body);
  upsertChannel(ch);
  return ch;
}

export async function updateChannel(id, body) {
  const ch = await api.updateChannel(id, body);
  upsertChannel(ch);
  return ch;
}

// Conversations.

const seqOf = (c) => (c && c.last_message ? c.last_message.seq : 0);

export function displayedInDiscuss(id) {
  const { route } = getState();
  return route.page === 'discuss' && route.id === id;
}

export async function loadConversations(reconnected) {
  let list;
  try {
    list = await api.conversations();
  } catch (e) {
    if (e.status !== 401 && e.status !== 0) notify(e.message, 'error');
    return;
  }
  const before = getState();
  const hadList = before.conversationsLoaded;
  setState((s) => {
    const conversations = { ...s.conversations };
    for (const c of list) {
      const known = conversations[c.id];
      // An event newer than this answer has already told more: keep it.
      if (known && seqOf(c) < seqOf(known)) continue;
      // A read mark sent after this list was asked for is not in it yet.
      conversations[c.id] = (readSent.get(c.id) || 0) >= seqOf(c) ? { ...c, unread: 0 } : c;
    }
    return { conversations, conversationsLoaded: true };
  });
  const s = getState();
  if (reconnected && hadList) {
    // Conversations assigned while the connection was down open like new ones.
    for (const c of list) {
      if (!before.conversations[c.id] && c.status === 'active' && c.unread > 0 && !displayedInDiscuss(c.id)) {
        openWindow(c.id);
        announce(`New conversation with ${visitorName(c)}`);
      }
    }
  }
  // Windows restored from an earlier visit whose conversation is not in the list.
  for (const w of s.windows) if (!s.conversations[w.id]) fetchConversation(w.id, true);
}

async function fetchConversation(id, closeIfGone) {
  try {
    const c = await api.conversation(id);
    setState((s) => (seqOf(s.conversations[id]) > seqOf(c) ? null : { conversations: { ...s.conversations, [id]: c } }));
    return c;
  } catch (e) {
    if (closeIfGone && (e.status === 403 || e.status === 404)) closeWindow(id);
    return null;
  }
}

function mergeMessages(id, list, complete) {
  setState((s) => {
    const cur = s.messages[id];
    const bySeq = new Map(cur ? cur.list.map((m) => [m.seq, m]) : []);
    let added = false;
    for (const m of list) {
      if (!bySeq.has(m.seq)) {
        bySeq.set(m.seq, m);
        added = true;
      }
    }
    const wasComplete = !!(cur && cur.complete);
    if (cur && !added && (wasComplete || !complete)) return null;
    const merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    return { messages: { ...s.messages, [id]: { list: merged, complete: wasComplete || !!complete } } };
  });
}

// fetchAfter pages through the messages after seq with ?after=.
async function fetchAfter(id, after) {
  const out = [];
  for (;;) {
    const page = await api.messages(id, after);
    if (!page || page.length === 0) break;
    out.push(...page);
    after = page[page.length - 1].seq;
    const last = seqOf(getState().conversations[id]);
    if (last && after >= last) break;
  }
  return out;
}

const loading = new Map(); // conversation id -> promise of its history

// ensureHistory loads the whole history of a conversation once.
export function ensureHistory(id) {
  const m = getState().messages[id];
  if (m && m.complete) return Promise.resolve();
  if (loading.has(id)) return loading.get(id);
  const p = fetchAfter(id, 0)
    .then((list) => mergeMessages(id, list, true))
    .catch((e) => {
      if (e.status === 403 || e.status === 404) closeWindow(id);
      if (e.status !== 401) notify(e.message, 'error');
    })
    .finally(() => loading.delete(id));
  loading.set(id, p);
  return p;
}

function lastLoadedSeq(id) {
  const m = getState().messages[id];
  return m && m.list.length ? m.list[m.list.length - 1].seq : 0;
}

// caughtUpSeq is the seq up to which a window's list misses no message. Catching up from
// there, not from its last message, also fetches what was missed before a later message
// arrived (the answer to one's own send while the live connection was losing events).
function caughtUpSeq(id) {
  const m = getState().messages[id];
  let seq = 0;
  for (const x of m ? m.list : []) {
    if (x.seq !== seq + 1) break;
    seq = x.seq;
  }
  return seq;
}

export async function catchUp(id) {
  const m = getState().messages[id];
  if (!m || !m.complete) return ensureHistory(id);
  try {
    mergeMessages(id, await fetchAfter(id, caughtUpSeq(id)), false);
  } catch {
    // the next reconnection tries again
  }
}

// applyMessage records a message, from an event or from the answer to a send.
export function applyMessage(id, m) {
  const before = getState().messages[id];
  const gap = before && before.complete && before.list.length && m.seq > lastLoadedSeq(id) + 1;
  mergeMessages(id, [m], false);
  if (gap) catchUp(id);
  const conv = getState().conversations[id];
  if (!conv) return false;
  if (m.seq <= seqOf(conv)) return false;
  const fromOthers = m.author.kind !== 'operator';
  setState((s) => ({
    conversations: {
      ...s.conversations,
      [id]: { ...s.conversations[id], last_message: m, unread: s.conversations[id].unread + (fromOthers ? 1 : 0) },
    },
  }));
  return true;
}

function onMessageEvent(id, m) {
  if (m.author.kind === 'visitor') clearTyping(id);
  const known = !!getState().conversations[id];
  const isNew = applyMessage(id, m);
  if (m.author.kind !== 'visitor') return;
  if (!known) {
    fetchConversation(id, false).then((c) => {
      if (c && !displayedInDiscuss(id)) openWindow(id, { keepFold: true });
      if (c) alertOperator(id, visitorName(c), m.body);
    });
  } else if (isNew && !displayedInDiscuss(id)) {
    openWindow(id, { keepFold: true });
  }
  if (known && isNew) alertOperator(id, visitorName(getState().conversations[id]), m.body);
}

export function onConversationEvent(c) {
  const s = getState();
  const known = s.conversations[c.id];
  const mine = s.me && c.operator && c.operator.id === s.me.id;
  if (!mine && (!known || (known.operator && s.me && known.operator.id === s.me.id && handedOver(c)))) return;
  let next = c;
  if (known && seqOf(known) > seqOf(c)) next = { ...c, last_message: known.last_message, unread: known.unread };
  setState((st) => ({ conversations: { ...st.conversations, [c.id]: next } }));
  if (!known && mine && c.status === 'active') {
    if (!displayedInDiscuss(c.id)) openWindow(c.id);
    announce(`New conversation with ${visitorName(c)}`);
    alertOperator(c.id, `New conversation with ${visitorName(c)}`, c.last_message ? c.last_message.body : '');
  }
}

// alertOperator: a sound and a desktop notification, as the operator chose, while the tab
// is hidden (notify.js, loaded then).
function alertOperator(id, title, body) {
  const { me } = getState();
  if (document.visibilityState !== 'hidden' || !me || !(me.notify_sound || me.notify_desktop)) return;
  import('./notify.js').then((m) => m.alertOperator(me, id, title, body)).catch(() => {});
}

// handedOver drops a conversation given to someone else, unless a supervisor or an admin is looking at it.
function handedOver(c) {
  const { me, windows } = getState();
  notify(`${visitorName(c)} is now with ${c.operator ? c.operator.chat_name : 'the queue'}.`);
  if ((me.role === 'admin' || me.role === 'supervisor') && (displayedInDiscuss(c.id) || windows.some((w) => w.id === c.id))) return false;
  closeWindow(c.id);
  // Discuss leaves it too, rather than showing it read-only in its place.
  if (displayedInDiscuss(c.id)) navigate('#/discuss');
  setState((st) => {
    const conversations = { ...st.conversations };
    const messages = { ...st.messages };
    delete conversations[c.id];
    delete messages[c.id];
    return { conversations, messages };
  });
  return true;
}

// Typing.

function clearTyping(id) {
  clearTimeout(typingTimers.get(id));
  typingTimers.delete(id);
  setState((s) => {
    if (!s.typing[id]) return null;
    const typing = { ...s.typing };
    delete typing[id];
    return { typing };
  });
}

function onTypingEvent(id, name) {
  setState((s) => ({ typing: { ...s.typing, [id]: { name: name || '' } } }));
  clearTimeout(typingTimers.get(id));
  typingTimers.set(
    id,
    setTimeout(() => clearTyping(id), TYPING_SHOWN),
  );
}

export function sendTyping(id) {
  const now = Date.now();
  if (now - (typingSent.get(id) || 0) < TYPING_EVERY) return;
  if (live.send({ type: 'typing', conversation_id: id })) typingSent.set(id, now);
}

// Sending, reading, ending.

// newClientID is a random idempotency key (crypto.getRandomValues works on plain http too).
function newClientID() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// sendMessage sends with an idempotency key, and resends with the same key when the
// server could not be reached: the message is stored once however often it is resent.
export async function sendMessage(id, body) {
  const clientID = newClientID();
  let m;
  for (let attempt = 0; ; attempt++) {
    try {
      m = await sendOnce(id, body, clientID);
      break;
    } catch (err) {
      if (err.status !== 0 || attempt >= 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000 << attempt));
    }
  }
  typingSent.delete(id);
  applyMessage(id, m);
  return m;
}

// sendOnce sends on the live connection when it is open, and by HTTP when it is not or
// gave no answer; the client_id makes the second try safe.
async function sendOnce(id, body, clientID) {
  const viaSocket = live.sendMessage(id, body, clientID);
  if (viaSocket) {
    try {
      return await viaSocket;
    } catch (err) {
      if (err.status !== 0) throw err;
    }
  }
  return api.send(id, body, clientID);
}

// markRead tells the server the operator has read the conversation up to its last
// message; only when something is unread and the page is visible.
export function markRead(id) {
  const s = getState();
  const conv = s.conversations[id];
  if (!s.visible || !conv || conv.unread === 0) return;
  const seq = Math.max(seqOf(conv), lastLoadedSeq(id));
  if (!seq) return;
  setState((st) => ({ conversations: { ...st.conversations, [id]: { ...st.conversations[id], unread: 0 } } }));
  if ((readSent.get(id) || 0) >= seq) return;
  readSent.set(id, seq);
  api.read(id, seq).catch(() => readSent.delete(id));
}

export async function endConversation(id) {
  const c = await api.end(id);
  onConversationEvent(c); // the server marks its end notice read for the operator who ended
  return c;
}

// Live events.

// Pages loaded later (the live view) follow the server's events through onServerEvent;
// they are also told {type: 'reopened'} each time the live connection opens.
const serverListeners = new Set();

export function onServerEvent(fn) {
  serverListeners.add(fn);
  return () => serverListeners.delete(fn);
}

function tellListeners(ev) {
  for (const fn of [...serverListeners]) fn(ev);
}

function handleEvent(ev) {
  tellListeners(ev);
  switch (ev.type) {
    case 'message':
      if (ev.message) onMessageEvent(ev.conversation_id, ev.message);
      break;
    case 'conversation':
      if (ev.conversation) onConversationEvent(ev.conversation);
      break;
    case 'channel':
      if (ev.channel) upsertChannel(ev.channel);
      break;
    case 'typing':
      onTypingEvent(ev.conversation_id, ev.name);
      break;
    case 'error':
      notify((ev.error && ev.error.message) || 'The server refused a request.', 'error');
      break;
    case 'inbox': // a message was left or read: the Inbox's count and page read it again
      window.dispatchEvent(new Event('parley:inbox'));
      break;
    case 'page_view': // the visitor panel reads the visitor again
      setState((s) => ({ pageViews: { ...s.pageViews, [ev.conversation_id]: (s.pageViews[ev.conversation_id] || 0) + 1 } }));
      break;
    default:
  }
}

// The operator's own password: every other session of theirs ends, this one stays.
export async function changePassword(current, next) {
  await api.changePassword(current, next);
}

// Users (admin).

export async function loadUsers() {
  return api.users();
}

export async function createUser(body) {
  return api.createUser(body);
}

export async function loadUser(id) {
  return api.user(id);
}

// ownChange keeps the menu bar and My Profile in step when an admin edits their own user.
function ownChange(u) {
  const { me } = getState();
  if (me && u && u.id === me.id) setState({ me: u });
  return u;
}

export async function updateUser(id, fields) {
  return ownChange(await api.updateUser(id, fields));
}

export async function deleteUser(id) {
  await api.deleteUser(id);
}

export async function resetPassword(id, password) {
  await api.resetPassword(id, password);
}

export async function loadSessions(id) {
  return api.sessions(id);
}

export async function revokeSession(id, sessionID) {
  await api.revokeSession(id, sessionID);
}

export async function revokeSessions(id) {
  await api.revokeSessions(id);
}

document.addEventListener('visibilitychange', () => {
  setState({ visible: document.visibilityState !== 'hidden' });
});
