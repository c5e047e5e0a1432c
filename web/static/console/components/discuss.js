// Discuss: the LIVECHAT list of the operator's conversations on the left (unread ones in
// bold, ended ones faded below), the selected conversation in the main pane.
import { html, useMemo, useState } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import { href } from '../router.js';
import { Thread, EndButton, TransferButton } from './thread.js';
import { Avatar, Lazy, Spinner, VisitorInfo } from './common.js';
import { IconInbox } from '../icons.js';
import { RatingBadge } from './rating.js';
import { Verified } from './verified.js';
import { cx, formatWhen, languageName, preview, sortConversations, visitorName } from '../util.js';

// The search box and what it opens (search.js), loaded when Discuss first shows.
const loadSearch = () => import('./search.js');

function ConversationItem({ c, selected }) {
  const name = visitorName(c);
  return html`<li>
    <a href=${href('discuss', String(c.id))} class=${cx('livechat-item', c.unread > 0 && 'unread', c.status === 'ended' && 'ended', selected && 'selected')}
      aria-current=${selected ? 'page' : undefined} data-testid="livechat-item" data-conversation-id=${c.id}
      data-unread=${c.unread} data-status=${c.status}>
      <${Avatar} name=${name} size=${36} />
      <span class="livechat-item-text">
        <span class="livechat-item-top">
          <span class="livechat-item-name">${name}</span>
          <${Verified} conv=${c} />
          <span class="livechat-item-time">${formatWhen(c.last_message ? c.last_message.created_at : c.created_at)}</span>
        </span>
        <span class="livechat-item-bottom">
          <span class="livechat-item-preview">${preview(c, 70)}</span>
          <${RatingBadge} rating=${c.rating} />
          ${c.unread > 0
            ? html`<span class="count" data-testid="livechat-unread" aria-label=${`${c.unread} unread`}>${c.unread}</span>`
            : null}
        </span>
      </span>
    </a>
  </li>`;
}

function ConversationHeader({ c, panel, togglePanel }) {
  const channels = useStore((s) => s.channels);
  const languages = useStore((s) => s.languages);
  const channel = (channels || []).find((ch) => ch.id === c.channel_id);
  const details = [channel ? channel.name : null, c.language ? languageName(languages, c.language) : null].filter(Boolean);
  return html`<div class="discuss-header">
    <a class="back-link" href=${href('discuss')} aria-label="Back to the conversations">‹</a>
    <${Avatar} name=${visitorName(c)} size=${40} />
    <div class="discuss-header-text">
      <h1 data-testid="discuss-title">${visitorName(c)}</h1>
      <div class="discuss-header-details">
        ${details.join(' · ')}
        ${c.page_url ? html`${details.length ? ' · ' : ''}<span class="page-url" title=${c.page_url}>${c.page_url}</span>` : null}
      </div>
    </div>
    <${Verified} conv=${c} />
    <span class=${cx('status-pill', `status-${c.status}`)}>${c.status === 'ended' ? 'Ended' : c.status === 'queued' ? 'Queued' : 'Active'}</span>
    <${RatingBadge} rating=${c.rating} />
    <button type="button" class="btn btn-secondary btn-sm" onClick=${togglePanel} aria-pressed=${String(panel)}
      data-testid="visitor-toggle">Visitor</button>
    <a class="btn btn-secondary btn-sm" href=${`/api/conversations/${c.id}/transcript?format=html`} download
      title="Download the transcript (HTML)" aria-label=${`Download the transcript of the conversation with ${visitorName(c)}`}
      data-testid="transcript-download">Transcript</a>
    <${TransferButton} id=${c.id} conv=${c} />
    <${EndButton} id=${c.id} conv=${c} />
  </div>`;
}

// A conversation that is not the user's opens read-only (components/readonly.js).
const loadReadOnly = () => import('./readonly.js');

export function DiscussPage({ route }) {
  const me = useStore((s) => s.me);
  const conversations = useStore((s) => s.conversations);
  const loaded = useStore((s) => s.conversationsLoaded);
  const list = useMemo(() => sortConversations(Object.values(conversations)), [conversations]);
  const live = list.filter((c) => c.status !== 'ended');
  const ended = list.filter((c) => c.status === 'ended');
  const unreadTotal = list.filter((c) => c.unread > 0).length;
  const selected = route.id ? conversations[route.id] : null;
  const [panel, setPanel] = useState(true); // the visitor beside the thread
  const togglePanel = () => setPanel(!panel);

  return html`<main class=${cx('discuss', route.id && 'has-selection')} data-testid="discuss-page">
    <aside class="discuss-sidebar" aria-labelledby="livechat-heading">
      <${Lazy} load=${loadSearch} name="SearchBox" route=${route} />
      <h2 class="sidebar-heading" id="livechat-heading" data-testid="livechat-heading">
        LIVECHAT ${unreadTotal ? html`<span class="count count-muted">${unreadTotal}</span>` : null}
      </h2>
      ${!loaded
        ? html`<${Spinner} />`
        : list.length === 0
          ? html`<p class="sidebar-empty">No conversations yet. New ones appear here, and in a chat window, as soon as a visitor writes.</p>`
          : html`<ul class="livechat-list" data-testid="livechat-list">
              ${live.map((c) => html`<${ConversationItem} key=${c.id} c=${c} selected=${c.id === route.id} />`)}
              ${ended.length && live.length ? html`<li class="sidebar-divider" aria-hidden="true">Ended</li>` : null}
              ${ended.map((c) => html`<${ConversationItem} key=${c.id} c=${c} selected=${c.id === route.id} />`)}
            </ul>`}
    </aside>
    <section class=${cx('discuss-main', !selected && 'discuss-main-empty')} aria-label="Conversation">
      ${selected
        ? html`<div class="discuss-thread" data-testid="discuss-thread" data-conversation-id=${selected.id}>
            <${ConversationHeader} c=${selected} panel=${panel} togglePanel=${togglePanel} />
            <${Thread} key=${selected.id} id=${selected.id} place="pane" autoRead=${true} focusKey=${selected.id} highlight=${route.seq} />
            ${panel ? html`<${VisitorInfo} id=${selected.id} />` : null}
          </div>`
        : route.id && !loaded
          ? html`<${Spinner} />`
          : route.id
            ? html`<${Lazy} load=${loadReadOnly} name="ReadOnlyConversation" key=${route.id} id=${route.id} seq=${route.seq} />`
            : html`<div class="empty-state">
              <${IconInbox} size=${48} />
              <h2>Select a conversation</h2>
              <p>Your live chat conversations are listed on the left, newest first. Unread ones are in bold.</p>
            </div>`}
    </section>
  </main>`;
}
