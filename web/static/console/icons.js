// Inline SVG icons (the CSP allows no icon font from elsewhere). Decorative: hidden from
// screen readers, the buttons that hold them carry the label.
import { html } from '../vendor/preact-htm.js';

const svg = (body, size = 20) => html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24" fill="none"
  stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"
  focusable="false">${body}</svg>`;

// Two speech bubbles, like Odoo's fa-comments "messages" icon.
export const IconMessages = ({ size }) =>
  svg(
    html`<path d="M15 9.5c0 3.04-2.91 5.5-6.5 5.5-.96 0-1.87-.17-2.69-.49L2.5 15.5l1.02-2.7C2.57 11.87 2 10.73 2 9.5 2 6.46 4.91 4 8.5 4S15 6.46 15 9.5z" fill="currentColor" fill-opacity="0.25"/>
      <path d="M17.2 8.6c2.7.6 4.8 2.7 4.8 5.2 0 1.2-.5 2.3-1.3 3.2l.9 2.5-3.1-1a7.6 7.6 0 0 1-2.5.4c-2.4 0-4.5-1-5.7-2.6"/>`,
    size,
  );
export const IconChevronDown = ({ size = 16 }) => svg(html`<path d="M6 9l6 6 6-6"/>`, size);
export const IconChevronUp = ({ size = 16 }) => svg(html`<path d="M6 15l6-6 6 6"/>`, size);
export const IconClose = ({ size = 16 }) => svg(html`<path d="M6 6l12 12M18 6L6 18"/>`, size);
export const IconMinus = ({ size = 16 }) => svg(html`<path d="M5 12h14"/>`, size);
export const IconSend = ({ size = 18 }) => svg(html`<path d="M4 12l16-8-6 16-2.5-6.5L4 12z"/><path d="M11.5 13.5L20 4"/>`, size);
export const IconUser = ({ size = 16 }) => svg(html`<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 3.6-7 8-7s8 3 8 7"/>`, size);
export const IconLogout = ({ size = 16 }) => svg(html`<path d="M15 4h4v16h-4"/><path d="M10 8l-4 4 4 4M6 12h10"/>`, size);
export const IconCopy = ({ size = 16 }) => svg(html`<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3"/>`, size);
export const IconCheck = ({ size = 16 }) => svg(html`<path d="M5 12.5l4.5 4.5L19 7.5"/>`, size);
export const IconPlus = ({ size = 16 }) => svg(html`<path d="M12 5v14M5 12h14"/>`, size);
export const IconTransfer = ({ size = 16 }) => svg(html`<path d="M4 8h14l-3.5-3.5M20 16H6l3.5 3.5"/>`, size);
export const IconExpand = ({ size = 16 }) => svg(html`<path d="M14 4h6v6M10 20H4v-6M20 4l-7 7M4 20l7-7"/>`, size);
export const IconInbox = ({ size = 40 }) =>
  svg(html`<path d="M4 13l2.5-7h11L20 13v6H4z"/><path d="M4 13h5l1 2h4l1-2h5"/>`, size);
export const IconLogo = ({ size = 22 }) =>
  html`<svg class="icon logo" width=${size} height=${size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d="M12 3C6.5 3 2 6.8 2 11.5c0 2.3 1.1 4.4 2.9 5.9L4 21l4.1-2.1c1.2.4 2.5.6 3.9.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3z" fill="currentColor"/>
    <circle cx="8" cy="11.5" r="1.3" fill="#714B67"/><circle cx="12" cy="11.5" r="1.3" fill="#714B67"/><circle cx="16" cy="11.5" r="1.3" fill="#714B67"/>
  </svg>`;
export const IconClip = () => svg(html`<path d="M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"/>`);
