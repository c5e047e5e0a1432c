// Admin → Users: every user, and a form to add an operator or an admin.
import { html, useState, useEffect } from '/vendor/preact-htm.js';
import { useStore } from '../store.js';
import { loadUsers, createUser } from '../actions.js';
import { Avatar, Alert, Spinner } from './common.js';
import { languageName } from '../util.js';

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

export function AdminUsers() {
  const languages = useStore((s) => s.languages);
  const [users, setUsers] = useState(null);
  const [error, setError] = useState('');

  useEffect(() => {
    loadUsers()
      .then(setUsers)
      .catch((e) => setError(e.message));
  }, []);

  const langs = (u) => [u.main_language, ...(u.chat_languages || [])].filter(Boolean).map((c) => languageName(languages, c)).join(', ');
  return html`<div class="admin-split">
    <section class="card table-card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <${Alert}>${error}<//>
      ${users === null && !error
        ? html`<${Spinner} />`
        : html`<div class="table-wrap"><table class="table" data-testid="users-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Login</th><th scope="col">Role</th><th scope="col">Online Chat Name</th><th scope="col">Languages</th></tr></thead>
            <tbody>
              ${(users || []).map(
                (u) => html`<tr key=${u.id} data-testid="user-row" data-login=${u.login}>
                  <td><span class="cell-with-avatar"><${Avatar} name=${u.name} size=${28} />${u.name}</span></td>
                  <td>${u.login}</td>
                  <td><span class=${u.role === 'admin' ? 'pill pill-accent' : 'pill'}>${u.role === 'admin' ? 'Admin' : 'Operator'}</span></td>
                  <td>${u.chat_name || html`<span class="muted">—</span>`}</td>
                  <td>${langs(u)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
    </section>
    <${NewUserForm} onCreated=${(u) => setUsers([...(users || []), u])} />
  </div>`;
}
