// Notices under the menu bar: what the server told the operator out of turn (a removal
// from a channel after inactivity, a refused WebSocket frame, an expired session).
import { html } from '../../vendor/preact-htm.js';
import { useStore, dismiss } from '../store.js';
import { IconClose } from '../icons.js';
import { mainContent, rescueFocus } from '../util.js';

// A dismissed notice takes its button away: the focus goes to the next notice's, or to the
// page's main content.
function dismissAndRefocus(id, e) {
  const notices = e.currentTarget.closest('.notices');
  dismiss(id);
  rescueFocus(() => (notices && notices.querySelector('.notice-dismiss')) || mainContent());
}

export function Notices() {
  const notices = useStore((s) => s.notices);
  if (!notices.length) return null;
  return html`<div class="notices" aria-live="polite">
    ${notices.map(
      (n) => html`<div key=${n.id} class=${`notice notice-${n.kind}`} role=${n.kind === 'error' ? 'alert' : 'status'}
        data-testid="notice" data-kind=${n.kind}>
        <span class="notice-text">${n.text}</span>
        <button type="button" class="notice-dismiss" onClick=${(e) => dismissAndRefocus(n.id, e)} aria-label="Dismiss"
          data-testid="notice-dismiss"><${IconClose} /></button>
      </div>`,
    )}
  </div>`;
}
