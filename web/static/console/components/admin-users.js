// Admin → Users: every user, a form to add an operator or an admin, and for the user
// chosen in the list (#/admin/users/ID) an editor: their profile, a new password, their
// open sessions, and disabling or deleting the account.
import { html, useState, useEffect, useMemo, useRef } from '../../vendor/preact-htm.js';
import { useStore } from '../store.js';
import {
  loadUsers,
  createUser,
  loadUser,
  updateUser,
  deleteUser,
  resetPassword,
  loadSessions,
  revokeSession,
  revokeSessions,
  loadLanguages,
} from '../actions.js';
import { href, navigate } from '../router.js';
import { Avatar, Alert, Spinner } from './common.js';
import { ChatLanguagesPicker, sameList, PASSWORD_MIN } from './profile.js';
import { IconPlus, IconCheck } from '../icons.js';
import { cx, languageName } from '../util.js';
import { rescueFocus } from '../util.js';

const roleLabel = (role) => ({ admin: 'Admin', supervisor: 'Supervisor' })[role] || 'Operator';

function NewUserForm({ onCreated }) {
  const empty = { login: '', name: '', password: '', role: 'operator' };
  const [form, setForm] = useState(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setDone('');
    try {
      const u = await createUser({ login: form.login.trim(), name: form.name.trim(), password: form.password, role: form.role });
      setForm(empty);
      setDone(`${u.name} (${u.login}) can now log in.`);
      onCreated(u);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="card form-card" novalidate onSubmit=${submit} data-testid="new-user-form" aria-labelledby="new-user-title">
    <h2 id="new-user-title">Add a user</h2>
    <div class="field">
      <label for="new-user-login">Login</label>
      <input id="new-user-login" value=${form.login} onInput=${set('login')} autocomplete="off" autocapitalize="none"
        spellcheck="false" required data-testid="new-user-login" />
    </div>
    <div class="field">
      <label for="new-user-name">Name</label>
      <input id="new-user-name" value=${form.name} onInput=${set('name')} autocomplete="off" required data-testid="new-user-name" />
    </div>
    <div class="field">
      <label for="new-user-password">Password</label>
      <input id="new-user-password" type="password" value=${form.password} onInput=${set('password')} autocomplete="new-password"
        minlength="8" required aria-describedby="new-user-password-hint" data-testid="new-user-password" />
      <p class="hint" id="new-user-password-hint">At least 8 characters.</p>
    </div>
    <div class="field">
      <label for="new-user-role">Role</label>
      <select id="new-user-role" value=${form.role} onChange=${set('role')} data-testid="new-user-role">
        <option value="operator">Operator</option>
        <option value="supervisor">Supervisor</option>
        <option value="admin">Admin</option>
      </select>
    </div>
    <${Alert} testid="new-user-error">${error}<//>
    <${Alert} kind="success" testid="new-user-saved">${done}<//>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="new-user-submit">${busy ? 'Adding…' : 'Add user'}</button>
    </div>
  </form>`;
}

// Confirm asks before an action that cannot be taken back lightly. It takes the focus
// (on Cancel, the safe choice); Escape cancels.
export function Confirm({ id, title, children, label, busy, onConfirm, onCancel }) {
  const cancel = useRef(null);
  useEffect(() => {
    if (cancel.current) cancel.current.focus();
  }, []);
  const onKeyDown = (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    }
  };
  return html`<div class="confirm" role="alertdialog" aria-labelledby=${`${id}-title`} aria-describedby=${`${id}-text`}
    onKeyDown=${onKeyDown} data-testid="confirm">
    <p class="confirm-title" id=${`${id}-title`}>${title}</p>
    <p class="confirm-text" id=${`${id}-text`}>${children}</p>
    <div class="form-actions">
      <button type="button" class="btn btn-danger" disabled=${busy} onClick=${onConfirm} data-testid="confirm-ok">${label}</button>
      <button type="button" class="btn btn-secondary" ref=${cancel} disabled=${busy} onClick=${onCancel} data-testid="confirm-cancel">Cancel</button>
    </div>
  </div>`;
}

// The fields of a user that the edit form changes.
function formOf(u) {
  return { name: u.name || '', role: u.role || 'operator', chat_name: u.chat_name || '', main_language: u.main_language || '', chat_languages: u.chat_languages || [] };
}

function UserForm({ user, self, languages, onSaved }) {
  const [form, setForm] = useState(formOf(user));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);

  useEffect(() => setForm(formOf(user)), [user]);

  const saved0 = formOf(user);
  const enabled = useMemo(() => (languages || []).filter((l) => l.enabled), [languages]);
  const main = form.main_language;
  const mainOptions = enabled.some((l) => l.code === main) || !main ? enabled : [...enabled, { code: main, name: `${languageName(languages, main)} (not enabled)` }];
  const changed = {};
  if (form.name.trim() !== saved0.name) changed.name = form.name.trim();
  if (form.role !== saved0.role) changed.role = form.role;
  if (form.chat_name.trim() !== saved0.chat_name) changed.chat_name = form.chat_name.trim();
  if (form.main_language !== saved0.main_language) changed.main_language = form.main_language;
  if (!sameList(form.chat_languages, saved0.chat_languages)) changed.chat_languages = form.chat_languages;
  const dirty = Object.keys(changed).length > 0;
  const set = (field) => (e) => {
    setForm({ ...form, [field]: e.currentTarget.value });
    setSaved(false);
  };

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setSaved(false);
    try {
      // PATCH changes only the fields it is sent: send only what the admin changed.
      onSaved(await updateUser(user.id, changed));
      setSaved(true);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="editor-section" novalidate onSubmit=${submit} data-testid="user-form" aria-labelledby="user-form-title">
    <h3 id="user-form-title">Profile</h3>
    <div class="field">
      <label for="user-name">Name</label>
      <input id="user-name" value=${form.name} onInput=${set('name')} maxlength="100" required autocomplete="off" data-testid="user-name" />
    </div>
    <div class="field">
      <label for="user-role">Role</label>
      <select id="user-role" value=${form.role} onChange=${set('role')} disabled=${self} aria-describedby=${self ? 'user-role-hint' : undefined}
        data-testid="user-role">
        <option value="operator">Operator</option>
        <option value="supervisor">Supervisor</option>
        <option value="admin">Admin</option>
      </select>
      ${self ? html`<p class="hint" id="user-role-hint">You cannot change your own role.</p>` : null}
    </div>
    <div class="field">
      <label for="user-chat-name">Online Chat Name</label>
      <input id="user-chat-name" value=${form.chat_name} onInput=${set('chat_name')} maxlength="100" placeholder=${form.name}
        autocomplete="off" aria-describedby="user-chat-name-hint" data-testid="user-chat-name" />
      <p class="hint" id="user-chat-name-hint">The name visitors see. When empty, visitors see the user's name.</p>
    </div>
    <div class="field">
      <label for="user-main-language">Main language</label>
      <select id="user-main-language" value=${main} data-testid="user-main-language" onChange=${(e) => {
        const code = e.currentTarget.value;
        setForm({ ...form, main_language: code, chat_languages: form.chat_languages.filter((c) => c !== code) });
        setSaved(false);
      }}>
        ${!main ? html`<option value="">Choose a language</option>` : null}
        ${mainOptions.map((l) => html`<option key=${l.code} value=${l.code}>${l.name}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="user-chat-language-add">Online Chat Languages</label>
      <${ChatLanguagesPicker} prefix="user" value=${form.chat_languages} main=${main} enabled=${enabled} languages=${languages}
        onChange=${(list) => {
          setForm({ ...form, chat_languages: list });
          setSaved(false);
        }} />
      <p class="hint">Other languages the user chats in, among the languages enabled on this installation.</p>
    </div>
    <${Alert} testid="user-error">${error}<//>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy || !dirty} data-testid="user-save">${busy ? 'Saving…' : 'Save'}</button>
      ${dirty
        ? html`<button type="button" class="btn btn-secondary" onClick=${() => setForm(formOf(user))} data-testid="user-discard">Discard</button>`
        : null}
      ${saved && !dirty ? html`<span class="saved-status" role="status" data-testid="user-saved"><${IconCheck} /> User saved</span>` : null}
    </div>
  </form>`;
}

function ResetPasswordForm({ user, self, onReset }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');

  async function submit(e) {
    e.preventDefault();
    setError('');
    setDone('');
    if ([...password].length < PASSWORD_MIN) {
      setError(`The new password must have at least ${PASSWORD_MIN} characters.`);
      return;
    }
    setBusy(true);
    try {
      await resetPassword(user.id, password);
      setPassword('');
      setDone(`Password reset. ${user.name} was logged out everywhere and logs in with the new password.`);
      onReset();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="editor-section" novalidate onSubmit=${submit} data-testid="reset-password-form" aria-labelledby="reset-password-title">
    <h3 id="reset-password-title">Reset password</h3>
    <div class="field">
      <label for="reset-password">New password</label>
      <input id="reset-password" type="password" autocomplete="new-password" value=${password} minlength=${PASSWORD_MIN} required
        onInput=${(e) => setPassword(e.currentTarget.value)} aria-invalid=${error ? 'true' : undefined}
        aria-describedby="reset-password-hint" data-testid="reset-password-input" />
      <p class="hint" id="reset-password-hint">
        At least ${PASSWORD_MIN} characters. Every session of ${self ? 'yours, this one too,' : 'this user'} ends: ${self ? 'you log in again' : 'they log in again'} with the new password.
      </p>
    </div>
    <${Alert} testid="reset-password-error">${error}<//>
    <${Alert} kind="success" testid="reset-password-saved">${done}<//>
    <div class="form-actions">
      <button type="submit" class="btn btn-secondary" disabled=${busy} data-testid="reset-password-submit">${busy ? 'Resetting…' : 'Reset password'}</button>
    </div>
  </form>`;
}

// browserOf names the browser and system of a User-Agent, as far as it can be told.
export function browserOf(ua) {
  if (!ua) return 'Unknown browser';
  const pick = (list) => {
    for (const [re, name] of list) {
      const m = ua.match(re);
      if (m) return m[1] ? `${name} ${m[1].split('.')[0]}` : name;
    }
    return '';
  };
  const browser = pick([
    [/Edg(?:e|A|iOS)?\/([\d.]+)/, 'Edge'],
    [/OPR\/([\d.]+)/, 'Opera'],
    [/Firefox\/([\d.]+)/, 'Firefox'],
    [/HeadlessChrome\/([\d.]+)/, 'Headless Chrome'],
    [/Chrom(?:e|ium)\/([\d.]+)/, 'Chrome'],
    [/Version\/([\d.]+).*Safari\//, 'Safari'],
    [/^curl\/([\d.]+)/, 'curl'],
    [/^Go-http-client\/([\d.]+)/, 'Go HTTP client'],
  ]);
  const system = pick([
    [/Windows/, 'Windows'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/Android/, 'Android'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ]);
  if (!browser) return system ? `Unknown browser on ${system}` : 'Unknown browser';
  return system ? `${browser} on ${system}` : browser;
}

function When({ iso }) {
  if (!iso) return html`<span class="muted">—</span>`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso}>${d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}</time>`;
}

// seenSince tells whether the session was seen after its login: a server that does not
// track it gives the login's time, which would read as "not seen since".
function seenSince(s) {
  return !!s.last_seen_at && new Date(s.last_seen_at).getTime() > new Date(s.created_at).getTime();
}

function Sessions({ user, version }) {
  const [sessions, setSessions] = useState(null);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(0); // the session being revoked; -1 for all

  async function load() {
    try {
      setSessions(await loadSessions(user.id));
      setError('');
    } catch (err) {
      setError(err.message);
    }
  }

  useEffect(() => {
    load();
  }, [user.id, version]);

  async function revoke(s) {
    setBusy(s.id);
    setError('');
    setDone('');
    try {
      await revokeSession(user.id, s.id);
      setDone('Session revoked: that browser was logged out.');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(0);
      await load();
      refocusSessions();
    }
  }

  // A revoked session's row is gone, and Revoke all is disabled while it works: the focus
  // goes on from the section's heading.
  const refocusSessions = () => rescueFocus(() => document.getElementById('sessions-title'));

  async function revokeAll() {
    setBusy(-1);
    setError('');
    setDone('');
    try {
      await revokeSessions(user.id);
      setDone(`Every session of ${user.name} was revoked.`);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(0);
      await load();
      refocusSessions();
    }
  }

  return html`<section class="editor-section" aria-labelledby="sessions-title" data-testid="sessions">
    <div class="card-title-row">
      <h3 id="sessions-title">Sessions ${sessions ? html`<span class="muted small">${sessions.length} open</span>` : null}</h3>
      <button type="button" class="btn btn-secondary btn-sm" onClick=${revokeAll} disabled=${busy !== 0 || !sessions || sessions.length === 0}
        data-testid="sessions-revoke-all">${busy === -1 ? 'Revoking…' : 'Revoke all'}</button>
    </div>
    <${Alert} testid="sessions-error">${error}<//>
    <${Alert} kind="success" testid="sessions-done">${done}<//>
    ${sessions === null && !error
      ? html`<${Spinner} />`
      : sessions && sessions.length === 0
        ? html`<p class="muted" data-testid="sessions-empty">No open session: ${user.name} is logged out everywhere.</p>`
        : html`<ul class="session-list" data-testid="sessions-list">
            ${(sessions || []).map(
              (s) => html`<li key=${s.id} class=${cx('session', s.current && 'session-current')} data-testid="session-row"
                data-session-id=${s.id} data-current=${s.current ? 'true' : 'false'}>
                <div class="session-text">
                  <div class="session-browser">
                    <strong>${browserOf(s.user_agent)}</strong>
                    ${s.current ? html` <span class="pill pill-accent" data-testid="session-current">This session</span>` : null}
                  </div>
                  <dl class="session-facts">
                    <div><dt>Created</dt><dd><${When} iso=${s.created_at} /></dd></div>
                    ${seenSince(s) ? html`<div><dt>Last seen</dt><dd><${When} iso=${s.last_seen_at} /></dd></div>` : null}
                    <div><dt>Address</dt><dd data-testid="session-address">${s.address || '—'}</dd></div>
                  </dl>
                  ${s.user_agent ? html`<div class="session-ua muted small" data-testid="session-user-agent">${s.user_agent}</div>` : null}
                </div>
                <button type="button" class="btn btn-secondary btn-sm" disabled=${busy !== 0} onClick=${() => revoke(s)}
                  aria-label=${`Revoke the session of ${browserOf(s.user_agent)} from ${s.address || 'an unknown address'}${s.current ? ' (this session)' : ''}`}
                  data-testid="session-revoke">${busy === s.id ? 'Revoking…' : 'Revoke'}</button>
              </li>`,
            )}
          </ul>`}
  </section>`;
}

// Access: disable (or enable) and delete the account, each after a confirmation.
function Access({ user, self, onChanged, onDeleted }) {
  const [asking, setAsking] = useState(''); // '', 'disable', 'enable', 'delete'
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const buttons = { toggle: useRef(null), delete: useRef(null) };

  function ask(what) {
    setError('');
    setDone('');
    setAsking(what);
  }

  function cancel() {
    const back = asking === 'delete' ? buttons.delete : buttons.toggle;
    setAsking('');
    setTimeout(() => back.current && back.current.focus(), 0);
  }

  async function confirm() {
    setBusy(true);
    setError('');
    try {
      if (asking === 'delete') {
        await deleteUser(user.id);
        onDeleted(user);
        return;
      }
      const disabled = asking === 'disable';
      onChanged(await updateUser(user.id, { disabled }));
      setDone(disabled ? `${user.name} is disabled: logged out everywhere, and cannot log in.` : `${user.name} is enabled and can log in again.`);
      setAsking('');
      setTimeout(() => buttons.toggle.current && buttons.toggle.current.focus(), 0);
    } catch (err) {
      setError(err.message);
      setAsking('');
    } finally {
      setBusy(false);
    }
  }

  if (self) {
    return html`<section class="editor-section" aria-labelledby="access-title">
      <h3 id="access-title">Access</h3>
      <p class="muted" data-testid="access-self">You cannot disable or delete your own account: another admin can.</p>
    </section>`;
  }
  return html`<section class="editor-section" aria-labelledby="access-title" data-testid="access">
    <h3 id="access-title">Access</h3>
    <p class="hint">${user.disabled
      ? `${user.name} is disabled and cannot log in.`
      : 'Disabling logs the user out at once and keeps them from logging in; their ongoing conversations go to other operators.'}</p>
    <${Alert} testid="access-error">${error}<//>
    <${Alert} kind="success" testid="access-done">${done}<//>
    ${asking === 'disable'
      ? html`<${Confirm} id="confirm-disable" title=${`Disable ${user.name}?`} label="Disable" busy=${busy} onConfirm=${confirm} onCancel=${cancel}>
          ${user.name} is logged out everywhere at once, leaves every channel and cannot log in until enabled again. Their ongoing conversations go back to the queue for other operators.
        <//>`
      : asking === 'enable'
        ? html`<${Confirm} id="confirm-enable" title=${`Enable ${user.name}?`} label="Enable" busy=${busy} onConfirm=${confirm} onCancel=${cancel}>
            ${user.name} can log in again with their password, and join channels again.
          <//>`
        : asking === 'delete'
          ? html`<${Confirm} id="confirm-delete" title=${`Delete ${user.name}?`} label="Delete" busy=${busy} onConfirm=${confirm} onCancel=${cancel}>
              ${user.name} (${user.login}) is logged out everywhere and removed from the list of users. The conversations they took part in are kept. This cannot be undone.
            <//>`
          : html`<div class="form-actions">
              <button type="button" class="btn btn-secondary" ref=${buttons.toggle} onClick=${() => ask(user.disabled ? 'enable' : 'disable')}
                data-testid=${user.disabled ? 'user-enable' : 'user-disable'}>${user.disabled ? 'Enable' : 'Disable'}</button>
              <button type="button" class="btn btn-danger-outline" ref=${buttons.delete} onClick=${() => ask('delete')} data-testid="user-delete">Delete</button>
            </div>`}
  </section>`;
}

function UserEditor({ id, listed, me, languages, onChanged, onDeleted }) {
  const [user, setUser] = useState(listed || null);
  const [error, setError] = useState('');
  const [sessionsVersion, setSessionsVersion] = useState(0);
  const heading = useRef(null);

  useEffect(() => {
    loadUser(id)
      .then((u) => {
        setUser(u);
        onChanged(u);
      })
      .catch((e) => setError(e.status === 404 ? 'This user does not exist, or was deleted.' : e.message));
  }, [id]);

  // Opening the editor takes the focus to its heading, so that the keyboard goes on from there.
  const loaded = !!user;
  useEffect(() => {
    if (loaded && heading.current) heading.current.focus();
  }, [id, loaded]);

  const changed = (u) => {
    setUser(u);
    onChanged(u);
    setSessionsVersion((n) => n + 1);
  };

  if (!user) {
    return html`<section class="card form-card" data-testid="user-editor" aria-labelledby="user-editor-title">
      <h2 id="user-editor-title" tabindex="-1" ref=${heading}>Edit user</h2>
      ${error ? html`<${Alert} testid="user-editor-error">${error}<//>` : html`<${Spinner} />`}
      <a href=${href('admin', 'users')}>Back to adding a user</a>
    </section>`;
  }
  const self = me && me.id === user.id;
  return html`<section class="card form-card user-editor" data-testid="user-editor" data-user-id=${user.id} aria-labelledby="user-editor-title">
    <div class="editor-head">
      <${Avatar} name=${user.name} size=${44} />
      <div class="editor-head-text">
        <h2 id="user-editor-title" tabindex="-1" ref=${heading} data-testid="user-editor-title">Edit ${user.name}</h2>
        <div class="muted small">${user.login} · ${roleLabel(user.role)}${self ? ' · you' : ''}
          ${user.disabled ? html` <span class="pill pill-danger" data-testid="user-editor-disabled">Disabled</span>` : null}</div>
      </div>
    </div>
    <${Alert} testid="user-editor-error">${error}<//>
    <${UserForm} user=${user} self=${self} languages=${languages} onSaved=${changed} />
    <${ResetPasswordForm} user=${user} self=${self} onReset=${() => setSessionsVersion((n) => n + 1)} />
    <${Sessions} user=${user} version=${sessionsVersion} />
    <${Access} user=${user} self=${self} onChanged=${changed} onDeleted=${onDeleted} />
  </section>`;
}

export function AdminUsers({ route, me }) {
  const languages = useStore((s) => s.languages);
  const [users, setUsers] = useState(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const selected = route && route.id ? route.id : 0;

  useEffect(() => {
    loadUsers()
      .then(setUsers)
      .catch((e) => setError(e.message));
    loadLanguages();
  }, []);

  useEffect(() => {
    if (selected) setNotice('');
  }, [selected]);

  const upsert = (u) => setUsers((list) => (list ? list.map((x) => (x.id === u.id ? u : x)) : list));
  const removed = (u) => {
    setUsers((list) => (list || []).filter((x) => x.id !== u.id));
    setNotice(`${u.name} (${u.login}) was deleted.`);
    navigate(href('admin', 'users'));
    // The editor is gone with the user: the focus goes to the notice that says so.
    rescueFocus(() => document.querySelector('[data-testid="users-notice"]') || document.getElementById('users-title'));
  };

  const langs = (u) => [u.main_language, ...(u.chat_languages || [])].filter(Boolean).map((c) => languageName(languages, c)).join(', ');
  const listed = selected && users ? users.find((u) => u.id === selected) : null;
  return html`<div class="admin-split">
    <section class="card table-card" aria-labelledby="users-title">
      <div class="card-title-row">
        <h2 id="users-title">Users</h2>
        ${selected
          ? html`<a href=${href('admin', 'users')} class="btn btn-secondary btn-sm" data-testid="new-user-button"><${IconPlus} /> New user</a>`
          : null}
      </div>
      <${Alert}>${error}<//>
      <${Alert} kind="success" testid="users-notice">${notice}<//>
      ${users === null && !error
        ? html`<${Spinner} />`
        : html`<div class="table-wrap"><table class="table" data-testid="users-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Login</th><th scope="col">Role</th><th scope="col">Online Chat Name</th><th scope="col">Languages</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              ${(users || []).map(
                (u) => html`<tr key=${u.id} class=${cx(u.id === selected && 'selected', u.disabled && 'row-disabled')} data-testid="user-row"
                  data-login=${u.login} data-user-id=${u.id} data-disabled=${u.disabled ? 'true' : 'false'}>
                  <td><span class="cell-with-avatar"><${Avatar} name=${u.name} size=${28} /><span data-testid="user-row-name">${u.name}</span></span></td>
                  <td>${u.login}</td>
                  <td><span class=${u.role === 'admin' ? 'pill pill-accent' : 'pill'}>${roleLabel(u.role)}</span></td>
                  <td data-testid="user-row-chat-name">${u.chat_name || html`<span class="muted">—</span>`}</td>
                  <td data-testid="user-row-languages">${langs(u)}</td>
                  <td data-testid="user-row-status">${u.disabled ? html`<span class="pill pill-danger">Disabled</span>` : html`<span class="muted small">Active</span>`}</td>
                  <td class="cell-right">
                    <a href=${href('admin', `users/${u.id}`)} class="btn btn-secondary btn-sm" aria-current=${u.id === selected ? 'true' : undefined}
                      aria-label=${`Edit ${u.name}`} data-testid="user-edit">Edit</a>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
    </section>
    ${selected
      ? html`<${UserEditor} key=${selected} id=${selected} listed=${listed} me=${me} languages=${languages} onChanged=${upsert} onDeleted=${removed} />`
      : html`<${NewUserForm} onCreated=${(u) => setUsers([...(users || []), u])} />`}
  </div>`;
}
