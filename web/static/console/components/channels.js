// Channels: one card per live chat channel, with its operators and their presence, and a
// Join or Leave button for the signed-in operator.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import { joinChannel, leaveChannel, loadChannels } from '../actions.js';
import { Avatar, PresenceDot, Spinner, PageHeader, Alert } from './common.js';
import { href } from '../router.js';
import { cx } from '../util.js';
import { rescueFocus } from '../util.js';

const REFRESH_EVERY = 30000; // presence dots are refreshed this often while the page is shown

function ChannelCard({ ch, me }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function toggle(ev) {
    const card = ev.currentTarget.closest('article');
    setBusy(true);
    setError('');
    try {
      if (ch.joined) await leaveChannel(ch.id);
      else await joinChannel(ch.id);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
      // The button was disabled meanwhile, which takes the focus from it: it gets it back.
      rescueFocus(() => card.querySelector('.channel-card-foot button'));
    }
  }

  const others = ch.operators || [];
  return html`<article class=${cx('card channel-card', ch.joined && 'joined')} data-testid="channel-card"
    data-channel-id=${ch.id} data-joined=${ch.joined ? 'true' : 'false'} aria-labelledby=${`channel-${ch.id}-name`}>
    <div class="channel-card-head">
      <span class="channel-swatch" style=${{ background: ch.button_color || '#875A7B' }} aria-hidden="true"></span>
      <div class="channel-card-title">
        <h2 id=${`channel-${ch.id}-name`} data-testid="channel-name">${ch.name}</h2>
        <div class="muted small">${ch.joined ? 'You are in this channel' : 'You are not in this channel'}</div>
      </div>
      ${me.role === 'admin'
        ? html`<a class="link-subtle small" href=${href('admin', 'channels')} title="Edit the channel's settings">Settings</a>`
        : null}
    </div>
    <div class="channel-card-body">
      <div class="channel-operators-label">${others.length ? `Operators (${others.length})` : 'No operator has joined yet'}</div>
      ${others.length
        ? html`<ul class="channel-operators">
            ${others.map(
              (op) => html`<li key=${op.id} class="channel-operator" data-testid="channel-operator" data-operator-id=${op.id}
                data-status=${op.status}>
                <span class="avatar-wrap"><${Avatar} name=${op.chat_name} size=${28} /><${PresenceDot} status=${op.status} /></span>
                <span>${op.chat_name}${op.id === me.id ? html` <span class="muted">(you)</span>` : null}</span>
              </li>`,
            )}
          </ul>`
        : null}
      ${ch.max_ongoing_per_operator
        ? html`<div class="muted small">At most ${ch.max_ongoing_per_operator} ongoing conversation${ch.max_ongoing_per_operator > 1 ? 's' : ''} per operator</div>`
        : null}
    </div>
    <${Alert} testid="channel-error">${error}<//>
    <div class="channel-card-foot">
      ${ch.joined
        ? html`<button type="button" class="btn btn-secondary" onClick=${toggle} disabled=${busy} data-testid="channel-leave"
            aria-label=${`Leave ${ch.name}`}>Leave</button>`
        : html`<button type="button" class="btn btn-primary" onClick=${toggle} disabled=${busy} data-testid="channel-join"
            aria-label=${`Join ${ch.name}`}>Join</button>`}
    </div>
  </article>`;
}

export function ChannelsPage() {
  const channels = useStore((s) => s.channels);
  const me = useStore((s) => s.me);
  const visible = useStore((s) => s.visible);

  useEffect(() => {
    loadChannels(true);
    if (!visible) return undefined;
    const t = setInterval(() => loadChannels(true), REFRESH_EVERY);
    return () => clearInterval(t);
  }, [visible]);

  return html`<main class="page" data-testid="channels-page">
    <${PageHeader} title="Channels" />
    <p class="page-intro">Join a channel to receive its new conversations. Operators who show no activity for a while are
      removed from their channels and must join again.</p>
    ${channels === null
      ? html`<${Spinner} />`
      : channels.length === 0
        ? html`<div class="card empty-card">No live chat channel yet.${me.role === 'admin'
            ? html` <a href=${href('admin', 'channels')}>Create one</a>.`
            : ' An admin can create one.'}</div>`
        : html`<div class="card-grid">${channels.map((ch) => html`<${ChannelCard} key=${ch.id} ch=${ch} me=${me} />`)}</div>`}
  </main>`;
}
