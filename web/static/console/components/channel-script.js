// Admin → Channels: a channel's chatbot script, which the widget runs before a human is
// asked: messages, choices and questions, each leading on to a step, to the end of the
// chat or to a hand-over to a channel. Loaded with the channel form (admin-channels.js)
// when a saved channel is edited, not with the console. The server checks the whole
// script on save and names what is wrong.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { Alert, Spinner } from './common.js';

const KINDS = [
  ['message', 'Message'],
  ['choice', 'Choice'],
  ['question', 'Question'],
];
const ACTIONS = [
  ['next', 'Go on'],
  ['end', 'End the chat'],
  ['hand_over', 'Hand over to a person'],
];
const MAX_STEPS = 20;
const MAX_CHOICES = 6;

// newID is a step id not yet taken: step1, step2, …
function newID(steps) {
  for (let n = steps.length + 1; ; n++) if (!steps.some((s) => s.id === `step${n}`)) return `step${n}`;
}

// Route edits where a step or a choice leads: on (to a step, or the following one), to
// the end of the chat with a closing text, or to a channel.
function Route({ value, onChange, steps, channels, self, idp, label }) {
  const set = (field, v) => onChange({ ...value, [field]: v });
  const action = value.action || 'next';
  return html`<div class="field-row">
    <div class="field">
      <label for=${`${idp}-action`}>${label}</label>
      <select id=${`${idp}-action`} value=${action} onChange=${(e) => set('action', e.currentTarget.value)} data-testid="script-action">
        ${ACTIONS.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}
      </select>
    </div>
    ${action === 'next'
      ? html`<div class="field">
          <label for=${`${idp}-next`}>To step</label>
          <select id=${`${idp}-next`} value=${value.next || ''} onChange=${(e) => set('next', e.currentTarget.value)} data-testid="script-next">
            <option value="">The following step</option>
            ${steps.map((s) => html`<option key=${s.id} value=${s.id}>${s.id}</option>`)}
          </select>
        </div>`
      : null}
    ${action === 'end'
      ? html`<div class="field">
          <label for=${`${idp}-closing`}>Closing text</label>
          <input id=${`${idp}-closing`} value=${value.closing || ''} maxlength="1000" placeholder="Thank you, goodbye!"
            onInput=${(e) => set('closing', e.currentTarget.value)} data-testid="script-closing" />
        </div>`
      : null}
    ${action === 'hand_over'
      ? html`<div class="field">
          <label for=${`${idp}-channel`}>In channel</label>
          <select id=${`${idp}-channel`} value=${String(value.channel_id || 0)} onChange=${(e) => set('channel_id', Number(e.currentTarget.value))}
            data-testid="script-channel">
            <option value="0">This channel</option>
            ${channels.filter((c) => c.id !== self).map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
          </select>
        </div>`
      : null}
  </div>`;
}

function Step({ step, i, count, steps, channels, self, update, move, remove }) {
  const set = (field, v) => update({ ...step, [field]: v });
  const choices = step.choices || [];
  const setChoice = (j, c) => set('choices', choices.map((o, k) => (k === j ? c : o)));
  const idp = `script-${i}`;
  return html`<li class="rule-row" data-testid="script-step" data-step=${step.id}>
    <div class="field-row">
      <div class="field">
        <label for=${`${idp}-id`}>Step id</label>
        <input id=${`${idp}-id`} class="code" value=${step.id} maxlength="40" onInput=${(e) => set('id', e.currentTarget.value)}
          data-testid="script-id" />
      </div>
      <div class="field">
        <label for=${`${idp}-kind`}>Kind</label>
        <select id=${`${idp}-kind`} value=${step.kind} data-testid="script-kind"
          onChange=${(e) => {
            const kind = e.currentTarget.value;
            update({ ...step, kind, choices: kind === 'choice' ? (choices.length ? choices : [{ label: '', action: 'next' }]) : undefined });
          }}>
          ${KINDS.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}
        </select>
      </div>
      ${step.kind === 'question'
        ? html`<div class="field">
            <label for=${`${idp}-answer`}>Answer</label>
            <select id=${`${idp}-answer`} value=${step.answer || 'text'} onChange=${(e) => set('answer', e.currentTarget.value)}
              data-testid="script-answer">
              <option value="text">Any text</option>
              <option value="email">An email address</option>
            </select>
          </div>`
        : null}
    </div>
    <div class="field">
      <label for=${`${idp}-text`}>${step.kind === 'message' ? 'The bot says' : 'The bot asks'}</label>
      <textarea id=${`${idp}-text`} rows="2" maxlength="1000" value=${step.text} onInput=${(e) => set('text', e.currentTarget.value)}
        data-testid="script-text"></textarea>
    </div>
    ${step.kind === 'choice'
      ? html`<fieldset class="form-group">
          <legend>Choices</legend>
          ${choices.map(
            (c, j) => html`<div key=${j} data-testid="script-choice">
              <div class="field-row">
                <div class="field">
                  <label for=${`${idp}-c${j}-label`}>Choice ${j + 1}</label>
                  <input id=${`${idp}-c${j}-label`} value=${c.label} maxlength="100" onInput=${(e) => setChoice(j, { ...c, label: e.currentTarget.value })}
                    data-testid="script-choice-label" />
                </div>
                <div class="field">
                  <button type="button" class="btn btn-secondary btn-sm" aria-label=${`Remove choice ${j + 1} of step ${step.id}`}
                    onClick=${() => set('choices', choices.filter((_, k) => k !== j))}>Remove</button>
                </div>
              </div>
              <${Route} value=${c} onChange=${(v) => setChoice(j, v)} steps=${steps} channels=${channels} self=${self}
                idp=${`${idp}-c${j}`} label="Then" />
            </div>`,
          )}
          <button type="button" class="btn btn-secondary btn-sm" disabled=${choices.length >= MAX_CHOICES} data-testid="script-choice-add"
            onClick=${() => set('choices', [...choices, { label: '', action: 'next' }])}>Add a choice</button>
        </fieldset>`
      : html`<${Route} value=${step} onChange=${update} steps=${steps} channels=${channels} self=${self} idp=${idp} label="Then" />`}
    <div class="form-actions">
      <button type="button" class="btn btn-secondary btn-sm" disabled=${i === 0} onClick=${() => move(i, -1)}
        aria-label=${`Move step ${i + 1} up`}>Up</button>
      <button type="button" class="btn btn-secondary btn-sm" disabled=${i === count - 1} onClick=${() => move(i, 1)}
        aria-label=${`Move step ${i + 1} down`}>Down</button>
      <button type="button" class="btn btn-secondary btn-sm" onClick=${() => remove(i)} aria-label=${`Remove step ${i + 1}`}
        data-testid="script-step-remove">Remove</button>
    </div>
  </li>`;
}

function Script({ channel, initial, channels }) {
  const [script, setScript] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  const steps = script.steps;
  const setSteps = (s) => setScript({ ...script, steps: s });
  const move = (i, d) => {
    const next = steps.slice();
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setSteps(next);
  };

  async function send(method, body, done) {
    setBusy(true);
    setError('');
    setSaved('');
    try {
      const out = await request(method, `/api/channels/${channel.id}/script`, body);
      setScript(out || { enabled: false, steps: [] });
      setSaved(done);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="card form-card" novalidate onSubmit=${(e) => (e.preventDefault(), send('PUT', script, 'Chatbot script saved.'))}
    data-testid="channel-script" aria-labelledby="channel-script-title">
    <h2 id="channel-script-title">Chatbot</h2>
    <p class="hint">The bot talks with visitors before a person is asked: it says messages, offers choices and asks questions,
      step after step. A choice can lead to another step, end the chat, or hand over to a person in this channel or another
      (Sales, for example); after the last step it hands over here. The operator sees the visitor's answers.</p>
    <div class="field">
      <label class="checkbox"><input type="checkbox" checked=${script.enabled} data-testid="channel-script-enabled"
        onChange=${(e) => setScript({ ...script, enabled: e.currentTarget.checked })} /> The bot talks first</label>
    </div>
    ${steps.length === 0 ? html`<p class="muted" data-testid="channel-script-empty">No step: chats start as the visitor writes.</p>` : null}
    <ol class="rule-list">
      ${steps.map(
        (st, i) => html`<${Step} key=${i} step=${st} i=${i} count=${steps.length} steps=${steps} channels=${channels} self=${channel.id}
          update=${(v) => setSteps(steps.map((s, j) => (j === i ? v : s)))} move=${move}
          remove=${(k) => setSteps(steps.filter((_, j) => j !== k))} />`,
      )}
    </ol>
    <${Alert} testid="channel-script-error">${error}<//>
    <${Alert} kind="success" testid="channel-script-saved">${saved}<//>
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" disabled=${steps.length >= MAX_STEPS} data-testid="channel-script-add"
        onClick=${() => setSteps([...steps, { id: newID(steps), kind: 'message', text: '', action: 'next' }])}>Add a step</button>
      <button type="button" class="btn btn-secondary" disabled=${busy} data-testid="channel-script-delete"
        onClick=${() => send('DELETE', undefined, 'Chatbot script removed.')}>Delete</button>
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="channel-script-save">${busy ? 'Saving…' : 'Save chatbot'}</button>
    </div>
  </form>`;
}

export function ChannelScript({ channel }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setData(null);
    Promise.all([request('GET', `/api/channels/${channel.id}/script`), request('GET', '/api/channels')]).then(
      ([script, channels]) => live && setData({ script, channels }),
      (err) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [channel.id]);
  if (error) return html`<${Alert}>${error}<//>`;
  if (!data) return html`<${Spinner} />`;
  return html`<${Script} key=${channel.id} channel=${channel} initial=${data.script} channels=${data.channels} />`;
}
