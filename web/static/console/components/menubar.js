// The menu bar on every page: the app, its pages, the messages icon with its drop-down of
// conversations, and the user's avatar menu (My Profile, Log out).
import { html, useState, useRef, useEffect, useMemo } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import { logout, markRead, displayedInDiscuss } from '../actions.js';
import { openWindow } from '../windows.js';
import { href } from '../router.js';
import { IconMessages, IconLogo, IconUser, IconLogout, IconInbox } from '../icons.js';
import { Avatar } from './common.js';
import { RatingBadge } from './rating.js';
import { Verified } from './verified.js';
import { cx, formatWhen, preview, sortConversations, visitorName } from '../util.js';
import { rescueFocus } from '../util.js';
import { request } from '../api.js';

// useDropdown closes a drop-down on a click outside it and on Escape. close() shuts it and,
// when the focus was inside, gives the focus back to its button; an item whose action puts
// the focus somewhere itself (a conversation, logging out) shuts it with setOpen(false).
// The decision is taken when the drop-down closes, not in an effect, which the browser may
// run frames later, after the focus has moved on.
function useDropdown() {
  const [open, setOpen] = useState(false);
  const root = useRef(null);
  const button = useRef(null);
  const close = () => {
    const inside = root.current && root.current.contains(document.activeElement);
    setOpen(false);
    if (inside) rescueFocus(() => button.current);
  };
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e) => {
      if (root.current && !root.current.contains(e.target)) setOpen(false);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') {
        setOpen(false);
        if (button.current) button.current.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  // Escape inside the drop-down closes it even before the effect above has run, when the
  // keyboard is quicker than the browser's next frame.
  const onKeyDown = (e) => {
    if (e.key === 'Escape' && open) {
      setOpen(false);
      if (button.current) button.current.focus();
    }
  };
  return { open, setOpen, close, root, button, onKeyDown };
}

function MessagesMenu() {
  const conversations = useStore((s) => s.conversations);
  const loaded = useStore((s) => s.conversationsLoaded);
  const dd = useDropdown();
  const list = useMemo(() => sortConversations(Object.values(conversations)), [conversations]);
  const unreadCount = list.filter((c) => c.unread > 0).length;

  function openConversation(id) {
    dd.setOpen(false);
    markRead(id);
    // In Discuss, the pane already shows that conversation: its message box takes the focus.
    if (!displayedInDiscuss(id)) openWindow(id, { folded: false, focus: true });
    else rescueFocus(() => document.querySelector('[data-testid="discuss-thread"] [data-testid="composer-input"], [data-testid="discuss-thread"] [data-testid="thread-ended"]'));
  }

  const label = unreadCount ? `Messages, ${unreadCount} unread conversation${unreadCount > 1 ? 's' : ''}` : 'Messages';
  return html`<div class="menu-dropdown" ref=${dd.root} onKeyDown=${dd.onKeyDown}>
    <button type="button" class="icon-button" ref=${dd.button} aria-label=${label} title="Messages"
      aria-haspopup="true" aria-expanded=${dd.open ? 'true' : 'false'} onClick=${() => dd.setOpen(!dd.open)}
      data-testid="messages-button">
      <${IconMessages} size=${22} />
      ${unreadCount ? html`<span class="badge" data-testid="messages-badge">${unreadCount}</span>` : null}
    </button>
    ${dd.open
      ? html`<div class="dropdown-panel messages-panel" data-testid="messages-dropdown">
          <div class="dropdown-title">Conversations</div>
          ${!loaded
            ? html`<div class="dropdown-empty">Loading…</div>`
            : list.length === 0
              ? html`<div class="dropdown-empty"><${IconInbox} size=${32} /><span>No conversations yet</span></div>`
              : html`<ul class="messages-list">
                  ${list.map(
                    (c) => html`<li key=${c.id}>
                      <button type="button" class=${cx('messages-item', c.unread > 0 && 'unread', c.status === 'ended' && 'ended')}
                        onClick=${() => openConversation(c.id)} data-testid="messages-item"
                        data-conversation-id=${c.id} data-unread=${c.unread}>
                        <${Avatar} name=${visitorName(c)} size=${36} />
                        <span class="messages-item-text">
                          <span class="messages-item-top">
                            <span class="messages-item-name">${visitorName(c)}</span>
                            <${Verified} conv=${c} />
                            <span class="messages-item-time">${formatWhen(c.last_message ? c.last_message.created_at : c.created_at)}</span>
                          </span>
                          <span class="messages-item-preview">${preview(c, 60)}</span>
                          <${RatingBadge} rating=${c.rating} />
                        </span>
                        ${c.unread > 0 ? html`<span class="count" aria-label=${`${c.unread} unread`}>${c.unread}</span>` : null}
                      </button>
                    </li>`,
                  )}
                </ul>`}
          <a class="dropdown-footer" href=${href('discuss')} onClick=${dd.close}>Open Discuss</a>
        </div>`
      : null}
  </div>`;
}

function UserMenu({ me }) {
  const dd = useDropdown();
  return html`<div class="menu-dropdown" ref=${dd.root} onKeyDown=${dd.onKeyDown}>
    <button type="button" class="user-button" ref=${dd.button} aria-haspopup="true" aria-expanded=${dd.open ? 'true' : 'false'}
      onClick=${() => dd.setOpen(!dd.open)} data-testid="user-menu-button" title=${me.name}>
      <${Avatar} name=${me.name} size=${30} />
      <span class="user-button-name">${me.name}</span>
    </button>
    ${dd.open
      ? html`<div class="dropdown-panel user-panel" data-testid="user-menu">
          <div class="user-panel-head">
            <div class="user-panel-name">${me.name}</div>
            <div class="user-panel-login">${me.login} · ${me.role === 'admin' ? 'Administrator' : me.role === 'supervisor' ? 'Supervisor' : 'Operator'}</div>
          </div>
          <a class="dropdown-item" href=${href('profile')} onClick=${dd.close} data-testid="menu-profile">
            <${IconUser} /> My Profile
          </a>
          <button type="button" class="dropdown-item" onClick=${() => { dd.setOpen(false); logout(); }} data-testid="menu-logout">
            <${IconLogout} /> Log out
          </button>
        </div>`
      : null}
  </div>`;
}

function Connection() {
  const connection = useStore((s) => s.connection);
  const label = connection === 'open' ? 'Connected' : connection === 'connecting' ? 'Connecting…' : 'Offline, reconnecting…';
  return html`<span class=${cx('connection', `connection-${connection}`)} data-testid="connection" data-state=${connection}
    role="status" title=${label}>
    <span class="connection-dot" aria-hidden="true"></span>
    <span class="connection-label">${label}</span>
  </span>`;
}

// InboxLink is the Inbox page's entry, with the count of left messages nobody opened:
// read at start, every minute, and whenever the Inbox page changes one.
function InboxLink({ current }) {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    const load = () => request('GET', '/api/inbox').then((st) => setUnread(st.unread), () => {});
    load();
    const t = setInterval(load, 60000);
    window.addEventListener('parley:inbox', load);
    return () => {
      clearInterval(t);
      window.removeEventListener('parley:inbox', load);
    };
  }, []);
  return html`<a href=${href('inbox')} class="nav-link" aria-current=${current ? 'page' : undefined} data-testid="nav-inbox">Inbox${unread
    ? html` <span class="nav-count" data-testid="inbox-badge"><span class="visually-hidden">, </span>${unread}<span class="visually-hidden"> unread</span></span>`
    : null}</a>`;
}

export function MenuBar({ me, route }) {
  const link = (page, label, testid, target) => html`<a href=${target || href(page)} class="nav-link"
    aria-current=${route.page === page ? 'page' : undefined} data-testid=${testid}>${label}</a>`;
  return html`<header class="menubar" data-testid="menubar">
    <a class="brand" href=${href('discuss')}><${IconLogo} /><span>Parley</span></a>
    <nav class="nav" aria-label="Main">
      ${link('discuss', 'Discuss', 'nav-discuss')}
      ${link('channels', 'Channels', 'nav-channels')}
      <${InboxLink} current=${route.page === 'inbox'} />
      ${me.role === 'admin' || me.role === 'supervisor' ? link('live', 'Live', 'nav-live') : link('live', 'Queue', 'nav-queue')}
      ${me.role === 'admin' || me.role === 'supervisor' ? link('reports', 'Reports', 'nav-reports') : null}
      ${me.role === 'admin' ? link('admin', 'Admin', 'nav-admin', href('admin', 'users')) : null}
    </nav>
    <div class="menubar-right">
      <${Connection} />
      <${MessagesMenu} />
      <${UserMenu} me=${me} />
    </div>
  </header>`;
}
