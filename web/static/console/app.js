// Parley's operator console: plain ES modules with Preact + htm, no build step. This entry
// renders the page for the current hash route, the menu bar and the chat windows, and
// keeps the tab's title counting unread visitor messages.
import { html, render, useEffect } from '../vendor/preact-htm.js';
import { useStore, subscribe } from './store.js';
import { boot } from './actions.js';
import { startRouter } from './router.js';
import { MenuBar } from './components/menubar.js';
import { LoginPage } from './components/login.js';
import { DiscussPage } from './components/discuss.js';
import { ChannelsPage } from './components/channels.js';
import { Notices } from './components/notices.js';
import { Spinner, Lazy } from './components/common.js';
import { ChatWindows } from './chatwindows.js';
import { Offers } from './offers.js';

// Pages an operator opens now and then are loaded when first opened.
const loadProfile = () => import('./components/profile.js');
const loadAdmin = () => import('./components/admin.js');
const loadInbox = () => import('./components/inbox.js');
const loadLive = () => import('./components/live.js');
const loadReports = () => import('./components/reports.js');

const TITLE = 'Parley';

function Page({ route, me }) {
  switch (route.page) {
    case 'channels':
      return html`<${ChannelsPage} />`;
    case 'inbox':
      return html`<${Lazy} load=${loadInbox} name="InboxPage" route=${route} />`;
    case 'profile':
      return html`<${Lazy} load=${loadProfile} name="ProfilePage" route=${route} />`;
    case 'admin':
      return html`<${Lazy} load=${loadAdmin} name="AdminPage" route=${route} me=${me} />`;
    case 'live':
      return html`<${Lazy} load=${loadLive} name="LivePage" me=${me} />`;
    case 'reports':
      return html`<${Lazy} load=${loadReports} name="ReportsPage" me=${me} />`;
    default:
      return html`<${DiscussPage} route=${route} />`;
  }
}

// The skip link moves the focus without touching the hash, which holds the route.
function skipToContent(e) {
  e.preventDefault();
  const main = document.getElementById('main-content');
  if (main) main.focus();
}

// Announcer is the polite live region, on the page from the first render so that screen
// readers follow it before anything is said in it (a new conversation, for instance).
function Announcer() {
  const said = useStore((s) => s.announcement);
  return html`<div class="visually-hidden" aria-live="polite" data-testid="announcer">
    ${said ? html`<span key=${said.n}>${said.text}</span>` : null}
  </div>`;
}

function App() {
  const authChecked = useStore((s) => s.authChecked);
  const me = useStore((s) => s.me);
  const route = useStore((s) => s.route);
  const bootError = useStore((s) => s.bootError);

  useEffect(() => {
    document.body.classList.toggle('signed-in', !!me);
  }, [me]);

  return html`<${Face} authChecked=${authChecked} me=${me} route=${route} bootError=${bootError} /><${Announcer} />`;
}

function Face({ authChecked, me, route, bootError }) {
  if (!authChecked) return html`<div class="boot"><${Spinner} label="Loading Parley…" /></div>`;
  if (!me) {
    return html`<div class="app app-login"><${Notices} /><${LoginPage} bootError=${bootError} /></div>`;
  }
  return html`<div class=${`app page-${route.page}`}>
    <a class="skip-link" href="#/" onClick=${skipToContent}>Skip to content</a>
    <${MenuBar} me=${me} route=${route} />
    <${Notices} />
    <div id="main-content" class="content" tabindex="-1"><${Page} route=${route} me=${me} /></div>
    <${ChatWindows} />
    <${Offers} />
  </div>`;
}

// The title counts the unread messages of visitors: "(2) Parley".
let lastTitle = '';
subscribe((s) => {
  const unread = s.me ? Object.values(s.conversations).reduce((n, c) => n + (c.unread > 0 ? c.unread : 0), 0) : 0;
  const title = unread ? `(${unread}) ${TITLE}` : TITLE;
  if (title !== lastTitle) {
    lastTitle = title;
    document.title = title;
  }
});

startRouter();
render(html`<${App} />`, document.getElementById('app'));
boot();
