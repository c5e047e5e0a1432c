// My Profile: the Preferences tab (the Online Chat Name visitors see and the languages the
// operator chats in; only enabled languages are offered, the server has the last word; and
// the notifications, from notify-prefs.js) and the Account Security tab (change one's own
// password).
import { html, useState, useEffect, useMemo, useRef } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import { savePreferences, loadLanguages, changePassword } from '../actions.js';
import { href, navigate, PROFILE_TABS } from '../router.js';
import { Avatar, Alert, Spinner, Lazy } from './common.js';
import { IconClose, IconCheck } from '../icons.js';
import { languageName } from '../util.js';
import { rescueFocus } from '../util.js';

export function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ChatLanguagesPicker chooses the Online Chat Languages among the enabled ones; prefix
// names its ids and test ids, so that My Profile and Admin → Users can both hold one.
export function ChatLanguagesPicker({ value, onChange, enabled, main, languages, prefix = 'pref' }) {
  const offered = enabled.filter((l) => l.code !== main && !value.includes(l.code));
  const isEnabled = (code) => enabled.some((l) => l.code === code);
  // Removing a language removes its button: the focus goes to the next language's, or to
  // the select that adds one.
  const remove = (code, e) => {
    const picker = e.currentTarget.closest('.tag-picker');
    const at = value.indexOf(code);
    onChange(value.filter((c) => c !== code));
    rescueFocus(() => {
      const rest = picker.querySelectorAll('.tag-remove');
      return rest[Math.min(at, rest.length - 1)] || picker.querySelector('select');
    });
  };
  return html`<div class="tag-picker" data-testid=${`${prefix}-chat-languages`}>
    <ul class="tags" aria-label="Chosen languages">
      ${value.length === 0 ? html`<li class="muted small tags-empty">None</li>` : null}
      ${value.map(
        (code) => html`<li key=${code} class=${isEnabled(code) ? 'tag' : 'tag tag-warning'} data-testid=${`${prefix}-chat-language-chip`} data-code=${code}>
          <span>${languageName(languages, code)}${isEnabled(code) ? '' : ' (not enabled)'}</span>
          <button type="button" class="tag-remove" onClick=${(e) => remove(code, e)}
            aria-label=${`Remove ${languageName(languages, code)}`} data-testid=${`${prefix}-chat-language-remove`}><${IconClose} size=${12} /></button>
        </li>`,
      )}
    </ul>
    <select id=${`${prefix}-chat-language-add`} class="tag-add" value="" disabled=${offered.length === 0}
      onChange=${(e) => {
        const code = e.currentTarget.value;
        if (code) onChange([...value, code]);
        e.currentTarget.value = '';
      }}
      data-testid=${`${prefix}-chat-language-add`}>
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

  // The saved values, when they change (after Save, or in another tab), become the form's;
  // a change of the notifications, saved apart, leaves what the form holds.
  useEffect(() => {
    setChatName(me.chat_name || '');
    setMain(me.main_language || '');
    setChatLangs(me.chat_languages || []);
  }, [me.chat_name, me.main_language, (me.chat_languages || []).join()]);

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

const loadNotifySettings = () => import('./notify-prefs.js');

// PASSWORD_MIN is the server's rule for a new password, checked here only to say it sooner.
export const PASSWORD_MIN = 8;

function PasswordForm() {
  const empty = { current: '', next: '', confirm: '' };
  const [form, setForm] = useState(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState({ field: '', text: '' });
  const [done, setDone] = useState(false);
  const fields = { current: useRef(null), next: useRef(null), confirm: useRef(null) };
  const set = (field) => (e) => {
    setForm({ ...form, [field]: e.currentTarget.value });
    setDone(false);
  };

  function fail(field, text) {
    setError({ field, text });
    const el = fields[field] && fields[field].current;
    if (el) el.focus();
  }

  async function submit(e) {
    e.preventDefault();
    setDone(false);
    setError({ field: '', text: '' });
    if (!form.current) return fail('current', 'Enter your current password.');
    if ([...form.next].length < PASSWORD_MIN) return fail('next', `The new password must have at least ${PASSWORD_MIN} characters.`);
    if (form.next !== form.confirm) return fail('confirm', 'The two new passwords are not the same.');
    setBusy(true);
    try {
      await changePassword(form.current, form.next);
      setForm(empty);
      setDone(true);
    } catch (err) {
      // The server names the problem; a wrong current password is the usual one.
      fail(/current/i.test(err.message) ? 'current' : 'next', err.message);
    } finally {
      setBusy(false);
    }
  }

  const invalid = (field) => (error.field === field ? 'true' : undefined);
  const describedBy = (field, hint) => [hint, error.field === field ? 'password-error' : ''].filter(Boolean).join(' ') || undefined;
  return html`<form class="password-form" novalidate onSubmit=${submit} data-testid="password-form" aria-labelledby="password-title">
    <fieldset class="form-group">
      <legend id="password-title">Change password</legend>
      <div class="field">
        <label for="password-current">Current password</label>
        <input id="password-current" ref=${fields.current} type="password" autocomplete="current-password" value=${form.current}
          onInput=${set('current')} required aria-invalid=${invalid('current')} aria-describedby=${describedBy('current')}
          data-testid="password-current" />
      </div>
      <div class="field">
        <label for="password-new">New password</label>
        <input id="password-new" ref=${fields.next} type="password" autocomplete="new-password" value=${form.next}
          onInput=${set('next')} required minlength=${PASSWORD_MIN} aria-invalid=${invalid('next')}
          aria-describedby=${describedBy('next', 'password-new-hint')} data-testid="password-new" />
        <p class="hint" id="password-new-hint">At least ${PASSWORD_MIN} characters.</p>
      </div>
      <div class="field">
        <label for="password-confirm">Confirm new password</label>
        <input id="password-confirm" ref=${fields.confirm} type="password" autocomplete="new-password" value=${form.confirm}
          onInput=${set('confirm')} required aria-invalid=${invalid('confirm')} aria-describedby=${describedBy('confirm')}
          data-testid="password-confirm" />
      </div>
    </fieldset>
    ${error.text ? html`<div class="alert alert-error" role="alert" id="password-error" data-testid="password-error">${error.text}</div>` : null}
    ${done
      ? html`<${Alert} kind="success" testid="password-saved">Password changed. Your other sessions have been logged out; this one stays open.<//>`
      : null}
    <div class="form-actions form-footer">
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="password-submit">${busy ? 'Changing…' : 'Change password'}</button>
    </div>
  </form>`;
}

const TAB_LABELS = { preferences: 'Preferences', security: 'Account Security' };

// ProfileTabs follows the tabs pattern: one tab in the tab order, the arrow keys (and
// Home, End) move between them.
function ProfileTabs({ current }) {
  const refs = useRef({});
  function onKeyDown(e) {
    const i = PROFILE_TABS.indexOf(current);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: PROFILE_TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const tab = PROFILE_TABS[(next + PROFILE_TABS.length) % PROFILE_TABS.length];
    navigate(href('profile', tab));
    setTimeout(() => refs.current[tab] && refs.current[tab].focus(), 0);
  }
  return html`<div class="tabs" role="tablist" aria-label="My Profile" onKeyDown=${onKeyDown}>
    ${PROFILE_TABS.map(
      (tab) => html`<button key=${tab} type="button" role="tab" id=${`tab-${tab}`} aria-selected=${tab === current ? 'true' : 'false'}
        aria-controls=${`panel-${tab}`} tabindex=${tab === current ? '0' : '-1'} class=${tab === current ? 'tab active' : 'tab'}
        ref=${(el) => (refs.current[tab] = el)} onClick=${() => navigate(href('profile', tab))} data-testid=${`tab-${tab}`}>${TAB_LABELS[tab]}</button>`,
    )}
  </div>`;
}

export function ProfilePage({ route }) {
  const me = useStore((s) => s.me);
  const languages = useStore((s) => s.languages);
  const tab = route && PROFILE_TABS.includes(route.sub) ? route.sub : 'preferences';

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
          <div class="muted">${me.login} · ${me.role === 'admin' ? 'Administrator' : me.role === 'supervisor' ? 'Supervisor' : 'Operator'}</div>
          ${me.chat_name ? html`<div class="muted small">Visitors see you as <strong>${me.chat_name}</strong></div>` : null}
        </div>
      </div>
      <${ProfileTabs} current=${tab} />
      <div role="tabpanel" id=${`panel-${tab}`} aria-labelledby=${`tab-${tab}`} class="tab-panel">
        ${tab === 'security'
          ? html`<${PasswordForm} />`
          : languages
            ? html`<${PreferencesForm} me=${me} languages=${languages} /><${Lazy} load=${loadNotifySettings} name="NotificationSettings" me=${me} />`
            : html`<${Spinner} />`}
        ${tab === 'preferences' ? html`<${Lazy} load=${() => import('./canned.js')} name="CannedResponses" />` : null}
      </div>
    </div>
  </main>`;
}
