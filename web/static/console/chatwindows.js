// The chat windows in the bottom-right corner, on every page: one per open conversation,
// side by side from right to left, each foldable to its header, closable, and working
// like the Discuss pane.
import { html, useState, useEffect, useLayoutEffect } from '../vendor/preact-htm.js';
import { useStore } from './store.js';
import { closeWindow, toggleFold } from './windows.js';
import { href } from './router.js';
import { Thread, EndButton, TransferButton } from './components/thread.js';
import { Avatar, VisitorInfo } from './components/common.js';
import { IconClose, IconMinus, IconChevronUp, IconExpand, IconUser } from './icons.js';
import { cx, visitorName } from './util.js';
import { Verified } from './components/verified.js';

const WINDOW_WIDTH = 388; // CSS width plus the gap between windows

function fitting() {
  return Math.max(1, Math.floor((window.innerWidth - 16) / WINDOW_WIDTH));
}

// closeAndRefocus closes a window and gives the focus to the window that takes its place
// (the next one to its left, else the one to its right), or to the messages icon when it
// was the last one, rather than to the top of the page.
function closeAndRefocus(id) {
  const shown = [...document.querySelectorAll('[data-testid="chat-window"]')];
  const at = shown.findIndex((el) => el.dataset.conversationId === String(id));
  const next = shown[at + 1] || shown[at - 1];
  closeWindow(id);
  const target = next ? next.querySelector('[data-testid="chat-window-toggle"]') : document.querySelector('[data-testid="messages-button"]');
  if (target) target.focus();
}

function ChatWindow({ id, folded }) {
  const conv = useStore((s) => s.conversations[id]);
  const fw = useStore((s) => s.focusWindow);
  const focusKey = fw && fw.id === id ? fw.n : 0;
  const name = conv ? visitorName(conv) : `Conversation #${id}`;
  const unread = conv ? conv.unread : 0;
  const ended = conv && conv.status === 'ended';
  const [info, setInfo] = useState(false); // the visitor in place of the messages

  return html`<section class=${cx('chat-window', folded && 'folded', unread > 0 && 'has-unread', ended && 'ended')}
    aria-label=${`Chat with ${name}`} data-testid="chat-window" data-conversation-id=${id} data-folded=${folded ? 'true' : 'false'}>
    <header class="chat-window-header" data-testid="chat-window-header">
      <button type="button" class="chat-window-title" onClick=${() => toggleFold(id)} aria-expanded=${folded ? 'false' : 'true'}
        title=${folded ? 'Open' : 'Fold'} data-testid="chat-window-toggle">
        <${Avatar} name=${name} size=${26} className="avatar-on-dark" />
        <span class="chat-window-name">${name}</span>
        <${Verified} conv=${conv} dark=${true} />
        ${ended ? html`<span class="chat-window-status">Ended</span>` : null}
        ${unread > 0 ? html`<span class="count count-on-dark" data-testid="chat-window-unread" aria-label=${`${unread} unread`}>${unread}</span>` : null}
      </button>
      ${folded ? null : html`<${TransferButton} id=${id} conv=${conv} compact=${true} /><${EndButton} id=${id} conv=${conv} compact=${true} />`}
      ${folded
        ? null
        : html`<button type="button" class="header-icon" onClick=${() => setInfo(!info)} aria-pressed=${String(info)}
            aria-label="Visitor" title="Visitor" data-testid="chat-window-info"><${IconUser} /></button>`}
      <a class="header-icon" href=${href('discuss', String(id))} title="Open in Discuss" aria-label="Open in Discuss"
        data-testid="chat-window-expand"><${IconExpand} /></a>
      <button type="button" class="header-icon" onClick=${() => toggleFold(id)} aria-label=${folded ? 'Open' : 'Fold'}
        title=${folded ? 'Open' : 'Fold'} data-testid="chat-window-fold">${folded ? html`<${IconChevronUp} />` : html`<${IconMinus} />`}</button>
      <button type="button" class="header-icon" onClick=${() => closeAndRefocus(id)} aria-label="Close" title="Close"
        data-testid="chat-window-close"><${IconClose} /></button>
    </header>
    ${folded
      ? null
      : info
        ? html`<${VisitorInfo} id=${id} compact=${true} />`
        : html`<${Thread} id=${id} place="window" focusKey=${focusKey} compact=${true} />`}
  </section>`;
}

// ChatWindows shows the open windows that fit, rightmost first. Opening a conversation in
// Discuss leaves its window as it was: the operator closes or folds windows, not pages.
export function ChatWindows() {
  const windows = useStore((s) => s.windows);
  const [max, setMax] = useState(fitting());
  useEffect(() => {
    const onResize = () => setMax(fitting());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  const shown = windows.slice(0, max);
  // Pages may keep their content clear of the windows: --chat-windows-width is the width
  // the windows take along the bottom, --chat-windows-open-width the part that is tall.
  const lastOpen = shown.reduce((at, w, i) => (w.folded ? at : i + 1), 0);
  useLayoutEffect(() => {
    const root = document.documentElement.style;
    root.setProperty('--chat-windows-width', shown.length ? `${shown.length * WINDOW_WIDTH + 16}px` : '0px');
    root.setProperty('--chat-windows-open-width', lastOpen ? `${lastOpen * WINDOW_WIDTH + 16}px` : '0px');
  }, [shown.length, lastOpen]);

  if (!shown.length) return null;
  return html`<div class="chat-windows" data-testid="chat-windows">
    ${shown.map((w) => html`<${ChatWindow} key=${w.id} id=${w.id} folded=${w.folded} />`)}
  </div>`;
}
