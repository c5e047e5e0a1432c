// One immutable state for the whole console, changed only through setState, and a hook
// that re-renders a component when the part of the state it reads changes.
import { useLayoutEffect, useRef, useState } from '../vendor/preact-htm.js';

export function initialState() {
  return {
    authChecked: false, // GET /api/me has answered
    bootError: '', // the server could not be reached at start
    me: null, // the signed-in user
    route: { page: 'discuss', id: 0, sub: '' },
    connection: 'closed', // the live connection: connecting, open, closed
    visible: document.visibilityState !== 'hidden',
    languages: null, // [{code, name, enabled}] once loaded
    channels: null, // [channel] once loaded
    conversations: {}, // id -> conversation as in GET /api/conversations
    conversationsLoaded: false,
    messages: {}, // id -> {list: [message sorted by seq], complete: whole history loaded}
    typing: {}, // conversation id -> {name, until}
    pageViews: {}, // conversation id -> the visitor's page views told since the console opened
    notes: {}, // conversation id -> [{n, after, text, kind}]: answers to commands, shown to this operator only
    windows: [], // open chat windows, rightmost first: [{id, folded}]
    focusWindow: null, // {id, n}: the chat window whose composer should take the focus
    notices: [], // [{id, kind, text}]
    announcement: null, // {n, text}: what the polite live region last said
    offers: [], // the conversations offered to this operator, with their deadlines (offers.js)
    offersAway: false, // set away for missed offers (offers.js)
  };
}

let state = initialState();
const listeners = new Set();

export function getState() {
  return state;
}

// setState merges a partial state (or the result of fn(state)) and tells the listeners.
export function setState(update) {
  const patch = typeof update === 'function' ? update(state) : update;
  if (!patch) return;
  state = { ...state, ...patch };
  for (const fn of [...listeners]) fn(state);
}

export function resetState(keep) {
  state = { ...initialState(), ...keep };
  for (const fn of [...listeners]) fn(state);
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// useStore returns selector(state) and re-renders the component when it changes.
export function useStore(selector) {
  const [, force] = useState(0);
  const sel = useRef(selector);
  sel.current = selector;
  const value = selector(state);
  const last = useRef(value);
  last.current = value;
  useLayoutEffect(() => {
    const check = (s) => {
      if (!Object.is(sel.current(s), last.current)) force((n) => n + 1);
    };
    const unsubscribe = subscribe(check);
    // The state may have changed between the render and the subscription.
    check(state);
    return unsubscribe;
  }, []);
  return value;
}

// announce has screen readers say text politely (after what they are reading). Each
// announcement is a new node, so that the same words said twice are heard twice.
let announceSeq = 0;

export function announce(text) {
  setState({ announcement: { n: ++announceSeq, text } });
}

// Notices: short messages at the top of every page. Errors and infos fade by themselves;
// warnings (such as a removal from a channel) stay until dismissed.
let noticeSeq = 0;

export function notify(text, kind = 'info', ttl) {
  const id = ++noticeSeq;
  setState((s) => ({ notices: [...s.notices.filter((n) => n.text !== text), { id, kind, text }] }));
  const life = ttl !== undefined ? ttl : kind === 'warning' ? 0 : 6000;
  if (life > 0) setTimeout(() => dismiss(id), life);
  return id;
}

export function dismiss(id) {
  setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}
