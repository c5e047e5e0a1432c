// The badge of a visitor whose website vouched who they are (a verified identity token,
// identity.go): in the conversation's header, the LIVECHAT list and the chat windows.
import { html } from '../../vendor/preact-htm.js';

export function Verified({ conv, dark }) {
  if (!conv || !conv.visitor || !conv.visitor.verified) return null;
  return html`<span class=${dark ? 'chat-window-status' : 'status-pill status-active'} data-testid="verified-badge"
    title="Verified: logged in on the website, which vouched for this name"><span aria-hidden="true">✓ </span>Verified</span>`;
}
