// Admin → Channels: the live chat channels, a form to create or edit one (its widget's
// texts and colours, those texts per language (channel-texts.js), the cap of ongoing
// conversations per operator, the websites allowed to embed it), the snippet that
// puts its widget on a website, its rules per page and business hours (channel-rules.js), and
// its chatbot script (channel-script.js).
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import { createChannel, updateChannel, loadChannels } from '../actions.js';
import { Alert, Spinner, Lazy } from './common.js';
import { IconCopy, IconPlus } from '../icons.js';
import { cx } from '../util.js';

const DEFAULTS = {
  name: '',
  button_text: 'Have a Question? Chat with us.',
  welcome_message: 'How may I help you?',
  button_color: '#875A7B',
  button_text_color: '#FFFFFF',
  max_ongoing_per_operator: 0,
  offer_seconds: 0,
  allowed_origins: [],
};

// The allowed websites are edited as text, one origin per line.
const originsText = (list) => (list || []).join('\n');
const originsList = (text) => text.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean);

const loadTexts = () => import('./channel-texts.js');
const loadRules = () => import('./channel-rules.js');
const loadScript = () => import('./channel-script.js');
const loadWaiting = () => import('./waiting.js');
const loadIdentity = () => import('./channel-identity.js');

export function widgetSnippet(id) {
  return `<script src="${location.origin}/widget.js" data-channel="${id}" async></script>`;
}

function fromChannel(ch) {
  const f = {};
  for (const k of Object.keys(DEFAULTS)) f[k] = ch[k] === undefined || ch[k] === null ? DEFAULTS[k] : ch[k];
  f.origins = originsText(f.allowed_origins);
  return f;
}

function Snippet({ id }) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState('');
  const text = widgetSnippet(id);

  async function copy() {
    setShown(true);
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('Select the snippet and copy it.');
    }
  }

  return html`<div class="snippet">
    <button type="button" class="btn btn-secondary" onClick=${copy} data-testid="copy-snippet"><${IconCopy} /> Copy widget snippet</button>
    ${shown
      ? html`<div class="snippet-box">
          <label for=${`snippet-${id}`} class="hint">Paste this tag in the pages of your website, before <code>${'</body>'}</code>:</label>
          <textarea id=${`snippet-${id}`} readonly rows="2" class="code" value=${text} data-testid="widget-snippet"
            onFocus=${(e) => e.currentTarget.select()}></textarea>
          ${copied ? html`<div class="hint" role="status">${copied}</div>` : null}
        </div>`
      : null}
  </div>`;
}

function ChannelForm({ channel, saved, onDone }) {
  const blank = { ...DEFAULTS, origins: '' };
  const [form, setForm] = useState(channel ? fromChannel(channel) : blank);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    setForm(channel ? fromChannel(channel) : blank);
    setError('');
  }, [channel && channel.id]);

  const set = (field, number) => (e) => {
    const v = e.currentTarget.value;
    setForm({ ...form, [field]: number ? (v === '' ? '' : Number(v)) : v });
  };

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    onDone(null, '');
    const { origins, ...fields } = form;
    const body = {
      ...fields,
      name: form.name.trim(),
      max_ongoing_per_operator: Number(form.max_ongoing_per_operator) || 0,
      offer_seconds: Number(form.offer_seconds) || 0,
      allowed_origins: originsList(origins),
    };
    try {
      const ch = channel ? await updateChannel(channel.id, body) : await createChannel(body);
      onDone(ch, channel ? 'Channel saved.' : `Channel ${ch.name} created.`);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  const previewStyle = { background: form.button_color, color: form.button_text_color };
  return html`<form class="card form-card" novalidate onSubmit=${submit} data-testid="channel-form" aria-labelledby="channel-form-title">
    <h2 id="channel-form-title">${channel ? `Edit ${channel.name}` : 'New channel'}</h2>
    <div class="field">
      <label for="channel-name">Channel name</label>
      <input id="channel-name" value=${form.name} onInput=${set('name')} maxlength="100" required placeholder="e.g. Website, Sales"
        data-testid="channel-form-name" />
    </div>
    <div class="field">
      <label for="channel-button-text">Button text</label>
      <input id="channel-button-text" value=${form.button_text} onInput=${set('button_text')} maxlength="100" required
        data-testid="channel-form-button-text" />
    </div>
    <div class="field">
      <label for="channel-welcome">Welcome message</label>
      <textarea id="channel-welcome" rows="3" value=${form.welcome_message} onInput=${set('welcome_message')} maxlength="1000"
        data-testid="channel-form-welcome"></textarea>
    </div>
    <div class="field-row">
      <div class="field">
        <label for="channel-button-color">Button colour</label>
        <span class="color-field">
          <input id="channel-button-color" type="color" value=${form.button_color} onInput=${set('button_color')}
            data-testid="channel-form-button-color" />
          <code>${form.button_color.toUpperCase()}</code>
        </span>
      </div>
      <div class="field">
        <label for="channel-text-color">Text colour</label>
        <span class="color-field">
          <input id="channel-text-color" type="color" value=${form.button_text_color} onInput=${set('button_text_color')}
            data-testid="channel-form-text-color" />
          <code>${form.button_text_color.toUpperCase()}</code>
        </span>
      </div>
      <div class="field">
        <label for="channel-max">Max ongoing per operator</label>
        <input id="channel-max" type="number" min="0" max="1000" step="1" value=${form.max_ongoing_per_operator}
          onInput=${set('max_ongoing_per_operator', true)} aria-describedby="channel-max-hint" data-testid="channel-form-max" />
        <p class="hint" id="channel-max-hint">0 means no cap.</p>
      </div>
      <div class="field">
        <label for="channel-offer">Seconds to accept an offer</label>
        <input id="channel-offer" type="number" min="0" max="300" step="1" value=${form.offer_seconds ?? 0}
          onInput=${set('offer_seconds', true)} aria-describedby="channel-offer-hint" data-testid="channel-form-offer" />
        <p class="hint" id="channel-offer-hint">0 assigns at once; 10 to 300 offers each chat to the chosen operator first.</p>
      </div>
    </div>
    <div class="field">
      <label for="channel-origins">Allowed websites</label>
      <textarea id="channel-origins" rows="2" class="code" value=${form.origins} onInput=${set('origins')}
        placeholder="https://www.example.com" aria-describedby="channel-origins-hint" data-testid="channel-form-origins"></textarea>
      <p class="hint" id="channel-origins-hint">One website origin per line. Pages of other websites cannot use this channel's widget.</p>
      ${originsList(form.origins).length === 0
        ? html`<p class="hint origins-warning" role="note" data-testid="channel-form-origins-warning">
            Any website can embed this channel's widget. List your website to keep others from using it.</p>`
        : null}
    </div>
    <${Lazy} load=${loadTexts} name="ChannelTexts" channel=${channel} form=${form} setForm=${setForm} />
    <div class="field">
      <span class="label">Preview</span>
      <div class="widget-preview"><span class="widget-preview-button" style=${previewStyle}>${form.button_text || ' '}</span></div>
    </div>
    <${Alert} testid="channel-form-error">${error}<//>
    <${Alert} kind="success" testid="channel-form-saved">${saved}<//>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="channel-form-save">
        ${busy ? 'Saving…' : channel ? 'Save' : 'Create channel'}
      </button>
    </div>
    ${channel ? html`<${Snippet} id=${channel.id} />` : null}
    ${channel ? html`<${Lazy} load=${loadIdentity} name="ChannelIdentity" channel=${channel} />` : null}
  </form>`;
}

export function AdminChannels() {
  const channels = useStore((s) => s.channels);
  const [selected, setSelected] = useState(0); // 0: a new channel
  const [saved, setSaved] = useState('');
  const select = (id) => {
    setSelected(id);
    setSaved('');
  };
  const done = (ch, message) => {
    if (ch) setSelected(ch.id);
    setSaved(message);
  };

  useEffect(() => {
    loadChannels(true);
  }, []);

  const channel = selected ? (channels || []).find((c) => c.id === selected) : null;
  return html`<div class="admin-split">
    <section class="card table-card" aria-labelledby="channels-title">
      <div class="card-title-row">
        <h2 id="channels-title">Channels</h2>
        <button type="button" class="btn btn-secondary btn-sm" onClick=${() => select(0)} data-testid="new-channel-button">
          <${IconPlus} /> New channel
        </button>
      </div>
      ${channels === null
        ? html`<${Spinner} />`
        : channels.length === 0
          ? html`<p class="muted">No channel yet: create the first one with the form.</p>`
          : html`<ul class="admin-list">
              ${channels.map(
                (ch) => html`<li key=${ch.id}>
                  <button type="button" class=${cx('admin-list-item', ch.id === selected && 'selected')}
                    aria-pressed=${ch.id === selected ? 'true' : 'false'} onClick=${() => select(ch.id)}
                    data-testid="admin-channel-row" data-channel-id=${ch.id}>
                    <span class="channel-swatch" style=${{ background: ch.button_color }} aria-hidden="true"></span>
                    <span class="admin-list-text">
                      <span class="admin-list-name">${ch.name}</span>
                      <span class="muted small">${(ch.operators || []).length} operator${(ch.operators || []).length === 1 ? '' : 's'}${ch.max_ongoing_per_operator ? ` · cap ${ch.max_ongoing_per_operator}` : ''}${(ch.allowed_origins || []).length === 0 ? ' · any website' : ''}</span>
                    </span>
                    <span class="link-subtle small">Edit</span>
                  </button>
                </li>`,
              )}
            </ul>`}
    </section>
    <div class="admin-stack">
      <${ChannelForm} channel=${channel} saved=${saved} onDone=${done} />
      ${channel ? html`<${Lazy} load=${loadRules} name="ChannelRules" channel=${channel} />` : null}
      ${channel ? html`<${Lazy} load=${loadScript} name="ChannelScript" channel=${channel} />` : null}
      ${channel ? html`<${Lazy} load=${loadWaiting} name="WaitLimits" channelId=${channel.id} />` : null}
    </div>
  </div>`;
}
