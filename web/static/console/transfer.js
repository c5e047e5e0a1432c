// Transfer: hand a conversation to another operator of its channel, or to a channel,
// from the picker in the conversation's header or with /transfer; and leave it. Loaded
// with import() when first used, so the console's first load does not carry it; its
// styles (the picker's and the commands' notes) come with it, before it resolves.
import { html, render, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { request } from './api.js';
import { getState, useStore } from './store.js';
import { loadChannels, onConversationEvent } from './actions.js';
import { Avatar, PresenceDot } from './components/common.js';
import { visitorName } from './util.js';

await new Promise((resolve) => {
  const href = new URL('./commands.css', import.meta.url).href;
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) return resolve();
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  link.onload = link.onerror = () => resolve();
  document.head.append(link);
});

// transferConversation hands conversation id to target, {operator_id} or {channel_id},
// and applies the answer: a conversation no longer the operator's leaves their console.
export async function transferConversation(id, target) {
  const c = await request('POST', `/api/conversations/${id}/transfer`, target);
  onConversationEvent(c);
  return c;
}

// leaveConversation gives the conversation back to assignment in its channel.
export async function leaveConversation(id) {
  const c = await request('POST', `/api/conversations/${id}/leave`);
  onConversationEvent(c);
  return c;
}

const STATUS_TEXT = { online: 'Online', away: 'Away', offline: 'Offline' };

// findTarget finds what "/transfer NAME" names: an operator of the conversation's channel
// by chat name or name, or a channel by name, case-insensitive. It throws an Error that
// says what is wrong when nothing, or more than one thing, has that name.
export async function findTarget(conv, name) {
  const channels = (await loadChannels(false)) || getState().channels || [];
  const want = name.trim().toLowerCase();
  const own = channels.find((ch) => ch.id === conv.channel_id);
  const ops = (own ? own.operators : []).filter(
    (o) => (o.chat_name || '').toLowerCase() === want || (o.name || '').toLowerCase() === want,
  );
  const chans = channels.filter((ch) => ch.name.toLowerCase() === want);
  const found = [
    ...ops.map((o) => ({ target: { operator_id: o.id }, label: `${o.chat_name} (operator, ${(STATUS_TEXT[o.status] || o.status).toLowerCase()})` })),
    ...chans.map((ch) => ({ target: { channel_id: ch.id }, label: `${ch.name} (channel)` })),
  ];
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new Error(`Nobody in ${own ? own.name : 'this channel'} and no channel is called “${name}”. Type /help, or use Transfer in the header.`);
  }
  throw new Error(`“${name}” could be ${found.map((f) => f.label).join(' or ')}. Use Transfer in the header to choose.`);
}

// openPicker shows the transfer picker of conversation id, as a modal dialog of its own,
// until a choice, Escape or Cancel closes it. fallback is the conversation when it is not
// in the console's list (a supervisor transferring another's, from the live view).
export function openPicker(id, fallback) {
  const root = document.createElement('div');
  document.body.append(root);
  const opener = document.activeElement;
  let closed = false;
  const onClose = () => {
    if (closed) return;
    closed = true;
    render(null, root);
    root.remove();
    if (opener && opener.isConnected) opener.focus();
  };
  render(html`<${TransferDialog} id=${id} fallback=${fallback} onClose=${onClose} />`, root);
}

// TransferDialog is the picker: the operators of the conversation's channel with their
// presence (those who may be available can be chosen), and the channels.
function TransferDialog({ id, fallback, onClose }) {
  const conv = useStore((s) => s.conversations[id]) || fallback;
  const channels = useStore((s) => s.channels);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const dialog = useRef(null);
  useEffect(() => {
    if (dialog.current) dialog.current.showModal();
    loadChannels(false);
  }, []);
  useEffect(() => {
    if (!conv || conv.status !== 'active') onClose(); // it left this console, or ended
  }, [conv]);
  if (!conv) return null;

  const own = (channels || []).find((ch) => ch.id === conv.channel_id);
  const holder = conv.operator ? conv.operator.id : 0;
  const ops = own ? own.operators.filter((o) => o.id !== holder) : [];
  const others = (channels || []).filter((ch) => ch.id !== conv.channel_id);

  async function choose(target) {
    setBusy(true);
    setError('');
    try {
      await transferConversation(id, target);
      if (dialog.current) dialog.current.close();
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  }

  const titleId = `transfer-title-${id}`;
  return html`<dialog class="transfer-dialog" ref=${dialog} aria-labelledby=${titleId} onClose=${onClose} data-testid="transfer-dialog">
    <h2 id=${titleId}>Transfer the conversation with ${visitorName(conv)}</h2>
    <h3>Operators of ${own ? own.name : 'this channel'}</h3>
    ${ops.length === 0
      ? html`<p class="transfer-empty">No other operator has joined this channel.</p>`
      : html`<ul class="transfer-list">
          ${ops.map(
            (o) => html`<li key=${`op-${o.id}`}>
              <button type="button" class="transfer-choice" disabled=${busy || o.status === 'offline'} onClick=${() => choose({ operator_id: o.id })}
                data-testid="transfer-operator" data-operator-id=${o.id} data-status=${o.status}>
                <span class="avatar-wrap"><${Avatar} name=${o.chat_name} size=${28} /><${PresenceDot} status=${o.status} /></span>
                <span class="transfer-name">${o.chat_name}</span>
                <span class="transfer-status">${STATUS_TEXT[o.status] || o.status}</span>
              </button>
            </li>`,
          )}
        </ul>`}
    <h3>Channels</h3>
    <ul class="transfer-list">
      ${own
        ? html`<li key="own">
            <button type="button" class="transfer-choice" disabled=${busy} onClick=${() => choose({ channel_id: own.id })}
              data-testid="transfer-channel" data-channel-id=${own.id}>
              <span class="transfer-name">${own.name}</span><span class="transfer-status">Anyone else available</span>
            </button>
          </li>`
        : null}
      ${others.map(
        (ch) => html`<li key=${`ch-${ch.id}`}>
          <button type="button" class="transfer-choice" disabled=${busy} onClick=${() => choose({ channel_id: ch.id })}
            data-testid="transfer-channel" data-channel-id=${ch.id}>
            <span class="transfer-name">${ch.name}</span>
            <span class="transfer-status">${ch.operators.filter((o) => o.status !== 'offline').length} online</span>
          </button>
        </li>`,
      )}
    </ul>
    ${error ? html`<p class="transfer-error" role="alert" data-testid="transfer-error">${error}</p>` : null}
    <div class="transfer-actions">
      <button type="button" class="btn btn-secondary btn-sm" onClick=${() => dialog.current && dialog.current.close()}
        data-testid="transfer-cancel">Cancel</button>
    </div>
  </dialog>`;
}
