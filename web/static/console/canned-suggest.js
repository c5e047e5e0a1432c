// Completion of canned responses in a composer, loaded with import() the first time a
// composer sees a ":". Typing ":" at the start of a word and then letters lists the
// responses whose shortcut starts with them, then those whose text holds them, most used
// first. Up and Down choose, Tab or Enter (which then does not send) or a click insert
// the text in place of ":word", Escape closes. The list is a listbox the textarea points
// at with aria-activedescendant, so the focus never leaves the textarea.
import { html, useState, useRef, useLayoutEffect } from '../vendor/preact-htm.js';
import { announce } from './store.js';
import { useCanned, countUse } from './canned.js';

const WORD = /(?:^|\s):([\p{L}\p{N}_-]+)$/u;
const WORD_REST = /^[\p{L}\p{N}_-]*/u;
const SHOWN = 6;

// token is the ":word" that ends right at the caret of el (no selection), or null.
function token(el, text) {
  if (!el || document.activeElement !== el || el.selectionStart !== el.selectionEnd) return null;
  // Text starting with "/" is a command, which completes its own way.
  if (text.startsWith('/')) return null;
  const end = el.selectionStart;
  const m = WORD.exec(text.slice(0, end));
  if (!m) return null;
  const rest = WORD_REST.exec(text.slice(end))[0].length;
  return { start: end - m[1].length - 1, end: end + rest, query: m[1].toLowerCase() };
}

function matches(list, q) {
  const short = [];
  const inText = [];
  for (const c of list) {
    const s = c.shortcut.toLowerCase();
    if (s.startsWith(q)) short.push(c);
    else if (s.includes(q) || c.body.toLowerCase().includes(q)) inText.push(c);
  }
  return [...short, ...inText].slice(0, SHOWN);
}

// Suggestions is given the composer's textarea (input, a ref), its text and setText, and
// keys, a ref it sets to its key handler while the list shows (the handler returns true
// for the keys it took).
export function Suggestions({ input, text, setText, keys, id }) {
  const { list } = useCanned();
  const [, moved] = useState(0); // the caret moved: look again
  const [closed, setClosed] = useState(''); // the token Escape closed the list on
  const [sel, setSel] = useState({ key: '', i: 0 });
  const caret = useRef(null); // where the caret goes after an insertion
  const wasOpen = useRef(false);

  const el = input.current;
  const tok = list && list.length ? token(el, text) : null;
  const key = tok ? `${tok.start}:${tok.query}` : '';
  const options = tok ? matches(list, tok.query) : [];
  const open = options.length > 0 && key !== closed;
  const i = sel.key === key ? Math.min(sel.i, options.length - 1) : 0;
  const listId = `${id}-canned`;
  const optionId = (c) => `${listId}-${c.id}`;

  function insert(c) {
    caret.current = tok.start + c.body.length;
    setText(text.slice(0, tok.start) + c.body + text.slice(tok.end));
    countUse(c.id);
  }

  keys.current = open
    ? (e) => {
        if (e.isComposing) return false;
        const move = { ArrowDown: 1, ArrowUp: -1 }[e.key];
        if (move) setSel({ key, i: (i + move + options.length) % options.length });
        else if ((e.key === 'Tab' || e.key === 'Enter') && !e.shiftKey) insert(options[i]);
        else if (e.key === 'Escape') {
          setClosed(key);
          e.stopPropagation();
        } else return false;
        e.preventDefault();
        return true;
      }
    : null;

  useLayoutEffect(() => {
    if (!el) return undefined;
    const look = () => moved((n) => n + 1);
    const events = ['keyup', 'click', 'focus', 'blur'];
    for (const ev of events) el.addEventListener(ev, look);
    el.setAttribute('aria-autocomplete', 'list');
    return () => {
      for (const ev of events) el.removeEventListener(ev, look);
      for (const a of ['aria-autocomplete', 'aria-controls', 'aria-activedescendant']) el.removeAttribute(a);
      keys.current = null;
    };
  }, [el]);

  useLayoutEffect(() => {
    if (!el) return;
    if (caret.current !== null) {
      el.setSelectionRange(caret.current, caret.current);
      caret.current = null;
      moved((n) => n + 1);
    }
    if (open) {
      el.setAttribute('aria-controls', listId);
      el.setAttribute('aria-activedescendant', optionId(options[i]));
    } else {
      el.removeAttribute('aria-controls');
      el.removeAttribute('aria-activedescendant');
    }
    if (open && !wasOpen.current) {
      const n = options.length;
      announce(`${n} canned response${n === 1 ? '' : 's'}: Up and Down to choose, Tab to insert, Escape to close.`);
    }
    wasOpen.current = open;
  });

  if (!open) return null;
  // mousedown would take the focus from the textarea, and close the list.
  return html`<ul class="canned-suggest" role="listbox" id=${listId} aria-label="Canned responses"
    onMouseDown=${(e) => e.preventDefault()} data-testid="canned-suggestions">
    ${options.map(
      (c, n) => html`<li key=${c.id} id=${optionId(c)} role="option" aria-selected=${n === i ? 'true' : 'false'}
        class=${n === i ? 'active' : undefined} onClick=${() => insert(c)} onMouseMove=${() => n !== i && setSel({ key, i: n })}
        data-testid="canned-option" data-shortcut=${c.shortcut}>
        <span class="canned-shortcut">:${c.shortcut}</span>
        <span class="canned-preview">${c.body.slice(0, 140)}</span>
        ${c.shared ? null : html`<span class="canned-mine">Mine</span>`}
      </li>`,
    )}
  </ul>`;
}
