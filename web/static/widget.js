/*
 * Parley website widget.
 *
 *   <script src="https://PARLEY/widget.js" data-channel="ID" async></script>
 *
 * A website whose visitors log in adds data-identity-token="JWT" (or calls
 * Parley.identify(JWT)): who the visitor is, signed with the channel's identity secret.
 *
 * A classic script with no dependency and no build step. It derives the Parley origin
 * from its own src, speaks only the public visitor API there (/livechat/*, cross-origin),
 * and renders everything inside the Shadow DOM of one element appended to <body>
 * (id "parley-widget"), so the host page's CSS cannot reach it. Text from the server is
 * always set with textContent (or text nodes), never parsed as HTML.
 */
(() => {
  'use strict';

  const HOST_ID = 'parley-widget';
  const STATUS_POLL_MS = 30000; // channel status re-check while the window is closed
  const TYPING_SEND_MS = 2000; // at most one typing frame per this interval
  const TYPING_SHOW_MS = 3000; // how long "NAME is typing…" stays after the last frame
  const ANSWER_WAIT_MS = 10000; // a send frame with no answer by then is sent again by HTTP
  // The HTTP status of each error code, as the HTTP API answers it.
  const ERROR_STATUS = { EINVALID: 400, EUNAUTHORIZED: 401, EFORBIDDEN: 403, ENOTFOUND: 404, ECONFLICT: 409, ETOOLARGE: 413, ETOOMANY: 429 };
  const MAX_BODY = 4000; // message bodies, in code points (API.md)
  const PAGE_SIZE = 1000; // messages per page of GET …/messages
  const FORGET_ENDED_MS = 60 * 60 * 1000; // an ended conversation older than this is not restored
  const QUEUE_POLL_MS = 15000; // re-read the place in line while queued (see watchQueue)
  const MAX_PAGES = 15; // page views kept until the first message (the server keeps as many)
  const PAGE_TITLE_WAIT_MS = 300; // a single-page site sets the title after it navigates

  const script = findScript();
  if (!script || document.getElementById(HOST_ID)) return;
  const channelId = (script.getAttribute('data-channel') || '').trim();
  if (!/^[1-9][0-9]*$/.test(channelId)) {
    console.warn('Parley widget: data-channel must be a channel id, got %o', channelId);
    return;
  }
  let origin;
  try {
    origin = new URL(script.src, location.href).origin;
  } catch (e) {
    return;
  }
  const API = origin + '/livechat';
  const STORE_KEY = 'parley:' + origin + ':' + channelId;

  function findScript() {
    const s = document.currentScript;
    if (s && s.getAttribute && s.getAttribute('data-channel')) return s;
    return document.querySelector('script[src$="widget.js"][data-channel]');
  }

  // ---------------------------------------------------------------- strings

  // The widget's own texts in English. GET /livechat/channels/{id} gives them in the
  // visitor's language (the server keeps the translations: web/widget-strings/), which
  // replace these; {n} and {name} are filled in by fmt.
  const T = {
    launcher: 'Chat with us',
    title: 'Chat',
    close: 'Close chat',
    history: 'Messages',
    placeholder: 'Type a message…',
    send: 'Send',
    end: 'End chat',
    powered: 'Powered by Parley',
    online: 'We are online',
    busy: 'All our operators are busy, we will answer soon',
    waiting: 'Waiting for an operator…',
    queue: 'You are number {n} in line',
    queueWait: 'You are number {n} in line, about {m} min',
    leaveInstead: 'Leave a message instead',
    keepPlace: 'Keep my place in line',
    joined: '{name} joined the chat.',
    typing: '{name} is typing…',
    youEnded: 'You ended the chat.',
    operatorEnded: 'The operator ended the chat.',
    ended: 'Chat ended',
    ratePrompt: 'How was this conversation?',
    good: 'Good',
    okay: 'Okay',
    bad: 'Bad',
    commentPlaceholder: 'Add a comment (optional)',
    rateSubmit: 'Send my rating',
    rateThanks: 'Thank you for your feedback!',
    newChat: 'Write a message below to start a new chat.',
    offlineTitle: 'Leave us a message',
    offlineIntro: 'Nobody is available right now. Leave a message and we will answer you by email.',
    name: 'Name',
    email: 'Email',
    message: 'Message',
    offlineSubmit: 'Send message',
    offlineThanks: 'Thank you! Your message has been sent. We will answer you by email.',
    unread1: '1 unread message',
    unread: '{n} unread messages',
    reconnecting: 'Connection lost. Reconnecting…',
    errSend: 'Your message could not be sent. Please try again.',
    errNetwork: 'No connection to the chat. Please try again.',
    errTooMany: 'Too many messages at once. Please wait a moment.',
    errTooLong: 'Your message is too long (4,000 characters at most).',
    errRequired: 'Please fill in every field.',
    errEmail: 'Please enter a valid email address.',
    errGeneric: 'Something went wrong. Please try again.',
    seen: 'Seen',
    attach: 'Send a file',
    errFileSize: 'This file is too large ({max} at most).',
    errFileType: 'This type of file cannot be sent.',
    transcript: 'Download transcript',
    emailTranscript: 'Email me the transcript',
    transcriptSent: 'The transcript is on its way.',
    restart: 'Start again',
  };

  // fmt fills the {key} placeholders of a text.
  const fmt = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));

  // localize takes the texts the server sent in the visitor's language, those it knows.
  function localize(strings) {
    for (const k in strings || {}) if (Object.hasOwn(T, k) && typeof strings[k] === 'string') T[k] = strings[k];
  }

  function browserLanguages() {
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    return Array.from(langs).filter((l) => typeof l === 'string' && l).slice(0, 32);
  }
  const LANGUAGES = browserLanguages();
  const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

  // The system notices the server writes in English, as the visitor should read them.
  const systemNotice = (body) =>
    body === 'Visitor left the conversation.' ? T.youEnded : body === 'The operator ended the conversation.' ? T.operatorEnded
      : body === 'Visitor left a message instead of waiting.' ? T.offlineThanks : body;

  // ---------------------------------------------------------------- storage

  function loadStored() {
    try {
      const v = JSON.parse(localStorage.getItem(STORE_KEY) || '{}');
      return v && typeof v === 'object' ? v : {};
    } catch (e) {
      return {};
    }
  }

  function save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify({
        token: state.token || undefined,
        conversation: state.conv ? state.conv.id : undefined,
        open: state.open || undefined,
        pages: !state.token && state.pages.length ? state.pages : undefined,
        idt: state.idt,
      }));
    } catch (e) {
      // Storage refused (private mode, sandbox): the chat still works for this page.
    }
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || 'HTTP ' + status);
      this.status = status;
      this.code = code || '';
    }
  }

  async function request(method, path, body, auth) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth) headers.Authorization = 'Bearer ' + state.token;
    let res;
    try {
      res = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'ENETWORK', '');
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      // an empty or non-JSON body
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      throw new ApiError(res.status, err.code, err.message);
    }
    return data;
  }

  function errorText(err, fallback) {
    if (!(err instanceof ApiError)) return fallback || T.errGeneric;
    if (err.status === 0) return T.errNetwork;
    if (err.status === 429) return T.errTooMany;
    if (err.status === 413) return T.errTooLong;
    return fallback || T.errGeneric;
  }

  // ---------------------------------------------------------------- state

  const stored = loadStored();
  const state = {
    channel: null, // GET /livechat/channels/{id}
    token: typeof stored.token === 'string' ? stored.token : '',
    idt: stored.idt, // the last identity token sent: each is used once
    conv: null, // the visitor's conversation, as GET /livechat/conversations/{id}
    lastSeq: 0,
    readSeq: 0, // how far the operator has read: "Seen" goes under the visitor's last message up to it
    sends: new Map(), // client_id -> a send frame waiting for its answer
    open: false,
    mode: 'chat', // 'chat' or 'offline' (leave a message)
    ws: null,
    wsRetry: 0,
    wsTimer: 0,
    connTimer: 0,
    lastTypingSent: 0,
    typingTimer: 0,
    unread: 0,
    chain: Promise.resolve(), // sends, one after the other
    pending: [], // visitor messages sent but not yet confirmed: {body, el}
    score: 0,
    pollTimer: 0,
    queueTimer: 0,
    pages: storedPages(stored), // page views not yet sent: the visitor has no token yet
    lastPage: '',
    bot: null, // the chatbot running (botRun)
  };

  const live = () => !!(state.conv && state.conv.status !== 'ended');
  const rule = () => state.channel && state.channel.rule && state.channel.rule.action;

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const k in props || {}) {
      const v = props[k];
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      else if (k === 'testid') el.setAttribute('data-testid', v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c != null && c !== false) el.append(c); // strings become text nodes
    }
    return el;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const FACE = 'M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z';
  const ICONS = {
    chat: ['M21 11.5a8.4 8.4 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7a8.4 8.4 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.4 8.4 0 0 1 3.8-.9h.5a8.5 8.5 0 0 1 8 8z'],
    mail: ['M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z', 'M22 6l-10 7L2 6'],
    close: ['M18 6L6 18', 'M6 6l12 12'],
    down: ['M6 9l6 6 6-6'],
    send: ['M22 2L11 13', 'M22 2l-7 20-4-9-9-4z'],
    clip: ['M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7'],
    good: [FACE, 'M8 14s1.5 2 4 2 4-2 4-2', 'M9 9h.01', 'M15 9h.01'],
    okay: [FACE, 'M8 15h8', 'M9 9h.01', 'M15 9h.01'],
    bad: [FACE, 'M16 16s-1.5-2-4-2-4 2-4 2', 'M9 9h.01', 'M15 9h.01'],
  };

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    for (const d of ICONS[name]) {
      const p = document.createElementNS(SVG_NS, 'path');
      p.setAttribute('d', d);
      svg.append(p);
    }
    return svg;
  }

  // fillText writes text into el, turning http(s) URLs into links. Only text nodes and
  // anchors whose href starts with http:// or https:// are made, never markup.
  function fillText(el, text) {
    const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
    let last = 0;
    for (const m of text.matchAll(re)) {
      el.append(text.slice(last, m.index));
      el.append(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
      last = m.index + m[0].length;
    }
    el.append(text.slice(last));
  }

  function timeOf(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    return d.toLocaleString(LANGUAGES[0] || 'en', { dateStyle: 'medium', timeStyle: 'short' });
  }

  const codePoints = (s) => Array.from(s).length;
  const validColor = (c, fallback) => (/^#[0-9a-f]{6}$/i.test(c || '') ? c : fallback);

  // Colours as [r, g, b] of 0..255, for the contrast rules of WCAG 2.
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const lum = (c) => c.map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const css = (c) => 'rgb(' + c + ')';
  const WHITE = [255, 255, 255];
  const BLACK = [0, 0, 0];

  // readable gives the channel's button and text colours, as an admin set them when the
  // text reads on the button (4.5:1); otherwise the button colour shaded by up to a
  // quarter until it does, or failing that black or white text, whichever reads better.
  function readable(bg, fg) {
    const to = lum(fg) > lum(bg) ? BLACK : WHITE;
    for (let i = 0; i <= 5; i++) {
      const b = bg.map((v, j) => Math.round(v + (to[j] - v) * i / 20));
      if (contrast(b, fg) >= 4.5) return [b, fg];
    }
    return [bg, contrast(bg, WHITE) >= contrast(bg, BLACK) ? WHITE : BLACK];
  }

  // ---------------------------------------------------------------- styles

  const CSS = `
:host { all: initial !important; }
.pw, .pw * { box-sizing: border-box; }
.pw {
  --pw-accent: #875A7B; --pw-on-accent: #FFFFFF; --pw-ring: var(--pw-accent);
  --pw-text: #1d1d21; --pw-muted: #6b6f7b; --pw-line: #e7e7ec; --pw-soft: #f5f5f8; --pw-grey: #ebebf0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 14px; line-height: 1.45; font-weight: 400; color: var(--pw-text);
  text-align: left; letter-spacing: normal; text-transform: none; direction: ltr;
  -webkit-font-smoothing: antialiased;
}
[hidden] { display: none !important; }
button, input, textarea { font: inherit; color: inherit; letter-spacing: inherit; margin: 0; }
button { cursor: pointer; }
svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; flex: none; display: block; }
a { color: inherit; text-decoration: underline; }
:focus { outline: none; }
:focus-visible { outline: 2px solid var(--pw-ring); outline-offset: 2px; }
::placeholder { color: var(--pw-muted); opacity: 1; }

.dock { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 12px; }
.launcher {
  position: relative; width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0;
  background: var(--pw-accent); color: var(--pw-on-accent); display: grid; place-items: center;
  box-shadow: 0 6px 20px rgba(15, 15, 30, .24), 0 2px 6px rgba(15, 15, 30, .12);
  transition: transform .15s ease, box-shadow .15s ease;
}
.launcher:hover { transform: scale(1.06); box-shadow: 0 8px 26px rgba(15, 15, 30, .28), 0 2px 6px rgba(15, 15, 30, .12); }
.launcher:focus-visible { outline-color: var(--pw-text); outline-offset: 3px; box-shadow: 0 0 0 3px #fff; }
.launcher svg { width: 28px; height: 28px; }
.badge {
  position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: #e5484d; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; text-align: center;
  box-shadow: 0 0 0 2px #fff;
}
.label {
  max-width: min(280px, calc(100vw - 112px)); border: 0; border-radius: 999px; padding: 10px 16px;
  background: #fff; color: var(--pw-text); font-weight: 600; font-size: 14px;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  box-shadow: 0 4px 18px rgba(15, 15, 30, .16), 0 1px 3px rgba(15, 15, 30, .1);
  animation: pw-pop .25s ease-out;
}
.label:hover { box-shadow: 0 6px 22px rgba(15, 15, 30, .2), 0 1px 3px rgba(15, 15, 30, .1); }

.window {
  position: fixed; right: 20px; bottom: 96px; z-index: 2147483001;
  width: 360px; height: 520px; max-width: calc(100vw - 40px); max-height: calc(100vh - 116px);
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 16px;
  box-shadow: 0 16px 48px rgba(15, 15, 30, .2), 0 2px 8px rgba(15, 15, 30, .08);
  transform-origin: bottom right; animation: pw-in .18s ease-out;
}
@keyframes pw-in { from { opacity: 0; transform: translateY(12px) scale(.97); } to { opacity: 1; transform: none; } }
@keyframes pw-pop { from { opacity: 0; transform: translateX(8px); } to { opacity: 1; transform: none; } }
@media (prefers-reduced-motion: reduce) { .window, .label { animation: none; } .launcher { transition: none; } }

.header { flex: none; display: flex; align-items: center; gap: 10px; padding: 14px 10px 14px 16px; background: var(--pw-accent); color: var(--pw-on-accent); }
.avatar {
  width: 38px; height: 38px; border-radius: 50%; display: grid; place-items: center; flex: none;
  background: color-mix(in srgb, currentColor 20%, transparent); font-weight: 700; font-size: 16px;
}
.avatar svg { width: 20px; height: 20px; }
.titles { flex: 1; min-width: 0; }
.title { font-weight: 650; font-size: 15.5px; line-height: 1.3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.subtitle { font-size: 12.5px; line-height: 1.35; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #3ddc84; margin-right: 6px; vertical-align: 1px; box-shadow: 0 0 0 2px color-mix(in srgb, currentColor 25%, transparent); }
.hbtn { flex: none; border: 0; background: transparent; color: inherit; border-radius: 999px; padding: 7px; display: grid; place-items: center; }
.hbtn:hover { background: color-mix(in srgb, currentColor 16%, transparent); }
.hbtn:focus-visible, .visitor a:focus-visible { outline-color: currentColor; }

.notice { flex: none; padding: 8px 14px; font-size: 12.5px; text-align: center; background: #fff7dc; color: #6a5000; border-bottom: 1px solid #f1e3b0; }
.notice.conn { background: #fdeceb; color: #8a1c12; border-bottom-color: #f5cfcb; }

.messages {
  flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain;
  display: flex; flex-direction: column; gap: 3px; padding: 16px 14px 10px; background: var(--pw-soft);
}
.messages:focus-visible { outline-offset: -2px; }
.row { display: flex; flex-direction: column; max-width: 82%; }
.row.group { margin-top: 10px; }
.row:first-child { margin-top: 0; }
.row.visitor { align-self: flex-end; align-items: flex-end; }
.row.operator { align-self: flex-start; align-items: flex-start; }
.author { font-size: 11.5px; font-weight: 600; color: var(--pw-muted); margin: 0 0 3px 12px; }
.bubble { padding: 8px 13px; border-radius: 18px; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 14px; line-height: 1.42; }
.visitor .bubble { background: var(--pw-accent); color: var(--pw-on-accent); border-bottom-right-radius: 6px; }
.operator .bubble { background: var(--pw-grey); color: var(--pw-text); border-bottom-left-radius: 6px; }
.row.pending .bubble { opacity: .6; }
.seen { font-size: 11.5px; color: var(--pw-muted); margin: 3px 6px 0; }
.system { align-self: center; max-width: 88%; margin: 10px 0; font-size: 12px; line-height: 1.4; color: var(--pw-muted); text-align: center; }

.typing { flex: none; min-height: 0; padding: 2px 16px 6px; background: var(--pw-soft); font-size: 12px; color: var(--pw-muted); font-style: italic; }
.error { flex: none; padding: 7px 14px; font-size: 12.5px; background: #fdeceb; color: #8a1c12; border-top: 1px solid #f5cfcb; }

.footer { flex: none; display: flex; align-items: center; gap: 12px; min-height: 26px; padding: 0 16px 8px; background: #fff; font-size: 11.5px; color: var(--pw-muted); }
.linkbtn { border: 0; background: transparent; padding: 2px 0; color: var(--pw-muted); font-size: 12px; font-weight: 600; text-decoration: underline; text-decoration-color: #c8cad2; text-underline-offset: 3px; }
.linkbtn:hover { color: var(--pw-text); text-decoration-color: currentColor; }
.powered { margin-left: auto; white-space: nowrap; }
.composer { flex: none; display: flex; align-items: flex-end; gap: 8px; padding: 10px 10px 10px 6px; border-top: 1px solid var(--pw-line); background: #fff; }
.input {
  flex: 1; min-width: 0; resize: none; border: 0; border-radius: 10px; background: transparent; color: var(--pw-text);
  font-size: 14px; line-height: 20px; height: 36px; max-height: 120px; padding: 8px 10px; overflow-y: auto;
}
.input:focus-visible { outline-offset: 0; }
.send { flex: none; width: 36px; height: 36px; border-radius: 50%; border: 0; padding: 0; display: grid; place-items: center; background: var(--pw-accent); color: var(--pw-on-accent); transition: opacity .15s; }
.send svg { width: 17px; height: 17px; margin-left: -2px; }
.send:disabled { opacity: .35; cursor: default; }
.attach { flex: none; width: 36px; height: 36px; border: 0; border-radius: 50%; padding: 0; display: grid; place-items: center; background: transparent; color: var(--pw-muted); }
.attach svg { width: 19px; height: 19px; }
.file { display: block; color: inherit; }
.upload { flex: none; width: 100%; height: 4px; }
.file img { display: block; max-width: 100%; max-height: 200px; border-radius: 8px; }

.card { align-self: stretch; margin: 12px 0 4px; padding: 14px; border: 1px solid var(--pw-line); border-radius: 14px; background: #fff; text-align: center; box-shadow: 0 1px 2px rgba(15, 15, 30, .04); }
.card-title { font-weight: 600; font-size: 14px; margin-bottom: 10px; }
.scores { display: flex; gap: 8px; }
.choices { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.choices button { padding: 6px 12px; border: 1px solid var(--pw-accent); border-radius: 16px; background: #fff; }
.score {
  flex: 1; display: flex; flex-direction: column; align-items: center; gap: 4px; padding: 10px 4px 8px;
  border: 1px solid var(--pw-line); border-radius: 10px; background: #fff; color: var(--pw-muted); font-size: 12.5px; font-weight: 600;
}
.score svg { width: 26px; height: 26px; stroke-width: 1.7; }
.score:hover { border-color: #c9c9d3; color: var(--pw-text); }
.score[aria-pressed="true"] { border-color: var(--pw-accent); color: var(--pw-text); background: color-mix(in srgb, var(--pw-accent) 9%, #fff); }
.score[aria-pressed="true"] svg { color: var(--pw-accent); }
.field {
  display: block; width: 100%; border: 1px solid #dcdce3; border-radius: 9px; padding: 9px 11px; background: #fff; color: var(--pw-text);
  font-size: 14px; font-weight: 400; line-height: 1.4;
}
.field:focus-visible { outline-offset: 1px; }
textarea.field { resize: vertical; min-height: 64px; }
.card .field { margin-top: 10px; }
.primary {
  display: block; width: 100%; margin-top: 10px; padding: 10px 12px; border: 0; border-radius: 9px;
  background: var(--pw-accent); color: var(--pw-on-accent); font-weight: 600; font-size: 14px;
}
.primary:disabled { opacity: .55; cursor: default; }
.hint { margin-top: 6px; font-size: 12.5px; color: var(--pw-muted); }
.card .error { margin: 10px -14px -14px; border-radius: 0 0 14px 14px; }

.offline { flex: 1; min-height: 0; overflow-y: auto; display: flex; flex-direction: column; gap: 12px; padding: 18px 16px; background: #fff; }
.offline p { margin: 0; color: var(--pw-muted); font-size: 13.5px; }
.offline label { display: flex; flex-direction: column; gap: 5px; font-size: 12.5px; font-weight: 600; color: var(--pw-text); }
.offline .error { margin: 0; border: 0; border-radius: 8px; }
.thanks { margin: auto 0; padding: 24px 8px; text-align: center; color: var(--pw-text); font-size: 14.5px; }
.thanks svg { width: 40px; height: 40px; margin: 0 auto 12px; color: var(--pw-accent); }

@media (max-width: 480px) {
  .window { inset: 0; width: auto; height: auto; max-width: none; max-height: none; border-radius: 0; }
  .pw.open .dock { display: none; }
}
`;

  // ---------------------------------------------------------------- view

  const ui = {};

  function build() {
    const host = (ui.host = h('div', { id: HOST_ID }));
    const shadow = (ui.shadow = host.attachShadow({ mode: 'open' }));
    // A constructed stylesheet is not an inline style, so a host page whose
    // Content-Security-Policy refuses inline styles still shows the widget right.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      shadow.append(h('style', { text: CSS }));
    }

    ui.launcherIcon = h('span', { class: 'launcher-icon' }, icon('chat'));
    ui.badge = h('span', { class: 'badge', testid: 'unread', hidden: true });
    ui.launcher = h('button', {
      type: 'button', class: 'launcher', testid: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'pw-window',
      onclick: () => (state.open ? closeWindow() : openWindow(true)),
    }, ui.launcherIcon, ui.badge);
    ui.label = h('button', { type: 'button', class: 'label', testid: 'launcher-label', tabindex: '-1', 'aria-hidden': 'true', onclick: () => openWindow(true) });
    ui.dock = h('div', { class: 'dock', hidden: true }, ui.label, ui.launcher);

    // header
    ui.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, icon('chat'));
    ui.title = h('div', { class: 'title', testid: 'title', text: T.title });
    ui.subtitle = h('div', { class: 'subtitle', testid: 'subtitle' });
    ui.close = h('button', { type: 'button', class: 'hbtn', testid: 'close', 'aria-label': T.close, title: T.close, onclick: () => closeWindow() }, icon('close'));
    const header = h('div', { class: 'header', testid: 'header' }, ui.avatar, h('div', { class: 'titles' }, ui.title, ui.subtitle), ui.close);

    // While queued: the place and estimated wait; past the channel's limit, a switch to
    // the leave-a-message form and back (the conversation keeps its place meanwhile).
    ui.place = h('span', { testid: 'queue-position' });
    ui.leave = h('button', { type: 'button', class: 'linkbtn', testid: 'leave-message', onclick: () => { state.mode = state.mode === 'chat' ? 'offline' : 'chat'; render(); } });
    ui.queue = h('div', { class: 'notice', role: 'status', hidden: true }, ui.place, ' ', ui.leave);
    ui.conn = h('div', { class: 'notice conn', testid: 'connection', role: 'status', text: T.reconnecting, hidden: true });

    // chat pane
    ui.welcome = h('div', { class: 'row operator', testid: 'welcome' }, h('div', { class: 'bubble' }));
    ui.messages = h('div', { class: 'messages', testid: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': T.history, tabindex: '0' }, ui.welcome);
    ui.typing = h('div', { class: 'typing', testid: 'typing', 'aria-live': 'polite', hidden: true });
    ui.error = h('div', { class: 'error', testid: 'error', role: 'alert', hidden: true });
    ui.input = h('textarea', {
      class: 'input', testid: 'input', rows: '1', placeholder: T.placeholder, 'aria-label': T.placeholder, maxlength: String(MAX_BODY * 2),
      onkeydown: onInputKey, onbeforeinput: onBeforeInput, oninput: onInput, onkeyup: () => { swallowBreak = false; },
    });
    ui.send = h('button', { type: 'submit', class: 'send', testid: 'send', 'aria-label': T.send, title: T.send, disabled: true }, icon('send'));
    // Files: picked with the paper clip, pasted, or dropped on the window, once a chat
    // has started (a file is sent into a conversation).
    ui.file = h('input', { type: 'file', hidden: true, multiple: true, testid: 'file', onchange: (e) => { filesFrom(e, ui.file); ui.file.value = ''; } });
    ui.attach = h('button', { type: 'button', class: 'attach', testid: 'attach', 'aria-label': T.attach, title: T.attach, onclick: () => ui.file.click() }, icon('clip'));
    ui.upload = h('progress', { class: 'upload', testid: 'upload', 'aria-label': T.attach, hidden: true });
    ui.composer = h('form', {
      class: 'composer', testid: 'composer', onsubmit: (e) => { e.preventDefault(); submitMessage(); },
      onpaste: (e) => filesFrom(e, e.clipboardData),
    }, ui.file, ui.attach, ui.input, ui.send);
    ui.end = h('button', { type: 'button', class: 'linkbtn', testid: 'end', text: T.end, hidden: true, onclick: endChat });
    ui.footer = h('div', { class: 'footer' }, ui.end, h('span', { class: 'powered', text: T.powered }));
    ui.chat = [ui.messages, ui.typing, ui.upload, ui.error, ui.composer];

    // leave-a-message pane
    ui.offName = h('input', { class: 'field', testid: 'offline-name', type: 'text', name: 'name', autocomplete: 'name', maxlength: '100', required: true });
    ui.offEmail = h('input', { class: 'field', testid: 'offline-email', type: 'email', name: 'email', autocomplete: 'email', maxlength: '254', required: true });
    ui.offBody = h('textarea', { class: 'field', testid: 'offline-message', name: 'message', rows: '4', required: true });
    ui.offError = h('div', { class: 'error', testid: 'offline-error', role: 'alert', hidden: true });
    ui.offSubmit = h('button', { type: 'submit', class: 'primary', testid: 'offline-submit', text: T.offlineSubmit });
    ui.offForm = h('form', { class: 'offline', testid: 'offline-form', novalidate: true, onsubmit: submitOffline },
      h('p', { text: T.offlineIntro }),
      h('label', null, T.name, ui.offName),
      h('label', null, T.email, ui.offEmail),
      h('label', null, T.message, ui.offBody),
      ui.offError, ui.offSubmit);
    ui.offThanks = h('div', { class: 'offline', testid: 'offline-thanks', role: 'status', hidden: true },
      h('div', { class: 'thanks' }, icon('mail'), h('div', { text: T.offlineThanks })));

    ui.window = h('div', {
      class: 'window', id: 'pw-window', testid: 'window', role: 'dialog', 'aria-label': T.title, hidden: true,
      onkeydown: onWindowKey, ondragover: (e) => e.preventDefault(), ondrop: (e) => filesFrom(e, e.dataTransfer),
    }, header, ui.queue, ui.conn, ...ui.chat, ui.offForm, ui.offThanks, ui.footer);

    // The language the widget's texts are in, for screen readers, whatever the page's.
    const lang = state.channel && state.channel.strings ? state.channel.language : 'en';
    ui.root = h('div', { class: 'pw', testid: 'root', lang, 'data-open': 'false', 'data-mode': 'chat', 'data-ws': 'closed' }, ui.window, ui.dock);
    shadow.append(ui.root);
    document.body.append(host);
    PHONE.addEventListener('change', modal);
  }

  // At phone widths the open window fills the screen: it is then a modal dialog, the
  // host page behind it inert, and Tab cycles through the window's controls.
  const PHONE = matchMedia('(max-width: 480px)');
  let inerted = [];

  function modal() {
    const on = state.open && PHONE.matches;
    ui.window.setAttribute('aria-modal', String(on));
    if (on && !inerted.length) {
      for (const el of document.body.children) {
        if (el !== ui.host && !el.inert) {
          el.inert = true;
          inerted.push(el);
        }
      }
    } else if (!on) {
      for (const el of inerted) el.inert = false;
      inerted = [];
    }
  }

  function onWindowKey(e) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closeWindow();
    } else if (e.key === 'Tab' && PHONE.matches) {
      const list = Array.from(ui.window.querySelectorAll('button, input, textarea, a[href], [tabindex="0"]')).filter((el) => !el.disabled && el.getClientRects().length);
      const at = ui.shadow.activeElement;
      const [first, last] = [list[0], list[list.length - 1]];
      if (at === (e.shiftKey ? first : last)) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    }
  }

  // rescueFocus puts the focus back in the window when the control that had it went
  // away: on the rating card when there is one to fill, else where the visitor writes.
  function rescueFocus() {
    const rate = ui.messages.querySelector('[data-testid=rate-good]');
    const target = rate || (state.mode === 'chat' ? ui.input : ui.offForm.hidden ? ui.close : ui.offName);
    target.focus({ preventScroll: !rate });
  }

  function setRootData() {
    ui.root.classList.toggle('open', state.open);
    ui.root.dataset.open = String(state.open);
    ui.root.dataset.mode = state.mode;
    ui.root.dataset.conversation = state.conv ? String(state.conv.id) : '';
    ui.root.dataset.status = state.conv ? state.conv.status : '';
    ui.root.dataset.ws = state.ws && state.ws.readyState === WebSocket.OPEN ? 'open' : 'closed';
  }

  // applyChannel shows the channel's texts and colours, and the launcher when the
  // channel can take a chat or a message.
  function applyChannel() {
    const ch = state.channel;
    if (ch) {
      const [accent, on] = readable(rgb(validColor(ch.button_color, '#875A7B')), rgb(validColor(ch.button_text_color, '#FFFFFF')));
      ui.root.style.setProperty('--pw-accent', css(accent));
      ui.root.style.setProperty('--pw-on-accent', css(on));
      // Focus rings on the window's light backgrounds take the accent when it shows
      // there (3:1 on the darkest of them, the operator's bubbles), else the text colour.
      ui.root.style.setProperty('--pw-ring', contrast(accent, [235, 235, 240]) >= 3 ? css(accent) : 'var(--pw-text)');
      const text = (ch.button_text || '').trim() || T.launcher;
      ui.label.textContent = text;
      ui.launcher.setAttribute('aria-label', text);
      ui.launcher.title = text;
      ui.title.textContent = ch.name || T.title;
      ui.window.setAttribute('aria-label', ch.name || T.title);
      const welcome = (state.invite || ch.welcome_message || '').trim();
      ui.welcome.hidden = !welcome;
      const bubble = ui.welcome.firstChild;
      bubble.textContent = '';
      fillText(bubble, welcome);
      // While the window is open the view changes only if the visitor has not started.
      const untouched = !state.conv && !state.pending.length && !ui.input.value && !ui.offBody.value && ui.offForm.dataset.sent !== 'true';
      if (!state.open || untouched) state.mode = live() || ch.online ? 'chat' : 'offline';
    }
    // The channel rule of the page (the server decides it): hide the button, unless a chat goes on.
    ui.dock.hidden = !(ch || live()) || (!live() && rule() === 'hide');
    render();
  }

  function render() {
    const had = ui.shadow.activeElement;
    // The leave-a-message form of a queued visitor closes when an operator takes them.
    if (state.conv && state.conv.status === 'active') state.mode = 'chat';
    const chat = state.mode === 'chat';
    for (const el of ui.chat) if (el !== ui.error && el !== ui.typing && el !== ui.upload) el.hidden = !chat;
    ui.attach.hidden = !live();
    if (!chat) {
      ui.error.hidden = true;
      ui.typing.hidden = true;
    }
    const sent = ui.offForm.dataset.sent === 'true';
    ui.offForm.hidden = chat || sent;
    ui.offThanks.hidden = chat || !sent;

    ui.window.hidden = !state.open;
    ui.launcher.setAttribute('aria-expanded', String(state.open));
    ui.launcherIcon.replaceChildren(icon(state.open ? 'down' : state.mode === 'offline' ? 'mail' : 'chat'));
    ui.label.hidden = state.open;
    ui.badge.hidden = state.open || state.unread === 0;
    ui.badge.textContent = String(state.unread);
    if (state.unread) ui.launcher.setAttribute('aria-description', state.unread === 1 ? T.unread1 : fmt(T.unread, { n: state.unread }));
    else ui.launcher.removeAttribute('aria-description');

    const c = state.conv;
    // Queued, the form shows only when the visitor chose it: the way back stays.
    const queued = c && c.status === 'queued';
    ui.queue.hidden = !queued;
    if (queued) {
      const n = c.queue_position, m = Math.round(c.estimated_wait / 60);
      ui.place.textContent = n > 0 ? fmt(m ? T.queueWait : T.queue, { n, m }) : T.waiting;
      ui.leave.hidden = chat && !c.offer_message;
      ui.leave.textContent = chat ? T.leaveInstead : T.keepPlace;
    }
    ui.end.hidden = !(chat && live());

    // header: the operator once assigned, otherwise what the visitor can expect
    const op = chat && c && c.status !== 'queued' && c.operator && c.operator.name;
    ui.subtitle.replaceChildren();
    if (op) {
      ui.avatar.replaceChildren(document.createTextNode(Array.from(op)[0].toUpperCase()));
      const ended = c.status === 'ended';
      if (!ended) ui.subtitle.append(h('span', { class: 'dot', 'aria-hidden': 'true' }));
      ui.subtitle.append(h('span', { testid: 'operator-name', text: op }));
      if (ended) ui.subtitle.append(' · ' + T.ended);
    } else {
      ui.avatar.replaceChildren(icon(chat ? 'chat' : 'mail'));
      let text = T.online;
      if (!chat) text = T.offlineTitle;
      else if (queued) text = T.waiting;
      else if (state.channel && state.channel.online && !state.channel.available && !live()) text = T.busy;
      ui.subtitle.textContent = text;
    }
    updateSend();
    setRootData();
    modal();
    if (had && state.open && !had.getClientRects().length) rescueFocus();
  }

  function updateSend() {
    ui.send.disabled = !ui.input.value.trim();
  }

  function autosize() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
  }

  function nearBottom() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  function scrollToBottom() {
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function showError(el, text) {
    el.textContent = text || '';
    el.hidden = !text;
  }

  // ---------------------------------------------------------------- messages

  function rowKey(el) {
    return el && el.dataset ? el.dataset.kind + '\u0000' + (el.dataset.author || '') : '';
  }

  function messageElement(m) {
    const kind = m.author && m.author.kind;
    if (kind === 'system') {
      return h('div', { class: 'system', testid: 'message', 'data-kind': 'system', 'data-seq': m.seq, title: timeOf(m.created_at) },
        systemNotice(m.body));
    }
    const k = kind === 'operator' || kind === 'bot' ? kind : 'visitor';
    const bubble = h('div', { class: 'bubble', testid: 'message-body', title: timeOf(m.created_at) });
    if (m.attachment) bubble.append(fileElement(m.attachment));
    fillText(bubble, m.body || '');
    const row = h('div', { class: 'row ' + (k === 'bot' ? 'operator' : k), testid: 'message', 'data-kind': k, 'data-seq': m.seq, 'data-author': (m.author && m.author.name) || '' }, bubble);
    return row;
  }

  // place inserts a message row in seq order (pending rows stay last) and sets its
  // grouping: an author label above the first of a run of operator messages.
  function place(el, seq) {
    let before = null;
    if (seq != null) {
      for (const other of ui.messages.children) {
        const s = other.dataset.seq;
        if (other.classList.contains('pending') || other.classList.contains('card') || (s && Number(s) > seq)) {
          before = other;
          break;
        }
      }
    } else {
      before = ui.messages.querySelector('.card');
    }
    ui.messages.insertBefore(el, before);
    regroup(el);
    if (el.nextElementSibling) regroup(el.nextElementSibling);
  }

  function regroup(el) {
    if (!el.classList.contains('row')) return;
    const prev = el.previousElementSibling;
    const first = !prev || !prev.classList.contains('row') || rowKey(prev) !== rowKey(el);
    el.classList.toggle('group', first);
    const label = el.querySelector('.author');
    const name = el.dataset.kind !== 'visitor' && first && el !== ui.welcome ? el.dataset.author : '';
    if (name && !label) el.prepend(h('div', { class: 'author', testid: 'author', text: name }));
    else if (!name && label) label.remove();
  }

  function addMessage(m, fromLive) {
    if (!m || !state.conv || (m.conversation_id && m.conversation_id !== state.conv.id)) return;
    if (ui.messages.querySelector('[data-seq="' + Number(m.seq) + '"]')) return; // seen already
    const stick = nearBottom();
    if (m.author && m.author.kind === 'visitor') {
      const i = state.pending.findIndex((p) => p.body === m.body);
      if (i >= 0) state.pending.splice(i, 1)[0].el.remove();
    }
    place(messageElement(m), Number(m.seq));
    // lastSeq is the seq up to which no message is missing, not the last one shown: the
    // answer to the visitor's own send may come past messages the socket lost, and the
    // catch-up after reconnecting must fetch those too.
    while (ui.messages.querySelector('[data-seq="' + (state.lastSeq + 1) + '"]')) state.lastSeq++;
    if (m.author && m.author.kind === 'operator') markSeen(m.seq);
    else if (Number(m.seq) <= state.readSeq) showSeenSoon();
    if (fromLive && m.author && m.author.kind === 'operator') {
      hideTyping();
      if (!state.open) {
        state.unread++;
        render();
      }
    }
    if (stick || (m.author && m.author.kind === 'visitor')) scrollToBottom();
  }

  // markSeen records how far the operator has read (a read event, the conversation read
  // again, or a message of theirs: whoever answers has read what came before).
  function markSeen(seq) {
    if (Number(seq) > state.readSeq) state.readSeq = Number(seq);
    showSeenSoon();
  }

  // showSeenSoon puts "Seen" under the visitor's last message the operator has read, once
  // for all the messages a page of history adds.
  let seenQueued = false;
  function showSeenSoon() {
    if (seenQueued) return;
    seenQueued = true;
    queueMicrotask(() => {
      seenQueued = false;
      let row = null;
      for (const el of ui.messages.querySelectorAll('.row.visitor[data-seq]')) {
        if (Number(el.dataset.seq) <= state.readSeq) row = el;
      }
      const old = ui.messages.querySelector('[data-testid=seen]');
      if (old && old.parentNode === row) return;
      const stick = nearBottom();
      if (old) old.remove();
      if (row) row.append(h('div', { class: 'seen', testid: 'seen', text: T.seen }));
      if (stick) scrollToBottom();
    });
  }

  // ---------------------------------------------------------------- files

  const size = (n) => (n < 1e6 ? Math.ceil(n / 1e3) + ' kB' : (n / 1e6).toFixed(1) + ' MB');

  // A file is fetched with the visitor token: an image shows in place from a data: URL
  // (host pages' Content-Security-Policy allow data: images more often than blob:), and
  // opens whole from a blob: URL; another file downloads from one, fetched on a click.
  function fileElement(a) {
    const link = h('a', { class: 'file', target: '_blank', testid: 'message-file', href: '#' });
    const load = (fn) => {
      a.blob = a.blob || fetch(origin + a.url, { headers: { Authorization: 'Bearer ' + state.token } })
        .then((res) => (res.ok ? res.blob() : Promise.reject(new ApiError(res.status))));
      a.blob.then((b) => {
        link.href = URL.createObjectURL(b);
        fn(b);
      }, (err) => showError(ui.error, errorText(err)));
    };
    if (/^image\/(png|jpeg|gif|webp)$/.test(a.content_type)) {
      const img = h('img', { alt: a.name, testid: 'message-image' });
      link.append(img);
      load((b) => {
        const r = new FileReader();
        r.onload = () => (img.src = r.result);
        r.readAsDataURL(b);
      });
    } else {
      link.download = a.name;
      link.textContent = a.name + ' (' + size(a.size) + ')';
      link.onclick = (e) => {
        if (link.href.startsWith('blob:')) return;
        e.preventDefault();
        load(() => link.click());
      };
    }
    return link;
  }

  function filesFrom(e, data) {
    if (data && data.files.length && live()) {
      e.preventDefault();
      for (const f of Array.from(data.files)) state.chain = state.chain.then(() => sendFile(f));
    }
  }

  // sendFile uploads a file to the conversation, its progress shown by a bar.
  async function sendFile(file) {
    const max = (state.channel.files || {}).max_size;
    showError(ui.error, '');
    if (file.size > max) return showError(ui.error, fmt(T.errFileSize, { max: size(max) }));
    const form = new FormData();
    form.append('client_id', newClientID());
    form.append('file', file, file.name || 'image.png');
    ui.upload.value = 0;
    ui.upload.hidden = false;
    try {
      addMessage(await new Promise((resolve, reject) => {
        const x = new XMLHttpRequest();
        x.open('POST', API + '/conversations/' + state.conv.id + '/files');
        x.setRequestHeader('Authorization', 'Bearer ' + state.token);
        x.upload.onprogress = (e) => (ui.upload.value = e.loaded / e.total);
        x.onload = () => {
          let d = {};
          try {
            d = JSON.parse(x.responseText);
          } catch (e) {
            // not JSON
          }
          if (x.status < 300) resolve(d);
          else reject(new ApiError(x.status, d.error && d.error.code));
        };
        x.onerror = () => reject(new ApiError(0));
        x.send(form);
      }), false);
    } catch (err) {
      showError(ui.error, err.status === 413 ? fmt(T.errFileSize, { max: size(max) }) : err.status === 415 ? T.errFileType : errorText(err));
    }
    ui.upload.hidden = true;
  }

  function addNotice(text) {
    place(h('div', { class: 'system', testid: 'notice', text }), null);
    scrollToBottom();
  }

  function addPending(body) {
    const el = h('div', { class: 'row visitor pending', 'data-kind': 'visitor', 'data-testid': 'message', 'data-pending': 'true' },
      h('div', { class: 'bubble', testid: 'message-body', text: body }));
    const p = { body, el };
    state.pending.push(p);
    ui.messages.insertBefore(el, ui.messages.querySelector('.card'));
    regroup(el);
    scrollToBottom();
    return p;
  }

  function dropPending(p) {
    const i = state.pending.indexOf(p);
    if (i >= 0) {
      state.pending.splice(i, 1);
      p.el.remove();
    }
  }

  // clearConversation forgets the conversation on screen (not the visitor token).
  function clearConversation() {
    for (const el of Array.from(ui.messages.children)) if (el !== ui.welcome) el.remove();
    state.pending = [];
    state.conv = null;
    state.bot = null;
    state.lastSeq = 0;
    state.readSeq = 0;
    state.score = 0;
    hideTyping();
    closeSocket();
    watchQueue();
  }

  async function fetchMessages() {
    const id = state.conv.id;
    let after = state.lastSeq;
    for (;;) {
      const list = await request('GET', '/conversations/' + id + '/messages?after=' + after, undefined, true);
      if (!state.conv || state.conv.id !== id) return;
      for (const m of list || []) addMessage(m, false);
      if (!list || list.length < PAGE_SIZE) return;
      after = Number(list[list.length - 1].seq);
    }
  }

  // ---------------------------------------------------------------- conversation

  const STATUS_RANK = { queued: 0, active: 1, ended: 2 };

  function setConversation(c, fromLive) {
    const prev = state.conv;
    if (prev && c.id !== prev.id) return;
    if (prev && prev !== c) {
      // A read that left before a pushed event may arrive after it. A conversation only
      // moves forward (queued, active, ended) and up the line, so an older state is stale;
      // only a pushed event may queue an active conversation again (a transfer).
      if ((STATUS_RANK[c.status] || 0) < (STATUS_RANK[prev.status] || 0) && !(fromLive && c.status === 'queued')) return;
      if (c.status === 'queued' && prev.status === 'queued' && prev.queue_position > 0 && c.queue_position > prev.queue_position) {
        c = Object.assign({}, c, { queue_position: prev.queue_position });
      }
    }
    state.conv = c;
    if (c.operator_read_seq) markSeen(c.operator_read_seq);
    if (fromLive && prev && prev.status === 'queued' && c.status === 'active' && c.operator && c.operator.name) {
      addNotice(fmt(T.joined, { name: c.operator.name }));
    }
    if (c.status === 'ended' && (!prev || prev.status !== 'ended')) onEnded();
    if (c.status !== 'ended') ensureSocket();
    watchQueue();
    save();
    render();
  }

  // watchQueue re-reads a queued conversation now and then: the server pushes the new
  // place and estimate whenever the line moves, but the time waited passing the
  // channel's limit moves nothing.
  function watchQueue() {
    if (!state.conv || state.conv.status !== 'queued') {
      clearTimeout(state.queueTimer);
      state.queueTimer = 0;
    } else if (!state.queueTimer) {
      state.queueTimer = setTimeout(() => {
        state.queueTimer = 0;
        if (state.conv && state.conv.status === 'queued') refreshConversation();
      }, QUEUE_POLL_MS);
    }
  }

  // onEnded catches up with the last messages (the "left" notice), closes the socket and
  // asks for a rating.
  function onEnded() {
    hideTyping();
    const c = state.conv;
    fetchMessages().catch(() => {}).finally(() => {
      if (state.conv && state.conv.id === c.id) closeSocket();
    });
    if (!c.rating) showRating();
    showTranscript();
  }

  // showTranscript offers the ended conversation's transcript: to save, and by email
  // when the server sends emails.
  function showTranscript() {
    if (ui.messages.querySelector('[data-testid=transcript]')) return;
    const id = state.conv.id;
    const path = '/conversations/' + id + '/transcript';
    const note = h('div', { class: 'hint', testid: 'transcript-note', role: 'status' });
    const email = h('input', { class: 'field', type: 'email', testid: 'transcript-email', autocomplete: 'email', 'aria-label': T.email, placeholder: T.email, maxlength: '254' });
    const download = async () => {
      note.textContent = '';
      try {
        const res = await fetch(API + path, { headers: { Authorization: 'Bearer ' + state.token } });
        if (!res.ok) throw new ApiError(res.status);
        const a = h('a', { href: URL.createObjectURL(await res.blob()), download: 'conversation-' + id + '.html' });
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      } catch (err) {
        note.textContent = errorText(err);
      }
    };
    const send = async (e) => {
      e.preventDefault();
      const v = email.value.trim();
      if (!EMAIL.test(v)) return (note.textContent = T.errEmail);
      try {
        await request('POST', path + '/email', { email: v }, true);
        note.textContent = T.transcriptSent;
      } catch (err) {
        note.textContent = errorText(err);
      }
    };
    ui.messages.append(h('div', { class: 'card', testid: 'transcript' },
      h('button', { type: 'button', class: 'primary', testid: 'transcript-download', text: T.transcript, onclick: download }),
      state.channel && state.channel.email && h('form', { novalidate: true, onsubmit: send }, email,
        h('button', { type: 'submit', class: 'primary', testid: 'transcript-send', text: T.emailTranscript })),
      note));
    if (state.open) scrollToBottom();
  }

  function showRating() {
    if (ui.messages.querySelector('[data-testid=rating]')) return;
    const stick = nearBottom();
    state.score = 0;
    const comment = h('textarea', { class: 'field', testid: 'rating-comment', rows: '2', placeholder: T.commentPlaceholder, 'aria-label': T.commentPlaceholder, maxlength: '1000', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary', testid: 'rating-submit', text: T.rateSubmit, hidden: true });
    const error = h('div', { class: 'error', testid: 'rating-error', role: 'alert', hidden: true });
    const buttons = [['good', 5], ['okay', 3], ['bad', 1]].map(([name, score]) =>
      h('button', {
        type: 'button', class: 'score', testid: 'rate-' + name, 'data-score': score, 'aria-pressed': 'false',
        onclick: (e) => {
          state.score = score;
          for (const b of buttons) b.setAttribute('aria-pressed', String(b === e.currentTarget));
          comment.hidden = false;
          submit.hidden = false;
          scrollToBottom();
        },
      }, icon(name), T[name]));
    const card = h('form', {
      class: 'card', testid: 'rating', onsubmit: async (e) => {
        e.preventDefault();
        if (!state.score || !state.conv) return;
        submit.disabled = true;
        showError(error, '');
        try {
          const c = await request('POST', '/conversations/' + state.conv.id + '/rating', { score: state.score, comment: comment.value.trim() }, true);
          if (state.conv && state.conv.id === c.id) state.conv = c;
          const thanks = h('div', { class: 'card-title', testid: 'rating-thanks', tabindex: '-1', text: T.rateThanks });
          card.replaceChildren(thanks, h('div', { class: 'hint', text: T.newChat }));
          scrollToBottom();
          thanks.focus();
          save();
        } catch (err) {
          submit.disabled = false;
          submit.focus();
          showError(error, errorText(err));
        }
      },
    }, h('div', { class: 'card-title', text: T.ratePrompt }), h('div', { class: 'scores', role: 'group', 'aria-label': T.ratePrompt }, buttons), comment, submit, error);
    ui.messages.append(card);
    if (stick || state.open) scrollToBottom();
  }

  // endChat leaves End enabled while it works: a disabled button would drop the focus,
  // which render moves to the rating card once End is hidden.
  async function endChat() {
    if (!live() || ui.end.getAttribute('aria-disabled')) return;
    ui.end.setAttribute('aria-disabled', 'true');
    try {
      const c = await request('POST', '/conversations/' + state.conv.id + '/end', undefined, true);
      setConversation(c, true);
    } catch (err) {
      if (err.status === 409) await refreshConversation();
      else showError(ui.error, errorText(err));
    } finally {
      ui.end.removeAttribute('aria-disabled');
    }
  }

  async function refreshConversation() {
    if (!state.conv) return;
    const id = state.conv.id;
    try {
      const c = await request('GET', '/conversations/' + id, undefined, true);
      await fetchMessages();
      if (state.conv && state.conv.id === id) setConversation(c, true);
    } catch (err) {
      if (err.status === 401 || err.status === 404) forget(err.status === 401);
    }
  }

  function forget(token) {
    clearConversation();
    if (token) state.token = '';
    save();
    render();
    botRun(); // a channel with a chatbot starts the next chat with it
  }

  // restore continues the conversation kept by this browser (reload, another page).
  async function restore(id) {
    try {
      const c = await request('GET', '/conversations/' + id, undefined, true);
      const endedAt = c.ended_at ? Date.parse(c.ended_at) : 0;
      if (c.status === 'ended' && (c.rating || Date.now() - endedAt > FORGET_ENDED_MS)) {
        forget(false);
        return;
      }
      clearConversation();
      state.conv = c;
      await fetchMessages();
      markSeen(c.operator_read_seq);
      if (c.status === 'ended' && !c.rating) showRating();
      if (c.status === 'ended') showTranscript();
      if (c.status !== 'ended') connectSocket();
      watchQueue();
      save();
      render();
    } catch (err) {
      if (err.status === 401 || err.status === 404) forget(err.status === 401);
    }
  }

  // ---------------------------------------------------------------- sending

  let swallowBreak = false; // the line break of an Enter that sent the message

  function onInputKey(e) {
    swallowBreak = false;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      swallowBreak = true;
      submitMessage();
    }
  }

  // Some synthetic keyboards deliver the Enter's character apart from its keydown, so a
  // prevented keydown may still insert a line break: drop that one.
  function onBeforeInput(e) {
    if (swallowBreak && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph')) e.preventDefault();
    swallowBreak = false;
  }

  function onInput() {
    autosize();
    updateSend();
    if (!ui.input.value.trim() || !live()) return;
    const ws = state.ws;
    const now = Date.now();
    if (ws && ws.readyState === WebSocket.OPEN && now - state.lastTypingSent >= TYPING_SEND_MS) {
      state.lastTypingSent = now;
      ws.send(JSON.stringify({ type: 'typing', conversation_id: state.conv.id }));
    }
  }

  function submitMessage() {
    const body = ui.input.value.trim();
    if (!body) return;
    if (codePoints(body) > MAX_BODY) {
      showError(ui.error, T.errTooLong);
      return;
    }
    const b = !state.conv && state.bot;
    if (b && !b.done) {
      // The chatbot waits for a pick, or for the answer to its question.
      const st = b.ask;
      if (st.kind !== 'question') return;
      if (st.answer === 'email' && !EMAIL.test(body)) return showError(ui.error, T.errEmail);
      showError(ui.error, '');
      ui.input.value = '';
      autosize();
      updateSend();
      return botAnswer(body);
    }
    if (b && b.end) return;
    showError(ui.error, '');
    if (state.conv && state.conv.status === 'ended') {
      clearConversation(); // a new chat
      // which starts with the chatbot, as the first did; what was typed stays in the box
      if (state.channel && state.channel.script) return botRun();
    }
    if (ui.shadow.activeElement === ui.send) ui.input.focus(); // the button is disabled next
    ui.input.value = '';
    autosize();
    updateSend();
    const p = addPending(body);
    state.chain = state.chain.then(() => deliver(body, p));
  }

  // newClientID is a random idempotency key (crypto.getRandomValues works on plain http too).
  function newClientID() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // withRetry resends when the server could not be reached (status 0): the same client_id
  // makes the server store the message once however often it arrives.
  async function withRetry(send) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (err.status !== 0 || attempt >= 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1000 << attempt));
      }
    }
  }

  async function deliver(body, p) {
    const clientID = newClientID();
    try {
      if (!state.conv) await withRetry(() => start(body, p, clientID));
      else await withRetry(() => post(body, p, clientID));
    } catch (err) {
      if (!state.conv && err.status === 409) {
        // The channel closed (business hours) since its status was read: the words go
        // to the leave-a-message form.
        dropPending(p);
        ui.offBody.value = body;
        state.channel.online = false;
        state.mode = 'offline';
        return render();
      }
      if (state.conv && (err.status === 409 || err.status === 404 || err.status === 401)) {
        // The conversation ended (or vanished) meanwhile: this message starts a new one.
        const ended = err.status === 409;
        if (ended) await refreshConversation();
        if (err.status === 401) state.token = '';
        if (!ended || (state.conv && state.conv.status === 'ended')) {
          clearConversation();
          if (state.channel && state.channel.script) {
            // A new chat starts with the chatbot; the words wait in the box.
            dropPending(p);
            ui.input.value = body;
            autosize();
            updateSend();
            return botRun();
          }
          const again = addPending(body);
          return deliver(body, again);
        }
      }
      dropPending(p);
      // The chatbot's script changed since it was read: it starts again with the new one.
      if (state.bot && err.status === 400) refreshChannel().then(botRun);
      if (!ui.input.value) {
        ui.input.value = body;
        autosize();
        updateSend();
      }
      showError(ui.error, errorText(err, T.errSend));
    }
  }

  async function start(body, p, clientID) {
    const req = { body, languages: LANGUAGES, page_url: location.href.slice(0, 2048), client_id: clientID };
    if (state.token) req.visitor_token = state.token;
    // With a token, the views went already; the oldest give way to keep under 64 KiB.
    let pages = state.token ? [] : state.pages;
    while (pages.length && JSON.stringify(pages).length > 30000) pages = pages.slice(1);
    req.pages = pages;
    const tz = timeZone();
    if (tz) req.timezone = tz;
    req.utc_offset_minutes = -new Date().getTimezoneOffset();
    const bot = state.bot;
    if (bot) req.script_answers = bot.answers;
    const res = await request('POST', '/channels/' + channelId + '/conversations', req);
    state.token = res.visitor_token;
    state.pages = [];
    state.conv = res.conversation;
    dropPending(p);
    botClear(); // the server's copy of the bot's exchange comes instead
    addMessage(res.message, false);
    setConversation(res.conversation, false);
    if (bot) await fetchMessages();
  }

  // ---------------------------------------------------------------- chatbot

  // The chatbot runs here, with no round trip per step; at its hand-over the chat starts
  // with the answers, which the server walks again to decide the channel.
  function botSay(text, el) {
    place(el || h('div', { class: 'row operator scripted', testid: 'bot', 'data-kind': 'bot', 'data-author': state.channel.name }, h('div', { class: 'bubble', text })), null);
    scrollToBottom();
  }

  function botStep(i) {
    const b = state.bot, st = state.channel.script.steps[i];
    botSay(st.text);
    b.ask = st;
    b.at = i;
    if (st.kind === 'message') return botNext(st);
    if (st.kind === 'choice') {
      const box = h('div', { class: 'choices scripted', testid: 'choices', role: 'group', 'aria-label': st.text });
      for (const c of st.choices) box.append(h('button', { type: 'button', testid: 'choice', text: c.label, onclick: () => { box.remove(); botAnswer(c.label, c); } }));
      botSay('', box);
    } else ui.input.focus();
  }

  function botAnswer(text, choice) {
    const b = state.bot;
    b.answers.push(choice ? { step: b.ask.id, choice: text } : { step: b.ask.id, text });
    botSay('', h('div', { class: 'row visitor scripted', testid: 'bot-answer', 'data-kind': 'visitor' }, h('div', { class: 'bubble', text })));
    botNext(choice || b.ask);
  }

  function botNext(r) {
    const b = state.bot, steps = state.channel.script.steps;
    const i = r.next ? steps.findIndex((s) => s.id === r.next) : b.at + 1;
    if (r.action === 'end') {
      b.done = b.end = 1;
      botSay(r.closing);
      botSay('', h('div', { class: 'choices scripted' }, h('button', { type: 'button', testid: 'restart', text: T.restart, onclick: botRun })));
    } else if (r.action === 'hand_over' || i >= steps.length) {
      b.done = 1;
      if (b.answers.length) state.chain = state.chain.then(() => deliver('', null));
    } else botStep(i);
  }

  function botClear() {
    for (const el of ui.messages.querySelectorAll('.scripted')) el.remove();
    state.bot = null;
  }

  function botRun() {
    botClear();
    const ch = state.channel;
    if (ch && ch.script && !state.conv && state.mode === 'chat') {
      state.bot = { answers: [] };
      botStep(0);
    }
  }

  // post sends on the WebSocket when it is open, and by HTTP when it is not or gave no
  // answer; the client_id makes the second try safe.
  async function post(body, p, clientID) {
    const id = state.conv.id;
    let m = null;
    const viaSocket = sendOverSocket(id, body, clientID);
    if (viaSocket) {
      try {
        m = await viaSocket;
      } catch (err) {
        if (err.status !== 0) throw err;
      }
    }
    if (!m) m = await request('POST', '/conversations/' + id + '/messages', { body, client_id: clientID }, true);
    dropPending(p);
    addMessage(m, false);
  }

  // sendOverSocket sends a message as a send frame: null when the socket is not open, else
  // a promise of the stored message. The server answers with the message's event (it
  // carries the client_id) or an error naming the client_id, rejected with the status
  // the HTTP send would have had; status 0 when no answer came.
  function sendOverSocket(id, body, clientID) {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settleSend(clientID, null, new ApiError(0, 'ENETWORK', '')), ANSWER_WAIT_MS);
      state.sends.set(clientID, { resolve, reject, timer, ws });
      try {
        ws.send(JSON.stringify({ type: 'send', conversation_id: id, body, client_id: clientID }));
      } catch (e) {
        settleSend(clientID, null, new ApiError(0, 'ENETWORK', ''));
      }
    });
  }

  function settleSend(clientID, message, err) {
    const s = state.sends.get(clientID);
    if (!s) return;
    state.sends.delete(clientID);
    clearTimeout(s.timer);
    if (err) s.reject(err);
    else s.resolve(message);
  }

  // answerSend settles the send that a WebSocket event answers, if any.
  function answerSend(ev) {
    if (ev.type === 'message' && ev.message && ev.message.client_id) {
      settleSend(ev.message.client_id, ev.message, null);
    } else if (ev.type === 'error' && ev.client_id) {
      const e = ev.error || {};
      settleSend(ev.client_id, null, new ApiError(ERROR_STATUS[e.code] || 500, e.code, e.message));
    }
  }

  // failSends gives up the sends still waiting on a socket that closed.
  function failSends(ws) {
    for (const [clientID, s] of state.sends) {
      if (s.ws === ws) settleSend(clientID, null, new ApiError(0, 'ENETWORK', ''));
    }
  }

  // ---------------------------------------------------------------- typing

  function showTyping(name) {
    ui.typing.textContent = fmt(T.typing, { name });
    ui.typing.hidden = state.mode !== 'chat';
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    ui.typing.hidden = true;
  }

  // ---------------------------------------------------------------- WebSocket

  // ensureSocket connects unless connected or a reconnection is already scheduled.
  function ensureSocket() {
    if (!state.ws && !state.wsTimer) connectSocket();
  }

  function connectSocket() {
    clearTimeout(state.wsTimer);
    state.wsTimer = 0;
    if (state.ws || !state.token || !live()) return;
    const url = origin.replace(/^http/, 'ws') + '/livechat/ws?token=' + encodeURIComponent(state.token);
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    let opened = false;
    ws.onopen = () => {
      if (state.ws !== ws) return;
      opened = true;
      state.wsRetry = 0;
      clearTimeout(state.connTimer);
      ui.conn.hidden = true;
      setRootData();
      resync();
    };
    ws.onmessage = (e) => {
      if (state.ws !== ws) return;
      let ev;
      try {
        ev = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (ev) answerSend(ev);
      onEvent(ev);
    };
    ws.onclose = () => {
      failSends(ws);
      if (state.ws !== ws) return;
      state.ws = null;
      setRootData();
      if (!live()) return;
      clearTimeout(state.connTimer);
      state.connTimer = setTimeout(() => {
        ui.conn.hidden = !!(state.ws && state.ws.readyState === WebSocket.OPEN) || !live();
      }, 2000);
      scheduleReconnect();
      // Refused before opening: the token or the conversation may be gone.
      if (!opened) refreshConversation();
    };
  }

  function scheduleReconnect() {
    clearTimeout(state.wsTimer);
    const delay = Math.min(30000, 1000 * 2 ** state.wsRetry) * (0.75 + Math.random() * 0.5);
    state.wsRetry = Math.min(state.wsRetry + 1, 10);
    state.wsTimer = setTimeout(connectSocket, delay); // connectSocket clears it
  }

  function closeSocket() {
    clearTimeout(state.wsTimer);
    state.wsTimer = 0;
    clearTimeout(state.connTimer);
    ui.conn.hidden = true;
    const ws = state.ws;
    state.ws = null;
    if (ws) {
      ws.close();
      failSends(ws);
    }
    if (ui.root) setRootData();
  }

  // resync catches up after (re)connecting: what was said and what changed meanwhile.
  async function resync() {
    if (!state.conv) return;
    const id = state.conv.id;
    try {
      await fetchMessages();
      const c = await request('GET', '/conversations/' + id, undefined, true);
      if (state.conv && state.conv.id === id) setConversation(c, true);
    } catch (err) {
      if (err.status === 401 || err.status === 404) forget(err.status === 401);
    }
  }

  function onEvent(ev) {
    const c = state.conv;
    if (!c || !ev) return;
    if (ev.type === 'message' && ev.conversation_id === c.id) addMessage(ev.message, true);
    else if (ev.type === 'conversation' && ev.conversation && ev.conversation.id === c.id) setConversation(ev.conversation, true);
    else if (ev.type === 'typing' && ev.conversation_id === c.id && ev.name) showTyping(ev.name);
    else if (ev.type === 'read' && ev.conversation_id === c.id) markSeen(ev.seq);
  }

  // ---------------------------------------------------------------- window

  function openWindow(focus) {
    if (!state.open) {
      state.open = true;
      state.unread = 0;
      if (!live() && state.channel) state.mode = state.channel.online ? 'chat' : 'offline';
      save();
      render();
      if (!state.bot) botRun();
      scrollToBottom();
      refreshChannel(); // the last check may be 30 s old
    }
    if (focus) {
      const target = state.mode === 'chat' ? ui.input : ui.offForm.hidden ? ui.close : ui.offName;
      target.focus({ preventScroll: true });
    }
  }

  function closeWindow() {
    if (!state.open) return;
    state.open = false;
    if (ui.offForm.dataset.sent === 'true') resetOffline();
    const inside = !!ui.shadow.activeElement;
    save();
    render();
    if (inside) ui.launcher.focus({ preventScroll: true });
    schedulePoll();
  }

  // ---------------------------------------------------------------- leave a message

  async function submitOffline(e) {
    e.preventDefault();
    const name = ui.offName.value.trim();
    const email = ui.offEmail.value.trim();
    const body = ui.offBody.value.trim();
    if (!name || !email || !body) return showError(ui.offError, T.errRequired);
    if (!EMAIL.test(email)) return showError(ui.offError, T.errEmail);
    if (codePoints(body) > MAX_BODY) return showError(ui.offError, T.errTooLong);
    showError(ui.offError, '');
    ui.offSubmit.disabled = true;
    try {
      const c = state.conv; // left instead of waiting in the queue: that conversation ends
      await request('POST', '/channels/' + channelId + '/offline-messages', { name, email, body, page_url: location.href.slice(0, 2048), languages: LANGUAGES, conversation_id: c && c.status === 'queued' ? c.id : undefined }, !!state.token);
      ui.offForm.dataset.sent = 'true';
      render();
      ui.close.focus({ preventScroll: true });
    } catch (err) {
      showError(ui.offError, errorText(err));
      ui.offSubmit.disabled = false;
      ui.offSubmit.focus(); // it lost the focus while disabled
    } finally {
      ui.offSubmit.disabled = false;
    }
  }

  function resetOffline() {
    ui.offForm.dataset.sent = 'false';
    ui.offBody.value = '';
  }

  // ---------------------------------------------------------------- page views

  // The operator sees the pages the visitor viewed. Without a token (before the first
  // message) the views wait in localStorage and go with that message.

  function storedPages(v) {
    return Array.isArray(v.pages) ? v.pages.slice(-MAX_PAGES) : [];
  }

  function webURL(u) {
    return /^https?:\/\//i.test(u) && u.length <= 2048 ? u : '';
  }

  // cleanTitle keeps of a title what the server takes: one line of visible text, 300 characters.
  function cleanTitle(t) {
    t = t.replace(/[\0-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, ' ').trim();
    return /[^\p{Z}\p{C}\p{M}\u2800\u3164\u115f\u1160\uffa0]/u.test(t) ? Array.from(t).slice(0, 300).join('').trim() : '';
  }

  function timeZone() {
    try {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return /^[\w+-]+(\/[\w+-]+)*$/.test(tz) && tz.length <= 64 ? tz : '';
    } catch (e) {
      return '';
    }
  }

  function recordPage(referrer) {
    const url = webURL(location.href);
    if (!url || url === state.lastPage) return;
    state.lastPage = url;
    const view = { url, title: cleanTitle(document.title), referrer: webURL(referrer) };
    if (state.token) {
      request('POST', '/page-views', view, true).catch(() => {});
      return;
    }
    view.viewed_at = new Date().toISOString();
    state.pages = storedPages(loadStored()).concat(view).slice(-MAX_PAGES); // other tabs' too
    save();
  }

  // Single-page sites change the address with history.pushState and the back button.
  function watchNavigation() {
    let timer = 0;
    const changed = () => {
      const from = state.lastPage;
      clearTimeout(timer);
      timer = setTimeout(() => recordPage(from), PAGE_TITLE_WAIT_MS);
    };
    const push = history.pushState;
    history.pushState = function () {
      const r = push.apply(this, arguments);
      changed();
      return r;
    };
    addEventListener('popstate', changed);
  }

  // ---------------------------------------------------------------- channel status

  // loadChannel reads the channel in the visitor's languages: its texts, and the
  // widget's own, in the language the server matches them to.
  async function loadChannel() {
    try {
      state.channel = await request('GET', '/channels/' + channelId + '?languages=' + encodeURIComponent(LANGUAGES.join(',')) + '&url=' + encodeURIComponent(location.href.slice(0, 2048)));
      localize(state.channel.strings);
    } catch (err) {
      if (err.status === 404 || err.status === 400) state.channel = null;
      // otherwise (network, 5xx) keep what we knew
    }
  }

  async function refreshChannel() {
    await loadChannel();
    applyChannel();
  }

  function schedulePoll() {
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(async () => {
      if (!state.open && document.visibilityState !== 'hidden') await refreshChannel();
      schedulePoll();
    }, STATUS_POLL_MS);
  }

  // ---------------------------------------------------------------- identity

  // identify sends the website's signed identity token once; the answer may hand this
  // browser the user's visitor from another device, and names their latest conversation.
  // A refused token leaves the visitor as they were.
  async function identify(t) {
    if (!t || t === state.idt) return 0;
    state.idt = t;
    try {
      const r = await request('POST', '/channels/' + channelId + '/identity', { token: t, visitor_token: state.token || undefined });
      if (r.visitor_token !== state.token) {
        clearConversation();
        state.token = r.visitor_token;
      }
      return r.conversation_id || 0;
    } catch (err) {
      console.warn('Parley widget: identity token refused: %s', err.message);
      return 0;
    } finally {
      save();
    }
  }

  // ---------------------------------------------------------------- start

  async function init() {
    // The widget is built in the visitor's language, which comes with the channel.
    await loadChannel();
    build();
    recordPage(document.referrer);
    watchNavigation();
    const convId = (await identify(script.getAttribute('data-identity-token'))) || Number(stored.conversation) || 0;
    const wasOpen = stored.open === true;
    if (state.token && convId) await restore(convId);
    applyChannel();
    if (wasOpen && !ui.dock.hidden) openWindow(false);
    schedulePoll();
    // "Open automatically": once a browser session, after the rule's delay, with its
    // invitation shown as from the team, when a chat can start and none goes on.
    if (rule() === 'auto_open') {
      setTimeout(() => {
        if (rule() !== 'auto_open' || state.open || live() || !state.channel.online) return;
        try {
          if (sessionStorage[STORE_KEY]) return;
          sessionStorage[STORE_KEY] = 1;
        } catch (e) {
          // no session storage: open anyway
        }
        state.invite = state.channel.rule.message;
        applyChannel();
        openWindow(false);
      }, state.channel.rule.delay * 1000);
    }

    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && live() && !state.ws) {
        state.wsRetry = 0;
        connectSocket();
      }
    });
    window.addEventListener('online', () => {
      if (live() && !state.ws) {
        state.wsRetry = 0;
        connectSocket();
      }
    });
    // Another tab of the same site started or continued a conversation: follow it.
    window.addEventListener('storage', (e) => {
      if (e.key !== STORE_KEY || !e.newValue) return;
      let v;
      try {
        v = JSON.parse(e.newValue);
      } catch (err) {
        return;
      }
      if (typeof v.token === 'string' && v.token && v.token !== state.token) state.token = v.token;
      const id = Number(v.conversation) || 0;
      if (id && (!state.conv || state.conv.id !== id) && state.pending.length === 0) restore(id);
    });
    ready();
  }

  let ready;
  const started = new Promise((r) => (ready = r));

  // A small page API, for links such as "Chat with us" on the host page.
  if (!window.Parley) {
    window.Parley = Object.freeze({
      open: () => {
        if (ui.dock && !ui.dock.hidden) openWindow(true);
      },
      close: () => closeWindow(),
      identify: (t) =>
        started.then(async () => {
          const id = await identify(t);
          if (id && (!state.conv || state.conv.id !== id)) await restore(id);
          render();
        }),
    });
  }

  if (document.body) init();
  else document.addEventListener('DOMContentLoaded', init, { once: true });
})();
