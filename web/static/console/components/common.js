// Small pieces used on several pages.
import { html, useState, useEffect } from '../../vendor/preact-htm.js';
import { avatarHue, initials, cx } from '../util.js';

export function Avatar({ name, size = 32, className, testid }) {
  const style = { '--avatar-hue': String(avatarHue(name)), '--avatar-size': `${size}px` };
  return html`<span class=${cx('avatar', className)} style=${style} aria-hidden="true" data-testid=${testid}>${initials(name)}</span>`;
}

const STATUS_LABEL = { online: 'Online', away: 'Away', offline: 'Offline' };

export function PresenceDot({ status }) {
  return html`<span class=${cx('presence', `presence-${status}`)} title=${STATUS_LABEL[status] || status}>
    <span class="visually-hidden">${STATUS_LABEL[status] || status}</span>
  </span>`;
}

export function Spinner({ label = 'Loading…' }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</div>`;
}

export function Alert({ kind = 'error', children, testid }) {
  if (!children) return null;
  return html`<div class=${cx('alert', `alert-${kind}`)} role=${kind === 'error' ? 'alert' : 'status'} data-testid=${testid}>${children}</div>`;
}

// Lazy shows the component a module exports as name, the module fetched with load()
// (an import()) when first shown: code the console's first load does without. Once
// loaded, the component shows at once.
const loaded = new Map();

export function Lazy({ load, name, ...props }) {
  const [state, setState] = useState(null);
  const C = loaded.get(name);
  useEffect(() => {
    if (C) return;
    let live = true;
    load().then(
      (m) => { loaded.set(name, m[name]); if (live) setState({}); },
      () => live && setState({ failed: true }),
    );
    return () => { live = false; };
  }, [name]);
  if (C) return html`<${C} ...${props} />`;
  return state?.failed ? html`<${Alert}>This part of the page could not be loaded: reload the page.<//>` : html`<${Spinner} />`;
}

export function PageHeader({ title, children }) {
  return html`<div class="page-header">
    <h1>${title}</h1>
    ${children ? html`<div class="page-header-actions">${children}</div>` : null}
  </div>`;
}

