// A visitor's rating of a conversation as the console shows it: good, okay or bad (the
// widget's faces and words), with the visitor's comment. RatingBadge is the short form,
// for the lists (Discuss's LIVECHAT list, the messages drop-down); RatingNote the whole
// of it, at the end of the conversation (the Discuss pane and the chat windows).
import { html } from '../../vendor/preact-htm.js';

const FACE = 'M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z';
const RATINGS = {
  5: { kind: 'good', label: 'Good', paths: [FACE, 'M8 14s1.5 2 4 2 4-2 4-2', 'M9 9h.01', 'M15 9h.01'] },
  3: { kind: 'okay', label: 'Okay', paths: [FACE, 'M8 15h8', 'M9 9h.01', 'M15 9h.01'] },
  1: { kind: 'bad', label: 'Bad', paths: [FACE, 'M16 16s-1.5-2-4-2-4 2-4 2', 'M9 9h.01', 'M15 9h.01'] },
};

const ratingOf = (r) => RATINGS[r.score] || RATINGS[3];

function Face({ rating, size = 14 }) {
  return html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24" fill="none" stroke="currentColor"
    stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
    ${ratingOf(rating).paths.map((d) => html`<path d=${d} />`)}
  </svg>`;
}

// ratingLabel is the rating in words, for labels and titles: "Rated good: “comment”".
export function ratingLabel(rating) {
  const r = ratingOf(rating);
  return `Rated ${r.label.toLowerCase()}${rating.comment ? `: “${rating.comment}”` : ''}`;
}

export function RatingBadge({ rating }) {
  if (!rating) return null;
  const r = ratingOf(rating);
  const label = ratingLabel(rating);
  return html`<span class=${`rating-badge rating-${r.kind}`} data-testid="rating-badge" data-score=${rating.score}
    title=${label} aria-label=${label} role="img"><${Face} rating=${rating} /><span aria-hidden="true">${r.label}</span></span>`;
}

export function RatingNote({ rating }) {
  if (!rating) return null;
  const r = ratingOf(rating);
  return html`<div class=${`rating-note rating-${r.kind}`} data-testid="rating-note" data-score=${rating.score}>
    <${Face} rating=${rating} size=${16} />
    <span>The visitor rated it <strong>${r.label.toLowerCase()}</strong>${rating.comment
      ? html`: <q data-testid="rating-comment">${rating.comment}</q>`
      : '.'}</span>
  </div>`;
}
