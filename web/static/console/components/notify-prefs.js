// My Profile → Preferences → Notifications: a sound and a desktop notification for a new
// conversation or visitor message while Parley's tab is in the background. Each switch is
// saved as soon as it changes. The browser is asked for its permission to show
// notifications only when the operator turns them on, never before (or, in another browser
// of theirs, when they click Allow notifications here).
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { savePreferences } from '../actions.js';
import { Alert } from './common.js';

const supported = 'Notification' in window;

function Switch({ id, label, checked, busy, onChange, testid }) {
  return html`<div class="field notify-switch">
    <span class="switch">
      <input id=${id} type="checkbox" role="switch" checked=${checked} disabled=${busy}
        onChange=${(e) => onChange(e.currentTarget.checked)} data-testid=${testid} />
      <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
    </span>
    <label for=${id}>${label}</label>
  </div>`;
}

export function NotificationSettings({ me }) {
  const [values, setValues] = useState({ notify_sound: me.notify_sound, notify_desktop: me.notify_desktop });
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const [permission, setPermission] = useState(supported ? Notification.permission : 'unsupported');

  useEffect(() => {
    setValues({ notify_sound: me.notify_sound, notify_desktop: me.notify_desktop });
  }, [me.notify_sound, me.notify_desktop]);

  // The permission may change in the browser's own settings (or its prompt) meanwhile.
  useEffect(() => {
    let status = null;
    const follow = () => setPermission(Notification.permission);
    if (supported && navigator.permissions) {
      navigator.permissions.query({ name: 'notifications' }).then((st) => {
        status = st;
        st.addEventListener('change', follow);
        follow();
      }, () => {});
    }
    return () => status && status.removeEventListener('change', follow);
  }, []);

  async function change(field, on) {
    // Asked here, in the operator's own click, which browsers require of the question.
    if (field === 'notify_desktop' && on && permission === 'default') {
      Notification.requestPermission().then(setPermission, () => {});
    }
    setValues((v) => ({ ...v, [field]: on }));
    setBusy(field);
    setError('');
    try {
      await savePreferences({ [field]: on });
    } catch (err) {
      setValues((v) => ({ ...v, [field]: !on }));
      setError(err.message);
    } finally {
      setBusy('');
    }
  }

  return html`<fieldset class="form-group" data-testid="notify-settings">
    <legend>Notifications</legend>
    <p class="hint">While Parley's tab is in the background, a new conversation or visitor message can play a sound and show a desktop notification. Saved as soon as you switch them.</p>
    <${Switch} id="pref-notify-sound" label="Play a sound" checked=${values.notify_sound} busy=${busy === 'notify_sound'}
      onChange=${(on) => change('notify_sound', on)} testid="pref-notify-sound" />
    <${Switch} id="pref-notify-desktop" label="Show desktop notifications" checked=${values.notify_desktop} busy=${busy === 'notify_desktop'}
      onChange=${(on) => change('notify_desktop', on)} testid="pref-notify-desktop" />
    ${!values.notify_desktop
      ? null
      : permission === 'denied'
        ? html`<p class="hint" role="note" data-testid="pref-notify-blocked">Your browser blocks notifications from Parley: allow them in this site's settings.</p>`
        : permission === 'unsupported'
          ? html`<p class="hint" role="note" data-testid="pref-notify-blocked">This browser cannot show desktop notifications.</p>`
          : permission === 'default'
            ? html`<p class="hint" role="note">This browser has not been allowed to show Parley's notifications yet.
                <button type="button" class="btn btn-secondary btn-sm" onClick=${() => Notification.requestPermission().then(setPermission, () => {})}
                  data-testid="pref-notify-allow">Allow notifications</button></p>`
            : null}
    <${Alert} testid="pref-notify-error">${error}<//>
  </fieldset>`;
}
