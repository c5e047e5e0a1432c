// Offer and accept: in a channel that offers conversations, the operator chosen gets a
// card (the visitor, the channel, the language, the first message, a countdown) with
// Accept and Decline, until they answer or the time runs out; an operator set away for
// missing two offers in a row sees a notice with "I'm back". The offers come from the
// live offer events and, at each (re)connection, GET /api/offers.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { request } from './api.js';
import { getState, setState, subscribe, useStore, notify, announce } from './store.js';
import { onConversationEvent, onServerEvent } from './actions.js';
import { languageName } from './util.js';

let stylesheet = false;
function addStylesheet() {
  if (stylesheet) return;
  stylesheet = true;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./offers.css', import.meta.url).href;
  document.head.appendChild(link);
}

// The offers shown: [{...offer, deadline}], deadline in this browser's clock.
function setOffers(fn) {
  setState((s) => ({ offers: fn(s.offers || []) }));
}

function addOffer(o, deadline) {
  addStylesheet();
  setOffers((list) => [...list.filter((x) => x.conversation_id !== o.conversation_id), { ...o, deadline }]);
}

function dropOffer(id) {
  setOffers((list) => list.filter((x) => x.conversation_id !== id));
}

async function loadOffers() {
  try {
    const got = await request('GET', '/api/offers');
    const lead = Date.parse(got.now) - Date.now(); // the server's clock's lead on this browser's
    if (got.offers.length || got.away) addStylesheet();
    setState({
      offers: got.offers.map((o) => ({ ...o, deadline: Date.parse(o.expires_at) - lead })),
      offersAway: got.away,
    });
  } catch (e) {
    if (e.status !== 401) notify(e.message, 'error');
  }
}

onServerEvent((ev) => {
  switch (ev.type) {
    case 'offer':
      if (!ev.offer) return;
      // The event is sent as the offer is made: its whole countdown is ahead.
      addOffer(ev.offer, Date.now() + ev.offer.seconds * 1000);
      announce(`Chat offer from ${ev.offer.visitor.name || 'a visitor'}`);
      break;
    case 'offer_ended':
      dropOffer(ev.conversation_id);
      break;
    case 'offers_away':
      if (ev.away) addStylesheet();
      setState({ offersAway: !!ev.away });
      break;
    default:
  }
});

// Each time the live connection opens, what may have been missed is read again.
let connection = 'closed';
subscribe((s) => {
  if (s.connection === connection) return;
  const opened = s.connection === 'open';
  connection = s.connection;
  if (opened && s.me) loadOffers();
});

export async function acceptOffer(id) {
  try {
    const c = await request('POST', `/api/conversations/${id}/accept`);
    dropOffer(id);
    onConversationEvent(c);
  } catch (e) {
    if (e.status === 409) dropOffer(id);
    notify(e.message, 'error');
  }
}

export async function declineOffer(id) {
  try {
    await request('POST', `/api/conversations/${id}/decline`);
  } catch (e) {
    notify(e.message, 'error');
  }
  dropOffer(id);
}

export async function back() {
  try {
    await request('POST', '/api/me/back');
    setState({ offersAway: false });
  } catch (e) {
    notify(e.message, 'error');
  }
}

function useTick(on) {
  const [, setN] = useState(0);
  useEffect(() => {
    if (!on) return undefined;
    const t = setInterval(() => setN((n) => n + 1), 250);
    return () => clearInterval(t);
  }, [on]);
}

function OfferCard({ o, languages }) {
  const left = Math.max(0, o.deadline - Date.now());
  const seconds = Math.ceil(left / 1000);
  const total = o.seconds * 1000;
  useEffect(() => {
    if (left > 0) return undefined;
    const t = setTimeout(() => dropOffer(o.conversation_id), 500); // the server withdraws it too
    return () => clearTimeout(t);
  }, [left > 0]);
  const name = o.visitor.name || 'A visitor';
  return html`<section class="offer-card" data-testid="offer-card" data-conversation-id=${o.conversation_id}
      aria-labelledby=${`offer-${o.conversation_id}`}>
    <h2 id=${`offer-${o.conversation_id}`} class="offer-title">Chat offer: ${name}</h2>
    <p class="offer-meta">${o.channel_name} · ${languageName(languages, o.language) || o.language}</p>
    <p class="offer-message" data-testid="offer-message">${o.first_message}</p>
    <div class="offer-countdown">
      <progress max=${total} value=${left} aria-label="Time left to accept"></progress>
      <span data-testid="offer-seconds">${seconds} s</span>
    </div>
    <div class="offer-actions">
      <button type="button" class="btn btn-primary btn-sm" data-testid="offer-accept"
        onClick=${() => acceptOffer(o.conversation_id)}>Accept</button>
      <button type="button" class="btn btn-secondary btn-sm" data-testid="offer-decline"
        onClick=${() => declineOffer(o.conversation_id)}>Decline</button>
    </div>
  </section>`;
}

// Offers is the corner where the offers and the away notice show, on every page.
export function Offers() {
  const offers = useStore((s) => s.offers);
  const away = useStore((s) => s.offersAway);
  const languages = useStore((s) => s.languages);
  useTick(!!(offers && offers.length));
  if (!away && !(offers && offers.length)) return null;
  return html`<div class="offers" role="region" aria-label="Chat offers" data-testid="offers">
    ${away
      ? html`<div class="offer-card offer-away" role="status" data-testid="offers-away">
          <p>You missed two chat offers and were set away.</p>
          <button type="button" class="btn btn-primary btn-sm" data-testid="offers-back" onClick=${back}>I'm back</button>
        </div>`
      : null}
    ${(offers || []).map((o) => html`<${OfferCard} key=${o.conversation_id} o=${o} languages=${languages} />`)}
  </div>`;
}

// A console that opens already connected (a hot reload of this module) reads them now.
if (getState().connection === 'open' && getState().me) loadOffers();
