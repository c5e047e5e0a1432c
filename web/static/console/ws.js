// The console's live connection: one WebSocket to /api/ws (authenticated by the session
// cookie), reopened with a growing delay when it drops, and the operator's activity
// reported on it at most once a minute.

const MAX_DELAY = 15000;
const ACTIVITY_EVERY = 60000;
const ACTIVITY_EVENTS = ['keydown', 'mousemove', 'mousedown', 'touchstart', 'focus'];

export class LiveConnection {
  // onEvent(event) gets every server event; onOpen(reconnected) runs each time the socket
  // opens; onStatus(status) follows connecting/open/closed; beforeReconnect() may return
  // false (or a promise of it) to give up, e.g. when the session has expired.
  constructor({ onEvent, onOpen, onStatus, beforeReconnect }) {
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onStatus = onStatus;
    this.beforeReconnect = beforeReconnect || (() => true);
    this.ws = null;
    this.timer = 0;
    this.attempt = 0;
    this.stopped = true;
    this.opened = false; // the socket has been open once: later openings are reconnections
    this.lastActivity = 0;
    this.activity = this.activity.bind(this);
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
      this.onEvent(ev);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    const delay = Math.min(MAX_DELAY, 1000 * 2 ** this.attempt);
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

  activity() {
    const now = Date.now();
    if (now - this.lastActivity < ACTIVITY_EVERY) return;
    if (this.send({ type: 'activity' })) this.lastActivity = now;
  }
}
