// The conversation Discuss shows when it is not in the user's list: a supervisor's look at
// anyone's (opened from the Live page), or one a search found (another operator's, or one
// of long ago), read-only, at the message found when there is one. Messages and changes
// follow as the live events tell them (supervisors and admins get them). Loaded with
// import() when first needed.
import { html, useEffect, useMemo, useState } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { getState, setState, useStore } from '../store.js';
import { catchUp, onServerEvent } from '../actions.js';
import { href } from '../router.js';
import { Thread } from './thread.js';
import { Alert, Avatar, Lazy, Spinner } from './common.js';
import { cx, languageName, visitorName } from '../util.js';

const loadRouting = () => import('./routing.js');
const canSupervise = (me) => !!me && (me.role === 'admin' || me.role === 'supervisor');

export function ReadOnlyConversation({ id, seq }) {
  const me = useStore((s) => s.me);
  const channels = useStore((s) => s.channels);
  const languages = useStore((s) => s.languages);
  const [conv, setConv] = useState(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    setConv(null);
    setError('');
    const load = () =>
      request('GET', `/api/conversations/${id}`).then(
        (c) => {
          if (!live) return;
          // One of the user's own that the list lacks: Discuss then shows it as theirs.
          if (c.operator && me && c.operator.id === me.id && !getState().conversations[id]) {
            setState((s) => ({ conversations: { ...s.conversations, [id]: c } }));
            return;
          }
          setConv(c);
        },
        (e) => live && setError(e.status === 403 ? 'This conversation is not yours to read.' : e.message),
      );
    const off = onServerEvent((ev) => {
      if (ev.type === 'live_message' && ev.conversation_id === id) catchUp(id);
      if ((ev.type === 'live_conversation' && ev.conversation && ev.conversation.id === id) || ev.type === 'reopened') {
        load();
        catchUp(id);
      }
    });
    load();
    return () => {
      live = false;
      off();
    };
  }, [id]);

  const language = useMemo(() => (conv && conv.language ? languageName(languages, conv.language) : ''), [conv, languages]);
  if (error) return html`<div class="empty-state"><${Alert} testid="found-error">${error}<//></div>`;
  if (!conv) return html`<${Spinner} />`;
  const channel = (channels || []).find((ch) => ch.id === conv.channel_id);
  const details = [
    channel ? channel.name : null,
    conv.operator ? `With ${conv.operator.chat_name}` : 'Nobody yet',
    language,
    'Read only',
  ].filter(Boolean);
  const status = conv.status === 'ended' ? 'Ended' : conv.status === 'queued' ? 'Queued' : 'Active';
  const supervisor = canSupervise(me);
  return html`<div class="discuss-thread" data-testid="discuss-thread" data-conversation-id=${id} data-read-only="true"
    data-watched=${supervisor ? 'true' : undefined}>
    <div class="discuss-header">
      <a class="back-link" href=${href(supervisor ? 'live' : 'discuss')}
        aria-label=${supervisor ? 'Back to the live view' : 'Back to the conversations'}>‹</a>
      <${Avatar} name=${visitorName(conv)} size=${40} />
      <div class="discuss-header-text">
        <h1 data-testid="discuss-title">${visitorName(conv)}</h1>
        <div class="discuss-header-details" data-testid="watched-details">${details.join(' · ')}</div>
      </div>
      <span class=${cx('status-pill', `status-${conv.status}`)}>${status}</span>
      ${supervisor && conv.status === 'active'
        ? html`<button type="button" class="btn btn-secondary btn-sm" aria-haspopup="dialog" data-testid="transfer-button"
            aria-label=${`Transfer the conversation with ${visitorName(conv)}`}
            onClick=${() => import('../transfer.js').then((m) => m.openPicker(id, conv))}>Transfer</button>`
        : null}
    </div>
    ${supervisor
      ? html`<${Lazy} load=${loadRouting} name="RoutingSummary" id=${id} key=${`${conv.status}-${conv.operator ? conv.operator.id : 0}`} />`
      : null}
    <${Thread} key=${id} id=${id} place="found" highlight=${seq} />
    <p class="found-note" data-testid="read-only-note">Read only: this conversation is not assigned to you.</p>
  </div>`;
}
