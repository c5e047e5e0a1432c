// The admin pages (role admin only), as tabs.
import { html } from '../../vendor/preact-htm.js';
import { href } from '../router.js';
import { PageHeader, Lazy } from './common.js';
import { AdminUsers } from './admin-users.js';
import { AdminChannels } from './admin-channels.js';
import { AdminLanguages } from './admin-languages.js';

const TABS = [
  ['users', 'Users'],
  ['channels', 'Channels'],
  ['languages', 'Languages'],
  ['canned-responses', 'Canned Responses'],
  ['files', 'Files'],
  ['data', 'Data'],
  ['audit-log', 'Audit log'],
  ['webhooks', 'Webhooks'],
];

export function AdminPage({ route, me }) {
  if (me.role !== 'admin') {
    return html`<main class="page"><div class="card empty-card" data-testid="admin-forbidden">Only an admin can see this page.</div></main>`;
  }
  return html`<main class="page" data-testid="admin-page">
    <${PageHeader} title="Administration" />
    <nav class="subnav" aria-label="Administration">
      ${TABS.map(
        ([key, label]) => html`<a key=${key} href=${href('admin', key)} class="subnav-link"
          aria-current=${route.sub === key ? 'page' : undefined} data-testid=${`admin-tab-${key}`}>${label}</a>`,
      )}
    </nav>
    ${route.sub === 'webhooks'
      ? html`<${Lazy} key="webhooks" load=${() => import('./admin-webhooks.js')} name="AdminWebhooks" />`
      : route.sub === 'data'
      ? html`<${Lazy} key="data" load=${() => import('./admin-data.js')} name="AdminData" />`
      : route.sub === 'audit-log'
        ? html`<${Lazy} key="audit" load=${() => import('./admin-audit.js')} name="AdminAudit" />`
        : route.sub === 'canned-responses'
      ? html`<${Lazy} key="canned" load=${() => import('./canned.js')} name="CannedResponses" shared=${true} />`
      : route.sub === 'files'
        ? html`<${Lazy} key="files" load=${() => import('./admin-files.js')} name="AdminFiles" />`
        : route.sub === 'channels' ? html`<${AdminChannels} />` : route.sub === 'languages' ? html`<${AdminLanguages} />` : html`<${AdminUsers} route=${route} me=${me} />`}
  </main>`;
}
