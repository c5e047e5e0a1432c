// My Profile, Preferences tab: the Online Chat Name visitors see and the languages the
// operator chats in. Only enabled languages are offered; the server has the last word.
import { html, useState, useEffect, useMemo } from '/vendor/preact-htm.js';
import { useStore } from '../store.js';
import { savePreferences, loadLanguages } from '../actions.js';
import { Avatar, Alert, Spinner } from './common.js';
import { IconClose, IconCheck } from '../icons.js';
import { languageName } from '../util.js';

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function ChatLanguagesPicker({ value, onChange, enabled, main, languages }) {
  const offered = enabled.filter((l) => l.code !== main && !value.includes(l.code));
  const isEnabled = (code) => enabled.some((l) => l.code === code);
  return html`<div class="tag-picker" data-testid="pref-chat-languages">
    <ul class="tags" aria-label="Chosen languages">
      ${value.length === 0 ? html`<li class="muted small tags-empty">None</li>` : null}
      ${value.map(
        (code) => html`<li key=${code} class=${isEnabled(code) ? 'tag' : 'tag tag-warning'} data-testid="pref-chat-language-chip" data-code=${code}>
          <span>${languageName(languages, code)}${isEnabled(code) ? '' : ' (not enabled)'}</span>
          <button type="button" class="tag-remove" onClick=${() => onChange(value.filter((c) => c !== code))}
            aria-label=${`Remove ${languageName(languages, code)}`} data-testid="pref-chat-language-remove"><${IconClose} size=${12} /></button>
        </li>`,
      )}
    </ul>
    <select id="pref-chat-language-add" class="tag-add" value="" disabled=${offered.length === 0}
      onChange=${(e) => {
        const code = e.currentTarget.value;
        if (code) onChange([...value, code]);
        e.currentTarget.value = '';
      }}
      data-testid="pref-chat-language-add">
      <option value="">${offered.length ? 'Add a language…' : 'No other enabled language'}</option>
      ${offered.map((l) => html`<option key=${l.code} value=${l.code}>${l.name}</option>`)}
    </select>
  </div>`;
}

function PreferencesForm({ me, languages }) {
  const [chatName, setChatName] = useState(me.chat_name || '');
  const [main, setMain] = useState(me.main_language || '');
  const [chatLangs, setChatLangs] = useState(me.chat_languages || []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);

  // The saved values, when they change (after Save, or in another tab), become the form's.
  useEffect(() => {
    setChatName(me.chat_name || '');
    setMain(me.main_language || '');
    setChatLangs(me.chat_languages || []);
  }, [me]);

  const enabled = useMemo(() => languages.filter((l) => l.enabled), [languages]);
  const mainOptions = enabled.some((l) => l.code === main) || !main ? enabled : [...enabled, { code: main, name: `${languageName(languages, main)} (not enabled)` }];
  const dirty = chatName.trim() !== (me.chat_name || '') || main !== (me.main_language || '') || !sameList(chatLangs, me.chat_languages || []);

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setSaved(false);
    // PATCH changes only the fields it sends: send only what the operator changed.
    const prefs = {};
    if (chatName.trim() !== (me.chat_name || '')) prefs.chat_name = chatName.trim();
    if (main !== (me.main_language || '')) prefs.main_language = main;
    if (!sameList(chatLangs, me.chat_languages || [])) prefs.chat_languages = chatLangs;
    try {
      await savePreferences(prefs);
      setSaved(true);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  function discard() {
    setChatName(me.chat_name || '');
    setMain(me.main_language || '');
    setChatLangs(me.chat_languages || []);
    setError('');
  }

  return html`<form class="preferences" novalidate onSubmit=${submit} data-testid="preferences-form">
    <div class="form-columns">
      <fieldset class="form-group">
        <legend>Localization</legend>
        <div class="field">
          <label for="pref-main-language">Main language</label>
          <select id="pref-main-language" value=${main} onChange=${(e) => {
            const code = e.currentTarget.value;
            setMain(code);
            setChatLangs(chatLangs.filter((c) => c !== code));
          }} data-testid="pref-main-language">
            ${!main ? html`<option value="">Choose a language</option>` : null}
            ${mainOptions.map((l) => html`<option key=${l.code} value=${l.code}>${l.name}</option>`)}
          </select>
          <p class="hint">The language you mainly chat in.</p>
        </div>
      </fieldset>
      <fieldset class="form-group">
        <legend>Live Chat</legend>
        <div class="field">
          <label for="pref-chat-name">Online Chat Name</label>
          <input id="pref-chat-name" value=${chatName} maxlength="100" placeholder=${me.name}
            onInput=${(e) => setChatName(e.currentTarget.value)} aria-describedby="pref-chat-name-hint" data-testid="pref-chat-name" />
          <p class="hint" id="pref-chat-name-hint">The name visitors see in the conversation. When empty, visitors see your name, ${me.name}.</p>
        </div>
        <div class="field">
          <label for="pref-chat-language-add">Online Chat Languages</label>
          <${ChatLanguagesPicker} value=${chatLangs} onChange=${setChatLangs} enabled=${enabled} main=${main} languages=${languages} />
          <p class="hint">Other languages you can chat in. Only the languages enabled on this installation can be chosen.</p>
        </div>
      </fieldset>
    </div>
    <${Alert} testid="pref-error">${error}<//>
    <div class="form-actions form-footer">
      <button type="submit" class="btn btn-primary" disabled=${busy || !dirty} data-testid="pref-save">${busy ? 'Saving…' : 'Save'}</button>
      ${dirty ? html`<button type="button" class="btn btn-secondary" onClick=${discard} data-testid="pref-discard">Discard</button>` : null}
      ${saved && !dirty ? html`<span class="saved-status" role="status" data-testid="pref-saved"><${IconCheck} /> Preferences saved</span>` : null}
    </div>
  </form>`;
}

export function ProfilePage() {
  const me = useStore((s) => s.me);
  const languages = useStore((s) => s.languages);

  // Languages may have been enabled since the console loaded: ask again.
  useEffect(() => {
    loadLanguages();
  }, []);

  return html`<main class="page page-narrow" data-testid="profile-page">
    <div class="card profile-card">
      <div class="profile-head">
        <${Avatar} name=${me.name} size=${64} />
        <div>
          <h1 class="profile-name">${me.name}</h1>
          <div class="muted">${me.login} · ${me.role === 'admin' ? 'Administrator' : 'Operator'}</div>
          ${me.chat_name ? html`<div class="muted small">Visitors see you as <strong>${me.chat_name}</strong></div>` : null}
        </div>
      </div>
      <div class="tabs" role="tablist" aria-label="My Profile">
        <button type="button" role="tab" id="tab-preferences" aria-selected="true" aria-controls="panel-preferences"
          class="tab active" data-testid="tab-preferences">Preferences</button>
      </div>
      <div role="tabpanel" id="panel-preferences" aria-labelledby="tab-preferences" class="tab-panel">
        ${languages ? html`<${PreferencesForm} me=${me} languages=${languages} />` : html`<${Spinner} />`}
      </div>
    </div>
  </main>`;
}
