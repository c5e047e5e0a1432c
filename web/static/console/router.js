// Hash routing: #/discuss[/ID[/SEQ]] (SEQ: a message to show, found by a search),
// #/channels, #/inbox[/ID], #/live, #/reports, #/profile[/preferences|security],
// #/admin/users[/ID]|channels|languages|canned-responses|files|data|audit-log|webhooks.
import { setState } from './store.js';

export const PAGES = ['discuss', 'channels', 'inbox', 'live', 'reports', 'profile', 'admin'];
export const ADMIN_PAGES = ['users', 'channels', 'languages', 'canned-responses', 'files', 'data', 'audit-log', 'webhooks'];
export const PROFILE_TABS = ['preferences', 'security'];

export function parseRoute(hash) {
  const parts = String(hash || '')
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean);
  const page = PAGES.includes(parts[0]) ? parts[0] : 'discuss';
  const route = { page, id: 0, sub: '' };
  if (page === 'inbox') route.id = Number.parseInt(parts[1], 10) > 0 ? Number.parseInt(parts[1], 10) : 0;
  if (page === 'discuss') route.id = Number.parseInt(parts[1], 10) > 0 ? Number.parseInt(parts[1], 10) : 0;
  if (page === 'discuss' && route.id) route.seq = Number.parseInt(parts[2], 10) > 0 ? Number.parseInt(parts[2], 10) : 0;
  if (page === 'admin') route.sub = ADMIN_PAGES.includes(parts[1]) ? parts[1] : 'users';
  if (page === 'admin' && route.sub === 'users') route.id = Number.parseInt(parts[2], 10) > 0 ? Number.parseInt(parts[2], 10) : 0;
  if (page === 'profile') route.sub = PROFILE_TABS.includes(parts[1]) ? parts[1] : 'preferences';
  return route;
}

export function href(page, rest) {
  return rest ? `#/${page}/${rest}` : `#/${page}`;
}

export function navigate(hash) {
  if (location.hash !== hash) location.hash = hash;
}

function sync() {
  setState({ route: parseRoute(location.hash) });
}

export function startRouter() {
  window.addEventListener('hashchange', sync);
  sync();
}
