// The console's live connection: one WebSocket to /api/ws (authenticated by the session
// cookie), reopened with a growing delay when it drops, and the operator's activity
// reported on it at most once a minute. Messages are sent on it too.
import { ApiError } from './api.js';

// SESSION_ENDED is the close status the server sends when the session behind the socket
// has ended (logout, password change, revoked, account disabled or deleted): reopening
// would only be refused, so the console goes to the login page instead.
export const SESSION_ENDED = 4001;

const MAX_DELAY = 15000;
const ANSWER_WAIT = 10000; // a send frame with no answer by then is given up (status 0)
const ACTIVITY_EVERY = 60000;
const ACTIVITY_EVENTS = ['keydown', 'mousemove', 'mousedown', 'touchstart', 'focus'];

export class LiveConnection {
  // onEvent(event) gets every server event; onOpen(reconnected) runs each time the socket
  // opens; onStatus(status) follows connecting/open/closed; beforeReconnect() may return
  // false (or a promise of it) to give up, e.g. when the session has expired;
  // onSessionEnded(reason) runs, instead of a reconnection, when the server closes the
  // socket because the session has ended.
  constructor({ onEvent, onOpen, onStatus, beforeReconnect, onSessionEnded }) {
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onStatus = onStatus;
    this.beforeReconnect = beforeReconnect || (() => true);
    this.onSessionEnded = onSessionEnded || (() => {});
    this.ws = null;
    this.timer = 0;
    this.attempt = 0;
    this.stopped = true;
    this.opened = false; // the socket has been open once: later openings are reconnections
    this.lastActivity = 0;
    this.activity = this.activity.bind(this);
    this.sends = new Map(); // client_id -> the send frame waiting for its answer
  }

  url() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.opened = false;
    this.attempt = 0;
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, this.activity, { capture: true, passive: true });
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, this.activity, { capture: true });
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'Logged out');
      this.giveUp(ws);
    }
    this.onStatus('closed');
  }

  connect() {
    if (this.stopped) return;
    this.onStatus('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      // The server counts the opening of a console as activity.
      this.lastActivity = Date.now();
      const reconnected = this.opened;
      this.opened = true;
      this.onStatus('open');
      this.onOpen(reconnected);
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      let ev;
      try {
        ev = JSON.parse(e.data);
      } catch {
        return;
      }
      this.answer(ev);
      this.onEvent(ev);
    };
    ws.onclose = (e) => {
      this.giveUp(ws);
      if (this.ws !== ws) return;
      this.ws = null;
      if (e.code === SESSION_ENDED) {
        this.stop();
        this.onSessionEnded(e.reason);
        return;
      }
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    // Spread by ±25%, so that the consoles a restart or a resync closed together do not
    // all come back in the same instant.
    const delay = Math.min(MAX_DELAY, 1000 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt++;
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      if (this.stopped) return;
      let go = true;
      try {
        go = await this.beforeReconnect();
      } catch {
        go = true;
      }
      if (go === false) return;
      this.connect();
    }, delay);
    this.onStatus('closed');
  }

  // send writes a frame; it reports whether the socket was open to take it.
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // sendMessage sends a message as a send frame. It returns null when the socket is not
  // open, else a promise of the stored message: the server answers with the message's
  // event, which carries the client_id, or with an error naming it (rejected with the
  // status the HTTP send would have answered). Status 0 means no answer came (socket
  // closed, or silent): the caller may resend, by HTTP, with the same client_id.
  sendMessage(conversationId, body, clientID) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(clientID, null, noAnswer()), ANSWER_WAIT);
      this.sends.set(clientID, { resolve, reject, timer, ws });
      try {
        ws.send(JSON.stringify({ type: 'send', conversation_id: conversationId, body, client_id: clientID }));
      } catch {
        this.settle(clientID, null, noAnswer());
      }
    });
  }

  // answer settles the send that an event answers, if any.
  answer(ev) {
    if (ev.type === 'message' && ev.message && ev.message.client_id) {
      this.settle(ev.message.client_id, ev.message, null);
    } else if (ev.type === 'error' && ev.client_id) {
      const e = ev.error || {};
      this.settle(ev.client_id, null, new ApiError(STATUS[e.code] || 500, e.code, e.message));
    }
  }

  settle(clientID, message, err) {
    const s = this.sends.get(clientID);
    if (!s) return;
    this.sends.delete(clientID);
    clearTimeout(s.timer);
    if (err) s.reject(err);
    else s.resolve(message);
  }

  // giveUp fails the sends still waiting on a socket that closed.
  giveUp(ws) {
    for (const [clientID, s] of this.sends) {
      if (s.ws === ws) this.settle(clientID, null, noAnswer());
    }
  }

  activity() {
    const now = Date.now();
    if (now - this.lastActivity < ACTIVITY_EVERY) return;
    if (this.send({ type: 'activity' })) this.lastActivity = now;
  }
}

// STATUS is the HTTP status of each error code, as the HTTP API answers it.
const STATUS = { EINVALID: 400, EUNAUTHORIZED: 401, EFORBIDDEN: 403, ENOTFOUND: 404, ECONFLICT: 409, ETOOLARGE: 413, ETOOMANY: 429 };

function noAnswer() {
  return new ApiError(0, 'ENETWORK', 'Parley cannot be reached. Check your connection and try again.');
}
