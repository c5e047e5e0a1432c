// Why a conversation went to whom (explainable routing): the latest assignment decision
// in one line, as the server's rules explained it while deciding, and every decision in
// a table shown on demand. Supervisors see it in the read-only view of a conversation.
// Loaded with import() when first shown (Lazy).
import { html, useEffect, useState } from '../../vendor/preact-htm.js';
import { request } from '../api.js';

const kinds = { start: 'Started', queue: 'From the queue', transfer: 'Transfer', hand: 'By hand' };
const asides = {
  handed_over: 'Handed it over',
  offline: 'Offline',
  away: 'Away',
  at_cap: 'At the cap',
  language: 'Does not speak the language',
  missed_offer: 'Missed or declined the offer',
  missed_offers: 'Away after missed offers',
};
const tiers = { main: 'Main language', chat: 'Chat language', none: '—' };

function when(t) {
  return t ? new Date(t).toLocaleString() : 'Never';
}

function Decision({ r }) {
  return html`<tr>
    <td>${when(r.at)}</td>
    <td>${kinds[r.kind] || r.kind}</td>
    <td>${r.summary}
      <table class="table routing-candidates" data-testid="routing-candidates">
        <thead><tr><th scope="col">Operator</th><th scope="col">Set aside</th><th scope="col">Language</th>
          <th scope="col">Ongoing</th><th scope="col">Load</th><th scope="col">Last assigned</th></tr></thead>
        <tbody>${r.candidates.map((c) => html`<tr key=${c.operator_id}>
          <td>${c.name || `#${c.operator_id}`}${c.operator_id === r.operator_id ? ' (chosen)' : ''}${c.previous ? ' (previous)' : ''}</td>
          <td>${c.set_aside ? asides[c.set_aside] || c.set_aside : ''}</td>
          <td>${tiers[c.language_tier] || c.language_tier}</td>
          <td>${r.cap ? `${c.ongoing} / ${r.cap}` : c.ongoing}</td>
          <td>${c.load}</td>
          <td>${when(c.last_assigned)}</td>
        </tr>`)}</tbody>
      </table>
      ${r.omitted ? html`<p>${Object.values(r.omitted).reduce((a, b) => a + b, 0)} more members not listed.</p>` : null}
    </td>
  </tr>`;
}

export function RoutingSummary({ id }) {
  const [routing, setRouting] = useState(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let live = true;
    request('GET', `/api/conversations/${id}/routing`).then((r) => live && setRouting(r), () => live && setRouting(null));
    return () => { live = false; };
  }, [id]);
  if (!routing || !routing.latest) return null;
  return html`<div class="found-note routing" data-testid="routing">
    <span data-testid="routing-summary">${routing.latest.summary}</span>${' '}
    <button type="button" class="btn btn-secondary btn-sm" aria-expanded=${open ? 'true' : 'false'}
      data-testid="routing-toggle" onClick=${() => setOpen(!open)}>${open ? 'Hide routing' : 'Why?'}</button>
    ${open
      ? html`<div class="table-wrap" data-testid="routing-panel">
          <table class="table">
            <caption>Every assignment decision, oldest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Asked by</th><th scope="col">Decision</th></tr></thead>
            <tbody>${routing.history.map((r, i) => html`<${Decision} key=${i} r=${r} />`)}</tbody>
          </table>
        </div>`
      : null}
  </div>`;
}
