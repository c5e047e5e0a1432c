// One conversation as the operator chats in it, the same in the Discuss pane and in a chat
// window: the whole history, who is typing, the composer, and the End button.
import { html, useState, useRef, useEffect, useLayoutEffect } from '../../vendor/preact-htm.js';
import { useStore, notify } from '../store.js';
import { ensureHistory, markRead, sendMessage, sendTyping, endConversation } from '../actions.js';
import { IconSend, IconTransfer, IconClip } from '../icons.js';
import { Spinner } from './common.js';
import { RatingNote } from './rating.js';
import { cx, formatDay, formatTime, sameDay, visitorName } from '../util.js';
import { rescueFocus } from '../util.js';

const GROUP_WITHIN = 5 * 60 * 1000; // messages of one author this close share one header
const NO_NOTES = [];

// Canned responses' completion, loaded when a composer first sees a ":".
let Suggestions = null;

// Web and mail addresses become links to a new tab, as in the widget; the rest stays text.
const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

function linkify(text) {
  const out = [];
  let at = 0;
  for (const m of text.matchAll(LINK)) {
    out.push(text.slice(at, m.index), html`<a href=${m[0]} target="_blank" rel="noopener noreferrer">${m[0]}</a>`);
    at = m.index + m[0].length;
  }
  out.push(text.slice(at));
  return out;
}

// A file: raster images shown in place, anything else a download.
const Attachment = ({ a }) =>
  /^image\/(png|jpeg|gif|webp)$/.test(a.content_type)
    ? html`<a class="msg-file" href=${a.url} target="_blank"><img src=${a.url} alt=${a.name} data-testid="message-image" /></a>`
    : html`<a class="msg-file" href=${a.url} download data-testid="message-file">${a.name} (${Math.ceil(a.size / 1e3)} kB)</a>`;

function MessageList({ id, messages, notes, complete, compact, highlight }) {
  const me = useStore((s) => s.me);
  const list = useRef(null);
  const stick = useRef(true);
  const shown = useRef(0); // the highlighted message last scrolled to
  const count = messages.length + notes.length;

  const onScroll = () => {
    const el = list.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    // A message a search found is shown (a third of the way down), once it has loaded.
    if (highlight && shown.current !== highlight) {
      const found = el.querySelector(`[data-seq="${highlight}"]`);
      if (found) {
        shown.current = highlight;
        el.scrollTop += found.getBoundingClientRect().top - el.getBoundingClientRect().top - el.clientHeight / 3;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        return;
      }
      if (!complete) return;
    }
    const last = messages[messages.length - 1];
    if (stick.current || (last && last.author.kind === 'operator')) el.scrollTop = el.scrollHeight;
  }, [count, complete, highlight]);

  const items = [];
  let prev = null;
  // Notes (commands.js) follow the message they came after.
  let n = 0;
  const notesUpTo = (seq) => {
    for (let note; (note = notes[n]) && note.after <= seq; n++, prev = null) {
      items.push(html`<div class="note note-${note.kind}" key=${`n${note.n}`} role="note" data-testid="local-note" data-kind=${note.kind}>${note.text}</div>`);
    }
  };
  const author = (m) => `${m.author.kind} ${m.author.id} ${m.author.name}`;
  for (const m of messages) {
    notesUpTo(m.seq - 1);
    const at = new Date(m.created_at);
    if (!prev || !sameDay(new Date(prev.created_at), at)) {
      items.push(html`<div class="day-separator" key=${`day-${m.seq}`}><span>${formatDay(m.created_at)}</span></div>`);
      prev = null;
    }
    if (m.author.kind === 'system') {
      items.push(html`<div class=${cx('msg msg-system', m.seq === highlight && 'msg-found')} key=${m.seq} data-testid="message" data-seq=${m.seq} data-author-kind="system">
        <span class="msg-system-body" data-testid="message-body">${m.body}</span>
        <time datetime=${m.created_at}>${formatTime(m.created_at)}</time>
      </div>`);
    } else {
      const grouped = prev && author(prev) === author(m) && at - new Date(prev.created_at) < GROUP_WITHIN;
      // An operator's own messages need no name; a colleague's (before a transfer) do.
      const name = me && m.author.id === me.id ? '' : m.author.name || (m.author.kind === 'visitor' ? 'Visitor' : 'Operator');
      items.push(html`<div class=${cx('msg', `msg-${m.author.kind}`, grouped && 'msg-grouped', m.seq === highlight && 'msg-found')} key=${m.seq}
        data-testid="message" data-seq=${m.seq} data-author-kind=${m.author.kind} data-author-id=${m.author.id || undefined}>
        ${grouped
          ? null
          : html`<div class="msg-meta">${name ? html`<span class="msg-author" data-testid="message-author">${name}</span>` : null}<time datetime=${m.created_at}>${formatTime(m.created_at)}</time></div>`}
        <div class="msg-bubble" data-testid="message-body" title=${grouped ? formatTime(m.created_at) : undefined}>${m.attachment ? html`<${Attachment} a=${m.attachment} />` : null}${linkify(m.body || '')}</div>
      </div>`);
    }
    prev = m.author.kind === 'system' ? null : m;
  }
  notesUpTo(Infinity);

  return html`<div class=${cx('thread-messages', compact && 'compact')} ref=${list} onScroll=${onScroll}
    role="log" aria-live="polite" aria-label="Messages" tabindex="0" data-testid="message-list" data-conversation-id=${id}>
    ${!complete && count === 0 ? html`<${Spinner} label="Loading the conversation…" />` : items}
  </div>`;
}

// A line starting with one "/" is a command (commands.js), never sent.
const isCommand = (text) => /^\s*\/(?!\/)/.test(text);
const UNREACHABLE = 'Parley cannot be reached. Check your connection and try again.';

function Composer({ id, conv, place, focusKey }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const [suggest, setSuggest] = useState(() => Suggestions);
  const suggestKeys = useRef(null); // the suggestions' key handler while they show
  const [upload, setUpload] = useState('');
  const input = useRef(null);
  const picker = useRef(null);
  // Files picked, pasted or dropped: the code that sends them loads when first needed.
  const files = (e, list) => {
    if (!list || !list.length) return;
    e.preventDefault();
    list = [...list];
    import('../files.js').then((m) => m.sendFiles(id, list, setUpload, setError));
  };

  useEffect(() => {
    if (focusKey && input.current) input.current.focus();
  }, [focusKey]);

  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + 2, 140)}px`;
  }, [text]);

  async function send() {
    const body = text;
    if (!body.trim() || sending) return;
    setSending(true);
    setError('');
    setText('');
    try {
      if (isCommand(body)) await import('../commands.js').then((m) => m.runCommand(id, body), () => Promise.reject(new Error(UNREACHABLE)));
      else await sendMessage(id, body.trimStart().startsWith('//') ? body.replace('/', '') : body);
    } catch (e) {
      setText(body);
      setError(e.message);
    } finally {
      setSending(false);
      if (input.current) input.current.focus();
    }
  }

  const enterSent = useRef(false);

  function onKeyDown(e) {
    enterSent.current = false;
    if (suggestKeys.current && suggestKeys.current(e)) {
      enterSent.current = e.key === 'Enter';
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      enterSent.current = true;
      send();
    }
  }

  // Some input paths (synthesised keys, a few virtual keyboards) still insert the line
  // break of an Enter whose keydown was handled: drop it.
  function onBeforeInput(e) {
    if (enterSent.current && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph')) e.preventDefault();
    enterSent.current = false;
  }

  function onInput(e) {
    setText(e.currentTarget.value);
    if (!suggest && e.currentTarget.value.includes(':')) {
      import('../canned-suggest.js').then((m) => setSuggest(() => (Suggestions = m.Suggestions)), () => {});
    }
    if (e.currentTarget.value.trim() && !isCommand(e.currentTarget.value)) sendTyping(id);
  }

  const inputId = `composer-${place}-${id}`;
  return html`<form class="composer" novalidate onSubmit=${(e) => { e.preventDefault(); send(); }}
    onDragOver=${(e) => e.preventDefault()} onDrop=${(e) => files(e, e.dataTransfer.files)} onPaste=${(e) => files(e, e.clipboardData.files)}>
    <input type="file" hidden multiple ref=${picker} data-testid="composer-file" onChange=${(e) => { files(e, e.target.files); e.target.value = ''; }} />
    <button type="button" class="btn btn-icon" aria-label="Attach a file" title="Attach a file" disabled=${!!upload}
      onClick=${() => picker.current.click()} data-testid="composer-attach"><${IconClip} /></button>
    <label class="visually-hidden" for=${inputId}>Message to ${visitorName(conv)}</label>
    <textarea id=${inputId} ref=${input} rows="1" value=${text} onInput=${onInput} onKeyDown=${onKeyDown} onBeforeInput=${onBeforeInput}
      placeholder="Write a message…" title="Enter sends; Shift+Enter starts a new line" data-testid="composer-input"
      maxlength="4000"></textarea>
    <button type="submit" class="btn btn-primary btn-icon" disabled=${!text.trim() || sending} aria-label="Send"
      title="Send" data-testid="composer-send"><${IconSend} /></button>
    ${suggest ? html`<${suggest} input=${input} text=${text} setText=${setText} keys=${suggestKeys} id=${inputId} />` : null}
    ${upload ? html`<div class="composer-upload" role="status" data-testid="composer-upload">${upload}</div>` : null}
    ${error ? html`<div class="composer-error" role="alert" data-testid="composer-error">${error}</div>` : null}
  </form>`;
}

export function EndButton({ id, conv, compact }) {
  const [busy, setBusy] = useState(false);
  if (!conv || conv.status === 'ended') return null;
  // Ending cannot be undone: the operator confirms it first (confirm.js, loaded then; the
  // browser's confirm when it cannot be, as after an upgrade of Parley under an open console).
  async function end() {
    const name = visitorName(conv);
    try {
      const m = await import('./confirm.js').catch(() => null);
      if (!(await (m ? m.confirmEnd(name) : confirm(`End the conversation with ${name}?`)))) return;
      setBusy(true);
      await endConversation(id);
    } catch (e) {
      notify(e.message, 'error');
    } finally {
      setBusy(false);
    }
  }
  return html`<button type="button" class=${cx('btn', compact ? 'btn-header' : 'btn-secondary btn-sm')} onClick=${end}
    disabled=${busy} title="End this conversation" aria-label=${`End the conversation with ${visitorName(conv)}`}
    data-testid="end-button">End</button>`;
}

// TransferButton opens the transfer picker, whose code is loaded when first used.
export const TransferButton = ({ id, conv, compact }) =>
  conv && conv.status === 'active'
    ? html`<button type="button" class=${compact ? 'header-icon' : 'btn btn-secondary btn-sm'} title="Transfer"
        onClick=${() => import('../transfer.js').then((m) => m.openPicker(id), () => notify(UNREACHABLE, 'error'))}
        aria-label=${`Transfer the conversation with ${visitorName(conv)}`} aria-haspopup="dialog" data-testid="transfer-button"
        >${compact ? html`<${IconTransfer} />` : 'Transfer'}</button>`
    : null;

// Thread shows conversation id. autoRead marks new messages read as they come (the Discuss
// pane); otherwise they are read once the operator focuses or clicks the thread. The
// composer takes the focus each time focusKey changes to a new non-zero value. The
// message numbered highlight (a search's find) is marked and scrolled to.
export function Thread({ id, place, autoRead, focusKey, compact, highlight }) {
  const conv = useStore((s) => s.conversations[id]);
  const msgs = useStore((s) => s.messages[id]);
  const typing = useStore((s) => s.typing[id]);
  const notes = useStore((s) => s.notes[id]);
  const visible = useStore((s) => s.visible);
  const [focused, setFocused] = useState(false);
  const root = useRef(null);
  const endedNote = useRef(null);

  useEffect(() => {
    ensureHistory(id);
  }, [id]);

  const unread = conv ? conv.unread : 0;
  const lastSeq = conv && conv.last_message ? conv.last_message.seq : 0;
  useEffect(() => {
    if ((autoRead || focused) && visible && unread > 0) markRead(id);
  }, [autoRead, focused, visible, unread, lastSeq, id]);

  const onFocusOut = (e) => {
    if (!root.current || !root.current.contains(e.relatedTarget)) setFocused(false);
  };

  const messages = msgs ? msgs.list : [];
  const ended = !!(conv && conv.status === 'ended');

  // Ending removes the End button and the composer: whoever had the focus there (the
  // operator who pressed End, or was typing when the visitor left) goes on from the notice
  // that says the conversation has ended. An ended conversation shown afresh (restored
  // windows after a reload) takes no focus, unless it was opened to be worked in.
  const wasEnded = useRef(conv ? ended : null);
  useEffect(() => {
    if (ended && wasEnded.current === false) rescueFocus(() => endedNote.current);
    if (conv) wasEnded.current = ended;
  }, [ended, !!conv]);
  useEffect(() => {
    if (focusKey && ended) rescueFocus(() => endedNote.current);
  }, [focusKey]);
  const typingName = typing ? typing.name || (conv ? visitorName(conv) : 'The visitor') : '';
  return html`<section class=${cx('thread', compact && 'thread-compact')} ref=${root} data-testid="thread" data-conversation-id=${id}
    onFocusIn=${() => setFocused(true)} onFocusOut=${onFocusOut} onMouseDown=${() => markRead(id)}>
    <${MessageList} id=${id} messages=${messages} notes=${notes || NO_NOTES} complete=${!!(msgs && msgs.complete)} compact=${compact}
      highlight=${highlight} />
    <div class="typing" aria-live="polite" data-testid="typing-indicator">
      ${typingName ? html`<span class="typing-dots" aria-hidden="true"><i></i><i></i><i></i></span>${typingName} is typing…` : null}
    </div>
    ${!conv
      ? null
      : ended
        ? html`<div class="thread-ended" ref=${endedNote} tabindex="-1" data-testid="thread-ended">This conversation has ended.<${RatingNote} rating=${conv.rating} /></div>`
        : html`<${Composer} id=${id} conv=${conv} place=${place} focusKey=${focusKey} />`}
  </section>`;
}
