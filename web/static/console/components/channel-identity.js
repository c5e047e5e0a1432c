// Admin → Channels: a channel's identity secret (identity.go), with which its website signs
// who its logged-in visitors are. Set or rotated here, the new secret is shown once; the
// server never shows it again. Loaded with the channel form.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { request } from '../api.js';
import { Alert } from './common.js';

export function ChannelIdentity({ channel }) {
  const [status, setStatus] = useState(null);
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const url = `/api/channels/${channel.id}/identity-secret`;

  useEffect(() => {
    let live = true;
    setStatus(null);
    setSecret('');
    setError('');
    request('GET', url).then(
      (s) => live && setStatus(s),
      (e) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [channel.id]);

  async function act(method) {
    if (method === 'POST' && status && status.set && !confirm('Rotate the secret? Tokens signed with the current one stop working.')) return;
    setBusy(true);
    setError('');
    try {
      const s = await request(method, url);
      setSecret(s ? s.secret : '');
      setStatus(s || { set: false, set_at: null });
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  }

  const set = status && status.set;
  return html`<div class="field" data-testid="channel-identity">
    <span class="label" id="channel-identity-label">Visitor identity</span>
    <p class="hint">
      A website whose visitors log in can sign who they are (a JWT, HS256, with <code>user_id</code>, <code>name</code>,
      <code>email</code>, <code>exp</code>, <code>iat</code> and <code>jti</code>) with this secret and pass it to the widget
      (<code>data-identity-token</code>). Operators then see the visitor verified, and the same user's conversations on every device.
    </p>
    <p data-testid="channel-identity-status">${status === null ? '' : set ? `Secret set ${new Date(status.set_at).toLocaleString()}.` : 'No secret: identity tokens are refused.'}</p>
    ${secret
      ? html`<div class="snippet-box">
          <label for="channel-identity-secret" class="hint">The new secret, shown this once: keep it on your website's server.</label>
          <input id="channel-identity-secret" readonly class="code" value=${secret} data-testid="channel-identity-secret"
            onFocus=${(e) => e.currentTarget.select()} />
        </div>`
      : null}
    <${Alert} testid="channel-identity-error">${error}<//>
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" disabled=${busy || status === null} onClick=${() => act('POST')}
        data-testid="channel-identity-rotate">${set ? 'Rotate secret' : 'Create secret'}</button>
      ${set
        ? html`<button type="button" class="btn btn-secondary" disabled=${busy} onClick=${() => act('DELETE')}
            data-testid="channel-identity-remove">Remove secret</button>`
        : null}
    </div>
  </div>`;
}
