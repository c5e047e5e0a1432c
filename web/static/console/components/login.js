// The login page, shown to anyone without a valid session.
import { html, useState, useRef, useEffect } from '../../vendor/preact-htm.js';
import { login } from '../actions.js';
import { IconLogo } from '../icons.js';
import { Alert } from './common.js';
import { mainContent, rescueFocus } from '../util.js';

export function LoginPage({ bootError }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useRef(null);

  useEffect(() => {
    if (first.current) first.current.focus();
  }, []);

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await login(name.trim(), password);
      // The login form is gone: the focus goes on from the page the operator lands on.
      rescueFocus(mainContent);
    } catch (err) {
      setError(err.message);
      setPassword('');
      setBusy(false);
    }
  }

  return html`<main class="login-page">
    <form class="login-card card" onSubmit=${submit} data-testid="login-form" novalidate>
      <div class="login-brand"><${IconLogo} size=${36} /><span>Parley</span></div>
      <h1>Log in to the operator console</h1>
      ${bootError ? html`<${Alert} kind="warning">${bootError}<//>` : null}
      <div class="field">
        <label for="login-login">Login</label>
        <input id="login-login" ref=${first} name="login" autocomplete="username" autocapitalize="none" spellcheck="false"
          value=${name} onInput=${(e) => setName(e.currentTarget.value)} data-testid="login-input" required />
      </div>
      <div class="field">
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password"
          value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} data-testid="password-input" required />
      </div>
      <${Alert} testid="login-error">${error}<//>
      <button class="btn btn-primary btn-block" type="submit" disabled=${busy} data-testid="login-submit">
        ${busy ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  </main>`;
}
